"""Shared by the fuzz, hammer, fault and security tests: JSON strategies, the error log, invariants, a live plugin."""
import json
import threading
import time
import uuid
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from hypothesis import strategies as st

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.manager.machine import SetupState

# Every inbound topic of PROTOCOL.md, plus the generic ones the plugin listens to; test_fuzz checks this
# against the plugin's own handler list, so a new handler cannot escape the fuzzing.
INBOUND_TOPICS: Tuple[str, ...] = (
    t.REGISTER_CLIENT, t.DEREGISTER_CLIENT, t.SET_ACTIVE_CLIENT, t.REMOVE_ACTIVE_CLIENT, t.CLIENT_SETUP_FAILURE,
    t.CLIENT_SELECT, t.SKIP_SETUP, t.FULLY_OFFLINE_IN, t.USER_ACTIVATED, t.SELECT_PAGE_REMOVED, t.STATUS,
    t.GET_REGISTERED_CLIENTS, t.INTERNET_CONNECTED, t.INTERNET_DISCONNECTED, t.INTERNET_STATE, t.NETWORK_STATE,
    t.INTERNET_CHECK_RESPONSE, t.IS_READY, t.GUI_STATUS_RESPONSE, t.GUI_CONNECTED,
    t.NOTIFY_NO_INTERNET, t.WIFI_SETUP_COMPLETED, t.SHELL_STATUS_OK, t.SPEAK, t.CONFIG_UPDATED,
)
RECORD_KEYS: Tuple[str, ...] = (t.K_CLIENT, t.K_TYPE, t.K_TYPE_LONG, t.K_DISPLAY_TEXT, t.K_DISPLAY_TEXT_LONG,
                                t.K_HAS_GUI, t.K_HAS_GUI_LONG, t.K_REQUIRES_INPUT, t.K_REQUIRES_INPUT_LONG,
                                t.K_ID, t.K_ID_LONG)
TARGET_KEYS: Tuple[str, ...] = (t.K_CLIENT, t.K_ID, t.K_ID_LONG, t.K_REQ_CLIENT, t.K_REQ_ID)
OTHER_KEYS: Tuple[str, ...] = ("state", "connected", "internet_connected", "network_connected", t.K_ERROR,
                               "permanent", "__proto__", "")
# Names a client may have, including the awkward ones: unicode, right-to-left, the caps' edges.
NAMES: Tuple[str, ...] = ("remote", "screen", "Ünïcödé-客户端", "\u202eevil", "x" * t.MAX_CLIENT_LEN, "a b", "0")
FAILURE_TOPICS = frozenset({t.REGISTRATION_FAILURE, t.DEREGISTRATION_FAILURE, t.ACTIVATION_FAILURE})
# A reply longer than this would mean the plugin echoes what it was sent (every field it echoes is capped).
MAX_REPLY_CHARS = 4096

_strings = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "\t\n", "\u200b", "\x00", t.TYPE_ON_DEVICE, t.TYPE_REMOTE, "null", "true",
                     "ovos.phal.wifi.plugin.activate.", "'; DROP TABLE clients; --", "%s%n{0}", "\ud7ff" * 3]),
    st.sampled_from(NAMES),
    st.integers(0, 5).map(lambda n: "é" * (t.MAX_CLIENT_LEN - 2 + n)),
    st.integers(0, 2).map(lambda n: "T" * (t.MAX_TYPE_LEN - 1 + n)),
    st.sampled_from([10**3, 10**5]).map(lambda n: "H" * n),
    st.uuids(version=4).map(str),
)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                     st.floats(allow_nan=False, allow_infinity=False), _strings)
_keys = st.one_of(st.sampled_from(RECORD_KEYS + TARGET_KEYS + OTHER_KEYS), st.text(max_size=6))
json_values = st.recursive(
    _scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=5)),
    max_leaves=10)
"""Any JSON value: scalars, lists, objects, nested, huge and empty strings, unicode."""


