"""Run the QML scenarios once per Qt binding, each in its own process, and share the results."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict

import pytest

# The helpers beside this file are plain modules, whatever import mode pytest runs in.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from qml_scenarios import BINDINGS, HERE, LAYOUT_COUNTS, RUN_TIMEOUT, build_scenarios, child_env, flow_values  # noqa: E402
from qml_session import selection_session  # noqa: E402


@pytest.fixture(scope="session")
def qml_plan() -> Dict[str, Any]:
    """Session data from the real plugin for every scenario (no Qt needed to build it)."""
    updates, start = flow_values()
    sessions = {count: selection_session(count) for count in LAYOUT_COUNTS}
    return {"updates": updates, "start": start, "sessions": sessions}


@pytest.fixture(scope="session")
def qml_runs(qml_plan: Dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Dict[str, Any]]:
    """Run every scenario under PyQt5 (Qt5 pages) and PySide6 (Qt6 pages), in parallel processes."""
    work = tmp_path_factory.mktemp("qml")
    png_dir = work / "png"
    runs: Dict[str, Dict[str, Any]] = {}
    procs = {}
    for framework, module in BINDINGS.items():
        if importlib.util.find_spec(module) is None:
            runs[framework] = {"skip": f"{module} is not installed (make test installs it)"}
            continue
        spec = work / f"spec-{framework}.json"
        out = work / f"out-{framework}.json"
        spec.write_text(json.dumps({"scenarios": build_scenarios(framework, png_dir, work, qml_plan)}), encoding="utf-8")
        log = open(work / f"log-{framework}.txt", "w", encoding="utf-8")
        procs[framework] = (subprocess.Popen(
            [sys.executable, str(HERE / "qml_harness.py"), "--framework", framework, "--spec", str(spec), "--out", str(out)],
            env=child_env(Path(tempfile.mkdtemp(prefix=f"xdg-{framework}-", dir=work))),
            stdout=log, stderr=subprocess.STDOUT), out, log)
    for framework, (proc, out, log) in procs.items():
        code = proc.wait(timeout=RUN_TIMEOUT)
        log.close()
        output = (work / f"log-{framework}.txt").read_text(encoding="utf-8")[-4000:]
        if code != 0 or not out.exists():
            runs[framework] = {"error": f"harness exited with {code}:\n{output}"}
            continue
        results = json.loads(out.read_text(encoding="utf-8"))["results"]
        runs[framework] = {"results": {r["name"]: r for r in results}, "png_dir": png_dir}
    return runs


@pytest.fixture(params=sorted(BINDINGS))
def framework(request: pytest.FixtureRequest) -> str:
    """Each QML test runs once for the Qt5 pages and once for the Qt6 pages."""
    return request.param


@pytest.fixture
def run(framework: str, qml_runs: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """The results of one framework's harness run, or a skip when its binding is missing."""
    outcome = qml_runs[framework]
    if "skip" in outcome:
        pytest.skip(outcome["skip"])
    if "error" in outcome:
        pytest.fail(outcome["error"])
    return outcome
