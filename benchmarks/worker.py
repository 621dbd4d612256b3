"""Benchmark worker: runs inside one virtualenv (ours or the baseline's), measures one figure, prints JSON lines."""
import time

# Taken before anything else so the start-up figure covers every import the worker makes.
T0 = time.perf_counter()

import argparse  # noqa: E402 - after T0 on purpose
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from typing import Any, Callable, Dict, List, Optional, Tuple  # noqa: E402

LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")
PLUGIN_ID = "ovos-PHAL-plugin-wifi-setup"
PREFIX = "ovos.phal.wifi.plugin."
PING = "bench.ping"
# The idle check our plugin keeps in its scheduler (watchdog.JOB_CHECK); followed only to compute figure 6.
OUR_CHECK_JOB = "own_check"

_blocked: List[str] = []


# ---------------------------------------------------------------------------------------------- plumbing
def _results_stream() -> Any:
    """Keep the real stdout for JSON results; everything else printed to fd 1 (logs) goes to stderr."""
    results = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    return results


OUT = _results_stream()


def emit_result(payload: Dict[str, Any]) -> None:
    """Write one JSON result line for the runner."""
    payload.setdefault("blocked_connections", list(_blocked))
    OUT.write(json.dumps(payload) + "\n")
    OUT.flush()


def _loopback(host: Any) -> bool:
    """True for a host that stays on this machine."""
    return host is None or (isinstance(host, (str, bytes)) and
                            (host.decode() if isinstance(host, bytes) else host) in LOOPBACK_NAMES)


