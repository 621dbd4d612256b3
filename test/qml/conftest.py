"""Run the QML scenarios once per Qt binding, each in its own process, and share the results.

Three harness processes run side by side: the Qt5 pages under the virtualenv's PyQt5 and the Qt6
pages under PySide6 (both with the stand-in Kirigami), and the Qt5 pages under Debian's python3
and PyQt5 with Debian's real Kirigami (skipped, with the command that installs it, where it is missing).
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List

import pytest

# The helpers beside this file are plain modules, whatever import mode pytest runs in.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from qml_scenarios import (BINDINGS, DEBIAN_PYTHON, GERMAN, HERE, LAYOUT_COUNTS, RUN_TIMEOUT,  # noqa: E402
                           LanguagePlan, build_real_scenarios, build_scenarios, child_env, flow_values,
                           install_command, real_kirigami_missing)
from qml_session import join_sessions, network_sessions, selection_session  # noqa: E402

REAL = "qt5-real"

@pytest.fixture(scope="session")
def qml_shared(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    """The plan and the harness runs, made once for the whole run: the first xdist worker that needs them makes
    them (some two minutes of rendering) under a lock in the folder all workers share, the others read its file.
    Shared as JSON, so that every worker checks the very pages that were rendered (the plan holds fresh ids)."""
    from filelock import FileLock
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if base.name.startswith("popen-gw") else base
    done = shared / "qml-shared.json"
    with FileLock(str(shared / "qml-shared.lock")):
        if not done.exists():
            plan = _plan(tmp_path_factory)
            done.write_text(json.dumps({"plan": plan, "runs": _runs(plan, shared / "qml-work")}), encoding="utf-8")
    loaded = json.loads(done.read_text(encoding="utf-8"))
    plan = loaded["plan"]
    for key in ("sessions",):  # JSON keys are text: the layouts are keyed by their client count
        plan[key] = {int(count): value for count, value in plan[key].items()}
    for run in loaded["runs"].values():
        if "png_dir" in run:
            run["png_dir"] = Path(run["png_dir"])
    return {"plan": plan, "runs": loaded["runs"]}


@pytest.fixture(scope="session")
def qml_plan(qml_shared: Dict[str, Any]) -> Dict[str, Any]:
    """Session data from the real plugin and its on-screen method for every scenario (no Qt needed): in
    English, and in German ("de") from a plugin whose mycroft.conf says `lang: de-de`."""
    return dict(qml_shared["plan"])


@pytest.fixture(scope="session")
def qml_runs(qml_shared: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Every scenario's results under PyQt5 (Qt5 pages), PySide6 (Qt6 pages) and real Kirigami."""
    return dict(qml_shared["runs"])


def _plan(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    """The plan: the session data of every scenario, from the real plugin on FakeBus."""
    german = LanguagePlan(GERMAN, tmp_path_factory.mktemp("plan-de"))
    updates, start = flow_values()
    sessions = {count: selection_session(count) for count in LAYOUT_COUNTS}
    return {"updates": updates, "start": start, "sessions": sessions,
            "screen_selection": selection_session(2, screen=True), "networks": network_sessions(),
            "join": join_sessions(), "de": german.result()}


def _runs(qml_plan: Dict[str, Any], work: Path) -> Dict[str, Dict[str, Any]]:
    """Run every scenario under PyQt5, PySide6 and real Kirigami, in parallel processes."""
    work.mkdir()
    png_dir = work / "png"
    runs: Dict[str, Dict[str, Any]] = {}
    commands: Dict[str, List[str]] = {}
    specs: Dict[str, List[Dict[str, Any]]] = {}
    for framework, module in BINDINGS.items():
        if importlib.util.find_spec(module) is None:
            runs[framework] = {"skip": f"{module} is not installed (make test installs it)"}
            continue
        specs[framework] = build_scenarios(framework, png_dir, work, qml_plan)
        commands[framework] = [sys.executable, str(HERE / "qml_harness.py"), "--framework", framework]
    missing = real_kirigami_missing()
    if missing:
        runs[REAL] = {"skip": f"real Kirigami: {missing}; install it with: {install_command()}"}
    else:
        specs[REAL] = build_real_scenarios(png_dir, work, qml_plan)
        commands[REAL] = [str(DEBIAN_PYTHON), str(HERE / "qml_harness.py"), "--framework", "qt5", "--kirigami", "real"]
    procs = {}
    for name, command in commands.items():
        spec = work / f"spec-{name}.json"
        out = work / f"out-{name}" / "out.json"
        out.parent.mkdir()
        spec.write_text(json.dumps({"scenarios": specs[name]}), encoding="utf-8")
        log = open(work / f"log-{name}.txt", "w", encoding="utf-8")
        procs[name] = (subprocess.Popen(
            [*command, "--spec", str(spec), "--out", str(out)],
            env=child_env(Path(tempfile.mkdtemp(prefix=f"xdg-{name}-", dir=work))),
            stdout=log, stderr=subprocess.STDOUT), out, log)
    for name, (proc, out, log) in procs.items():
        code = proc.wait(timeout=RUN_TIMEOUT)
        log.close()
        output = (work / f"log-{name}.txt").read_text(encoding="utf-8")[-4000:]
        if code != 0 or not out.exists():
            runs[name] = {"error": f"harness exited with {code}:\n{output}"}
            continue
        results = json.loads(out.read_text(encoding="utf-8"))["results"]
        runs[name] = {"results": {r["name"]: r for r in results}, "png_dir": str(png_dir)}
    return runs


def _outcome(qml_runs: Dict[str, Dict[str, Any]], name: str) -> Dict[str, Any]:
    """One harness run's results, or a skip when what it needs is missing."""
    outcome = qml_runs[name]
    if "skip" in outcome:
        pytest.skip(outcome["skip"])
    if "error" in outcome:
        pytest.fail(outcome["error"])
    return outcome


@pytest.fixture(params=sorted(BINDINGS))
def framework(request: pytest.FixtureRequest) -> str:
    """Each QML test runs once for the Qt5 pages and once for the Qt6 pages."""
    return request.param


@pytest.fixture
def run(framework: str, qml_runs: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """The results of one framework's harness run, or a skip when its binding is missing."""
    return _outcome(qml_runs, framework)


@pytest.fixture
def real_run(qml_runs: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """The results of the Qt5 pages under real Kirigami, or a skip naming the packages to install."""
    return _outcome(qml_runs, REAL)