def record_payloads(ids: Sequence[str] = ()) -> st.SearchStrategy:
    """Near-valid registration payloads: both spellings mixed, often contradicting, some fields junk."""
    name = st.one_of(st.sampled_from(NAMES), json_values)
    kind = st.one_of(st.sampled_from([t.TYPE_ON_DEVICE, t.TYPE_REMOTE, "Bluetooth"]), json_values)
    text = st.one_of(st.sampled_from(["On Mobile Setup", "Écran", "x" * t.MAX_DISPLAY_TEXT_LEN]), json_values)
    flag = st.one_of(st.booleans(), json_values)
    some_id = st.one_of(st.sampled_from(list(ids) or ["none"]), json_values)
    return st.fixed_dictionaries({}, optional={
        t.K_CLIENT: name, t.K_TYPE: kind, t.K_TYPE_LONG: kind, t.K_DISPLAY_TEXT: text, t.K_DISPLAY_TEXT_LONG: text,
        t.K_HAS_GUI: flag, t.K_HAS_GUI_LONG: flag, t.K_REQUIRES_INPUT: flag, t.K_REQUIRES_INPUT_LONG: flag,
        t.K_ID: some_id, t.K_ID_LONG: some_id})


def target_payloads(names: Sequence[str], ids: Sequence[str]) -> st.SearchStrategy:
    """Payloads naming a client by every alias, with known and unknown names and ids, mixed and contradicting."""
    name = st.one_of(st.sampled_from(list(names) + list(NAMES)), json_values)
    some_id = st.one_of(st.sampled_from(list(ids) or [str(uuid.uuid4())]), st.uuids(version=4).map(str), json_values)
    return st.fixed_dictionaries({}, optional={
        t.K_CLIENT: name, t.K_REQ_CLIENT: name, t.K_ID: some_id, t.K_ID_LONG: some_id, t.K_REQ_ID: some_id,
        t.K_ERROR: st.one_of(st.text(max_size=20), json_values)})


def _first(data: dict, aliases: Iterable[str]) -> Any:
    """The first alias with a non-null value, as PROTOCOL.md's "first alias found wins"."""
    return next((data[k] for k in aliases if data.get(k) is not None), None)


def registration_is_valid(data: Any) -> bool:
    """An independent reading of the client record table: would this payload register a client?"""
    if not isinstance(data, dict):
        return False
    for aliases, cap in ((t.CLIENT_ALIASES, t.MAX_CLIENT_LEN), (t.TYPE_ALIASES, t.MAX_TYPE_LEN),
                         (t.DISPLAY_TEXT_ALIASES, t.MAX_DISPLAY_TEXT_LEN)):
        value = _first(data, aliases)
        if not isinstance(value, str) or not value.strip() or len(value) > cap:
            return False
    return all(_first(data, aliases) is None or isinstance(_first(data, aliases), bool)
               for aliases in (t.HAS_GUI_ALIASES, t.REQUIRES_INPUT_ALIASES))


def is_uuid4(value: Any) -> bool:
    """True for the canonical text of a version-4 uuid."""
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value and uuid.UUID(value).version == 4
    except ValueError:
        return False


class ErrorLog:
    """Stands in for a module's LOG: keeps everything, and counts what means a handler failed."""

    # LOG.error lines that are outcomes of the contract, not failures of the code.
    EXPECTED_ERRORS = ("setup failed:", "could not save the plugin state")

    def __init__(self) -> None:
        self.records: List[Tuple[str, str]] = []
        self._lock = threading.Lock()

    def __getattr__(self, level: str) -> Callable[..., None]:
        """Any LOG.<level>(message) call is kept."""
        if level.startswith("_"):
            raise AttributeError(level)  # not a log level: repr hooks and the like

        def log(message: Any, *args: Any, **kwargs: Any) -> None:
            with self._lock:
                self.records.append((level, " ".join(map(str, (message, *args)))))
        return log

    def escaped(self) -> List[str]:
        """Every exception logged, and every error that is not an expected outcome."""
        with self._lock:
            return [f"{level}: {message}" for level, message in self.records
                    if level in ("exception", "critical")
                    or (level == "error" and not message.startswith(self.EXPECTED_ERRORS))]

    def clear(self) -> None:
        """Forget what was logged (long runs)."""
        with self._lock:
            self.records.clear()


