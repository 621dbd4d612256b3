"""One real stack per test: ovos-messagebus, ovos_PHAL with our plugin, and the released clients in a host process.

``RealStack(root, in_phal=("balena", "connectivity-events"))`` loads those released plugins in the same
ovos_PHAL process as ours, by their entry points, as a device does; without ``in_phal`` they stay
disabled there and the clients run in the client host instead (which outlives ovos_PHAL restarts).
With "network-manager" in ``in_phal``, ovos-PHAL-plugin-network-manager 1.3.5 runs there too, and finds
the stand-in nmcli (nmcli_bin/nmcli) first on ovos_PHAL's PATH, playing the Wi-Fi environment of the
stack's nmcli fixture (``write_nmcli_fixture``).
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from stack import (BusRecorder, ManagedProcess, Messagebus, PhalService, StackHome, free_port, pid_running,
                   port_open, wait_until, watch_pid_files)

from ovos_PHAL_plugin_wifi_setup import topics as T

HERE = Path(__file__).resolve().parent
STANDIN_BIN = HERE / "bin"
# Only on the PATH of an ovos_PHAL that runs network-manager: elsewhere nmcli stays missing, as it would.
NMCLI_BIN = HERE / "nmcli_bin"
CLIENT_HOST = HERE / "client_host.py"

# balena-wifi calls itself "ovos-PHAL-plugin-balena-wifi" (its entry point, its GUI skill_id, the
# `client` of its remove.active.client), but ovos-workshop's OVOSSkill.__init__ then sets
# self.name to the class name, so the name it registers with is the class name.
BALENA = "BalenaWifiSetupPlugin"
BALENA_PHAL_NAME = "ovos-PHAL-plugin-balena-wifi"
GUI_CLIENT = "ovos-PHAL-plugin-gui-network-client"
CLIENT_NAMES = {"balena": BALENA, "gui-network": GUI_CLIENT}
# The entry-point names ovos_PHAL loads (and configures) the released plugins by.
CONNECTIVITY_EVENTS = "ovos-phal-plugin-connectivity-events"
NETWORK_MANAGER = "ovos-PHAL-plugin-network-manager"
IN_PHAL_NAMES = {"balena": BALENA_PHAL_NAME, "connectivity-events": CONNECTIVITY_EVENTS,
                 "network-manager": NETWORK_MANAGER}

# Generous waits for an event to arrive; none of them is a claim about speed.
START_TIMEOUT = 90.0
EVENT_TIMEOUT = 60.0
# balena sleeps 2 s, 2 s and 5 s while it walks a successful run, and 5 s per failed try (5 tries).
BALENA_FLOW_TIMEOUT = 120.0
# Only a bus connection's retry loop (5 s, then 10 s) stands between a restarted bus and its clients.
RECONNECT_TIMEOUT = 90.0

PLUGIN_LOADED_LINE = f"PHAL plugin loaded: {T.PLUGIN_ID}"
# ovos-gui's route for GUI clients (the mycroft-gui shell), as its default config has it.
GUI_ROUTE = "/gui"
# What the mycroft-gui shell sends on the core bus when it comes up, and what ovos-gui answers.
GUI_CONNECTED = T.GUI_CONNECTED
GUI_PORT = "mycroft.gui.port"
# The client host answers PING with PONG, so a test can tell its bus connection is up.
PING = "test.client_host.ping"
PONG = "test.client_host.pong"


def plugin_section(gui: str, in_phal: Iterable[str] = (), peer_config: Optional[Dict[str, Dict[str, Any]]] = None,
                   **overrides: Any) -> Dict[str, Any]:
    """The PHAL section of mycroft.conf: our plugin configured, the released plugins in ``in_phal`` enabled.

    Any other released plugin is disabled: the clients then run in the client host, which outlives
    ovos_PHAL restarts, and a second copy inside ovos_PHAL would register the same names twice.
    ``peer_config`` adds keys to a released plugin's section, by the short name of ``in_phal``.
    """
    unknown = set(in_phal) - set(IN_PHAL_NAMES)
    if unknown:
        raise ValueError(f"no such plugin to load in ovos_PHAL: {sorted(unknown)}")
    ours = {"enabled": True, "enable_watchdog": False, "gui": gui, "first_boot": False}
    ours.update(overrides)
    section: Dict[str, Any] = {
        T.PLUGIN_ID: ours,
        BALENA_PHAL_NAME: {"enabled": "balena" in in_phal},
        # Its first check comes at once; the next ones only every check_interval. Its probes point at
        # closed loopback ports like everyone's, so a later check would contradict an "online" a test
        # reports on its behalf: the interval is longer than any test.
        CONNECTIVITY_EVENTS: {"enabled": "connectivity-events" in in_phal, "check_interval": 3600},
        NETWORK_MANAGER: {"enabled": "network-manager" in in_phal},
    }
    for short, extra in (peer_config or {}).items():
        section[IN_PHAL_NAMES[short]].update(extra)
    return section


@dataclass
class RealStack:
    """The processes of one test and the test's own recording bus client."""

    root: Path
    gui: str = "never"
    plugin_config: Dict[str, Any] = field(default_factory=dict)
    in_phal: Tuple[str, ...] = ()
    peer_config: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    home: StackHome = field(init=False)
    messagebus: Messagebus = field(init=False)
    phal: PhalService = field(init=False)
    probe: BusRecorder = field(init=False)
    clients: Optional[ManagedProcess] = field(init=False, default=None)
    gui_service: Optional[ManagedProcess] = field(init=False, default=None)
    screens: List["Screen"] = field(init=False, default_factory=list)
    standin_dir: Path = field(init=False)
    nmcli_dir: Path = field(init=False)
    gui_port: int = field(init=False)

    def __post_init__(self) -> None:
        """Write the config tree and prepare (not start) every process."""
        self.in_phal = tuple(self.in_phal)
        self.gui_port = free_port()
        self.home = StackHome.create(
            self.root, phal=plugin_section(self.gui, self.in_phal, self.peer_config, **self.plugin_config),
            extra={"gui_websocket": {"host": "127.0.0.1", "base_port": self.gui_port, "route": GUI_ROUTE,
                                     "ssl": False}})
        self.standin_dir = self.root / "wifi-connect"
        self.standin_dir.mkdir(exist_ok=True)
        watch_pid_files(self.standin_dir)
        # The stand-in nmcli keeps its fixture, state, call record and pid files here.
        self.nmcli_dir = self.root / "nmcli"
        self.nmcli_dir.mkdir(exist_ok=True)
        watch_pid_files(self.nmcli_dir)
        self.messagebus = Messagebus(self.home)
        path: List[Path] = []
        env: Dict[str, str] = {}
        if "balena" in self.in_phal:
            # balena finds wifi-connect (and sudo) on ovos_PHAL's PATH: the stand-ins come first.
            path.append(STANDIN_BIN)
            env["WIFI_CONNECT_STANDIN_DIR"] = str(self.standin_dir)
        if "network-manager" in self.in_phal:
            path.append(NMCLI_BIN)
            env["NMCLI_STANDIN_FIXTURE"] = str(self.nmcli_fixture)
        self.phal = PhalService(self.home, path, **env)
        self.probe = BusRecorder(self.home.port)

    # -- starting and stopping -------------------------------------------------------------

    def start_bus(self) -> None:
        """Start ovos-messagebus and connect the test's recorder to it."""
        self.messagebus.start(START_TIMEOUT)
        self.probe.connect(START_TIMEOUT)

    def start_phal(self) -> Dict[str, Any]:
        """Start ovos_PHAL and wait for our plugin's ``alive``; return its status."""
        since = self.probe.mark()
        log_offset = len(self.phal.log_text())
        self.phal.start()

        def loaded() -> bool:
            """True once ovos_PHAL logged our plugin as loaded; raise at once if it logged a failure."""
            log = self.phal.log_text()[log_offset:]
            failures = [line for line in log.splitlines()
                        if T.PLUGIN_ID in line and ("Failed to load" in line or "failed to load" in line)]
            if failures:
                raise RuntimeError(f"ovos_PHAL could not load our plugin: {failures}")
            if not self.phal.running:
                raise RuntimeError(f"ovos_PHAL exited:\n{self.phal.tail()}")
            return PLUGIN_LOADED_LINE in log

        wait_until(loaded, START_TIMEOUT, what=f"{PLUGIN_LOADED_LINE!r} in the ovos_PHAL log")
        self.probe.wait_for(T.ALIVE, START_TIMEOUT, since=since)
        for short in self.in_phal:
            line = f"PHAL plugin loaded: {IN_PHAL_NAMES[short]}"
            self.phal.wait_for_log(line, START_TIMEOUT, start=log_offset)
        return self.status()

    def stop_phal(self) -> Optional[str]:
        """Stop ovos_PHAL as a service manager does (SIGTERM, SIGKILL after the bound); return how it ended."""
        return self.phal.stop()

    def start_clients(self, *names: str) -> Dict[str, Dict[str, Any]]:
        """Start the client host with the released clients; return each one's registration reply."""
        since = self.probe.mark()
        argv = [sys.executable, str(CLIENT_HOST), "--port", str(self.home.port)]
        for name in names or tuple(CLIENT_NAMES):
            argv += ["--client", name]
        env = self.home.env([STANDIN_BIN], WIFI_CONNECT_STANDIN_DIR=str(self.standin_dir))
        self.clients = ManagedProcess("client-host", argv, env, self.home.logs / "client-host.log").start()
        # Fails at once, with the host's log, when a client cannot be imported or built.
        self.clients.wait_for_log("client host ready", START_TIMEOUT)
        return {CLIENT_NAMES[n]: self.wait_registered(CLIENT_NAMES[n], since)
                for n in (names or tuple(CLIENT_NAMES))}

    def start(self, *client_names: str) -> Dict[str, Dict[str, Any]]:
        """Start the whole stack: bus, ovos_PHAL with our plugin, then the clients."""
        self.start_bus()
        self.start_phal()
        return self.start_clients(*client_names)

    def stop(self) -> None:
        """Stop every process of this stack by its pid, clients first."""
        # Closed first, the recorder does not start its reconnect loop when the bus goes away.
        self.probe.close()
        for screen in self.screens:
            screen.close()
        # A connect that hangs holds one of ovos_PHAL's bus handler threads, which ovos_PHAL waits for.
        self.stop_nmcli_runs()
        for proc in (self.clients, self.phal, self.gui_service, self.messagebus):
            if proc is not None:
                proc.stop()

    def restart_bus(self) -> None:
        """Kill ovos-messagebus as a crash would and start it again on the same port."""
        since = self.probe.mark()
        self.messagebus.kill()
        self.messagebus.start(START_TIMEOUT)
        # The bus greets every new connection with "connected": the recorder is back.
        self.probe.wait_for("connected", RECONNECT_TIMEOUT, since=since)

    def wait_plugin_connected(self) -> Dict[str, Any]:
        """Ask for status until our plugin answers (its bus client reconnects on its own timer)."""
        return wait_until(lambda: self._try_status(), RECONNECT_TIMEOUT, interval=0.5,
                          what="an answer to status from the plugin")

    def _try_status(self) -> Optional[Dict[str, Any]]:
        """One status request with a short wait; None when nobody answered."""
        try:
            return dict(self.probe.request(T.STATUS, T.STATUS_RESPONSE, timeout=2.0).data)
        except TimeoutError:
            return None

    def wait_clients_connected(self) -> None:
        """Ping the client host until it answers over the bus."""
        def pong() -> bool:
            try:
                self.probe.request(PING, PONG, timeout=2.0)
            except TimeoutError:
                return False
            return True

        wait_until(pong, RECONNECT_TIMEOUT, interval=0.5, what="an answer from the client host")

    def set_core_config(self, **values: Any) -> None:
        """Put top-level keys (such as ``lang``) into this stack's mycroft.conf; processes started later read them."""
        self.home.extra.update(values)
        self.home.write_config()

    # -- the stand-in wifi-connect ------------------------------------------------------------

    def set_wifi_connect(self, mode: str) -> None:
        """Choose what the stand-in wifi-connect does on its next runs: success, error or portal."""
        (self.standin_dir / "mode").write_text(mode)

    def wifi_connect_runs(self) -> List[Dict[str, Any]]:
        """One record per run of the stand-in wifi-connect so far."""
        runs = self.standin_dir / "runs.log"
        if not runs.exists():
            return []
        return [json.loads(line) for line in runs.read_text().splitlines() if line.strip()]

    def hotspot_running(self) -> List[int]:
        """Pids of the stand-in wifi-connect runs that are alive now (each keeps a pid file while it runs)."""
        alive = []
        for pid_file in sorted(self.standin_dir.glob("wifi-connect-*.pid")):
            try:
                pid = int(pid_file.read_text().strip())
            except (OSError, ValueError):
                continue
            if pid_running(pid):
                alive.append(pid)
        return alive

    # -- the stand-in nmcli -------------------------------------------------------------------

    @property
    def nmcli_fixture(self) -> Path:
        """The Wi-Fi environment the stand-in nmcli plays (read afresh by every run)."""
        return self.nmcli_dir / "fixture.json"

    def write_nmcli_fixture(self, fixture: Dict[str, Any]) -> None:
        """Set the Wi-Fi environment for the next nmcli runs (written whole, so a run never reads half)."""
        scratch = self.nmcli_fixture.with_suffix(".tmp")
        scratch.write_text(json.dumps(fixture, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(scratch, self.nmcli_fixture)

    def nmcli_calls(self, since: int = 0) -> List[List[str]]:
        """The argv of every nmcli run so far (from run number ``since`` on), in the order they started."""
        calls = self.nmcli_dir / "calls.jsonl"
        if not calls.exists():
            return []
        lines = calls.read_text(encoding="utf-8").splitlines()
        return [list(json.loads(line)["argv"]) for line in lines if line.strip()][since:]

    def nmcli_state(self) -> Dict[str, Any]:
        """What the stand-in nmcli holds now: the scan list shown, saved profiles, active connections."""
        state = self.nmcli_dir / "state.json"
        return dict(json.loads(state.read_text(encoding="utf-8"))) if state.exists() else {}

    def nmcli_running(self) -> List[int]:
        """Pids of the nmcli runs alive now (each keeps a pid file while it runs)."""
        alive = []
        for pid_file in sorted(self.nmcli_dir.glob("nmcli-*.pid")):
            try:
                pid = int(pid_file.read_text().strip())
            except (OSError, ValueError):
                continue
            if pid_running(pid):
                alive.append(pid)
        return alive

    def stop_nmcli_runs(self, grace: float = 10.0) -> List[int]:
        """SIGTERM every nmcli run still alive (a hanging connect), SIGKILL after ``grace``; return their pids."""
        pids = self.nmcli_running()
        for pid in pids:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for pid in pids:
            while pid_running(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if pid_running(pid):
                _signal(pid, signal.SIGKILL)
        return pids

    # -- the plugin's state file -------------------------------------------------------------

    @property
    def state_file(self) -> Path:
        """Where the plugin keeps what the user decided: $XDG_STATE_HOME/<plugin id>/state.json of this stack."""
        return self.root / "state" / T.PLUGIN_ID / "state.json"

    def saved_state(self) -> Dict[str, Any]:
        """The state file's content, parsed (raises if it is missing or not JSON)."""
        return dict(json.loads(self.state_file.read_text(encoding="utf-8")))

    # -- a screen: the real ovos-gui service and a stand-in for the mycroft-gui shell ---------

    def start_gui_service(self) -> None:
        """Start the real ovos-gui service and wait until its GUI websocket listens and it answers ready."""
        self.gui_service = ManagedProcess("ovos-gui", [sys.executable, "-m", "ovos_gui"], self.home.env(),
                                          self.home.logs / "ovos-gui.log").start()

        def listening() -> bool:
            if not self.gui_service.running:
                raise RuntimeError(f"ovos-gui exited:\n{self.gui_service.tail()}")
            return port_open(self.gui_port)

        wait_until(listening, START_TIMEOUT, what="the ovos-gui websocket")
        self.probe.wait_service_ready("gui_service", START_TIMEOUT)

    def connect_screen(self, gui_id: str = "test-screen", framework: str = "qt5") -> "Screen":
        """Bring a screen up as the mycroft-gui shell does: announce it on the core bus, then open ovos-gui's port."""
        since = self.probe.mark()
        self.probe.emit(GUI_CONNECTED, {"gui_id": gui_id, "framework": framework})
        announced = self.probe.wait_for(GUI_PORT, START_TIMEOUT, since=since,
                                        where=lambda m: m.data.get("gui_id") == gui_id)
        screen = Screen(int(announced.data["port"]), gui_id, framework)
        self.screens.append(screen)
        return screen

    # -- asking the plugin -------------------------------------------------------------------

    def status(self) -> Dict[str, Any]:
        """The plugin's answer to ``status``."""
        return dict(self.probe.request(T.STATUS, T.STATUS_RESPONSE, timeout=EVENT_TIMEOUT).data)

    def wait_registered(self, name: str, since: int = 0) -> Dict[str, Any]:
        """Wait for ``client.registered`` naming ``name``; return its payload."""
        message = self.probe.wait_for(T.CLIENT_REGISTERED, START_TIMEOUT, since=since,
                                      where=lambda m: m.data.get(T.K_CLIENT) == name)
        return dict(message.data)

    def from_skill(self, topic: str, skill_id: str, since: int = 0) -> List[Any]:
        """GUI messages of ``topic`` sent on behalf of ``skill_id``."""
        return [m for m in self.probe.messages(topic, since) if m.data.get("__from") == skill_id]

    def wait_from_skill(self, topic: str, skill_id: str, since: int = 0,
                        timeout: float = EVENT_TIMEOUT) -> Any:
        """Wait for a GUI message of ``topic`` sent on behalf of ``skill_id``."""
        return self.probe.wait_for(topic, timeout, since=since,
                                   where=lambda m: m.data.get("__from") == skill_id)

    def complete_round_once(self, since: int) -> None:
        """Say what connectivity-events would once the device is online; the round completes, and (after a quiet
        period) ovos.wifi.setup.completed passed once since position ``since``."""
        online = self.probe.mark()
        self.probe.emit(T.INTERNET_CONNECTED)
        self.probe.wait_for(T.WIFI_SETUP_COMPLETED, EVENT_TIMEOUT, since=online)
        self.probe.wait_for(T.STOP_SETUP, EVENT_TIMEOUT, since=online)
        self.quiet_period()
        completed = self.probe.count(T.WIFI_SETUP_COMPLETED, since)
        assert completed == 1, f"ovos.wifi.setup.completed passed {completed} times"

    def quiet_period(self, seconds: float = 3.0) -> None:
        """Give a duplicate delivery time to show up before counting (a wait, not a speed claim)."""
        time.sleep(seconds)

    def diagnostics(self) -> str:
        """Logs of every process and the topics seen, for a failing test's report."""
        parts = [f"topics seen: {self.probe.topics()}"]
        if self.nmcli_fixture.exists():
            # The argv as nmcli got it, but for the passwords (the report is read beside the logs).
            runs = [[("<password>" if i and argv[i - 1] == "password" else arg) for i, arg in enumerate(argv)]
                    for argv in self.nmcli_calls()]
            parts.append(f"nmcli runs: {runs}")
        for proc in (self.messagebus, self.phal, self.clients, self.gui_service):
            if proc is not None:
                parts.append(f"--- {proc.name} ---\n{proc.tail(80)}")
        return "\n".join(parts)


def _signal(pid: int, signo: int) -> None:
    """Send a signal to a pid that may have ended meanwhile."""
    try:
        os.kill(pid, signo)
    except ProcessLookupError:
        pass


class Screen:
    """A stand-in for the mycroft-gui shell on ovos-gui's GUI websocket: it records what ovos-gui shows it."""

    def __init__(self, port: int, gui_id: str, framework: str) -> None:
        """Open the GUI websocket on 127.0.0.1 and announce the screen on it, as the shell does."""
        import websocket

        self.gui_id = gui_id
        self.socket = websocket.create_connection(f"ws://127.0.0.1:{port}{GUI_ROUTE}", timeout=EVENT_TIMEOUT)
        # The GUI protocol is flat: the payload keys sit beside "type".
        self.socket.send(json.dumps({"type": GUI_CONNECTED, "gui_id": gui_id, "framework": framework}))
        self.socket.settimeout(None)  # the reader waits for as long as the screen is up
        self._lock = threading.Condition()
        self._received: List[Dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, name=f"screen-{gui_id}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Keep every message ovos-gui sends until the socket closes."""
        import websocket

        while True:
            try:
                raw = self.socket.recv()
            except (websocket.WebSocketException, OSError):
                return
            if not raw:
                continue
            with self._lock:
                self._received.append(json.loads(raw))
                self._lock.notify_all()

    def wait_for_pages(self, namespace: str, timeout: float = EVENT_TIMEOUT) -> List[str]:
        """Wait until ovos-gui puts pages of ``namespace`` on this screen; return their names."""
        def inserted() -> Optional[List[str]]:
            # ovos-gui may first insert the namespace with no page yet (its synchronize() of a screen that just
            # connected can run while the namespace is activated), then the pages: wait for pages.
            pages = [entry["page"] for message in self._received
                     if message.get("type") == "mycroft.gui.list.insert" and message.get("namespace") == namespace
                     for entry in message.get("data") or [] if isinstance(entry, dict) and "page" in entry]
            return pages or None

        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                pages = inserted()
                if pages is not None:
                    return pages
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no page of {namespace!r} on the screen within {timeout} s")
                self._lock.wait(remaining)

    def wait_until(self, found: Callable[[List[Dict[str, Any]]], Any], what: str,
                   timeout: float = EVENT_TIMEOUT) -> Any:
        """Wait until ``found``, given every message received so far (oldest first), returns something; return it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                result = found(list(self._received))
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{what}: not on the screen within {timeout} s")
                self._lock.wait(remaining)

    def close(self) -> None:
        """Close the GUI websocket."""
        self.socket.close()


def screen_session(received: List[Dict[str, Any]], namespace: str) -> Dict[str, Any]:
    """The session data of ``namespace`` as a screen holds it after these messages from ovos-gui
    (``mycroft.session.set`` sets keys, ``mycroft.session.delete`` removes one)."""
    data: Dict[str, Any] = {}
    for message in received:
        if message.get("namespace") != namespace:
            continue
        if message.get("type") == "mycroft.session.set":
            data.update(message.get("data") or {})
        elif message.get("type") == "mycroft.session.delete":
            data.pop(message.get("property"), None)
    return data


def screen_pages(received: List[Dict[str, Any]], namespace: str) -> List[Dict[str, Any]]:
    """The page entries ({url, page}) ovos-gui last inserted for ``namespace`` among these messages."""
    entries: List[Dict[str, Any]] = []
    for message in received:
        if message.get("type") == "mycroft.gui.list.insert" and message.get("namespace") == namespace:
            entries = list(message.get("data") or [])
    return entries
