"""Benchmark ours against ovos-PHAL-plugin-wifi-setup 1.1.8 (the baseline) and the OVOS floor, in one interleaved run.

Usage: python benchmarks/run.py [--quick] [--output PATH] [--baseline-venv DIR]

Runs under the Python that has our plugin installed (``make bench`` uses .venv). The baseline has the
same module name as ours, so it lives in its own virtualenv, built on first use and reused after.
Every worker process gets its own temp XDG tree; every probe and bus stays on 127.0.0.1.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKER = HERE / "worker.py"
BASELINE_SPEC = "ovos-PHAL-plugin-wifi-setup==1.1.8"
# What the baseline imports; pinned to the versions ours runs on, so both stand on the same stack.
STACK = ("ovos-plugin-manager", "ovos-bus-client", "ovos-utils", "ovos-config", "requests")
OPS = ("register", "activate", "remove", "status")
OP_LABEL = {"register": "register a new client", "activate": "activate (switch client)",
            "remove": "remove the active client", "status": "status"}
DEFAULT_BASELINE_VENV = HERE / ".venv-baseline"

# Stand-ins for the tools the baseline's watchdog shells out to: a wired connection, active (online), no Wi-Fi.
FAKE_NMCLI = """#!/bin/sh
case "$*" in
  *--active*) printf 'STATE      TYPE\\nactivated  802-3-ethernet\\n' ;;
  *) printf 'NAME   UUID                                  TYPE      DEVICE\\nWired  00000000-0000-0000-0000-000000000000  ethernet  eth0\\n' ;;
esac
"""
FAKE_IWGETID = "#!/bin/sh\nexit 255\n"

# ovos-messagebus 0.0.10 never calls tornado's set_nodelay(True): its small writes wait for the client's
# delayed ACK (~40 ms a hop on loopback), which hides everything else. Figure 4 is also run on a bus with
# that one setting changed, so what the plugin itself adds to a round trip shows.
NODELAY_BUS = """
from ovos_messagebus.event_handler import MessageBusEventHandler
_open = MessageBusEventHandler.open
def _open_nodelay(self, *args, **kwargs):
    self.set_nodelay(True)
    return _open(self, *args, **kwargs)
