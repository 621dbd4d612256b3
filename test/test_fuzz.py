"""Property-based fuzzing of every inbound topic: any JSON shape, in any order, with valid traffic in between."""
import json
import shutil
import tempfile
import time
from typing import Any, Dict, List, Tuple

import pytest
from hypothesis import Phase, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from ovos_bus_client.message import Message

from fuzz_profiles import fuzz_settings
from helpers import MANAGER_ONLY, NO_SETTLE
from stack import free_port
from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.manager.machine import SetupState
from robust_support import (INBOUND_TOPICS, NAMES, ErrorLog, LivePlugin, SessionTracker, check_plugin,
                            check_reply_sizes, is_uuid4, json_values, record_payloads, registration_is_valid,
                            snapshot, target_payloads, wait_for)

# Timers far in the future: time moves only when the fire_timer rule says so, which keeps every step
# deterministic (the state machine replays a failure exactly).
NO_TIMERS = {"reporter_wait": 3600, "check_interval_offline": 3600, "check_interval_online": 3600,
             "check_interval_online_max": 3600, "grace": 3600, "grace_first_boot": 3600, "relaunch_backoff": 3600,
             "client_wait": 3600, "verify_timeout": 3600, "activation_timeout": 3600, **NO_SETTLE,
             **MANAGER_ONLY}
# Own checks go to a loopback port nobody listens on.
CLOSED_URL = f"http://127.0.0.1:{free_port()}/"
# Messages sent by the last fuzz run of this process, for the long run's note.
COUNTER = {"messages": 0, "examples": 0}


