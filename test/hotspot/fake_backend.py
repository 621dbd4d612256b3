"""A stand-in for the hotspot client behind the setup page, and a thread running an asyncio loop for the servers.

FakeBackend validates a connect the way the real client must (the code first, where one is asked;
networks.check_ssid, then choice.check_key with the listed network's security, error_not_listed for a name not in
the list, Busy while a join is in flight) and then waits: the test decides the outcome (succeed(), fail(key), or finish() to judge the password against `passwords`).
"""
import asyncio
import threading
from typing import Any, Awaitable, Dict, List, Optional, Tuple, TypeVar

from ovos_PHAL_plugin_wifi_setup.methods.hotspot.presence import code_matches, refusal
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.web import SetupServer
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue, Words
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.choice import check_key, hidden_network
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm_dbus import OPEN_WORD, AccessPoint
from ovos_PHAL_plugin_wifi_setup.methods.networks import Busy, Refused, check_ssid

T = TypeVar("T")

# The made-up networks of the README screenshots: merged, strongest first, as the client gives them.
SCREENSHOT_NETWORKS = [
    {"ssid": "Home", "security": "WPA2", "strength": 86},
    {"ssid": "Café Ü", "security": "", "strength": 62},
    {"ssid": "Studio", "security": "WPA3", "strength": 38},
]


class FakeBackend:
    """The page's backend, with the outcome of each join left to the test."""

    def __init__(self, networks: List[Dict[str, Any]], lang: str = "en-us",
                 passwords: Optional[Dict[str, str]] = None, code: str = ""):
        self.catalogue = Catalogue(lang)
        self._code = code  # the open network's code the device said; "": none asked
        self._networks = [dict(n) for n in networks]
        self._passwords = dict(passwords or {})
        self._lock = threading.Lock()
        self._status: Dict[str, Any] = {"state": "waiting"}
        self._attempt: Optional[Tuple[str, str]] = None
        self.connects: List[Tuple[str, str]] = []  # every join started: (ssid, password)
        self.rescans = 0                  # rescans asked
        self.next_networks: Optional[List[Dict[str, Any]]] = None  # the list a rescan finds
        self.hidden_joins: List[Tuple[str, str]] = []  # every hidden ("Other network") join: (ssid, security)

    def __repr__(self) -> str:
        """The state and the number of joins (never a password)."""
        return f"FakeBackend(state={self._status.get('state')!r}, joins={len(self.connects)})"

    def networks(self) -> List[Dict[str, Any]]:
        """The listed networks, as given."""
        return [dict(n) for n in self._networks]

    def status(self) -> Dict[str, Any]:
        """The status the page shows."""
        with self._lock:
            return dict(self._status)

    @property
    def needs_code(self) -> bool:
        """True when a connect must carry the code (the page asks for it)."""
        return bool(self._code)

    def connect(self, ssid: Any, password: Any, code: Any = None, hidden: bool = False, security: Any = None) -> None:
        """Start a join after the real client's checks (a listed network, or `hidden` the one named with its
        `security`); raise CodeRefused/Refused/Busy as it would (an open network's password is ignored)."""
        if self._code and not code_matches(self._code, code):
            raise refusal(code, 1)
        with self._lock:
            if self._attempt is not None:
                raise Busy(Words.of("error_busy", ssid=self._attempt[0]))
            if hidden:
                network = hidden_network(ssid, security)
                password = check_key(network, password)
                self._attempt = (network.ssid, password)
                self.connects.append(self._attempt)
                self.hidden_joins.append((network.ssid, network.security))
                self._status = {"state": "connecting", "ssid": network.ssid}
                return
            name = check_ssid(ssid)
            listed = [n for n in self._networks if n["ssid"] == name]
            if not listed:
                raise Refused(Words.of("error_not_listed", ssid=name))
            # The security joined with is the strongest word listed (the first), as the client's scan has it.
            words = listed[0]["security"].split() or [""]
            security = "" if words[0] in (OPEN_WORD, "--") else words[0]
            if listed[0].get("joinable") is False and security != "802.1X":
                security = "WEP Open"
            password = check_key(AccessPoint(ssid=name, security=security, strength=0), password)
            self._attempt = (name, password)
            self.connects.append((name, password))
            self._status = {"state": "connecting", "ssid": name}

    def rescan(self) -> float:
        """A rescan: the list becomes `next_networks` where set (one per RESCAN_INTERVAL, as the client's)."""
        self.rescans += 1
        if self.next_networks is not None:
            self._networks, self.next_networks = self.next_networks, None
        return 0.0

    def succeed(self) -> None:
        """The join in flight worked."""
        with self._lock:
            if self._attempt is not None:
                self._status = {"state": "connected", "ssid": self._attempt[0]}
                self._attempt = None

    def fail(self, key: str = "error_could_not_connect") -> None:
        """The join in flight failed with the words of `key` (naming the network)."""
        with self._lock:
            if self._attempt is not None:
                ssid = self._attempt[0]
                words = Words.of(key, ssid=ssid, seconds="30")
                self._status = {"state": "failed", "ssid": ssid, "error": self.catalogue.text(words), "code": key}
                self._attempt = None

    def finish(self) -> None:
        """Settle the join in flight by `passwords`: the right one connects, any other is a wrong password."""
        with self._lock:
            attempt = self._attempt
        if attempt is None:
            return
        if self._passwords.get(attempt[0], "") == attempt[1]:
            self.succeed()
        else:
            self.fail("error_wrong_password")

    def in_flight(self) -> bool:
        """True while a join waits for the test's decision."""
        with self._lock:
            return self._attempt is not None


class LoopThread:
    """An asyncio event loop running in a thread of its own; coroutines are run on it from the test's thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="hotspot-test-loop", daemon=True)
        self._thread.start()

    def run(self, coroutine: Awaitable[T], timeout: float = 15.0) -> T:
        """Run a coroutine on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)  # type: ignore[arg-type]

    def close(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class RunningServer:
    """A SetupServer on 127.0.0.1 (a free port) with a FakeBackend, served by a LoopThread."""

    def __init__(self, backend: FakeBackend, **options: Any):
        self.backend = backend
        self.loop = LoopThread()
        self.server = SetupServer(backend, "127.0.0.1", 0, **options)
        try:
            self.loop.run(self.server.start())
        except BaseException:
            self.loop.close()
            raise

    @property
    def port(self) -> int:
        """The bound port."""
        return self.server.port

    @property
    def url(self) -> str:
        """The page's address."""
        return self.server.portal_url

    def close(self) -> None:
        """Stop the server and the loop."""
        try:
            self.loop.run(self.server.stop())
        finally:
            self.loop.close()


# Debian's chromium, driven by Playwright: the options every browser run of the setup page uses.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-proxy-server", "--disable-default-apps", "--disable-domain-reliability",
    # no name resolves: the browser can only reach the loopback address it is given
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