MessageBusEventHandler.open = _open_nodelay
from ovos_messagebus.__main__ import main
main()
"""


@dataclass
class Profile:
    """How much to measure: the full run or the smoke run of the test suite."""

    name: str
    startup_runs: int
    sizes: Tuple[int, ...]
    fb_rounds: int
    fb_iterations: Dict[str, int]
    fb_budget_s: float
    bus_rounds: int
    bus_warmup: int
    bus_count: int
    shutdown_reps: int
    inflight_reps: int
    baseline_shutdown_delays: Tuple[float, ...]
    baseline_shutdown_cap: float
    idle_window: float


FULL = Profile("full", startup_runs=15, sizes=(10, 100, 1000, 10000), fb_rounds=3,
               fb_iterations={"register": 150, "activate": 150, "remove": 60, "status": 150}, fb_budget_s=1.5,
               bus_rounds=4, bus_warmup=20, bus_count=50, shutdown_reps=15, inflight_reps=5,
               baseline_shutdown_delays=(5.0, 15.0, 25.0), baseline_shutdown_cap=40.0, idle_window=60.0)
QUICK = Profile("quick", startup_runs=3, sizes=(10, 100), fb_rounds=1,
                fb_iterations={"register": 30, "activate": 30, "remove": 10, "status": 30}, fb_budget_s=0.5,
                bus_rounds=1, bus_warmup=5, bus_count=20, shutdown_reps=3, inflight_reps=2,
                baseline_shutdown_delays=(1.0,), baseline_shutdown_cap=3.0, idle_window=12.0)


# ---------------------------------------------------------------------------------------------- environment
def log(text: str) -> None:
    """Progress on stderr, so stdout carries only the table."""
    print(text, file=sys.stderr, flush=True)


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def package_versions(python: str, names: Iterable[str]) -> Dict[str, str]:
    """Installed versions of these distributions in the virtualenv of `python`."""
    code = ("import json, sys, importlib.metadata as m\n"
            "out = {}\n"
            "for n in sys.argv[1:]:\n"
            "    try: out[n] = m.version(n)\n"
            "    except m.PackageNotFoundError: out[n] = ''\n"
            "out['python'] = sys.version.split()[0]\n"
            "print(json.dumps(out))")
    # -I and a neutral cwd: a checkout's *.egg-info in the cwd would otherwise answer for the baseline venv.
    done = subprocess.run([python, "-I", "-c", code, *names], capture_output=True, text=True, check=True,
                          cwd=tempfile.gettempdir())
    return json.loads(done.stdout)


def ensure_baseline_venv(venv: Path, ours_python: str, stack: Dict[str, str]) -> str:
    """Create (or reuse) the baseline's virtualenv; return its python."""
    python = venv / "bin" / "python"
    wanted = [BASELINE_SPEC] + [f"{name}=={stack[name]}" for name in STACK if stack.get(name)]
    stamp = venv / ".bench-installed"
    if python.exists() and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return str(python)
    log(f"building the baseline virtualenv at {venv} ({' '.join(wanted)})")
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([ours_python, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    # The baseline's own pins (ovos-plugin-manager<1, ovos-workshop) do not resolve against current OVOS.
    for args in ([*pip, "--no-deps", BASELINE_SPEC], [*pip, *wanted[1:]]):
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"pip failed: {' '.join(args)}\n{done.stdout}\n{done.stderr}")
    stamp.write_text(json.dumps(wanted))
    return str(python)


class RunDir:
    """A temp folder for one run: a private XDG tree per worker, the stand-in tools, the workers' logs."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ovos-wifi-bench-"))
        self.bin = self.root / "bin"
        self.bin.mkdir()
        for name, text in (("nmcli", FAKE_NMCLI), ("iwgetid", FAKE_IWGETID)):
            path = self.bin / name
            path.write_text(text)
            path.chmod(0o755)
        self.logs = self.root / "logs"
        self.logs.mkdir()
        self._serial = 0

    def env(self) -> Tuple[Dict[str, str], str]:
        """Environment for one child: its own XDG tree and HOME (also its cwd); the stand-in tools first on PATH."""
        self._serial += 1
        home = self.root / f"w{self._serial:04d}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OVOS_", "MYCROFT_", "PYTHON"))}
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                         ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache"), ("HOME", "home")):
            (home / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(home / sub)
        env["BENCH_RUN_DIR"] = str(self.root)
        env["PATH"] = os.pathsep.join([str(self.bin), env.get("PATH", "/usr/bin:/bin")])
        return env, f"w{self._serial:04d}"

    def remove(self) -> None:
        """Delete the run folder."""
        shutil.rmtree(self.root, ignore_errors=True)


class Worker:
    """One worker process: started, fed JSON commands (optional), its JSON result lines read back."""

    def __init__(self, run: RunDir, python: str, mode: str, variant: str, *args: str,
                 interactive: bool = False, python_args: Tuple[str, ...] = ()) -> None:
        env, tag = run.env()
        self.name = f"{tag}-{mode}-{variant}"
        self.log_path = run.logs / f"{self.name}.log"
        self._log = open(self.log_path, "wb")
        argv = [python, *python_args, str(WORKER), mode, "--variant", variant, *args]
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=self._log, text=True,
                                     stdin=subprocess.PIPE if interactive else subprocess.DEVNULL, cwd=env["HOME"])

    def read(self) -> Dict[str, Any]:
        """The next result line; fail with the worker's log when it ended without one."""
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(10)
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"worker {self.name} ended (rc {self.proc.returncode}) without a result:\n{tail}")
        result = json.loads(line)
        if result.get("blocked_connections"):
            raise RuntimeError(f"worker {self.name} tried to leave loopback: {result['blocked_connections']}")
        return result

    def ask(self, command: Dict[str, Any]) -> Dict[str, Any]:
        """Send one command and return its answer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self.read()

    def finish(self, timeout: float = 60.0) -> Dict[str, Any]:
        """Wait for the single result of a one-shot worker."""
        result = self.read()
        self.proc.wait(timeout)
        self._log.close()
        return result

    def stop(self) -> None:
        """End the process by its pid if it still runs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


