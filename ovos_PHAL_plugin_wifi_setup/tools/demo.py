"""`ovos-wifi-setup demo`: four setup rounds on a private messagebus, printed as a timeline.

Round 3 joins a Wi-Fi network through the built-in on-screen method. No real network-manager runs in the demo:
a stand-in answers ovos-PHAL-plugin-network-manager 1.3.5's topics from a made-up scan, and no Wi-Fi is touched.
Round 4 joins one through the built-in hotspot method, the demo playing the phone: its setup page and DNS
responder listen on 127.0.0.1, and a stand-in plays NetworkManager (no access point opens, no D-Bus is used).
The passwords the demo's user types are made up too, and the timeline prints every password field masked.
"""
import importlib.util
import json
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, TextIO, Tuple

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.tools.cli import BusUnavailable, connect, format_line, is_setup_topic, short_id
from ovos_PHAL_plugin_wifi_setup.methods.networks import shape_networks

LOOPBACK = "127.0.0.1"
STEP_TIMEOUT = 15.0  # generous: a step on a loaded 2-core machine takes well under a second
BUS_START_TIMEOUT = 60.0
EXIT_OK = 0
EXIT_STEP_MISSED = 1
EXIT_MISSING = 2
EXIT_INTERRUPTED = 130

ON_DEVICE_NAME = "demo-on-device"
REMOTE_NAME = "demo-remote"
INSTALL_HINT = ("the demo needs ovos-messagebus: run `make demo`, or "
                "`pip install 'ovos-PHAL-plugin-wifi-setup[demo]'` (from a clone: `pip install -e '.[demo]'`)")

# GUI messages worth a timeline line: what the selection screen would do.
GUI_TOPICS = frozenset({"gui.value.set", "gui.page.show", "gui.page.delete", "gui.clear.namespace",
                        "gui.page.delete.all"})
# A timeline line: the topic column, then at most this many characters of payload, cut between fields.
TOPIC_WIDTH = 44

# Round 3: the built-in on-screen method over a stand-in for ovos-PHAL-plugin-network-manager 1.3.5.
NM_NAME = "ovos-PHAL-plugin-network-manager"
SCREEN_NAME = topics.SCREEN_CLIENT_NAME
HOTSPOT_NAME = topics.HOTSPOT_CLIENT_NAME
NM_PREFIX = "ovos.phal.nm."
# The stand-in's made-up Wi-Fi, as `nmcli --terse --fields SSID,SECURITY device wifi list` lists it: one entry
# per access point (Home is seen through two), a hidden network with an empty SSID, an open one.
DEMO_SCAN = (("Home", "WPA2"), ("Café Ü", ""), ("", "WPA2"), ("Home", "WPA2"), ("Studio", "WPA3"))
DEMO_SSID = "Home"
# Round 4: the signal of each access point of DEMO_SCAN, in its order.
DEMO_STRENGTHS = (80, 55, 65, 60, 40)
# Made up for the demo and never printed: the timeline masks every password field.
DEMO_PASSWORD = "tulip-harbour-42"  # noqa: S105
DEMO_WRONG_PASSWORD = "tulip-harbor-42"  # noqa: S105
DEMO_PASSWORDS = {DEMO_SSID: DEMO_PASSWORD}
MASKED_FIELD = "password"
MASK = "••••"
# On a bus the demo did not start, how long it listens for a real network-manager before round 3.
NM_PRESENT_WAIT = 1.0


class StepMissed(Exception):
    """An expected message did not pass on the bus in time."""


class NetworkManagerStandIn:
    """A stand-in for ovos-PHAL-plugin-network-manager 1.3.5 on the demo's bus: it runs no nmcli and touches no
    Wi-Fi, and answers `ovos.phal.nm.*` as that plugin does, from DEMO_SCAN.

    As 1.3.5 does: every answer is a fresh message (no request id); a scan lists one entry per access point;
    a connect without a network name gets no answer; a wrong password makes it forget the profile nmcli made
    (forget.successful) and then say only {errorCode 1, "Connection Failed"}, which names no network.
    """

    def __init__(self, bus: Any) -> None:
        """Prepare the handlers; nothing listens before start()."""
        self.bus = bus
        self.scan = [{"ssid": ssid, "security": security} for ssid, security in DEMO_SCAN]
        self.passwords = dict(DEMO_PASSWORDS)
        self._handlers = [(NM_PREFIX + "get.connected", self.on_query), (NM_PREFIX + "scan", self.on_scan),
                          (NM_PREFIX + "connect", self.on_connect),
                          (NM_PREFIX + "connect.open.network", self.on_connect_open)]
        self._listening = False

    def start(self) -> None:
        """Answer from now on."""
        if not self._listening:
            self._listening = True
            for topic, handler in self._handlers:
                self.bus.on(topic, handler)

    def stop(self) -> None:
        """Stop answering."""
        if self._listening:
            self._listening = False
            for topic, handler in self._handlers:
                self.bus.remove(topic, handler)

    def _send(self, topic: str, data: Optional[Dict[str, Any]] = None) -> None:
        """Emit a fresh message, as network-manager does."""
        from ovos_bus_client.message import Message
        self.bus.emit(Message(NM_PREFIX + topic, data or {}))

    def on_query(self, message: Any) -> None:
        """get.connected: no connection is active."""
        self._send("is.not.connected")

    def on_scan(self, message: Any) -> None:
        """scan: the made-up access points, one entry each."""
        self._send("scan.complete", {"networks": [dict(entry) for entry in self.scan]})

    def on_connect(self, message: Any) -> None:
        """connect {connection_name, password, security_type}: join when the password is the network's."""
        data = message.data if isinstance(message.data, dict) else {}
        ssid, password = data.get("connection_name", ""), data.get(MASKED_FIELD, "")
        if not ssid:
            return
        if data.get("security_type", "") != "open" and password is None:
            self._send("connection.failure", {"errorCode": 0, "errorMessage": "Password Required"})
        elif ssid in self.passwords and self.passwords[ssid] == password:
            self._send("connection.successful", {"connection_name": ssid})
        else:
            if any(entry["ssid"] == ssid for entry in self.scan):
                self._send("forget.successful", {"connection_name": ssid})
            self._send("connection.failure", {"errorCode": 1, "errorMessage": "Connection Failed"})

    def on_connect_open(self, message: Any) -> None:
        """connect.open.network {connection_name}: join a network that is listed without security."""
        data = message.data if isinstance(message.data, dict) else {}
        ssid = data.get("connection_name", "")
        if not ssid:
            return
        if any(entry["ssid"] == ssid and not entry["security"] for entry in self.scan):
            self._send("connection.successful", {"connection_name": ssid})
        else:
            self._send("connection.failure", {"errorCode": 1, "errorMessage": "Connection Failed"})