def install_network_guard() -> None:
    """Refuse, and record, any connection or name lookup that would leave loopback."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def allowed(address: Any) -> bool:
        """True for an address on loopback (or not an IP address at all, e.g. a unix socket)."""
        return not isinstance(address, tuple) or _loopback(address[0])

    def connect(self: socket.socket, address: Any) -> None:
        """socket.connect, loopback only."""
        if not allowed(address):
            _blocked.append(repr(address))
            raise OSError(f"benchmark guard: {address!r} is not loopback")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        """socket.connect_ex, loopback only."""
        if not allowed(address):
            _blocked.append(repr(address))
            return 111  # ECONNREFUSED
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        """socket.getaddrinfo, loopback names only (no DNS query leaves the machine)."""
        if not _loopback(host):
            _blocked.append(f"lookup {host!r}")
            raise socket.gaierror(f"benchmark guard: {host!r} is not loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CheckServer:
    """Loopback HTTP server standing in for the network_tests urls; answers 200 and logs when each request came."""

    def __init__(self) -> None:
        self.hits: List[float] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            """Answers GET and HEAD with 200 and notes the time."""

            def _answer(self) -> None:
                hits.append(time.monotonic())
                body = b"online"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = _answer  # noqa: N815 - the http.server API

            def log_message(self, *args: Any) -> None:
                """Stay quiet."""
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()


class StallServer:
    """Accepts connections and never answers, so a check against it stays in flight."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = int(self._sock.getsockname()[1])
        self._held: List[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._held.append(conn)


def write_mycroft_conf(check_port: int, bus_port: Optional[int], log_level: str) -> None:
    """Write mycroft.conf in this process's private XDG tree: probes and bus on loopback only."""
    url = f"http://127.0.0.1:{check_port}/check"
    config: Dict[str, Any] = {
        "network_tests": {"ip_url": url, "dns_primary": "127.0.0.1", "dns_secondary": "127.0.0.1",
                          "web_url": url, "web_url_secondary": url,
                          "captive_portal_url": f"http://127.0.0.1:{check_port}/portal",
                          "captive_portal_text": "portal"},
        "log_level": log_level,
        "logging": {"log_level": log_level, "logs": {"path": "stdout"}},
        "PHAL": {},
    }
    if bus_port is not None:
        config["websocket"] = {"host": "127.0.0.1", "port": bus_port, "route": "/core", "ssl": False}
    base = os.environ.get("XDG_CONFIG_HOME", "")
    run_dir = os.environ.get("BENCH_RUN_DIR", "")
    # Never write into a real user's config: only into the tree the runner made for this process.
    if not run_dir or not base.startswith(run_dir + os.sep):
        raise SystemExit("worker: XDG_CONFIG_HOME must lie inside BENCH_RUN_DIR (started by benchmarks/run.py)")
    os.makedirs(os.path.join(base, "mycroft"), exist_ok=True)
    with open(os.path.join(base, "mycroft", "mycroft.conf"), "w", encoding="utf-8") as f:
        json.dump(config, f)


def set_log_level(level: str) -> None:
    """Same log level for every variant."""
    from ovos_utils.log import LOG
    LOG.set_level(level)


def count_listeners(bus: Any) -> int:
    """Every handler registered on a FakeBus."""
    return sum(len(bus.ee.listeners(event)) for event in bus.ee.event_names())


def rss_kib() -> int:
    """Resident set size of this process, in KiB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


# Figures 2-4 time a request until its outcome. Ours holds an activation back on purpose (registration_settle
# after a registration, stop_settle after a session end) and waits for echoes and notices; with those waits at
# their defaults the figures would time the wait, not the handler. The baseline has no such settings.
NO_SETTLE = {"registration_settle": 0, "stop_settle": 0, "echo_window": 0, "notice_window": 0, "gui_wait": 0}


def make_plugin(variant: str, bus: Any, config: Optional[dict]) -> Any:
    """Construct the plugin of this virtualenv (ours or the baseline: same module name), or the floor's."""
    if variant == "floor":
        from ovos_plugin_manager.phal import PHALPlugin

        class EmptyPlugin(PHALPlugin):
            """The floor: what any PHAL plugin costs."""

        return EmptyPlugin(bus=bus, name="bench-floor", config=config or {"enabled": True})
    from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
    if variant != "baseline":
        # The hotspot method would look for this machine's NetworkManager on the system D-Bus: the bench measures
        # the manager, and never drives a real Wi-Fi device.
        config = {"hotspot_client": "never", **(config or {})}
    return WifiSetupPlugin(bus=bus, config=config)


def plugin_version() -> str:
    """The installed version of the plugin package in this virtualenv."""
    try:
        from importlib.metadata import version
        return version("ovos-PHAL-plugin-wifi-setup")
    except Exception:  # a missing dist-info only loses the label
        return "?"


def client_payload(name: str) -> Dict[str, Any]:
    """A registration both plugins accept (the baseline refuses a client with neither GUI nor input)."""
    return {"client": name, "type": "Remote", "display_text": f"Bench {name}",
            "has_gui": True, "requires_input": False}


# ---------------------------------------------------------------------------------------------- figure 1 and 7
def run_startup(args: argparse.Namespace) -> None:
    """Import and construct on FakeBus in this fresh interpreter; report the time since T0 and the RSS."""
    install_network_guard()
    t_guard = time.perf_counter()
    write_mycroft_conf(closed_port(), None, args.log_level)
    t_conf = time.perf_counter()
    # What every PHAL plugin finds loaded (ovos_PHAL imported ovos-plugin-manager before it loads any plugin), for
    # every variant alike: the figure starts after it, so that the stack's own import (a few hundred ms, which
    # varies by tens of ms from one interpreter to the next) is not subtracted from one noisy sample to another.
    from ovos_plugin_manager.phal import PHALPlugin  # noqa: F401 - imported for its cost, before the clock starts
    from ovos_utils.fakebus import FakeBus
    # The stack's import leaves the collector a full pass due (some 40,000 objects, 12-20 ms here), which falls
    # on whichever variant allocates first: run it before the clock, for every variant alike (timeit turns the
    # collector off for the same reason). The collections the variant's own allocations cause still count.
    gc.collect()
    t_stack = time.perf_counter()
    if args.variant != "floor":
        from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin  # noqa: F401 - timed apart from the construction
    t_imported = time.perf_counter()
    bus = FakeBus()
    plugin = make_plugin(args.variant, bus, {"enable_watchdog": False} if args.variant != "floor" else None)
    t_built = time.perf_counter()
    # Under -X importtime (the breakdown run) this line parts the imports of construction from the thread's.
    print("bench: constructed", file=sys.stderr, flush=True)
    # Ours does its start-up work (built-in methods, first questions) on its own thread, after construction:
    # the time until that is done is reported beside (the baseline and the floor have no such thread work).
    started = getattr(plugin, "started", None)
    if started is not None:
        started.wait(30)
    t_started = time.perf_counter()
    rss = rss_kib()
    # Worker preamble (guard, config file) is the same for every variant; leave it out of the figure anyway.
    emit_result({"startup_s": t_built - t_stack, "started_s": t_started - t_stack, "import_s": t_imported - t_stack,
                 "stack_s": (t_stack - T0) - (t_conf - t_guard), "rss_kib": rss, "version": plugin_version()})
    del plugin
    os._exit(0)  # the plugin's thread must not keep the interpreter alive; nothing else to clean


# ---------------------------------------------------------------------------------------------- figure 2 and 3
class FakeBusBench:
    """One plugin (or the floor's responder) on a FakeBus with a population of clients; times single requests."""

    def __init__(self, variant: str) -> None:
        from ovos_bus_client.message import Message
        self.Message = Message
        self.variant = variant
        self.bus: Any = None
        self.plugin: Any = None
        self.ids: Dict[str, str] = {}
        self.pair: Tuple[str, str] = ("", "")
        self.turn = 0
        self.serial = 0
        self.sent = 0

    def populate(self, clients: int) -> Dict[str, Any]:
        """A fresh bus and plugin with this many clients registered."""
        from ovos_utils.fakebus import FakeBus
        if self.plugin is not None and self.variant != "floor":
            self.plugin.shutdown()
        self.bus = FakeBus()
        self.ids = {}
        self.bus.on("message", self._count)
        if self.variant == "floor":
            self.bus.on(PING, lambda m: self.bus.emit(m.response({})))
            return {"clients": 0}
        self.bus.on(PREFIX + "client.registered", self._remember)
        # verify_timeout kept long: after remove.active.client ours waits for the internet; the default 30 s
        # would let it hand the session to the next client in the middle of a batch.
        config = {"enable_watchdog": False, "verify_timeout": 3600, **NO_SETTLE}
        self.plugin = make_plugin(self.variant, self.bus, config)
        started = time.perf_counter()
        for i in range(clients):
            self.bus.emit(self.Message(PREFIX + "register.client", client_payload(f"pop-{i}")))
        names = [f"pop-{0}", f"pop-{clients - 1}"]
        self.pair = (names[0], names[1])
        self.turn = 0
        missing = [n for n in names if n not in self.ids]
        return {"clients": len(self.ids), "populate_s": time.perf_counter() - started, "missing": missing}

    def _count(self, _serialized: Any) -> None:
        self.sent += 1

    def _remember(self, message: Any) -> None:
        data = message.data or {}
        if data.get("client") and data.get("id"):
            self.ids[data["client"]] = data["id"]

    def _activate_message(self) -> Any:
        name = self.pair[self.turn % 2]
        self.turn += 1
        return self.Message(PREFIX + "set.active.client", {"client": name, "id": self.ids[name]})

    def _request(self, op: str) -> Tuple[Any, Optional[Callable[[], None]]]:
        """The timed request of one kind, and the untimed step that restores the state after it."""
        Message = self.Message
        if self.variant == "floor":
            return Message(PING, {}), None
        if op == "register":
            self.serial += 1
            name = f"new-{self.serial}"

            def forget() -> None:
                """Deregister the client just registered."""
                # Keep the population at its size: the next request meets the same registry.
                self.bus.emit(Message(PREFIX + "deregister.client", {"client": name, "id": self.ids.pop(name, None)}))
            return Message(PREFIX + "register.client", client_payload(name)), forget
        if op == "activate":
            return self._activate_message(), None
        if op == "remove":
            return Message(PREFIX + "remove.active.client", {}), lambda: self.bus.emit(self._activate_message())
        if op == "status":
            return Message(PREFIX + "status", {}), None
        raise ValueError(f"unknown op {op}")

    def measure(self, op: str, iterations: int, budget_s: float, alone: bool = False) -> Dict[str, Any]:
        """Time single requests of one kind, in ns; stop early past the budget.

        Normally a sample is one bus.emit(request): FakeBus runs the handlers inline, and every message they
        send costs a FakeBus emit. With `alone`, the request goes straight to the handlers and whatever they
        send is only collected: what is left is the plugin's own work (and its logging).
        """
        from ovos_utils.fakebus import FakeBus
        bus = self.bus
        clock = time.perf_counter_ns
        samples: List[int] = []
        sent: List[int] = []
        collected: List[Any] = []

        def real_emit(message: Any) -> None:
            """FakeBus.emit, even while the instance's emit is shadowed."""
            FakeBus.emit(bus, message)

        if op in ("activate", "remove") and self.variant != "floor":
            real_emit(self._activate_message())  # so the first timed request finds a client active
        deadline = time.perf_counter() + budget_s
        for _ in range(iterations):
            msg, restore = self._request(op)
            before = self.sent
            if alone:
                handlers = list(bus.ee.listeners(msg.msg_type))
                bus.emit = collected.append  # shadows FakeBus.emit on this instance only
                t0 = clock()
                for handler in handlers:
                    handler(msg)
                samples.append(clock() - t0)
                del bus.emit
                sent.append(len(collected))
                collected.clear()
            else:
                t0 = clock()
                bus.emit(msg)
                samples.append(clock() - t0)
                sent.append(self.sent - before - 1)  # minus the request itself
            if restore is not None:
                restore()
            if len(samples) >= 3 and time.perf_counter() > deadline:
                break
        return {"samples_ns": samples, "sent": sent}

    def listeners(self) -> int:
        """Handlers on the bus now."""
        return count_listeners(self.bus)


def run_fakebus(args: argparse.Namespace) -> None:
    """Serve measuring commands (one JSON line each on stdin) so the runner can interleave variants."""
    install_network_guard()
    # Nothing listens at network_tests: the device is offline for every check these requests cause.
    write_mycroft_conf(closed_port(), None, args.log_level)
    set_log_level(args.log_level)
    bench = FakeBusBench(args.variant)
    emit_result({"ready": True, "version": plugin_version() if args.variant != "floor" else ""})
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "populate":
            emit_result(bench.populate(int(cmd["clients"])))
        elif cmd["cmd"] == "measure":
            emit_result(bench.measure(cmd["op"], int(cmd["iterations"]), float(cmd.get("budget_s", 5.0)),
                                      bool(cmd.get("alone"))))
        elif cmd["cmd"] == "quit":
            break
    emit_result({"bye": True})
    os._exit(0)


# ---------------------------------------------------------------------------------------------- figure 4
def run_realbus(args: argparse.Namespace) -> None:
    """Round trips through a real ovos-messagebus: requester and plugin (or responder) on separate connections."""
    install_network_guard()
    server = CheckServer()  # the plugin's own checks during a round find the device online, on loopback
    write_mycroft_conf(server.port, args.port, args.log_level)
    set_log_level(args.log_level)
    from ovos_bus_client import MessageBusClient
    from ovos_bus_client.message import Message

    def connect() -> Any:
        """A connected MessageBusClient on the benchmark's bus."""
        client = MessageBusClient(host="127.0.0.1", port=args.port, route="/core", ssl=False)
        client.run_in_thread()
        if not client.connected_event.wait(30):
            raise SystemExit("worker: bus not reachable")
        return client

    requester = connect()
    service_bus = connect()
    plugin: Any = None
    if args.variant == "floor":
        service_bus.on(PING, lambda m: service_bus.emit(m.response({})))
    else:
        plugin = make_plugin(args.variant, service_bus, {"enable_watchdog": False, **NO_SETTLE})
    time.sleep(0.3)  # let the plugin's start-up messages (alive, gui status) pass before timing

    arrived = threading.Event()
    expected: Dict[str, Optional[str]] = {"topic": None, "client": None}
    ids: Dict[str, str] = {}

    def on_registered(message: Any) -> None:
        """Learn the id of every client; release the wait for the expected one."""
        data = message.data or {}
        if data.get("client") and data.get("id"):
            ids[data["client"]] = data["id"]
        if expected["topic"] == PREFIX + "client.registered" and data.get("client") == expected["client"]:
            arrived.set()

    def on_topic(message: Any) -> None:
        """Release the wait when the expected topic arrives."""
        if message.msg_type == expected["topic"]:
            arrived.set()

    def round_trip(msg: Any, topic: str, client: Optional[str] = None) -> int:
        """Send msg; return the ns until the expected answer arrived."""
        expected["topic"], expected["client"] = topic, client
        arrived.clear()
        t0 = time.perf_counter_ns()
        requester.emit(msg)
        if not arrived.wait(10):
            raise SystemExit(f"worker: no {topic} within 10 s")
        return time.perf_counter_ns() - t0

    results: Dict[str, Any] = {}
    serial = [0]

    def register_once() -> int:
        """One register.client round trip with a new name."""
        serial[0] += 1
        name = f"rt-{os.getpid()}-{serial[0]}"
        return round_trip(Message(PREFIX + "register.client", client_payload(name)),
                          PREFIX + "client.registered", name)

    if args.variant == "floor":
        requester.on(PING + ".response", on_topic)
        for _ in range(args.warmup):
            round_trip(Message(PING, {}), PING + ".response")
        results["ping_ns"] = [round_trip(Message(PING, {}), PING + ".response") for _ in range(args.count)]
    else:
        requester.on(PREFIX + "client.registered", on_registered)
        for _ in range(args.warmup):
            register_once()
        results["register_ns"] = [register_once() for _ in range(args.count)]
        pair = sorted(ids)[:2]
        for name in pair:
            requester.on(PREFIX + f"activate.{ids[name]}", on_topic)

        def activate_once(i: int) -> int:
            """One set.active.client round trip, alternating between two clients."""
            name = pair[i % 2]
            return round_trip(Message(PREFIX + "set.active.client", {"client": name, "id": ids[name]}),
                              PREFIX + f"activate.{ids[name]}")

        for i in range(args.warmup):
            activate_once(i)
        results["activate_ns"] = [activate_once(args.warmup + i) for i in range(args.count)]
    emit_result(results)
    if plugin is not None:
        plugin.shutdown()
    requester.close()
    service_bus.close()
    os._exit(0)


# ---------------------------------------------------------------------------------------------- figure 5
def _new_threads(before: set) -> List[threading.Thread]:
    """Threads started since `before` was taken."""
    return [t for t in threading.enumerate() if t.ident not in before]


def _wait_ended(threads: List[threading.Thread], cap: float) -> Optional[float]:
    """Seconds until every thread ended, or None when one still runs after cap seconds."""
    t0 = time.perf_counter()
    for thread in threads:
        thread.join(max(0.0, cap - (time.perf_counter() - t0)))
        if thread.is_alive():
            return None
    return time.perf_counter() - t0


def run_shutdown(args: argparse.Namespace) -> None:
    """Construct with the watchdog running, call shutdown(), time until its threads ended; count listeners."""
    install_network_guard()
    stall = StallServer() if args.in_flight else None
    server = CheckServer()
    write_mycroft_conf(stall.port if stall else server.port, None, args.log_level)
    set_log_level(args.log_level)
    from ovos_utils.fakebus import FakeBus
    reps = []
    for _ in range(args.reps):
        bus = FakeBus()
        before_listeners = count_listeners(bus)
        before_threads = {t.ident for t in threading.enumerate()}
        # Default config: the watchdog is on. In-flight case: our first own check starts at once.
        config = {"reporter_wait": 0.05} if args.in_flight else {}
        plugin = make_plugin(args.variant, bus, config)
        time.sleep(args.delay)
        threads = [t for t in _new_threads(before_threads) if t.is_alive()]
        in_flight = stall is not None and any(t.name == "wifi-setup-check" for t in threads)
        t0 = time.perf_counter()
        plugin.shutdown()
        call_s = time.perf_counter() - t0
        waited = _wait_ended(threads, args.cap)
        reps.append({"shutdown_call_s": call_s,
                     "threads_ended_s": None if waited is None else call_s + waited,
                     "threads": [t.name for t in threads], "check_in_flight": in_flight,
                     "listeners_before": before_listeners, "listeners_after": count_listeners(bus)})
    emit_result({"reps": reps, "cap_s": args.cap, "delay_s": args.delay})
    os._exit(0)


# ---------------------------------------------------------------------------------------------- figure 6
def follow_check_due(due: Dict[str, float]) -> None:
    """Keep in due the monotonic time our plugin last scheduled its own check for (the baseline has no scheduler).

    Scheduler.schedule is wrapped before the plugin is built; the plugin's scheduler runs on time.monotonic.
    """
    try:
        from ovos_PHAL_plugin_wifi_setup.manager import scheduler as module
    except ImportError:
        return
    schedule = module.Scheduler.schedule

    def noting(self: Any, name: str, delay: float, job: Callable[[], None]) -> None:
        """Schedule as before, noting when the own check is due."""
        if name == OUR_CHECK_JOB:
            due[name] = time.monotonic() + max(0.0, delay)
        schedule(self, name, delay, job)

    module.Scheduler.schedule = noting


def run_idle(args: argparse.Namespace) -> None:
    """Run with the default schedule while online for a window; count the requests reaching the check server."""
    install_network_guard()
    server = CheckServer()
    write_mycroft_conf(server.port, None, args.log_level)
    set_log_level(args.log_level)
    from ovos_bus_client.message import Message
    from ovos_utils.fakebus import FakeBus
    bus = FakeBus()
    if args.reports:
        # A stand-in for ovos-PHAL-plugin-connectivity-events: answers the query, reports the change to online.
        bus.on("ovos.PHAL.internet_check",
               lambda m: bus.emit(m.response({"internet_connected": True})))
    due: Dict[str, float] = {}
    if args.variant == "ours":
        follow_check_due(due)
    start = time.monotonic()
    plugin = make_plugin(args.variant, bus, {})
    if args.reports:
        bus.emit(Message("mycroft.internet.connected"))
    time.sleep(max(0.0, args.window - (time.monotonic() - start)))
    hits = [round(h - start, 3) for h in server.hits if h - start <= args.window]
    next_in: Optional[float] = None
    scheduler = getattr(plugin, "_scheduler", None)
    if OUR_CHECK_JOB in due and scheduler is not None and scheduler.pending(OUR_CHECK_JOB):
        next_in = max(0.0, due[OUR_CHECK_JOB] - time.monotonic())
    settings = getattr(plugin, "settings", None)
    schedule: Dict[str, Any]
    if settings is not None and hasattr(settings, "check_interval_online"):
        schedule = {"kind": "doubling", "start": settings.check_interval_online,
                    "max": settings.check_interval_online_max, "first": settings.reporter_wait}
    else:
        schedule = {"kind": "fixed", "interval": getattr(plugin, "time_between_checks", None)}
    emit_result({"hits": hits, "window_s": args.window, "next_check_in": next_in,
                 "elapsed_s": time.monotonic() - start, "schedule": schedule})
    os._exit(0)


# ---------------------------------------------------------------------------------------------- main
def main() -> None:
    """Parse the mode and run it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("startup", "fakebus", "realbus", "shutdown", "idle"))
    parser.add_argument("--variant", choices=("ours", "baseline", "floor"), required=True)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--cap", type=float, default=35.0)
    parser.add_argument("--in-flight", action="store_true")
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--reports", action="store_true")
    args = parser.parse_args()
    modes: Dict[str, Callable[[argparse.Namespace], None]] = {
        "startup": run_startup, "fakebus": run_fakebus, "realbus": run_realbus,
        "shutdown": run_shutdown, "idle": run_idle}
    modes[args.mode](args)


if __name__ == "__main__":
    main()