class FuzzedPlugin(RuleBasedStateMachine):
    """One fresh plugin on FakeBus per example; every rule sends one message and checks what came back."""

    def __init__(self) -> None:
        """Build the plugin with its LOGs captured and a recorder on the bus."""
        super().__init__()
        from ovos_bus_client.apis.gui import GUIInterface
        from ovos_utils.fakebus import FakeBus

        from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
        from ovos_PHAL_plugin_wifi_setup.manager import connectivity, core, sessions, scheduler, state_store
        from ovos_PHAL_plugin_wifi_setup.manager import plugin as plugin_module
        from ovos_utils import fakebus
        self.tmp = tempfile.mkdtemp(prefix="wifi-fuzz-")
        self.patch = pytest.MonkeyPatch()
        self.log = ErrorLog()
        for module in (plugin_module, core, connectivity, sessions, scheduler, state_store, fakebus):
            self.patch.setattr(module, "LOG", self.log)
        # GUIInterface copies the page folders into the XDG cache on every construction; that costs a
        # fifth of a second and says nothing about the protocol, so examples skip it.
        self.patch.setattr(GUIInterface, "_cache_gui_files", lambda _self: None)
        # No timer fires by itself (not even the "check now" one): the fire_timer rule moves time, so every
        # example replays exactly.
        self.patch.setattr(scheduler.Scheduler, "run", lambda _self: _self._stopping.wait())
        self.bus = FakeBus()
        self.sent: List[Tuple[str, Any]] = []
        self.bus.on("message", self._record)
        self.seen = 0
        self.sessions = SessionTracker()
        self.ids: Dict[str, str] = {}
        self.issued: set = set()
        self.plugin: Any = None
        self._build = lambda gui: WifiSetupPlugin(bus=self.bus, config={
            **NO_TIMERS, "gui": gui, "enable_watchdog": False, "state_file": f"{self.tmp}/state.json",
            "network_tests": {"web_url": CLOSED_URL, "web_url_secondary": ""}})
        COUNTER["examples"] += 1

    def _record(self, serialized: str) -> None:
        """Keep (topic, data) of every message the plugin (or a test) put on the bus."""
        parsed = json.loads(serialized)
        self.sent.append((parsed["type"], parsed.get("data")))

    @initialize(gui=st.sampled_from(["never", "always", "auto"]))
    def start(self, gui: str) -> None:
        """Start the plugin headless, with the page, or with the page once a GUI says it is there."""
        self.plugin = self._build(gui)
        assert self.plugin.started.wait(10)  # the plugin's thread starts it: every example begins after

    def teardown(self) -> None:
        """Shut the plugin down; fail if it left a session open on shutdown."""
        try:
            if self.plugin is not None:
                self.plugin.shutdown()
                self._follow()
                assert not self.sessions.open, f"shutdown left {self.sessions.open} active"
        finally:
            self.patch.undo()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------------ sending
    def send(self, topic: str, data: Any) -> List[Tuple[str, Any]]:
        """Deliver one message with any data to the handlers; return what the plugin sent in answer."""
        note(f"-> {topic} {data!r:.300}")
        COUNTER["messages"] += 1
        mark = len(self.sent)
        message = Message(topic, {})
        message.data = data  # any JSON value, even one a real bus would drop
        self.bus.ee.emit(topic, message)  # an exception here escaped the handler: hypothesis reports it
        return self.sent[mark:]

    def _follow(self) -> None:
        """Account for everything sent since the last step: sessions, issued ids, reply sizes."""
        new = self.sent[self.seen:]
        self.seen = len(self.sent)
        check_reply_sizes(new)
        for topic, data in new:
            self.sessions.feed(topic)
            if topic == t.CLIENT_REGISTERED:
                assert is_uuid4(data[t.K_ID]) and data[t.K_ID] == data[t.K_ID_LONG], data
                known = self.ids.get(data[t.K_CLIENT])
                assert known in (None, data[t.K_ID]), f"{data[t.K_CLIENT]} got a second id"
                self.ids[data[t.K_CLIENT]] = data[t.K_ID]
                self.issued.add(data[t.K_ID])
            elif topic == t.CLIENT_DEREGISTERED:
                assert self.ids.pop(data[t.K_CLIENT], None) == data[t.K_ID], data

    def assert_unchanged(self, before: Dict[str, Any], out: List[Tuple[str, Any]]) -> None:
        """A refused request changed nothing and started or ended no session."""
        assert snapshot(self.plugin) == before
        assert not [topic for topic, _ in out if ".activate." in topic or ".deactivate." in topic], out

    def one_outcome(self, out: List[Tuple[str, Any]], success: str, failure: str) -> Tuple[str, Any]:
        """Exactly one of the request's two outcomes came back; return it."""
        outcomes = [(topic, data) for topic, data in out if topic in (success, failure)]
        assert len(outcomes) == 1, f"expected one of {success} / {failure}, got {outcomes}"
        return outcomes[0]

    # ------------------------------------------------------------------ valid traffic
    @rule(name=st.sampled_from(NAMES), long_keys=st.booleans(), requires_input=st.booleans(),
          kind=st.sampled_from([t.TYPE_ON_DEVICE, t.TYPE_REMOTE, "Bluetooth"]))
    def register(self, name: str, long_keys: bool, requires_input: bool, kind: str) -> None:
        """A well-formed registration in either spelling always gets client.registered with the name's one id."""
        keys = (t.K_TYPE_LONG, t.K_DISPLAY_TEXT_LONG, t.K_REQUIRES_INPUT_LONG) if long_keys else \
            (t.K_TYPE, t.K_DISPLAY_TEXT, t.K_REQUIRES_INPUT)
        known = self.ids.get(name)
        out = self.send(t.REGISTER_CLIENT, {t.K_CLIENT: name, keys[0]: kind, keys[1]: f"Setup {name}"[:t.MAX_DISPLAY_TEXT_LEN],
                                            keys[2]: requires_input})
        topic, data = self.one_outcome(out, t.CLIENT_REGISTERED, t.REGISTRATION_FAILURE)
        assert topic == t.CLIENT_REGISTERED and data[t.K_CLIENT] == name
        assert known in (None, data[t.K_ID])

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data(), by_id=st.booleans())
    def activate_known(self, data: st.DataObject, by_id: bool) -> None:
        """Activating a registered client makes it the one active client."""
        name = data.draw(st.sampled_from(sorted(self.ids)))
        payload = {t.K_REQ_ID: self.ids[name]} if by_id else {t.K_REQ_CLIENT: name}
        out = self.send(t.SET_ACTIVE_CLIENT, payload)
        assert not [d for topic, d in out if topic == t.ACTIVATION_FAILURE], out
        assert self.plugin.machine.state is SetupState.ACTIVE
        assert self.plugin.machine.active_client == self.ids[name]

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data())
    def deregister_known(self, data: st.DataObject) -> None:
        """Deregistering a registered client by id removes it, ending its session first if it had one."""
        name = data.draw(st.sampled_from(sorted(self.ids)))
        client_id = self.ids[name]
        out = self.send(t.DEREGISTER_CLIENT, {t.K_ID_LONG: client_id})
        topic, _ = self.one_outcome(out, t.CLIENT_DEREGISTERED, t.DEREGISTRATION_FAILURE)
        assert topic == t.CLIENT_DEREGISTERED and self.plugin.registry.get(client_id) is None

    @precondition(lambda self: self.plugin is not None and self.plugin.machine.state is SetupState.ACTIVE
                  and len(self.ids) > 1)
    @rule(data=st.data(), topic=st.sampled_from([t.REMOVE_ACTIVE_CLIENT, t.CLIENT_SETUP_FAILURE]),
          how=st.sampled_from(["name", "id", "both", "own-name-other-id", "other-name-own-id"]))
    def impersonate(self, data: st.DataObject, topic: str, how: str) -> None:
        """A removal or failure report that names another client, even half of it, ends no session."""
        active = self.plugin.machine.active_client
        own = next(name for name, cid in self.ids.items() if cid == active)
        other = data.draw(st.sampled_from(sorted(n for n in self.ids if n != own)))
        payload = {"name": {t.K_CLIENT: other}, "id": {t.K_ID_LONG: self.ids[other]},
                   "both": {t.K_CLIENT: other, t.K_ID: self.ids[other]},
                   "own-name-other-id": {t.K_CLIENT: own, t.K_ID_LONG: self.ids[other]},
                   "other-name-own-id": {t.K_CLIENT: other, t.K_ID: active}}[how]
        before = snapshot(self.plugin)
        out = self.send(topic, payload)
        self.assert_unchanged(before, out)

    @precondition(lambda self: self.plugin is not None and self.plugin.machine.state is SetupState.ACTIVE)
    @rule(topic=st.sampled_from([t.REMOVE_ACTIVE_CLIENT, t.CLIENT_SETUP_FAILURE]), named=st.booleans())
    def end_own_session(self, topic: str, named: bool) -> None:
        """The active client ending its own session (or an anonymous request) deactivates it."""
        active = self.plugin.machine.active_client
        out = self.send(topic, {t.K_ID_LONG: active} if named else {})
        assert (t.deactivate_topic(active), {}) in out

    @rule(topic=st.sampled_from([t.SKIP_SETUP, t.FULLY_OFFLINE_IN, t.USER_ACTIVATED, t.SELECT_PAGE_REMOVED,
                                 t.INTERNET_CONNECTED, t.INTERNET_DISCONNECTED, t.GUI_CONNECTED]))
    def plain(self, topic: str) -> None:
        """The requests without a payload, as the shell and the page send them."""
        self.send(topic, {})

    @rule()
    def status_answers(self) -> None:
        """status always answers, and its clients are the ones we saw registered."""
        out = self.send(t.STATUS, {})
        answers = [data for topic, data in out if topic == t.STATUS_RESPONSE]
        assert len(answers) == 1
        assert {c[t.K_CLIENT]: c[t.K_ID] for c in answers[0]["clients"]} == self.ids

    # ------------------------------------------------------------------ fuzz
    @rule(data=st.data())
    def register_fuzzed(self, data: st.DataObject) -> None:
        """Any payload to register.client: registered exactly when the record table allows it, else a failure
        reply and no change."""
        payload = data.draw(st.one_of(record_payloads(list(self.ids.values())), json_values))
        valid = registration_is_valid(payload)
        before = snapshot(self.plugin)
        out = self.send(t.REGISTER_CLIENT, payload)
        topic, reply = self.one_outcome(out, t.CLIENT_REGISTERED, t.REGISTRATION_FAILURE)
        assert (topic == t.CLIENT_REGISTERED) == valid, (topic, reply)
        if valid:
            # The id is the plugin's: the name's own id, or a fresh one, whatever id the payload carried.
            known = self.ids.get(reply[t.K_CLIENT])
            assert reply[t.K_ID] == known if known else reply[t.K_ID] not in self.issued, (payload, reply)
        else:
            assert isinstance(reply[t.K_ERROR], str) and reply[t.K_ERROR]
            self.assert_unchanged(before, out)

    @rule(data=st.data())
    def deregister_fuzzed(self, data: st.DataObject) -> None:
        """Any payload to deregister.client: one outcome; a failure changes nothing."""
        payload = data.draw(st.one_of(target_payloads(list(self.ids), list(self.ids.values())), json_values))
        before = snapshot(self.plugin)
        out = self.send(t.DEREGISTER_CLIENT, payload)
        topic, _ = self.one_outcome(out, t.CLIENT_DEREGISTERED, t.DEREGISTRATION_FAILURE)
        if topic == t.DEREGISTRATION_FAILURE:
            self.assert_unchanged(before, out)

    @rule(data=st.data(), topic=st.sampled_from([t.SET_ACTIVE_CLIENT, t.CLIENT_SELECT]))
    def activate_fuzzed(self, data: st.DataObject, topic: str) -> None:
        """Any payload to set.active.client or client.select: a failure reply changes nothing, and without one
        the client it names is active."""
        payload = data.draw(st.one_of(target_payloads(list(self.ids), list(self.ids.values())), json_values))
        before = snapshot(self.plugin)
        out = self.send(topic, payload)
        failures = [d for topic, d in out if topic == t.ACTIVATION_FAILURE]
        assert len(failures) <= 1, failures
        if failures:
            self.assert_unchanged(before, out)
        else:
            assert self.plugin.machine.state is SetupState.ACTIVE, out

    @rule(data=st.data(), topic=st.sampled_from([t.REMOVE_ACTIVE_CLIENT, t.CLIENT_SETUP_FAILURE]))
    def end_session_fuzzed(self, data: st.DataObject, topic: str) -> None:
        """Any payload to remove.active.client or client.setup.failure ends at most the active session."""
        payload = data.draw(st.one_of(target_payloads(list(self.ids), list(self.ids.values())), json_values))
        active = self.plugin.machine.active_client if self.plugin.machine.state is SetupState.ACTIVE else None
        out = self.send(topic, payload)
        ended = [topic for topic, _ in out if ".deactivate." in topic]
        assert ended in ([], [t.deactivate_topic(active)] if active else [])

    @rule(topic=st.sampled_from(INBOUND_TOPICS), payload=json_values)
    def anything(self, topic: str, payload: Any) -> None:
        """Any JSON value on any inbound topic; the invariants below must hold after it."""
        self.send(topic, payload)

    @rule(data=st.data())
    def fire_timer(self, data: st.DataObject) -> None:
        """Time passes for one pending timer (client wait, activation timeout, verify, own check, launch)."""
        scheduler = self.plugin._scheduler
        with scheduler._lock:
            names = sorted(scheduler._jobs)
        if not names:
            return
        name = data.draw(st.sampled_from(names))
        with scheduler._lock:
            entry = scheduler._jobs.pop(name, None)
        if entry is None:
            return
        note(f"timer {name} fires")
        if name == "own_check":
            # Run the check here rather than on its thread, against a closed loopback port.
            self.plugin.own_checks.check_once(self.plugin.own_checks.reports)
        else:
            entry[1]()

    # ------------------------------------------------------------------ invariants
    @invariant()
    def holds(self) -> None:
        """After every step: one machine state, at most one session and it is the active client's, ids are
        uuid4s we saw issued, and nothing escaped a handler."""
        if self.plugin is None:
            return
        self._follow()
        check_plugin(self.plugin, self.issued)
        with self.plugin.machine.lock:
            state, active = self.plugin.machine.state, self.plugin.machine.active_client
        assert self.sessions.open == ([active] if state is SetupState.ACTIVE else []), (state, self.sessions.open)
        assert {r[t.K_CLIENT]: r[t.K_ID] for r in self.plugin.registry.payloads()} == self.ids
        escaped = self.log.escaped()
        assert not escaped, escaped