class HotspotNetworkManagerStandIn:
    """A stand-in for NetworkManager as the hotspot method uses it (the methods of hotspot.nm.NetworkManager):
    one Wi-Fi device able to be an access point, the made-up networks of DEMO_SCAN as a scan finds them. It opens
    no access point and touches no Wi-Fi; it keeps a list of what it was asked to do, for the timeline.

    As NetworkManager does: the scan lists each network once (its strongest access point), hidden ones left out;
    a wrong password fails the join (reason "wrong_password", as NetworkManager's NO_SECRETS), and the failed
    profile is gone afterwards.
    """

    def __init__(self) -> None:
        from ovos_PHAL_plugin_wifi_setup.methods.hotspot import nm
        self._nm = nm
        self.device = nm.WifiDevice(path="/org/freedesktop/NetworkManager/Devices/demo", interface="wlan0",
                                    hw_address="02:00:5E:00:51:7A")
        self.done: List[str] = []
        self._profiles = 0

    async def open(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to close."""

    async def wifi_device(self) -> Any:
        """The one made-up Wi-Fi device."""
        return self.device

    async def remove_stale_hotspots(self) -> int:
        """No earlier run left an access point up."""
        return 0

    async def scan(self, device: Any, wait: float = 10.0) -> List[Any]:
        """The made-up access points, merged as nm.py merges NetworkManager's: each network once, strongest
        first, the hidden one left out."""
        self.done.append("scan")
        found = [self._nm.AccessPoint(ssid=ssid, security=security, strength=strength)
                 for (ssid, security), strength in zip(DEMO_SCAN, DEMO_STRENGTHS)]
        return self._nm.merge_access_points(found)

    def _profile(self) -> Any:
        self._profiles += 1
        return self._nm.Profile(connection=f"/demo/Settings/{self._profiles}", active=f"/demo/Active/{self._profiles}")

    async def start_access_point(self, device: Any, ssid: str, passphrase: str = "", address: str = "",
                                 timeout: float = 30.0) -> Any:
        """"Open" the access point."""
        self.done.append(f"access point {ssid} up")
        return self._profile()

    async def stop(self, profile: Any) -> None:
        """"Take down" a connection and delete its profile."""
        self.done.append("access point down")

    async def join(self, device: Any, ssid: str, password: str, security: str, timeout: float) -> Any:
        """Join when the password is the network's (the made-up one), else fail as a refused password does."""
        if DEMO_PASSWORDS.get(ssid) != password:
            self.done.append(f"join {ssid}: password refused, its profile deleted")
            raise self._nm.JoinFailed("wrong_password", ssid)
        self.done.append(f"joined {ssid}")
        return self._profile()


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A TCP port (a UDP one with socket.SOCK_DGRAM) on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def closed_port_probes() -> Dict[str, Any]:
    """Point ovos-utils' connectivity probes at a closed loopback port: no real network is touched."""
    url = f"http://{LOOPBACK}:{free_port()}/"
    return {"ip_url": url, "dns_primary": LOOPBACK, "dns_secondary": LOOPBACK, "web_url": url,
            "web_url_secondary": url, "captive_portal_url": url, "captive_portal_text": "never served"}


def _http(method: str, port: int, path: str, body: Optional[str] = None,
          host: Optional[str] = None) -> Tuple[int, Dict[str, str], str]:
    """One request to the setup page on 127.0.0.1, as a phone sends it; (status, headers, body)."""
    import http.client
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=STEP_TIMEOUT)
    try:
        headers = {"Host": host or f"{LOOPBACK}:{port}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=body.encode("utf-8") if body is not None else None, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text
    finally:
        connection.close()


def _dns_lookup(port: int, name: str) -> Optional[str]:
    """Ask the catch-all DNS responder on 127.0.0.1 for a name's IPv4 address, as a phone's resolver does."""
    from dnslib import QTYPE, DNSRecord
    query = DNSRecord.question(name, "A")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(STEP_TIMEOUT)
        sock.sendto(query.pack(), (LOOPBACK, port))
        reply = DNSRecord.parse(sock.recv(512))
    for record in reply.rr:
        if record.rtype == QTYPE.A:
            return str(record.rdata)
    return None


def xdg_env(root: Path) -> Dict[str, str]:
    """The XDG variables of a throwaway tree below root."""
    return {"XDG_CONFIG_HOME": str(root / "config"), "XDG_DATA_HOME": str(root / "data"),
            "XDG_STATE_HOME": str(root / "state"), "XDG_CACHE_HOME": str(root / "cache")}


def write_tree(root: Path, host: str, port: int) -> None:
    """Create the XDG tree and the mycroft.conf that both the bus and this process read."""
    for path in xdg_env(root).values():
        Path(path).mkdir(parents=True, exist_ok=True)
    conf = {
        "websocket": {"host": host, "port": port, "route": "/core", "ssl": False},
        "network_tests": closed_port_probes(),
        "logging": {"logs": {"path": "stdout"}},
    }
    conf_file = root / "config" / "mycroft" / "mycroft.conf"
    conf_file.parent.mkdir(parents=True, exist_ok=True)
    conf_file.write_text(json.dumps(conf, indent=2), encoding="utf-8")


def _use_tree(root: Path) -> None:
    """Point this process's OVOS configuration at the tree; drop outer OVOS settings that would redirect it."""
    for key in [k for k in os.environ if k.startswith(("OVOS_", "MYCROFT_"))]:
        del os.environ[key]
    os.environ.update(xdg_env(root))


def _bus_main(root: str, log_file: str) -> None:
    """Child process: point XDG at the demo's tree, send output to a file, run ovos-messagebus."""
    _use_tree(Path(root))
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    from ovos_messagebus.__main__ import main
    main()


class BusProcess:
    """The demo's own ovos-messagebus, started with multiprocessing and stopped by its pid."""

    def __init__(self, root: Path) -> None:
        """Prepare the child; the tree below root must already hold mycroft.conf."""
        self.log_file = root / "messagebus.log"
        self.process = multiprocessing.get_context("spawn").Process(
            target=_bus_main, args=(str(root), str(self.log_file)), name="demo-messagebus", daemon=True)

    def start(self) -> None:
        """Start the child."""
        self.process.start()

    @property
    def alive(self) -> bool:
        """True while the child runs."""
        return self.process.is_alive()

    def stop(self) -> None:
        """SIGTERM by pid (the service's own exit path), SIGKILL if it lingers."""
        pid = self.process.pid
        if pid is None:
            return
        if self.process.is_alive():
            os.kill(pid, signal.SIGTERM)
            self.process.join(10)
        if self.process.is_alive():
            os.kill(pid, signal.SIGKILL)
            self.process.join(5)

    def tail(self, lines: int = 15) -> str:
        """The end of the bus's log, for an error message."""
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def timeline_line(stamp: str, msg_type: str, data: Dict[str, Any]) -> str:
    """One bus line of the timeline: time stamp, topic, and the payload's fields that fit."""
    return format_line(stamp, msg_type, data, TOPIC_WIDTH)


class Timeline:
    """An observer on its own bus connection: records every message, prints the setup ones."""

    def __init__(self, bus: Any, out: TextIO, start: float) -> None:
        """Listen to every raw message of the bus."""
        from ovos_bus_client.message import Message
        self._message_cls = Message
        self.bus = bus
        self.out = out
        self.start = start
        self.lines = 0
        self._cond = threading.Condition()
        self._seen: List[Any] = []
        self._arrived: List[float] = []
        self._screen_step: Optional[str] = None  # the step of the on-screen method's page last shown
        bus.on("message", self._record)

    def stamp(self) -> str:
        """Seconds since the demo began."""
        return f"+{time.monotonic() - self.start:.2f}s"

    def say(self, text: str) -> None:
        """Print a narration line in the timeline."""
        with self._cond:
            print(f"{self.stamp():>9}  >> {text}", file=self.out, flush=True)

    def heading(self, text: str) -> None:
        """Print a round heading."""
        with self._cond:
            print(f"\n== {text} ==", file=self.out, flush=True)

    def _record(self, raw: str) -> None:
        """Keep one message, and print it when it belongs to setup."""
        try:
            message = self._message_cls.deserialize(raw)
        except (ValueError, TypeError, KeyError):
            return
        with self._cond:
            self._seen.append(message)
            self._arrived.append(time.monotonic())
            self._cond.notify_all()
            shown = self._shown(message)
            if shown is not None:
                self.lines += 1
                print(timeline_line(self.stamp(), message.msg_type, shown), file=self.out, flush=True)

    def _shown(self, message: Any) -> Optional[Dict[str, Any]]:
        """The payload a message is shown with (every password field masked), or None when it gets no line:
        setup topics, network-manager's topics, our plugin's GUI messages (without the page's translated texts),
        and the on-screen method's page."""
        data = message.data if isinstance(message.data, dict) else {}
        if MASKED_FIELD in data:
            data = {**data, MASKED_FIELD: MASK}
        if message.msg_type == NM_PREFIX + "scan.complete":
            return {**data, "networks": [_entry_text(entry) for entry in _as_list(data.get("networks"))]}
        if is_setup_topic(message.msg_type) or message.msg_type.startswith(NM_PREFIX):
            return dict(data)
        if message.msg_type not in GUI_TOPICS:
            return None
        if data.get("__from") == topics.PLUGIN_ID:
            return {key: value for key, value in data.items() if key != topics.SESSION_TEXTS}
        if data.get("__from") == topics.SCREEN_CLIENT_NAME:
            return self._screen_page(message.msg_type, data)
        return None

    def _screen_page(self, msg_type: str, data: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The on-screen method's page: shown when it appears, goes, or moves to another step (its session data
        arrives one key at a time, each time whole: the step is the last key it sets)."""
        if msg_type != "gui.value.set":
            if msg_type != "gui.page.show":
                self._screen_step = None  # the page went (cleared or deleted): the next one starts afresh
            return dict(data)
        step = data.get("step")
        if step == self._screen_step:
            return None
        self._screen_step = step
        networks = [_network_text(entry) for entry in _as_list(data.get("networks_model"))]
        return {"step": step, "selected_ssid": data.get("selected_ssid", ""), "networks_model": networks,
                "error": data.get("error", "")}

    def mark(self) -> int:
        """A position in the record; later waits look only after it."""
        with self._cond:
            return len(self._seen)

    def arrived(self, position: int) -> float:
        """When (time.monotonic) the message before position reached the observer."""
        with self._cond:
            return self._arrived[position - 1]

    def since(self, position: int) -> List[Any]:
        """The messages recorded after position."""
        with self._cond:
            return list(self._seen[position:])

    def seen_since(self, topic: str, since: int) -> bool:
        """True when a message of topic passed after position since."""
        with self._cond:
            return any(m.msg_type == topic for m in self._seen[since:])

    def emit(self, topic: str, data: Optional[Dict[str, Any]] = None) -> None:
        """Send a message as one of the other OVOS parts would."""
        self.bus.emit(self._message_cls(topic, data or {}))

    def expect(self, what: str, topic: str, since: int, timeout: float = STEP_TIMEOUT,
               where: Optional[Callable[[Any], bool]] = None) -> Tuple[Any, int]:
        """Wait for a message after `since`; return it and the position after it, or raise StepMissed."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for index in range(since, len(self._seen)):
                    message = self._seen[index]
                    if message.msg_type == topic and (where is None or where(message)):
                        return message, index + 1
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StepMissed(f"{what}: no {topic} within {timeout:g} s")
                self._cond.wait(remaining)


def _as_list(value: Any) -> List[Any]:
    """value when it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def _entry_text(entry: Any) -> str:
    """One scan entry as nmcli's terse line gives it: SSID:SECURITY (either may be empty)."""
    if not isinstance(entry, dict):
        return "?"
    return f"{entry.get('ssid', '')}:{entry.get('security', '')}"


def _network_text(entry: Any) -> str:
    """One network as the page lists it: its name, then nmcli's words for its security (or "Open")."""
    if not isinstance(entry, dict):
        return "?"
    mark = (entry.get("security") or "Secured") if entry.get("secured") else "Open"
    return f"{entry.get('ssid')} ({mark})"


class SampleClient:
    """A network client built on the kit. It does what the demo tells it; its kit's callbacks are counted,
    so that the demo narrates a session only once the client itself has heard of it."""

    def __init__(self, bus: Any, name: str, display_text: str, client_type: str, requires_input: bool) -> None:
        """Build the kit; nothing is sent before kit.start()."""
        from ovos_PHAL_plugin_wifi_setup.methods.kit import NetworkSetupClient
        self._cond = threading.Condition()
        self.activations = 0
        self.deactivations = 0
        self.kit = NetworkSetupClient(bus, name, display_text, client_type=client_type,
                                      has_gui=requires_input, requires_input=requires_input,
                                      on_activate=self._activated, on_deactivate=self._deactivated)

    @property
    def name(self) -> str:
        """The client's name on the bus."""
        return str(self.kit.name)

    def _activated(self) -> None:
        """The kit's on_activate: the manager handed this client the session."""
        with self._cond:
            self.activations += 1
            self._cond.notify_all()

    def _deactivated(self) -> None:
        """The kit's on_deactivate: the session ended."""
        with self._cond:
            self.deactivations += 1
            self._cond.notify_all()

    def wait_for(self, what: str, counter: str, count: int, timeout: float) -> None:
        """Wait until the kit has run a callback count times in all, or raise StepMissed."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while getattr(self, counter) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StepMissed(f"{what}: the kit of {self.name} did not run its {counter[:-1]} "
                                     f"callback within {timeout:g} s")
                self._cond.wait(remaining)

    def shutdown(self) -> None:
        """Leave the manager (the kit sends deregister.client when it holds an id)."""
        self.kit.shutdown()


def load_plugin(bus: Any, config: Dict[str, Any]) -> Any:
    """Load our plugin as ovos-PHAL does: through the opm.phal entry point, with bus and config."""
    from ovos_plugin_manager.phal import find_phal_plugins
    plugin_class = find_phal_plugins().get(topics.PLUGIN_ID)
    if plugin_class is None:
        raise LookupError(f"no opm.phal entry point named {topics.PLUGIN_ID}: is the package installed?")
    return plugin_class(bus=bus, config=config)


def plugin_config(**overrides: Any) -> Dict[str, Any]:
    """The plugin's config for a demo round: the watchdog acts at once, its own checks stay out of the way.

    Every other setting keeps its default; the waits they cause are narrated where they happen.
    """
    config: Dict[str, Any] = {
        "client_wait": 30, "activation_timeout": 0, "verify_timeout": 30,
        # Offline is reported on the bus, as ovos-PHAL-plugin-connectivity-events does; the
        # plugin's own probes point at a closed loopback port and are not due during the demo.
        "grace": 0, "grace_first_boot": 0, "reporter_wait": 600, "check_interval_online": 600,
        "check_interval_offline": 600, "network_tests": closed_port_probes(),
        # The plugin's own hotspot method would look for this machine's NetworkManager: round 4 runs one of its
        # own over a stand-in instead.
        "hotspot_client": "never",
    }
    config.update(overrides)
    return config


def _registered(name: str) -> Callable[[Any], bool]:
    """Match a message about one client (client.registered, deregister.client, client.deregistered)."""
    return lambda message: message.data.get(topics.K_CLIENT) == name


class Demo:
    """The four rounds, step by step, each step a bounded wait for what must pass on the bus."""

    def __init__(self, phal_bus: Any, timeline: Timeline, step_timeout: float = STEP_TIMEOUT,
                 private_bus: bool = True) -> None:
        """phal_bus plays ovos-PHAL's connection, the timeline plays the rest of OVOS; private_bus is False on a
        bus the demo did not start."""
        self.phal_bus = phal_bus
        self.private_bus = private_bus
        self.step_timeout = step_timeout
        self.tl = timeline
        self.steps: List[str] = []
        self.plugin: Any = None
        self.clients: List[SampleClient] = []
        # Per client name: its id and when its client.registered reached the observer.
        self.ids: Dict[str, str] = {}
        self.registered_at: Dict[str, float] = {}
        self.nm: Optional[NetworkManagerStandIn] = None
        self.hotspot: Any = None
        self.screen_round_played = False

    def check(self, what: str, topic: str, since: int,
              where: Optional[Callable[[Any], bool]] = None) -> Tuple[Any, int]:
        """Wait for one expected message and count the step."""
        message, after = self.tl.expect(what, topic, since, timeout=self.step_timeout, where=where)
        self.steps.append(what)
        return message, after

    def registered(self, what: str, client: SampleClient, since: int) -> str:
        """Wait for a client's client.registered and until its kit holds that id; return the id."""
        message, after = self.check(what, topics.CLIENT_REGISTERED, since, _registered(client.name))
        client_id = str(message.data.get(topics.K_ID))
        self.registered_at[client.name] = self.tl.arrived(after)
        # The observer may hear the reply before the kit's own connection has handled it.
        deadline = time.monotonic() + self.step_timeout
        while client.kit.client_id != client_id:
            if time.monotonic() > deadline:
                raise StepMissed(f"{what}: the kit of {client.name} did not take the id {client_id}")
            time.sleep(0.02)
        return client_id

    def activated(self, what: str, client: SampleClient, client_id: str, since: int, before: int) -> int:
        """The client's activate passes on the bus, and its kit runs on_activate once more than the `before`
        times counted when the step began; return the position after the activate."""
        _, after = self.check(what, topics.activate_topic(client_id), since)
        client.wait_for(what, "activations", before + 1, self.step_timeout)
        return after

    def deactivated(self, what: str, client: SampleClient, client_id: str, since: int, before: int) -> int:
        """The client's deactivate passes, and its kit runs on_deactivate once more than `before`; return the
        position after the deactivate."""
        _, after = self.check(what, topics.deactivate_topic(client_id), since)
        client.wait_for(what, "deactivations", before + 1, self.step_timeout)
        return after

    def say_settle_wait(self, name: str) -> None:
        """Narrate the hold the plugin puts on a client's activate right after it registered."""
        settle = float(self.plugin.settings.registration_settle)
        since = time.monotonic() - self.registered_at.get(name, float("-inf"))
        if settle - since > 0.1:
            self.tl.say(f"the manager holds {name}'s activate about {settle - since:.1f} s more: it registered "
                        f"{since:.1f} s ago and may still be subscribing (registration_settle {settle:g} s)")

    def probed(self, what: str, since: int) -> None:
        """The on-screen method (screen_client "auto") asks whether network-manager runs."""
        self.check(what, topics.NM_GET_CONNECTED, since)

    def start_plugin(self, config: Dict[str, Any]) -> None:
        """Load a fresh plugin instance with config."""
        self.plugin = load_plugin(self.phal_bus, config)

    def stop_plugin(self) -> None:
        """Shut the current plugin instance down."""
        if self.plugin is not None:
            plugin, self.plugin = self.plugin, None
            plugin.shutdown()

    def round_headless(self) -> None:
        """Round 1: offline detected, a client that needs no input runs, the internet comes back."""
        tl = self.tl
        tl.heading("Round 1: headless device (gui: never), the watchdog on")
        remote = SampleClient(self.phal_bus, REMOTE_NAME, "Connect from your phone (demo)",
                              topics.TYPE_REMOTE, False)
        on_device = SampleClient(self.phal_bus, ON_DEVICE_NAME, "Set up on this screen (demo)",
                                 topics.TYPE_ON_DEVICE, True)
        self.clients = [remote, on_device]
        tl.say(f"two sample clients built on the kit: {REMOTE_NAME} (Remote, needs no input) and "
               f"{ON_DEVICE_NAME} (onDevice, needs input)")
        tl.say(f"{REMOTE_NAME} starts before the manager")
        mark = tl.mark()
        remote.kit.start()
        self.check(f"{REMOTE_NAME} registers before the manager runs",
                   topics.REGISTER_CLIENT, mark, _registered(REMOTE_NAME))
        time.sleep(0.2)  # let the lone registration pass before the manager listens
        if not tl.seen_since(topics.CLIENT_REGISTERED, mark):
            tl.say("no manager runs yet, so nobody answers; the kit registers again when one announces itself")
        mark = tl.mark()
        tl.say("ovos-PHAL loads ovos-PHAL-plugin-wifi-setup through its entry point")
        self.start_plugin(plugin_config(enable_watchdog=True, gui="never"))
        self.check("the manager announces itself", topics.ALIVE, mark)
        self.probed("the on-screen method asks whether network-manager runs", mark)
        if self.private_bus:
            from ovos_PHAL_plugin_wifi_setup.methods.screen.client import PROBE_FOR, PROBE_INTERVAL
            tl.say(f"the built-in on-screen method (screen_client \"auto\") asked whether {NM_NAME} runs: none "
                   f"does in rounds 1 and 2, so it does not register (it asks again every {PROBE_INTERVAL:g} s "
                   f"for {PROBE_FOR:g} s, and when a round opens)")
        remote_id = self.registered(f"{REMOTE_NAME} registers on alive", remote, mark)
        mark = tl.mark()
        tl.say(f"{ON_DEVICE_NAME} starts, now that the manager runs")
        on_device.kit.start()
        self.registered(f"{ON_DEVICE_NAME} registers", on_device, mark)
        self.ids = {REMOTE_NAME: remote_id, ON_DEVICE_NAME: str(on_device.kit.client_id)}

        mark, before = tl.mark(), remote.activations
        tl.say("connectivity-events reports: the internet is down")
        tl.emit(topics.INTERNET_DISCONNECTED)
        self.check("the watchdog launches setup (grace 0)", topics.SETUP_LAUNCHED, mark)
        tl.say(f"headless: the manager picks {REMOTE_NAME}, the client that needs no input")
        self.say_settle_wait(remote.name)
        self.activated(f"headless: {REMOTE_NAME} (needs no input) is activated", remote, remote_id, mark, before)
        tl.say(f"{REMOTE_NAME}: activated; the phone joins its hotspot and sends the Wi-Fi password")
        tl.say(f"{REMOTE_NAME}: joined the network, ends its session")
        session_end, before = tl.mark(), remote.deactivations
        remote.kit.request_deactivate()
        self.check(f"{REMOTE_NAME} asks to end its session", topics.REMOVE_ACTIVE_CLIENT, session_end,
                   _registered(REMOTE_NAME))
        self.deactivated(f"the manager ends {REMOTE_NAME}'s session", remote, remote_id, session_end, before)
        tl.say(f"{REMOTE_NAME}: session ended")
        if not tl.seen_since(topics.NOTIFY_NO_INTERNET, mark):
            tl.say("no other part of OVOS has told the device it is offline: the manager does, "
                   f"notice_window ({float(self.plugin.settings.notice_window):g} s) after the report")
        self.check("the device is told it is offline", topics.NOTIFY_NO_INTERNET, mark)

        mark = self.internet_comes_up()
        tl.say("ovos-PHAL stops the plugin; the sample clients (parts of other PHAL plugins) keep running")
        self.stop_plugin()

    def internet_comes_up(self) -> int:
        """The reporter says the internet is up: the round completes with its messages; returns the mark."""
        tl = self.tl
        mark = tl.mark()
        tl.say("connectivity-events reports: the internet is up")
        tl.emit(topics.INTERNET_CONNECTED)
        self.check("the round completes", topics.WIFI_SETUP_COMPLETED, mark)
        self.check("the shell hears all is well", topics.SHELL_STATUS_OK, mark)
        self.check("setup ends", topics.STOP_SETUP, mark)
        self.check("the device is asked to sync its clock", topics.NTP_SYNC, mark)
        return mark

    def round_gui(self) -> None:
        """Round 2: the selection page, a client that fails, the page again, "Connect later"."""
        tl = self.tl
        remote, on_device = self.clients
        tl.heading("Round 2: with a screen (gui: always)")
        mark = tl.mark()
        tl.say("ovos-PHAL starts the plugin again: a fresh instance; the running clients register again on alive")
        self.start_plugin(plugin_config(enable_watchdog=False, gui="always"))
        self.check("the manager announces itself", topics.ALIVE, mark)
        self.probed("the on-screen method asks again for network-manager", mark)
        if self.private_bus:
            tl.say(f"no {NM_NAME} runs yet: the on-screen method stays off the selection page")
        new_ids = {REMOTE_NAME: self.registered(f"{REMOTE_NAME} registers again", remote, mark),
                   ON_DEVICE_NAME: self.registered(f"{ON_DEVICE_NAME} registers again", on_device, mark)}
        changed = [f"{name} {short_id(self.ids[name])} -> {short_id(new_ids[name])}"
                   for name in (REMOTE_NAME, ON_DEVICE_NAME) if self.ids.get(name) != new_ids[name]]
        if changed:
            tl.say(f"new ids: {', '.join(changed)}")
            tl.say("why: each plugin instance hands out its own ids and keeps them in memory only; the kit "
                   "takes its new id from client.registered and listens on activate/deactivate.<new id>")
        on_device_id = new_ids[ON_DEVICE_NAME]

        mark = tl.mark()
        tl.say("the user taps the shell's wireless button")
        tl.emit(topics.USER_ACTIVATED)
        self.check("setup launches", topics.SETUP_LAUNCHED, mark)
        self.check("the selection page is shown", "gui.page.show", mark, _from_plugin)

        mark, before = tl.mark(), on_device.activations
        tl.say(f"on the selection page the user picks \"{on_device.kit.display_text}\"")
        tl.emit(topics.CLIENT_SELECT, {topics.K_CLIENT: ON_DEVICE_NAME, topics.K_ID: on_device_id})
        self.check(f"the pick becomes a request to activate {ON_DEVICE_NAME}", topics.SET_ACTIVE_CLIENT, mark,
                   _registered(ON_DEVICE_NAME))
        self.say_settle_wait(on_device.name)
        self.activated(f"{ON_DEVICE_NAME} is activated", on_device, on_device_id, mark, before)
        tl.say(f"{ON_DEVICE_NAME}: activated; it finds no Wi-Fi adapter and reports a failure")
        failure, before = tl.mark(), on_device.deactivations
        on_device.kit.report_setup_failure("demo: no Wi-Fi adapter found")
        self.check(f"{ON_DEVICE_NAME} reports a failure", topics.CLIENT_SETUP_FAILURE, failure)
        after = self.deactivated(f"{ON_DEVICE_NAME}'s session is ended", on_device, on_device_id, failure, before)
        tl.say(f"{ON_DEVICE_NAME}: session ended")
        self.check("the selection page is shown again, without the client that failed", "gui.page.show", after,
                   _from_plugin)

        mark = tl.mark()
        tl.say("on the selection page the user picks \"Connect later\"")
        tl.emit(topics.SKIP_SETUP)
        self.check("setup ends", topics.STOP_SETUP, mark)
        self.check("the device stays offline for now", topics.FULLY_OFFLINE_OUT, mark,
                   lambda m: m.data.get("permanent") is False)
        tl.say("ovos-PHAL stops: the sample clients leave, then the plugin stops")
        self.leave()
        tl.say("ovos-PHAL stops the plugin")
        self.stop_plugin()

    def network_manager_answers(self) -> bool:
        """On a bus the demo did not start: True when something there answers as network-manager does."""
        answers = (topics.NM_IS_CONNECTED, topics.NM_IS_NOT_CONNECTED)
        if any(self.tl.seen_since(topic, 0) for topic in answers):
            return True
        mark = self.tl.mark()
        self.tl.emit(topics.NM_GET_CONNECTED)
        deadline = time.monotonic() + NM_PRESENT_WAIT
        while time.monotonic() < deadline:
            if any(self.tl.seen_since(topic, mark) for topic in answers):
                return True
            time.sleep(0.05)
        return False

    def round_screen(self) -> bool:
        """Round 3: the built-in on-screen method joins a network: a wrong password, then the right one.

        Returns False when it is not played: on a bus where a real network-manager answers (it would try the
        demo's made-up networks with nmcli).
        """
        tl = self.tl
        tl.heading("Round 3: the built-in on-screen method (gui: always, screen_client: auto)")
        round_start = tl.mark()
        if not self.private_bus and self.network_manager_answers():
            tl.say(f"a real {NM_NAME} answers on this bus: the demo does not drive it, and skips round 3")
            return False
        tl.say(f"a stand-in for {NM_NAME} 1.3.5 starts: it answers ovos.phal.nm.* as that plugin does, from a "
               f"made-up scan; no nmcli runs and no Wi-Fi is touched")
        self.nm = NetworkManagerStandIn(self.phal_bus)
        self.nm.start()
        mark = tl.mark()
        tl.say("ovos-PHAL starts the plugin again, screen_client \"auto\" as by default")
        self.start_plugin(plugin_config(enable_watchdog=False, gui="always", screen_client="auto"))
        self.check("the manager announces itself", topics.ALIVE, mark)
        self.probed("the on-screen method asks whether network-manager runs", mark)
        self.check("network-manager's stand-in answers", topics.NM_IS_NOT_CONNECTED, mark)
        message, after = self.check("the on-screen method registers", topics.CLIENT_REGISTERED, mark,
                                    _registered(SCREEN_NAME))
        screen_id = str(message.data.get(topics.K_ID))
        self.registered_at[SCREEN_NAME] = tl.arrived(after)
        tl.say(f"{NM_NAME} answered and a screen is in use: the on-screen method registered, a client like any "
               "other")

        mark = tl.mark()
        tl.say("the user taps the shell's wireless button")
        tl.emit(topics.USER_ACTIVATED)
        self.check("setup launches", topics.SETUP_LAUNCHED, mark)
        page, _ = self.check("the selection page offers the on-screen method", "gui.value.set", mark,
                             lambda m: _from_plugin(m) and _offered(m) is not None)
        self.check("the selection page is shown", "gui.page.show", mark, _from_plugin)
        shown_text = _offered(page)

        mark = tl.mark()
        tl.say(f"on the selection page the user taps \"{shown_text}\"")
        tl.emit(topics.CLIENT_SELECT, {topics.K_CLIENT: SCREEN_NAME, topics.K_ID: screen_id})
        self.check("the pick becomes a request to activate the on-screen method", topics.SET_ACTIVE_CLIENT, mark,
                   _registered(SCREEN_NAME))
        self.say_settle_wait(SCREEN_NAME)
        self.check("the on-screen method is activated", topics.activate_topic(screen_id), mark)
        self.check("its page is shown", "gui.page.show", mark, _from_screen)
        self.check("it asks network-manager to scan", topics.NM_SCAN, mark)
        scan, _ = self.check("network-manager's stand-in lists the access points", topics.NM_SCAN_COMPLETE, mark)
        listed, _ = self.check("the page lists the networks", "gui.value.set", mark, _screen_step("list"))
        self.say_networks(scan, listed)

        mark = tl.mark()
        tl.say(f"the user taps \"{DEMO_SSID}\", types a wrong password (a typo) and taps Connect; the page sends "
               f"it (the timeline shows every password as {MASK})")
        tl.emit(topics.SCREEN_CONNECT, {"ssid": DEMO_SSID, MASKED_FIELD: DEMO_WRONG_PASSWORD})
        self.connecting(mark, "the wrong password")
        failure, after = self.check("network-manager's stand-in refuses the password", topics.NM_CONNECT_FAILED,
                                    mark)
        self.check("the on-screen method scans again", topics.NM_SCAN, after)
        failed, _ = self.check("the page shows why", "gui.value.set", after, _screen_step("failed"))
        error = str(failed.data.get("error", ""))
        if DEMO_SSID not in error or "password" not in error:
            raise StepMissed(f"the page shows why: it says {error!r}, not that the password was refused")
        tl.say(f"as 1.3.5 does after a refused password, network-manager forgot {DEMO_SSID}'s profile and said only "
               f"\"{failure.data.get('errorMessage')}\", naming no network: the method scanned again, {DEMO_SSID} "
               "is still in reach, so the password is the likely cause")
        tl.say(f"the page shows: \"{error}\"")

        mark = tl.mark()
        tl.say(f"the user taps \"{DEMO_SSID}\" again, types the right password and taps Connect")
        tl.emit(topics.SCREEN_CONNECT, {"ssid": DEMO_SSID, MASKED_FIELD: DEMO_PASSWORD})
        self.connecting(mark, "the right password")
        self.check("network-manager's stand-in joins the network", topics.NM_CONNECTED_OK, mark,
                   lambda m: m.data.get("connection_name") == DEMO_SSID)
        self.check("the page says it is connected", "gui.value.set", mark, _screen_step("connected"))
        self.check("the on-screen method ends its session", topics.REMOVE_ACTIVE_CLIENT, mark,
                   _registered(SCREEN_NAME))
        self.check("the manager ends the on-screen method's session", topics.deactivate_topic(screen_id), mark)
        self.check("its page goes", "gui.clear.namespace", mark, _from_screen)
        tl.say(f"the page said \"Connected to {DEMO_SSID}\"; the on-screen method ended its session and let go "
               "of the screen")

        mark = self.internet_comes_up()
        tl.say("ovos-PHAL stops: the plugin stops, and its on-screen method leaves the list with it")
        self.stop_plugin()
        self.check("the on-screen method leaves", topics.DEREGISTER_CLIENT, mark, _registered(SCREEN_NAME))
        completed = sum(1 for m in tl.since(round_start) if m.msg_type == topics.WIFI_SETUP_COMPLETED)
        if completed != 1:
            raise StepMissed(f"the round completes once: ovos.wifi.setup.completed passed {completed} times")
        self.steps.append("the round completed once (one ovos.wifi.setup.completed)")
        tl.say(f"{NM_NAME}'s stand-in stops")
        self.nm.stop()
        return True

    def round_hotspot(self) -> None:
        """Round 4: headless, the built-in hotspot method; the demo plays the phone: the captive-portal check, the
        list of networks, a wrong password, then the right one."""
        from ovos_PHAL_plugin_wifi_setup.methods.hotspot.client import HotspotClient, HotspotConfig, ssid_for
        tl = self.tl
        tl.heading("Round 4: headless, the built-in hotspot method (gui: never, hotspot_client: auto)")
        round_start = tl.mark()
        standin = HotspotNetworkManagerStandIn()
        hotspot_ssid = ssid_for(standin.device.hw_address)
        tl.say("a stand-in plays NetworkManager: a Wi-Fi device wlan0 able to be an access point and the made-up "
               "networks; it opens no access point, and no D-Bus is used")
        web_port, dns_port = free_port(), free_port(socket.SOCK_DGRAM)
        config = HotspotConfig(address=LOOPBACK, http_port=web_port, dns_port=dns_port, join_timeout=30)
        mark = tl.mark()
        tl.say("ovos-PHAL starts the plugin again: headless, the watchdog on")
        self.start_plugin(plugin_config(enable_watchdog=True, gui="never", screen_client="never"))
        self.check("the manager announces itself", topics.ALIVE, mark)
        tl.say(f"the hotspot method starts beside it, over the stand-in; its page and DNS responder will listen on "
               f"{LOOPBACK} ports {web_port} and {dns_port} (on a device: 10.42.0.1, ports 80 and 53)")
        self.hotspot = HotspotClient(self.phal_bus, mode="auto", config=config, network_manager=lambda: standin)
        self.hotspot.start()
        message, after = self.check("the hotspot method registers (NetworkManager has a Wi-Fi device able to be "
                                    "an access point)", topics.CLIENT_REGISTERED, mark, _registered(HOTSPOT_NAME))
        hotspot_id = str(message.data.get(topics.K_ID))
        self.registered_at[HOTSPOT_NAME] = tl.arrived(after)

        mark = tl.mark()
        tl.say("connectivity-events reports: the internet is down")
        tl.emit(topics.INTERNET_DISCONNECTED)
        self.check("the watchdog launches setup", topics.SETUP_LAUNCHED, mark)
        self.say_settle_wait(HOTSPOT_NAME)
        self.check("headless: the hotspot method (needs no input) is activated", topics.activate_topic(hotspot_id),
                   mark)
        said, _ = self.check("the device says what to do", topics.SPEAK, mark,
                             lambda m: hotspot_ssid in str(m.data.get("utterance")))
        tl.say(f"the device says: \"{said.data.get('utterance')}\"")
        self.wait_for_page(web_port)
        tl.say(f"NetworkManager's stand-in did: {'; '.join(standin.done)}")

        tl.say(f"the phone joins {hotspot_ssid}; its captive-portal check looks up connectivitycheck.gstatic.com")
        answer = _dns_lookup(dns_port, "connectivitycheck.gstatic.com")
        if answer != LOOPBACK:
            raise StepMissed(f"the catch-all DNS answers with the device's address: it answered {answer!r}")
        self.steps.append("the catch-all DNS answers every name with the device's address")
        tl.say(f"the DNS responder answers {answer}: every name is the device")
        status, headers, _ = _http("GET", web_port, "/generate_204", host="connectivitycheck.gstatic.com")
        if status != 302:
            raise StepMissed(f"the captive-portal check is sent to the setup page: HTTP {status}")
        self.steps.append("the phone's captive-portal check is sent to the setup page")
        tl.say(f"GET http://connectivitycheck.gstatic.com/generate_204 -> {status}, Location {headers.get('location')}: "
               "the phone opens the setup page")
        status, _, page = _http("GET", web_port, "/")
        title = self.hotspot.catalogue.text("hotspot_title")
        if status != 200 or title not in page:
            raise StepMissed(f"the setup page opens: HTTP {status}")
        tl.say(f"GET / -> {status}: the page \"{title}\", in the device's language")
        status, _, body = _http("GET", web_port, "/api/networks")
        listed = [n.get("ssid") for n in json.loads(body).get("networks", [])]
        if listed != ["Home", "Café Ü", "Studio"]:
            raise StepMissed(f"the page lists the scan's networks, each once, strongest first: {listed}")
        self.steps.append("the page lists the networks of the scan: each once, hidden ones left out, strongest first")
        tl.say(f"GET /api/networks -> {status}: {body}")

        mark = tl.mark()
        tl.say(f"the user picks \"{DEMO_SSID}\", types a wrong password (a typo) and taps Connect")
        self.phone_connects(web_port, DEMO_WRONG_PASSWORD)
        failed = self.phone_waits(web_port, "failed")
        tl.say(f"GET /api/status -> {json.dumps(failed, ensure_ascii=False)}")
        if "password" not in str(failed.get("error", "")):
            raise StepMissed(f"the page says why the join failed: {failed}")
        self.steps.append("a wrong password: the page says so, and the hotspot opens again")
        tl.say(f"NetworkManager's stand-in did: {'; '.join(standin.done[-3:])}")

        tl.say(f"the phone rejoins {hotspot_ssid}; the user types the right password for {DEMO_SSID}")
        self.phone_connects(web_port, DEMO_PASSWORD)
        self.check("the hotspot method ends its session", topics.REMOVE_ACTIVE_CLIENT, mark,
                   _registered(HOTSPOT_NAME))
        connected = self.phone_waits(web_port, "connected")
        tl.say(f"GET /api/status -> {json.dumps(connected, ensure_ascii=False)}: the page says \""
               f"{self.hotspot.catalogue.text('hotspot_connected', ssid=DEMO_SSID)}\"")
        self.steps.append("the right password: the device joins the network, the page says it is connected")
        tl.say(f"NetworkManager's stand-in did: {'; '.join(standin.done[-2:])}")
        self.check("the manager ends the hotspot method's session", topics.deactivate_topic(hotspot_id), mark)

        mark = self.internet_comes_up()
        tl.say("ovos-PHAL stops: the hotspot method leaves the list, then the plugin stops")
        hotspot, self.hotspot = self.hotspot, None
        hotspot.shutdown()
        self.check("the hotspot method leaves", topics.DEREGISTER_CLIENT, mark, _registered(HOTSPOT_NAME))
        self.check("the manager confirms the hotspot method left", topics.CLIENT_DEREGISTERED, mark,
                   _registered(HOTSPOT_NAME))
        self.stop_plugin()
        carried = [m.msg_type for m in tl.since(round_start)
                   if DEMO_PASSWORD in m.serialize() or DEMO_WRONG_PASSWORD in m.serialize()]
        if carried:
            raise StepMissed(f"no Wi-Fi password passes on the bus: {carried} carried one")
        self.steps.append("no Wi-Fi password passed on the bus: the page handed it to NetworkManager only")

    def wait_for_page(self, port: int) -> None:
        """The setup page answers (the hotspot method starts it once the access point is up)."""
        deadline = time.monotonic() + self.step_timeout
        while True:
            try:
                if _http("GET", port, "/api/status")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise StepMissed(f"the setup page answers: nothing on {LOOPBACK}:{port} within "
                                 f"{self.step_timeout:g} s")
            time.sleep(0.05)
        self.steps.append("the hotspot opens: the access point, the DNS responder and the setup page")

    def phone_connects(self, port: int, password: str) -> None:
        """The page's POST /api/connect (the timeline masks the password)."""
        body = json.dumps({"ssid": DEMO_SSID, MASKED_FIELD: password})
        status, _, reply = _http("POST", port, "/api/connect", body=body)
        self.tl.say(f"POST /api/connect {{\"ssid\": \"{DEMO_SSID}\", \"password\": \"{MASK}\"}} -> {status} {reply}")
        if status != 202:
            raise StepMissed(f"the page's connect is taken: HTTP {status} {reply}")

    def phone_waits(self, port: int, state: str) -> Dict[str, Any]:
        """Poll /api/status, as the page does, until the state is `state`; return the status."""
        deadline = time.monotonic() + self.step_timeout
        while True:
            status = json.loads(_http("GET", port, "/api/status")[2])
            if status.get("state") == state:
                return status
            if time.monotonic() > deadline:
                raise StepMissed(f"/api/status says {state}: it says {status}")
            time.sleep(0.05)

    def connecting(self, since: int, which: str) -> None:
        """The page's connect request, the page's "connecting" step and network-manager's connect pass."""
        self.check(f"the page sends {DEMO_SSID} and {which} (masked)", topics.SCREEN_CONNECT, since,
                   lambda m: m.data.get("ssid") == DEMO_SSID)
        self.check(f"the page says it is connecting to {DEMO_SSID}", "gui.value.set", since,
                   _screen_step("connecting"))
        self.check(f"the on-screen method hands {which} to network-manager (masked)", topics.NM_CONNECT, since,
                   lambda m: m.data.get("connection_name") == DEMO_SSID)

    def say_networks(self, scan: Any, listed: Any) -> None:
        """Narrate the scan and the page's list, and check the list is the scan's networks, each once."""
        entries = [entry for entry in _as_list(scan.data.get("networks")) if isinstance(entry, dict)]
        names = [str(entry.get("ssid", "")) for entry in entries]
        hidden = sum(1 for name in names if not name.strip())
        twice = sorted({name for name in names if name.strip() and names.count(name) > 1})
        shown = _as_list(listed.data.get("networks_model"))
        expected = [network.as_payload() for network in shape_networks(entries)]
        if shown != expected or len({n.get("ssid") for n in shown}) != len(shown):
            raise StepMissed(f"the page lists the networks: it lists {shown}, not each network of the scan once")
        self.steps.append("each network once, hidden ones left out, secured ones marked")
        self.tl.say(f"the scan lists {len(entries)} access points: {', '.join(twice) or 'none'} seen twice, "
                    f"{hidden} hidden (no name)")
        secured = [str(n.get("ssid")) for n in shown if n.get("secured")]
        open_ones = [str(n.get("ssid")) for n in shown if not n.get("secured")]
        self.tl.say(f"the page lists {len(shown)} networks, each once, {hidden} hidden left out; secured, marked "
                    f"with their security: {', '.join(secured) or 'none'}; open: {', '.join(open_ones) or 'none'}")

    def leave(self) -> None:
        """Each sample client leaves: its deregister.client, and the manager's client.deregistered."""
        clients, self.clients = self.clients, []
        for client in clients:
            mark = self.tl.mark()
            client.shutdown()
            self.check(f"{client.name} leaves", topics.DEREGISTER_CLIENT, mark, _registered(client.name))
            self.check(f"the manager confirms {client.name} left", topics.CLIENT_DEREGISTERED, mark,
                       _registered(client.name))

    def close(self) -> None:
        """Stop what the demo started on the PHAL side; a lost bus must not stop the clean-up."""
        clients, self.clients = self.clients, []
        for client in clients:
            try:
                client.shutdown()
            except BusUnavailable:
                pass
        try:
            self.stop_plugin()
        except BusUnavailable:
            pass
        if self.nm is not None:
            self.nm.stop()
        if self.hotspot is not None:
            self.hotspot.shutdown()


def _from_plugin(message: Any) -> bool:
    """Match GUI messages our plugin sent."""
    return message.data.get("__from") == topics.PLUGIN_ID


def _from_screen(message: Any) -> bool:
    """Match GUI messages of the on-screen method."""
    return message.data.get("__from") == SCREEN_NAME


def _screen_step(step: str) -> Callable[[Any], bool]:
    """Match the on-screen method's session data once its page shows step."""
    return lambda message: _from_screen(message) and message.data.get("step") == step


def _offered(message: Any) -> Optional[str]:
    """The text the selection page shows for the on-screen method, or None when it does not list it."""
    for entry in _as_list(message.data.get(topics.SESSION_CLIENTS)):
        if isinstance(entry, dict) and entry.get(topics.K_CLIENT) == SCREEN_NAME:
            return str(entry.get(topics.K_DISPLAY_TEXT) or SCREEN_NAME)
    return None


def run_demo(host: Optional[str] = None, port: Optional[int] = None, verbose: bool = False,
             out: TextIO = sys.stdout, step_timeout: float = STEP_TIMEOUT) -> int:
    """Play the rounds and print the timeline and a summary; return the exit code."""
    start = time.monotonic()
    own_bus = host is None and port is None
    # Found, not imported: importing it would read OVOS configuration before the tree below is in place.
    if own_bus and importlib.util.find_spec("ovos_messagebus") is None:
        print(f"ovos-wifi-setup: {INSTALL_HINT}", file=sys.stderr)
        return EXIT_MISSING
    root = Path(tempfile.mkdtemp(prefix="ovos-wifi-setup-demo-"))
    host = host or LOOPBACK
    port = port or (free_port() if own_bus else 8181)
    # Before the OVOS modules below read configuration (the command line imports none of them): this
    # process, too, uses the throwaway tree, so nothing of the demo touches $HOME or the real device's XDG dirs.
    write_tree(root, host, port)
    _use_tree(root)
    from ovos_utils.log import LOG
    LOG.set_level("DEBUG" if verbose else "CRITICAL")

    bus_process = BusProcess(root) if own_bus else None
    closers: List[Callable[[], None]] = []
    demo: Optional[Demo] = None
    code = EXIT_OK
    try:
        if bus_process is not None:
            print(f"starting ovos-messagebus on {host}:{port} (XDG tree {root})", file=out, flush=True)
            bus_process.start()
        print("Lines with >> tell what happens; the others are messages on the bus: the topic, then the payload "
              "(ids cut to their first 8 characters; (+name) names fields left out for width, … stands for more; "
              "the pages' translated texts are left out).", file=out, flush=True)
        print(f"Round 3: a scan's networks are shown as nmcli lists them (SSID:SECURITY); the on-screen method's "
              f"gui.value.set is shown when its page's step changes, networks_model as the page lists them (name, "
              f"then its security or Open). The demo never prints a Wi-Fi password: every password field shows as "
              f"password={MASK}.", file=out, flush=True)
        observer, close = _connect_when_up(host, port, bus_process, start)
        closers.append(close)
        phal_bus, close = connect(host, port, step_timeout)
        closers.append(close)
        timeline = Timeline(observer, out, start)
        demo = Demo(phal_bus, timeline, step_timeout, private_bus=own_bus)
        demo.round_headless()
        demo.round_gui()
        demo.screen_round_played = demo.round_screen()
        demo.round_hotspot()
    except StepMissed as missed:
        print(f"ovos-wifi-setup demo: a step did not happen: {missed}", file=sys.stderr)
        code = EXIT_STEP_MISSED
    except BusUnavailable as error:
        tail = bus_process.tail() if bus_process is not None else ""
        print(f"ovos-wifi-setup demo: {error}" + (f"\n{tail}" if tail else ""), file=sys.stderr)
        code = EXIT_MISSING
    except LookupError as error:
        print(f"ovos-wifi-setup demo: {error}", file=sys.stderr)
        code = EXIT_MISSING
    except KeyboardInterrupt:
        print("ovos-wifi-setup demo: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    finally:
        if demo is not None:
            demo.close()
        for close in reversed(closers):
            close()
        if bus_process is not None:
            bus_process.stop()
        shutil.rmtree(root, ignore_errors=True)
    if code == EXIT_OK and demo is not None:
        _summary(demo, timeline, start, out)
    return code


def _connect_when_up(host: str, port: int, bus_process: Optional[BusProcess],
                     start: float) -> Tuple[Any, Callable[[], None]]:
    """Connect once the bus accepts connections: a fresh bus needs a moment to start."""
    from pyee import EventEmitter

    deadline = start + BUS_START_TIMEOUT
    while True:
        try:
            # A synchronous emitter keeps the bus's order in the record; the stock pool would not.
            return connect(host, port, 5.0, emitter=EventEmitter())
        except BusUnavailable:
            if bus_process is None or time.monotonic() >= deadline:
                raise
            if not bus_process.alive:
                raise BusUnavailable(
                    f"ovos-messagebus exited before accepting connections on {host}:{port}") from None
            time.sleep(0.2)


def _summary(demo: Demo, timeline: Timeline, start: float, out: TextIO) -> None:
    """Print what the rounds showed."""
    played = "all four rounds" if demo.screen_round_played else "rounds 1, 2 and 4 (round 3 skipped)"
    print(f"\n== Summary: {played} completed in {time.monotonic() - start:.1f} s ==", file=out)
    for step in demo.steps:
        print(f"  ok  {step}", file=out)
    print(f"{len(demo.steps)} steps, {timeline.lines} setup messages on the bus; everything the demo "
          "started is stopped.", file=out, flush=True)
