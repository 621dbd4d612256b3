"""One real stack per test: ovos-messagebus, ovos_PHAL with our plugin, and the released clients in a host process."""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from stack import BusRecorder, ManagedProcess, Messagebus, PhalService, StackHome, wait_until, watch_pid_files

from ovos_PHAL_plugin_wifi_setup import topics as T

HERE = Path(__file__).resolve().parent
STANDIN_BIN = HERE / "bin"
CLIENT_HOST = HERE / "client_host.py"

# balena-wifi calls itself "ovos-PHAL-plugin-balena-wifi" (its entry point, its GUI skill_id, the
# `client` of its remove.active.client), but ovos-workshop's OVOSSkill.__init__ then sets
# self.name to the class name, so the name it registers with is the class name.
BALENA = "BalenaWifiSetupPlugin"
BALENA_PHAL_NAME = "ovos-PHAL-plugin-balena-wifi"
GUI_CLIENT = "ovos-PHAL-plugin-gui-network-client"
CLIENT_NAMES = {"balena": BALENA, "gui-network": GUI_CLIENT}

# Generous waits for an event to arrive; none of them is a claim about speed.
START_TIMEOUT = 90.0
EVENT_TIMEOUT = 60.0
# balena sleeps 2 s, 2 s and 5 s while it walks a successful run, and 5 s per failed try (5 tries).
BALENA_FLOW_TIMEOUT = 120.0
# Only a bus connection's retry loop (5 s, then 10 s) stands between a restarted bus and its clients.
RECONNECT_TIMEOUT = 90.0

PLUGIN_LOADED_LINE = f"PHAL plugin loaded: {T.PLUGIN_ID}"
# The client host answers PING with PONG, so a test can tell its bus connection is up.
PING = "test.client_host.ping"
PONG = "test.client_host.pong"


def plugin_section(gui: str, **overrides: Any) -> Dict[str, Any]:
    """The PHAL section of mycroft.conf: our plugin configured, the clients kept out of ovos_PHAL."""
    ours = {"enabled": True, "enable_watchdog": False, "gui": gui, "first_boot": False}
    ours.update(overrides)
    return {
        T.PLUGIN_ID: ours,
        # The clients run in the client host, which outlives ovos_PHAL restarts (scenario 6);
        # a second copy inside ovos_PHAL would register the same names twice.
        BALENA_PHAL_NAME: {"enabled": False},
        "ovos-PHAL-plugin-network-manager": {"enabled": False},
    }


@dataclass
class RealStack:
    """The processes of one test and the test's own recording bus client."""

    root: Path
    gui: str = "never"
    plugin_config: Dict[str, Any] = field(default_factory=dict)
    home: StackHome = field(init=False)
    messagebus: Messagebus = field(init=False)
    phal: PhalService = field(init=False)
    probe: BusRecorder = field(init=False)
    clients: Optional[ManagedProcess] = field(init=False, default=None)
    standin_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        """Write the config tree and prepare (not start) every process."""
        self.home = StackHome.create(self.root, phal=plugin_section(self.gui, **self.plugin_config))
        self.standin_dir = self.root / "wifi-connect"
        self.standin_dir.mkdir(exist_ok=True)
        watch_pid_files(self.standin_dir)
        self.messagebus = Messagebus(self.home)
        self.phal = PhalService(self.home)
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
        return self.status()

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
        for proc in (self.clients, self.phal, self.messagebus):
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

    def quiet_period(self, seconds: float = 3.0) -> None:
        """Give a duplicate delivery time to show up before counting (a wait, not a speed claim)."""
        time.sleep(seconds)

    def diagnostics(self) -> str:
        """Logs of every process and the topics seen, for a failing test's report."""
        parts = [f"topics seen: {self.probe.topics()}"]
        for proc in (self.messagebus, self.phal, self.clients):
            if proc is not None:
                parts.append(f"--- {proc.name} ---\n{proc.tail(80)}")
        return "\n".join(parts)