FuzzedPlugin.TestCase.settings = fuzz_settings()
TestFuzzedPlugin = FuzzedPlugin.TestCase


def test_every_handled_topic_is_fuzzed(make_plugin: Any) -> None:
    """The fuzzed topics are exactly the ones the plugin listens to."""
    plugin = make_plugin()
    assert {topic for topic, _ in plugin._handlers} == set(INBOUND_TOPICS)


def test_fuzz_run_counts_messages() -> None:
    """The fuzz run above sent messages (the long run's count is printed with -s)."""
    if COUNTER["examples"] == 0:
        pytest.skip("run together with TestFuzzedPlugin")
    print(f"\nfuzzed on FakeBus: {COUNTER['messages']} messages in {COUNTER['examples']} examples")
    assert COUNTER["messages"] > COUNTER["examples"]


# ---------------------------------------------------------------------- the same over a real bus
@pytest.fixture(scope="module")
def live(tmp_path_factory: Any) -> Any:
    """A real ovos-messagebus, the plugin on it in this process, and a recording client."""
    from stack import BusRecorder, Messagebus, StackHome
    home = StackHome.create(tmp_path_factory.mktemp("fuzzbus"))
    with Messagebus(home):
        recorder = BusRecorder(home.port).connect()
        live = LivePlugin(home.port, {**NO_TIMERS, "gui": "never", "enable_watchdog": False,
                                      "state_file": str(home.root / "state.json"),
                                      "network_tests": {"web_url": CLOSED_URL}})
        before = COUNTER["messages"]
        yield live, recorder
        print(f"\nfuzzed over a real bus: {COUNTER['messages'] - before} messages")
        live.close()
        recorder.close()