def capture_logs(monkeypatch: Any) -> ErrorLog:
    """Route the LOG of every package module with handlers or threads, and FakeBus's, to one ErrorLog."""
    from ovos_utils import fakebus

    from ovos_PHAL_plugin_wifi_setup.manager import connectivity, core, plugin, probe, scheduler, sessions, state_store
    log = ErrorLog()
    for module in (plugin, core, connectivity, sessions, scheduler, state_store, probe, fakebus):
        monkeypatch.setattr(module, "LOG", log)
    return log


def snapshot(plugin: Any) -> Dict[str, Any]:
    """Everything a request could change, taken under the plugin's lock."""
    with plugin.machine.lock:
        status = plugin.status()
        # While online, last_online_at is the clock ("now"): it moves without any request.
        if status.get("internet") is True:
            status.pop("last_online_at", None)
        return {"status": status, "active": plugin.machine.active_client,
                "saved": plugin.core.saved, "failed": set(plugin.core.failed)}


def check_plugin(plugin: Any, issued: Optional[set] = None) -> None:
    """The plugin-side invariants: one state of the machine, at most one active client and it is registered,
    every id a canonical uuid4 (and one we saw issued, when given), one id per name."""
    with plugin.machine.lock:
        state = plugin.machine.state
        active = plugin.machine.active_client
        records = plugin.registry.payloads()
        status = plugin.status()
    assert isinstance(state, SetupState)
    if state is SetupState.ACTIVE:
        assert active is not None and plugin.registry.get(active) is not None, f"active {active} not registered"
        assert status["active_client"] is not None and status["active_client"]["id"] == active
    else:
        assert status["active_client"] is None
        if state is not SetupState.CHECKING:
            assert active is None, f"{state.name} keeps an active client {active}"
    names = [r[t.K_CLIENT] for r in records]
    assert len(names) == len(set(names)), f"a name is registered twice: {names}"
    for record in records:
        assert is_uuid4(record[t.K_ID]), record
        assert record[t.K_ID] != record[t.K_CLIENT]
        if issued is not None:
            assert record[t.K_ID] in issued, f"{record[t.K_ID]} was never sent in client.registered"
    assert status["in_setup"] == state.in_round and status["state"] == state.value


class SessionTracker:
    """Follows activate./deactivate. in the order they were sent: at most one session may be open at any time."""

    def __init__(self) -> None:
        self.open: List[str] = []
        self.activations = 0

    def feed(self, topic: str) -> None:
        """Account for one outbound topic; raise AssertionError when two sessions overlap or one ends unopened."""
        activate, deactivate = t.activate_topic(""), t.deactivate_topic("")
        if topic.startswith(activate):
            client_id = topic[len(activate):]
            if self.open == [client_id]:
                return  # the client re-registered in session (it restarted): told again, same session
            assert not self.open, f"activate.{client_id} while {self.open} still has its session"
            assert is_uuid4(client_id), topic
            self.open.append(client_id)
            self.activations += 1
        elif topic.startswith(deactivate):
            client_id = topic[len(deactivate):]
            assert self.open == [client_id], f"deactivate.{client_id} but the open session is {self.open}"
            self.open.clear()


def check_reply_sizes(messages: Iterable[Tuple[str, Any]]) -> None:
    """No failure reply echoes an unbounded part of its request."""
    for topic, data in messages:
        if topic in FAILURE_TOPICS:
            size = len(json.dumps(data))
            assert size <= MAX_REPLY_CHARS, f"{topic} is {size} characters long"


class LivePlugin:
    """The plugin in this process on a real ovos-messagebus, through its own MessageBusClient."""

    def __init__(self, port: int, config: Dict[str, Any]):
        from ovos_bus_client import MessageBusClient

        from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
        self.client = MessageBusClient(host="127.0.0.1", port=port)
        self.client.run_in_thread()
        if not self.client.connected_event.wait(30):
            raise TimeoutError(f"the plugin's bus client did not connect to port {port}")
        from helpers import MANAGER_ONLY, NO_SETTLE
        self.plugin = WifiSetupPlugin(bus=self.client, config={**NO_SETTLE, **MANAGER_ONLY, **config})
        assert self.plugin.started.wait(10)

    def close(self) -> None:
        """Shut the plugin down and close its connection."""
        self.plugin.shutdown()
        self.client.close()


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll until check() is truthy; fail with what after the (generous) timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.01)