# ---------------------------------------------------------------------------------------------- statistics
@dataclass
class Stat:
    """Median, min and max of a sample, in the unit it was taken in."""

    values: List[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median, NaN when empty."""
        return statistics.median(self.values) if self.values else float("nan")

    def fmt(self, scale: float = 1.0, digits: int = 1) -> str:
        """'median (min–max)' after scaling."""
        if not self.values:
            return "—"
        v = [x * scale for x in self.values]
        return f"{statistics.median(v):,.{digits}f} ({min(v):,.{digits}f}–{max(v):,.{digits}f})"


def ratio(a: float, b: float) -> str:
    """a/b as '0.42×', or '—' when undefined."""
    if b == 0 or a != a or b != b:
        return "—"
    return f"{a / b:.2f}×"


# ---------------------------------------------------------------------------------------------- figures
def fig_startup(run: RunDir, pythons: Dict[str, str], prof: Profile) -> Dict[str, Any]:
    """Figures 1 and 7: fresh interpreters, interleaved; per-round differences to the floor of the same venv."""
    kinds = [("ours", pythons["ours"], "ours"), ("floor-ours", pythons["ours"], "floor"),
             ("baseline", pythons["baseline"], "baseline"), ("floor-baseline", pythons["baseline"], "floor")]
    raw: Dict[str, List[Dict[str, Any]]] = {k: [] for k, _, _ in kinds}
    for round_no in range(prof.startup_runs + 1):
        for kind, python, variant in kinds:
            result = Worker(run, python, "startup", variant).finish()
            if round_no:  # round 0 warms the page cache and the .pyc files; not counted
                raw[kind].append(result)
    out: Dict[str, Any] = {"raw": raw, "breakdown": startup_breakdown(run, pythons["ours"])}
    for kind, floor in (("ours", "floor-ours"), ("baseline", "floor-baseline")):
        out[kind] = {
            "import_over": Stat([a.get("import_s", 0.0) - f.get("import_s", 0.0) for a, f in zip(raw[kind], raw[floor])]),
            "startup_over": Stat([a["startup_s"] - f["startup_s"] for a, f in zip(raw[kind], raw[floor])]),
            "started_over": Stat([a.get("started_s", a["startup_s"]) - f.get("started_s", f["startup_s"])
                                  for a, f in zip(raw[kind], raw[floor])]),
            "rss_over": Stat([(a["rss_kib"] - f["rss_kib"]) / 1024 for a, f in zip(raw[kind], raw[floor])]),
            "startup": Stat([a["startup_s"] for a in raw[kind]]),
            "rss": Stat([a["rss_kib"] / 1024 for a in raw[kind]]),
        }
        out[floor] = {"startup": Stat([f["startup_s"] for f in raw[floor]]),
                      "rss": Stat([f["rss_kib"] / 1024 for f in raw[floor]])}
    return out


def startup_breakdown(run: RunDir, python: str) -> Dict[str, Any]:
    """One more start-up of ours under -X importtime: each of our modules' own import time (µs), before the plugin
    was constructed and after (on its thread), read from the worker's log."""
    worker = Worker(run, python, "startup", "ours", python_args=("-X", "importtime"))
    worker.finish()
    phases: Dict[str, Dict[str, int]] = {"construction": {}, "thread": {}}
    phase = "construction"
    for line in worker.log_path.read_text(errors="replace").splitlines():
        if line.startswith("bench: constructed"):
            phase = "thread"
        elif line.startswith("import time:") and "ovos_PHAL_plugin_wifi_setup" in line:
            own, _, name = (part.strip() for part in line[len("import time:"):].split("|"))
            phases[phase][name] = int(own)
    return phases


def fig_fakebus(run: RunDir, pythons: Dict[str, str], prof: Profile) -> Dict[str, Any]:
    """Figures 2 and 3: one long-lived worker per variant, batches interleaved variant by variant."""
    variants = ("ours", "baseline", "floor")
    workers = {v: Worker(run, pythons["ours" if v == "floor" else v], "fakebus", v, interactive=True)
               for v in variants}
    samples: Dict[Tuple[str, int, str], Stat] = {}
    sent: Dict[Tuple[str, int, str], List[int]] = {}
    populate: Dict[Tuple[str, int], float] = {}
    try:
        for w in workers.values():
            w.read()  # ready
        for size in prof.sizes:
            for v, w in workers.items():
                answer = w.ask({"cmd": "populate", "clients": size})
                if answer.get("missing"):
                    raise RuntimeError(f"{v}: clients not registered: {answer['missing']}")
                populate[(v, size)] = answer.get("populate_s", 0.0)
            for round_no in range(prof.fb_rounds):
                for op in OPS:
                    order = variants[round_no % 3:] + variants[:round_no % 3]
                    for v in order:
                        if v == "floor" and (size != prof.sizes[0] or op != OPS[0]):
                            continue  # the floor has no population and one kind of request
                        for alone in ((False, True) if size == prof.sizes[0] else (False,)):
                            answer = workers[v].ask({"cmd": "measure", "op": op, "alone": alone,
                                                     "iterations": prof.fb_iterations[op],
                                                     "budget_s": prof.fb_budget_s})
                            key = (v, size, op + (":alone" if alone else ""))
                            samples.setdefault(key, Stat()).values.extend(answer["samples_ns"])
                            sent.setdefault(key, []).extend(answer["sent"])
            log(f"  handler costs measured with {size} clients")
        for w in workers.values():
            w.ask({"cmd": "quit"})
    finally:
        for w in workers.values():
            w.stop()
    return {"samples": samples, "sent": sent, "populate": populate}


def fig_realbus(run: RunDir, pythons: Dict[str, str], prof: Profile, nodelay: bool) -> Dict[str, Stat]:
    """Figure 4: one ovos-messagebus on loopback (stock, or with TCP_NODELAY); per round one worker per variant."""
    port = free_port()
    env, tag = run.env()
    conf = Path(env["XDG_CONFIG_HOME"]) / "mycroft" / "mycroft.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(json.dumps({"websocket": {"host": "127.0.0.1", "port": port, "route": "/core", "ssl": False},
                                "logging": {"log_level": "WARNING", "logs": {"path": "stdout"}}}))
    bus_bin = Path(pythons["ours"]).parent / "ovos-messagebus"
    log_file = open(run.logs / f"{tag}-ovos-messagebus.log", "wb")
    argv = [pythons["ours"], "-c", NODELAY_BUS] if nodelay else [str(bus_bin)]
    bus = subprocess.Popen(argv, env=env, cwd=env["HOME"], stdout=log_file, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
    stats: Dict[str, Stat] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if bus.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ovos-messagebus did not start: see {log_file.name}")
            time.sleep(0.1)
        variants = ("ours", "baseline", "floor")
        for round_no in range(prof.bus_rounds):
            for v in variants[round_no % 3:] + variants[:round_no % 3]:
                python = pythons["ours" if v == "floor" else v]
                count = prof.bus_count * (2 if v == "floor" else 1)
                result = Worker(run, python, "realbus", v, "--port", str(port), "--warmup", str(prof.bus_warmup),
                                "--count", str(count)).finish()
                for key, values in result.items():
                    if key.endswith("_ns"):
                        stats.setdefault(f"{v}:{key[:-3]}", Stat()).values.extend(values)
    finally:
        bus.send_signal(signal.SIGTERM)
        try:
            bus.wait(15)
        except subprocess.TimeoutExpired:
            bus.kill()
            bus.wait(10)
        log_file.close()
    return stats


def fig_shutdown_idle(run: RunDir, pythons: Dict[str, str], prof: Profile) -> Dict[str, Any]:
    """Figures 5 and 6 together: both are mostly waiting, so their processes run side by side."""
    idle = {(v, reports): Worker(run, pythons[v], "idle", v, "--window", str(prof.idle_window),
                                 *(["--reports"] if reports else []))
            for v in ("ours", "baseline") for reports in (True, False)}
    base_shutdowns = [Worker(run, pythons["baseline"], "shutdown", "baseline", "--delay", str(d),
                             "--cap", str(prof.baseline_shutdown_cap)) for d in prof.baseline_shutdown_delays]
    # Ours and the floor are quick: run them now, while the long ones wait.
    ours = Worker(run, pythons["ours"], "shutdown", "ours", "--reps", str(prof.shutdown_reps)).finish()
    inflight = Worker(run, pythons["ours"], "shutdown", "ours", "--reps", str(prof.inflight_reps),
                      "--in-flight", "--delay", "0.5").finish()
    floor = Worker(run, pythons["ours"], "shutdown", "floor", "--reps", "3").finish()
    baseline_reps: List[Dict[str, Any]] = []
    for w in base_shutdowns:
        baseline_reps.extend(w.finish(timeout=prof.baseline_shutdown_cap + 60)["reps"])
    idle_results = {key: w.finish(timeout=prof.idle_window + 60) for key, w in idle.items()}
    return {"ours": ours["reps"], "inflight": inflight["reps"], "floor": floor["reps"],
            "baseline": baseline_reps, "idle": idle_results}


# ---------------------------------------------------------------------------------------------- figure 6 maths
def project_checks(result: Dict[str, Any]) -> Tuple[int, int]:
    """Checks in the first 10 minutes and in minutes 10-20, from what the window showed and the schedule."""
    times = list(result["hits"])
    schedule = result["schedule"]
    if schedule["kind"] == "fixed":
        gaps = [b - a for a, b in zip(times, times[1:])]
        interval = statistics.median(gaps) if gaps else float(schedule.get("interval") or 30)
        t = (times[-1] if times else result["window_s"]) + interval
        grow = 1.0
        cap = interval
    else:
        if result.get("next_check_in") is None:
            t = float("inf")  # nothing pending: no more checks unless something changes
            interval = grow = cap = 0.0
        else:
            t = result["elapsed_s"] + result["next_check_in"]
            interval = t - times[-1] if times else result["next_check_in"]
            grow, cap = 2.0, float(schedule["max"])
    while t < 1200:
        times.append(t)
        interval = min(interval * grow, cap)
        t += interval
    return sum(1 for x in times if x < 600), sum(1 for x in times if 600 <= x < 1200)


# ---------------------------------------------------------------------------------------------- report
def machine_line(versions: Dict[str, Dict[str, str]]) -> str:
    """CPU model, cores, Python and package versions."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ours = versions["ours"]
    base = versions["baseline"]
    stack = ", ".join(f"{n} {ours.get(n, '?')}" for n in STACK)
    return (f"{cpu}, {os.cpu_count()} cores, Python {ours.get('python')} ({platform.system()} "
            f"{platform.release()}); ours ovos-PHAL-plugin-wifi-setup {ours.get('ovos-PHAL-plugin-wifi-setup')}, "
            f"baseline {base.get('ovos-PHAL-plugin-wifi-setup')} (its own venv, Python {base.get('python')}); "
            f"both on {stack}")


def verdict(ok: Optional[bool]) -> str:
    """Cell text for a target check."""
    return "—" if ok is None else ("met" if ok else "**missed**")


def build_rows(f1: Dict[str, Any], fb: Dict[str, Any], rb: Dict[str, Stat], rb_nodelay: Dict[str, Stat],
               f56: Dict[str, Any], prof: Profile) -> List[List[str]]:
    """The table rows: figure, measure, ours, baseline, floor, ratio, target, verdict."""
    rows: List[List[str]] = []
    o, b = f1["ours"], f1["baseline"]
    rows.append(["1", "start-up over the floor, ms (import + construct on FakeBus)",
                 o["startup_over"].fmt(1e3), b["startup_over"].fmt(1e3), f1["floor-ours"]["startup"].fmt(1e3),
                 ratio(o["startup_over"].median, b["startup_over"].median), "≤ 10 ms and ≤ 0.5× baseline",
                 verdict(o["startup_over"].median <= 10e-3 and o["startup_over"].median <= 0.5 * b["startup_over"].median)])
    rows.append(["1", "start-up over the floor until started, ms (ours: its thread has started the built-in methods "
                 "and sent the start-up questions; the others do all in construction)",
                 o["started_over"].fmt(1e3), b["started_over"].fmt(1e3), f1["floor-ours"]["startup"].fmt(1e3),
                 ratio(o["started_over"].median, b["started_over"].median), "(evidence)", "—"])
    small, big = prof.sizes[0], prof.sizes[-1]
    s = fb["samples"]
    floor = s[("floor", small, OPS[0])]
    for op in OPS:
        so, sb = s[("ours", small, op)], s[("baseline", small, op)]
        sent_o = statistics.median(fb["sent"][("ours", small, op)])
        sent_b = statistics.median(fb["sent"][("baseline", small, op)])
        rows.append(["2", f"{OP_LABEL[op]}, µs/request ({small} clients; messages sent: ours {sent_o:g}, "
                          f"baseline {sent_b:g})",
                     so.fmt(1e-3), sb.fmt(1e-3), floor.fmt(1e-3) + " ping→response",
                     ratio(so.median, sb.median), "≤ 0.25× baseline", verdict(so.median <= 0.25 * sb.median)])
    floor_alone = s[("floor", small, OPS[0] + ":alone")]
    for op in OPS:
        so, sb = s[("ours", small, op + ":alone")], s[("baseline", small, op + ":alone")]
        rows.append(["2", f"{OP_LABEL[op]}, µs/request, handler alone: request handed straight to the handlers, "
                          "messages they send collected, not sent",
                     so.fmt(1e-3), sb.fmt(1e-3), floor_alone.fmt(1e-3) + " ping→response",
                     ratio(so.median, sb.median), "(evidence)", "—"])
    for op in OPS:
        go = s[("ours", big, op)].median / s[("ours", small, op)].median
        gb = s[("baseline", big, op)].median / s[("baseline", small, op)].median
        mids = " · ".join(f"{n:,}: {s[('ours', n, op)].median / 1e3:,.0f}" for n in prof.sizes)
        mids_b = " · ".join(f"{n:,}: {s[('baseline', n, op)].median / 1e3:,.0f}" for n in prof.sizes)
        rows.append(["3", f"growth {big:,} vs {small} clients, {OP_LABEL[op]} (medians µs ours {mids}; "
                          f"baseline {mids_b})",
                     f"{go:.2f}×", f"{gb:.2f}×", "—", "—", "≤ 1.5×", verdict(go <= 1.5)])
    for stats, bus_label in ((rb, "stock ovos-messagebus"), (rb_nodelay, "ovos-messagebus with TCP_NODELAY")):
        ping = stats["floor:ping"]
        for key, label in (("register", "register.client → client.registered"),
                           ("activate", "set.active.client → activate.{id}")):
            so, sb = stats[f"ours:{key}"], stats[f"baseline:{key}"]
            rows.append(["4", f"round trip on a real bus, µs, {bus_label}: {label} ({len(so.values)} each)",
                         so.fmt(1e-3), sb.fmt(1e-3), ping.fmt(1e-3) + " ping→response",
                         f"ours {ratio(so.median, ping.median)} floor · baseline {ratio(sb.median, ping.median)} "
                         "floor", "≤ 1.05× floor", verdict(so.median <= 1.05 * ping.median)])
    ended_o = Stat([r["threads_ended_s"] for r in f56["ours"] if r["threads_ended_s"] is not None])
    ended_b = [r["threads_ended_s"] for r in f56["baseline"]]
    cap = prof.baseline_shutdown_cap
    b_text = Stat([x for x in ended_b if x is not None]).fmt(1, 2) if all(x is not None for x in ended_b) else \
        f"> {cap:g} s in {sum(x is None for x in ended_b)} of {len(ended_b)} (still in its sleep)"
    all_ours_ended = all(r["threads_ended_s"] is not None for r in f56["ours"])
    rows.append(["5", "shutdown() → watchdog thread ended, s (watchdog running)",
                 ended_o.fmt(1, 3), b_text, "—", "—", "< 0.1 s",
                 verdict(all_ours_ended and max(ended_o.values) < 0.1)])
    inflight = f56["inflight"]
    ended_i = Stat([r["threads_ended_s"] for r in inflight if r["threads_ended_s"] is not None])
    caught = sum(1 for r in inflight if r["check_in_flight"])
    rows.append(["5", f"shutdown() → threads ended, s, with our own check in flight "
                      f"({caught} of {len(inflight)} runs caught one in flight)",
                 ended_i.fmt(1, 3), "n/a (its check has no timeout)", "—", "—", "< 0.1 s",
                 verdict(len(ended_i.values) == len(inflight) and max(ended_i.values, default=1) < 0.1)])

    def left(reps: List[Dict[str, Any]]) -> Stat:
        """Listeners after shutdown() minus before construction, per run."""
        return Stat([r["listeners_after"] - r["listeners_before"] for r in reps])
    lo = left(f56["ours"])
    rows.append(["5", "bus listeners left behind after shutdown()", lo.fmt(1, 0), left(f56["baseline"]).fmt(1, 0),
                 left(f56["floor"]).fmt(1, 0) + " (empty PHALPlugin)", "—", "0", verdict(max(lo.values) == 0)])
    idle = f56["idle"]
    for reports, target in ((True, 0), (False, 3)):
        cells = []
        first_steady = {}
        for v in ("ours", "baseline"):
            result = idle[(v, reports)]
            first, steady = project_checks(result)
            first_steady[v] = steady
            hits = ", ".join(f"{h:.1f}" for h in result["hits"]) or "none"
            cells.append(f"{steady} (first 10 min: {first}; measured {len(result['hits'])} in "
                         f"{result['window_s']:g} s at {hits} s)")
        label = "with connectivity reports on the bus" if reports else "without connectivity reports"
        rows.append(["6", f"idle network checks per 10 min while online, {label} "
                          f"(once online 10 min; computed from the window)",
                     cells[0], cells[1], "—", "—", f"{'0' if target == 0 else '≤ 3'} per 10 min",
                     verdict(first_steady["ours"] <= target)])
    o7, b7 = f1["ours"]["rss_over"], f1["baseline"]["rss_over"]
    rows.append(["7", "resident memory after start-up over the floor, MiB", o7.fmt(1, 2), b7.fmt(1, 2),
                 f1["floor-ours"]["rss"].fmt(1, 1) + " MiB total", ratio(o7.median, b7.median), "≤ 2 MiB",
                 verdict(o7.median <= 2.0)])
    return rows


HEADER = ["#", "measure", "ours", "baseline 1.1.8", "floor", "ratio", "target", "ours vs target"]


def render_table(rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def render_results(table: str, machine: str, command: str, prof: Profile, notes: List[str]) -> str:
    """RESULTS.md."""
    quick = " (`--quick` smoke run: few samples, short windows; not for comparison)" if prof.name == "quick" else ""
    return "\n".join([
        "# Benchmarks: ours against ovos-PHAL-plugin-wifi-setup 1.1.8 and the OVOS floor" + quick, "",
        "Values are `median (min–max)`. Ours, the baseline and the floor were measured in the same run, "
        "interleaved. The floor is what the OVOS stack costs anyway: an empty `PHALPlugin` subclass "
        "(figures 1, 5, 7), a bare responder answering a ping with `message.response` (figures 2, 4).", "",
        table, "",
        f"Machine: {machine}", "",
        f"Command: `{command}`", "",
        "## How each figure was taken", "",
        *[f"- {n}" for n in notes], ""])


def breakdown_note(f1: Dict[str, Any]) -> str:
    """Figure 1's breakdown in words: ours' import and construction medians, and the module imports of each phase
    (the costliest first) from the -X importtime run."""
    o = f1["ours"]
    parts = []
    for phase, modules in f1["breakdown"].items():
        ranked = sorted(modules.items(), key=lambda item: -item[1])
        shown = ", ".join(f"{name.replace('ovos_PHAL_plugin_wifi_setup.', '')} {us / 1e3:.2f}" for name, us in ranked[:8])
        parts.append(f"{phase}: {len(modules)} modules, {sum(modules.values()) / 1e3:.1f} ms of their own import time "
                     f"(the costliest: {shown})")
    return (f"1, breakdown of ours: import {o['import_over'].median * 1e3:.1f} ms, import and construction "
            f"{o['startup_over'].median * 1e3:.1f} ms, until started {o['started_over'].median * 1e3:.1f} ms (medians "
            "over the floor); one more run under `-X importtime` (which slows what it times), per phase: "
            + "; ".join(parts) + ".")


def notes_for(prof: Profile, fb: Dict[str, Any], f1: Dict[str, Any]) -> List[str]:
    """What the reader needs to read the table right."""
    populate = fb["populate"]
    big = prof.sizes[-1]
    notes = [
        f"1, 7: a fresh interpreter per sample ({prof.startup_runs} per variant after one warm-up round, "
        "interleaved ours, floor, baseline, floor): time from the OVOS stack imported (ovos-plugin-manager's "
        "PHALPlugin and FakeBus, which ovos_PHAL has loaded before any plugin; the floor column is this time for "
        "the empty plugin; a full garbage collection runs before the clock in every variant, so that the pass the "
        "stack's import made due falls on none of them) to the plugin constructed on FakeBus (`enable_watchdog: False`) and (second row) to its "
        "thread's start-up work done (ours only: the others have none), VmRSS after that; each sample minus the floor "
        "sample of the same round and virtualenv (the baseline has its own venv with the same OVOS stack).",
        "2, 3: one long-lived process per variant; batches of one request kind alternate between variants. "
        "A sample is one `FakeBus.emit(request)`, which runs the handlers inline, including every message "
        "they send (each FakeBus emit serialises the message and its session). Clients register with "
        "`has_gui: true` (the baseline refuses others); a new client is deregistered, untimed, after each "
        "register so the population stays put; `remove` is preceded, untimed, by an activation. "
        "`network_tests` point at a closed loopback port (the device is offline): online, the baseline's "
        "`remove.active.client` also emits `mycroft.internet.connected` and blocks 3 s in "
        "`wait_for_response('system.ntp.sync')`. Ours runs with `verify_timeout: 3600` so it does not hand "
        "the session on mid-batch, and in 2, 3 and 4 with its deliberate waits off (`registration_settle`, "
        "`stop_settle`, `echo_window`, `notice_window`, `gui_wait` all 0; by default it holds an activation "
        "back 1 s after a registration and 5 s after that client's session ended), so a sample times the "
        "handler, not the wait. Registering the population took "
        f"{populate.get(('ours', big), 0):.1f} s (ours) and {populate.get(('baseline', big), 0):.1f} s "
        f"(baseline) for {big:,} clients.",
        "4: one `ovos-messagebus` (this venv's) on a free loopback port, run twice: as shipped, and with "
        "`set_nodelay(True)` on its websocket handler (the only change; as shipped, the server's small writes "
        "wait for the client's delayed ACK, ~40 ms a hop, which every variant and the floor pay alike); per round one process per variant in "
        "turn (so one plugin at a time is on the bus), each with the plugin (or responder) and the requester "
        f"on separate `MessageBusClient` connections; {prof.bus_warmup} warm-up requests of each kind, then "
        f"{prof.bus_count} per kind per round over {prof.bus_rounds} round(s); the floor times twice as many pings.",
        "5: default config (watchdog on), `network_tests` at a loopback server that answers; ours is shut "
        "down 0.3 s after construction (its thread waits for `reporter_wait`); the in-flight row starts our "
        "check at once (`reporter_wait: 0.05`) against a loopback server that accepts and never answers. The "
        "baseline's watchdog runs against stand-in `nmcli`/`iwgetid` (an active wired connection) and is shut "
        f"down {', '.join(f'{d:g}' for d in prof.baseline_shutdown_delays)} s after construction; its thread "
        "only notices at the end of its `sleep(30)`. Listeners are counted on the FakeBus before "
        "construction and after `shutdown()`.",
        f"6: default schedule and config, measured over {prof.idle_window:g} s against a counting loopback HTTP "
        "server (every request counts as one check). With reports, a stand-in for "
        "ovos-PHAL-plugin-connectivity-events answers `ovos.PHAL.internet_check` and announces "
        "`mycroft.internet.connected`. The 10-minute figures are computed: the checks seen in the window, "
        "then ours: its pending next check and its documented schedule (interval doubles after each online "
        "check up to `check_interval_online_max`, first check after `reporter_wait` = 10 s when no reporter "
        "answers); the baseline: its measured interval (30 s `time_between_checks`) repeated. The table gives "
        "minutes 10–20 (\"once online for 10 minutes\") and, in brackets, the first 10 minutes.",
        "Every worker blocks and reports any connection or name lookup that is not loopback; a run with one "
        "fails.",
    ]
    return notes[:1] + [breakdown_note(f1)] + notes[1:]


# ---------------------------------------------------------------------------------------------- main
def main(argv: Optional[List[str]] = None) -> int:
    """Run every figure, print the table and write RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run (< 60 s): few samples, short windows")
    parser.add_argument("--output", type=Path, help="where to write the results "
                        "(default benchmarks/RESULTS.md; with --quick: only the temp run folder)")
    parser.add_argument("--baseline-venv", type=Path, default=DEFAULT_BASELINE_VENV,
                        help=f"the baseline's virtualenv, built when missing (default {DEFAULT_BASELINE_VENV})")
    parser.add_argument("--ours-python", default=sys.executable, help="a python with our plugin installed")
    parser.add_argument("--keep", action="store_true", help="keep the temp run folder (logs of every worker)")
    args = parser.parse_args(argv)
    prof = QUICK if args.quick else FULL
    started = time.monotonic()

    ours_versions = package_versions(args.ours_python, ("ovos-PHAL-plugin-wifi-setup", *STACK))
    if ours_versions["ovos-PHAL-plugin-wifi-setup"] in ("", BASELINE_SPEC.split("==")[1]):
        raise SystemExit(f"{args.ours_python} does not have our plugin installed: {ours_versions}")
    base_python = ensure_baseline_venv(args.baseline_venv.resolve(), args.ours_python, ours_versions)
    versions = {"ours": ours_versions,
                "baseline": package_versions(base_python, ("ovos-PHAL-plugin-wifi-setup", *STACK))}
    pythons = {"ours": args.ours_python, "baseline": base_python}
    run = RunDir()
    ok = False
    try:
        log(f"[{time.monotonic() - started:5.1f} s] figures 1, 7: start-up and memory ({prof.startup_runs} runs each)")
        f1 = fig_startup(run, pythons, prof)
        log(f"[{time.monotonic() - started:5.1f} s] figures 2, 3: handler costs on FakeBus, sizes {prof.sizes}")
        fb = fig_fakebus(run, pythons, prof)
        log(f"[{time.monotonic() - started:5.1f} s] figure 4: round trips over ovos-messagebus")
        rb = fig_realbus(run, pythons, prof, nodelay=False)
        log(f"[{time.monotonic() - started:5.1f} s] figure 4 again, on a bus with TCP_NODELAY")
        rb_nodelay = fig_realbus(run, pythons, prof, nodelay=True)
        log(f"[{time.monotonic() - started:5.1f} s] figures 5, 6: shutdown and idle checks "
            f"({prof.idle_window:g} s window)")
        f56 = fig_shutdown_idle(run, pythons, prof)
        rows = build_rows(f1, fb, rb, rb_nodelay, f56, prof)
        table = render_table(rows)
        command = "make bench" if not args.quick else "python benchmarks/run.py --quick"
        text = render_results(table, machine_line(versions), command, prof, notes_for(prof, fb, f1))
        output = args.output or (None if args.quick else HERE / "RESULTS.md")
        target = output or run.root / "RESULTS.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(table)
        print(f"\nMachine: {machine_line(versions)}")
        log(f"[{time.monotonic() - started:5.1f} s] wrote {target}")
        ok = True
    finally:
        if args.keep or not ok or (args.quick and args.output is None):
            log(f"worker logs kept in {run.logs}")
        else:
            run.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