REPLIED = {t.REGISTER_CLIENT: (t.CLIENT_REGISTERED, t.REGISTRATION_FAILURE),
           t.DEREGISTER_CLIENT: (t.CLIENT_DEREGISTERED, t.DEREGISTRATION_FAILURE),
           t.STATUS: (t.STATUS_RESPONSE,), t.GET_REGISTERED_CLIENTS: (t.REGISTERED_CLIENTS,),
           t.IS_READY: (t.IS_READY + ".response",)}
REAL_BUS_EXAMPLES = 50
# ovos_bus_client asserts in Message() that data is an object, and the failed callback makes every
# MessageBusClient on the bus drop its connection for 5 s (upstream; test_faults shows the plugin survives
# it). Such payloads are fuzzed on FakeBus; over the real bus only objects and empty values are sent.
BUS_SAFE_VALUES = json_values.filter(lambda value: isinstance(value, dict) or not value)


# No shrinking: over a real bus it takes minutes; the FakeBus run above shrinks what it finds.
@settings(max_examples=REAL_BUS_EXAMPLES, deadline=None, database=None, derandomize=True,
          phases=(Phase.explicit, Phase.generate))
@given(batch=st.lists(st.tuples(st.sampled_from(INBOUND_TOPICS),
                                st.one_of(record_payloads(), target_payloads(NAMES, []), BUS_SAFE_VALUES)),
                      min_size=4, max_size=20))
def test_real_bus_fuzz(live: Any, monkeypatch_module: Any, batch: List[Tuple[str, Any]]) -> None:
    """Fuzzed messages through a real ovos-messagebus: every request that has a reply gets exactly one,
    the invariants hold, and nothing escaped a handler."""
    plugin_live, recorder = live
    log = monkeypatch_module
    since = recorder.mark()
    tags = []
    for n, (topic, payload) in enumerate(batch):
        tag = f"fuzz-{time.monotonic_ns()}-{n}"
        COUNTER["messages"] += 1
        # Message.serialize() refuses data that is not an object; another bus client need not.
        recorder.client.client.send(json.dumps({"type": topic, "data": payload, "context": {"tag": tag}}))
        if topic in REPLIED:
            tags.append((tag, REPLIED[topic]))

    def replies(tag: str, topics: Tuple[str, ...]) -> List[Any]:
        """The replies to one tagged request."""
        return [m for m in recorder.messages(since=since) if m.msg_type in topics and m.context.get("tag") == tag]
    for tag, topics in tags:
        wait_for(lambda: replies(tag, topics), 30, f"a reply to {tag}")
    recorder.request(t.STATUS, t.STATUS_RESPONSE)  # the plugin has handled what came before, give or take
    time.sleep(0.1)
    for tag, topics in tags:
        assert len(replies(tag, topics)) == 1, (tag, replies(tag, topics))
    check_plugin(plugin_live.plugin)
    check_reply_sizes((m.msg_type, m.data) for m in recorder.messages(since=since))
    sessions = SessionTracker()
    for topic in recorder.topics():
        sessions.feed(topic)
    assert not log.escaped(), log.escaped()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    """The package's LOGs captured for the whole real-bus fuzz run."""
    from robust_support import capture_logs
    patch = pytest.MonkeyPatch()
    yield capture_logs(patch)
    patch.undo()
