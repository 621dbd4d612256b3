"""The client kit against the real plugin on a FakeBus: registration, ids, sessions, failures."""
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
from helpers import wait_until
from loopback import LOOPBACK_NETWORK_TESTS
from ovos_bus_client.message import Message
from ovos_utils.fakebus import FakeBus

from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin, topics
from ovos_PHAL_plugin_wifi_setup.methods import kit as kit_module
from ovos_PHAL_plugin_wifi_setup.methods.kit import MAX_REGISTRATION_RETRIES, NetworkSetupClient

# Generous bound for what another thread (or the plugin's settle timer) should do at once.
WAIT = 10.0


@pytest.fixture
def config(tmp_path: Path) -> Dict[str, Any]:
    """Headless, watchdog off, no settle delays, probes on a closed loopback port, kept state in the test's folder."""
    return {"enable_watchdog": False, "gui": "never", "activation_timeout": 0,
            "registration_settle": 0, "stop_settle": 0,
            "network_tests": LOOPBACK_NETWORK_TESTS, "state_file": str(tmp_path / "state.json")}


@pytest.fixture(autouse=True)
def no_kit_outlives_its_test() -> Iterator[None]:
    """A test that failed before its shutdown() must not leave its client's name taken for the next test."""
    yield
    for kit in list(kit_module._started_kits.values()):
        kit.shutdown(deregister=False)


class Recorder:
    """Every message that passed on the bus, in order."""

    def __init__(self, bus: FakeBus) -> None:
        """Listen to the raw stream."""
        self.messages: List[Message] = []
        bus.on("message", lambda raw: self.messages.append(Message.deserialize(raw)))

    def of(self, topic: str, **match: Any) -> List[Message]:
        """Messages of one topic whose payload holds every key=value given."""
        return [m for m in self.messages
                if m.msg_type == topic and all(m.data.get(k) == v for k, v in match.items())]


class Calls:
    """Counts the kit's callbacks."""

    def __init__(self) -> None:
        """Start at zero."""
        self.activated = 0
        self.deactivated = 0

    def on_activate(self) -> None:
        """Count an activation."""
        self.activated += 1

    def on_deactivate(self) -> None:
        """Count a deactivation."""
        self.deactivated += 1


@pytest.fixture
def wire(bus: FakeBus) -> Recorder:
    """Every message on the test's bus (conftest's FakeBus), recorded before anything is sent."""
    return Recorder(bus)


@pytest.fixture
def plugin(bus: FakeBus, wire: Recorder, config: Dict[str, Any]) -> Iterator[WifiSetupPlugin]:
    """Our plugin, headless, watchdog off."""
    instance = WifiSetupPlugin(bus=bus, config=config)
    assert instance.started.wait(10)
    yield instance
    instance.shutdown()


def make_client(bus: FakeBus, calls: Calls, name: str = "test-remote", requires_input: bool = False,
                **extra: Any) -> NetworkSetupClient:
    """A kit client whose callbacks count into calls."""
    return NetworkSetupClient(bus, name, "Connect from your phone", client_type=topics.TYPE_REMOTE,
                              requires_input=requires_input, on_activate=calls.on_activate,
                              on_deactivate=calls.on_deactivate, **extra)


def registered_ids(plugin: WifiSetupPlugin) -> Dict[str, str]:
    """Client name -> id as the plugin reports them in its status."""
    return {c[topics.K_CLIENT]: c[topics.K_ID] for c in plugin.status()["clients"]}


def activate(bus: FakeBus, client: NetworkSetupClient) -> None:
    """Ask the plugin to hand the session to client, as the selection page would."""
    bus.emit(Message(topics.SET_ACTIVE_CLIENT, {topics.K_CLIENT: client.name, topics.K_ID: client.client_id}))


def test_start_registers_and_keeps_the_id_the_plugin_gave(bus: FakeBus, plugin: WifiSetupPlugin,
                                                          wire: Recorder) -> None:
    """start() registers with both spellings and the kit keeps the id from client.registered."""
    client = make_client(bus, Calls())
    client.start()
    assert client.is_registered
    assert registered_ids(plugin) == {"test-remote": client.client_id}
    sent = wire.of(topics.REGISTER_CLIENT, client="test-remote")[0].data
    assert sent[topics.K_TYPE] == sent[topics.K_TYPE_LONG] == "Remote"
    assert sent[topics.K_DISPLAY_TEXT_LONG] == "Connect from your phone"
    assert sent[topics.K_REQUIRES_INPUT] is False and sent[topics.K_REQUIRES_INPUT_LONG] is False
    client.shutdown()


def test_a_client_started_before_the_plugin_registers_on_alive(bus: FakeBus, wire: Recorder,
                                                               config: Dict[str, Any]) -> None:
    """A client loaded before the manager gets no answer, then registers when the manager says alive."""
    client = make_client(bus, Calls())
    client.start()
    assert not client.is_registered
    manager = WifiSetupPlugin(bus=bus, config=dict(config))
    assert manager.started.wait(10)
    try:
        assert registered_ids(manager) == {"test-remote": client.client_id}
        assert len(wire.of(topics.REGISTER_CLIENT, client="test-remote")) == 2
    finally:
        client.shutdown()
        manager.shutdown()


def test_repeated_client_registered_keeps_one_subscription(bus: FakeBus, plugin: WifiSetupPlugin) -> None:
    """client.registered arriving again and again (alive, re-registration) never doubles an activation."""
    calls = Calls()
    client = make_client(bus, calls)
    client.start()
    first_id = client.client_id
    for _ in range(3):
        client.register()
        bus.emit(Message(topics.ALIVE))
    assert client.client_id == first_id
    activate(bus, client)
    assert calls.activated == 1
    assert client.is_active
    client.shutdown()


def test_one_callback_per_activate_message(bus: FakeBus, plugin: WifiSetupPlugin, wire: Recorder) -> None:
    """Each activate.{id} the plugin sends runs on_activate exactly once."""
    calls = Calls()
    client = make_client(bus, calls)
    client.start()
    activate(bus, client)
    assert len(wire.of(topics.activate_topic(str(client.client_id)))) == 1
    assert calls.activated == 1
    client.request_deactivate()
    activate(bus, client)
    assert len(wire.of(topics.activate_topic(str(client.client_id)))) == 2
    assert calls.activated == 2
    client.shutdown()


def test_a_failure_for_another_client_is_ignored(bus: FakeBus, plugin: WifiSetupPlugin, wire: Recorder) -> None:
    """A registration refused for someone else does not make the kit register again."""
    client = make_client(bus, Calls())
    client.start()
    bus.emit(Message(topics.REGISTER_CLIENT, {topics.K_CLIENT: "someone-else", topics.K_TYPE: "Remote"}))
    assert wire.of(topics.REGISTRATION_FAILURE, client="someone-else"), "the plugin refused the bad record"
    assert len(wire.of(topics.REGISTER_CLIENT, client="test-remote")) == 1
    client.shutdown()


def test_a_failure_for_itself_registers_again_with_the_same_id(bus: FakeBus, plugin: WifiSetupPlugin,
                                                                 wire: Recorder) -> None:
    """A refusal naming the kit's client is answered by one new registration; the id stays."""
    client = make_client(bus, Calls())
    client.start()
    first_id = client.client_id
    bus.emit(Message(topics.REGISTRATION_FAILURE, {topics.K_ERROR: "try again", topics.K_CLIENT: "test-remote"}))
    assert len(wire.of(topics.REGISTER_CLIENT, client="test-remote")) == 2
    assert client.client_id == first_id
    client.shutdown()


def test_failures_that_keep_coming_stop_after_a_few_retries(bus: FakeBus, wire: Recorder) -> None:
    """A manager that refuses every time is not flooded: the kit gives up after a bounded number of tries."""
    def refuse(message: Message) -> None:
        bus.emit(Message(topics.REGISTRATION_FAILURE, {topics.K_ERROR: "no", topics.K_CLIENT: "test-remote"}))

    bus.on(topics.REGISTER_CLIENT, refuse)
    client = make_client(bus, Calls())
    client.start()
    assert len(wire.of(topics.REGISTER_CLIENT)) == 1 + MAX_REGISTRATION_RETRIES
    client.shutdown()


def test_request_deactivate_ends_the_session(bus: FakeBus, plugin: WifiSetupPlugin, wire: Recorder) -> None:
    """request_deactivate names the client by name and id, and on_deactivate runs once."""
    calls = Calls()
    client = make_client(bus, calls)
    client.start()
    activate(bus, client)
    client.request_deactivate()
    request = wire.of(topics.REMOVE_ACTIVE_CLIENT)[-1].data
    assert request[topics.K_CLIENT] == "test-remote"
    assert request[topics.K_ID_LONG] == request[topics.K_ID] == client.client_id
    assert wire.of(topics.deactivate_topic(str(client.client_id)))
    assert calls.deactivated == 1
    assert not client.is_active
    assert plugin.status()["state"] == "checking"
    client.shutdown()


def test_report_setup_failure_hands_setup_to_the_next_client(bus: FakeBus, plugin: WifiSetupPlugin,
                                                               wire: Recorder) -> None:
    """A failure report ends the session and the headless plugin activates the other client that needs no input."""
    first_calls, second_calls = Calls(), Calls()
    first = make_client(bus, first_calls, name="first")
    second = make_client(bus, second_calls, name="second")
    first.start()
    second.start()
    bus.emit(Message(topics.USER_ACTIVATED))
    assert first.is_active and first_calls.activated == 1
    first.report_setup_failure("no adapter")
    report = wire.of(topics.CLIENT_SETUP_FAILURE)[-1].data
    assert report == {topics.K_CLIENT: "first", topics.K_ID: first.client_id,
                      topics.K_ID_LONG: first.client_id, topics.K_ERROR: "no adapter"}
    assert first_calls.deactivated == 1 and not first.is_active
    assert second_calls.activated == 1 and second.is_active
    first.shutdown()
    second.shutdown()


def test_a_restarted_manager_moves_the_subscription_to_the_new_id(bus: FakeBus, wire: Recorder,
                                                                  config: Dict[str, Any]) -> None:
    """After a manager restart the kit follows its new id and no longer answers to the old one."""
    calls = Calls()
    first_manager = WifiSetupPlugin(bus=bus, config=dict(config))
    assert first_manager.started.wait(10)
    client = make_client(bus, calls)
    client.start()
    old_id = client.client_id
    first_manager.shutdown()
    second_manager = WifiSetupPlugin(bus=bus, config=dict(config))
    assert second_manager.started.wait(10)
    try:
        assert client.client_id not in (None, old_id)
        bus.emit(Message(topics.activate_topic(str(old_id))))
        assert calls.activated == 0
        activate(bus, client)
        assert calls.activated == 1
    finally:
        client.shutdown()
        second_manager.shutdown()


def test_a_new_id_during_a_session_ends_it_locally(bus: FakeBus, plugin: WifiSetupPlugin) -> None:
    """A manager that forgot the session (new id) makes the kit report the session as over."""
    calls = Calls()
    client = make_client(bus, calls)
    client.start()
    activate(bus, client)
    bus.emit(Message(topics.CLIENT_REGISTERED, {topics.K_CLIENT: "test-remote", topics.K_ID: "another-id",
                                                topics.K_ID_LONG: "another-id"}))
    assert client.client_id == "another-id"
    assert not client.is_active and calls.deactivated == 1
    client.shutdown(deregister=False)


def test_shutdown_deregisters_and_stops_listening(bus: FakeBus, plugin: WifiSetupPlugin) -> None:
    """After shutdown the plugin no longer lists the client and an activate reaches no callback."""
    calls = Calls()
    client = make_client(bus, calls)
    client.start()
    client_id = client.client_id
    client.shutdown()
    assert registered_ids(plugin) == {}
    bus.emit(Message(topics.activate_topic(str(client_id))))
    assert calls.activated == 0


def test_a_failing_callback_does_not_break_the_session(bus: FakeBus, plugin: WifiSetupPlugin) -> None:
    """An exception in on_activate is logged; the kit still knows it is active and can end the session."""
    def boom() -> None:
        raise RuntimeError("plugin bug")

    client = NetworkSetupClient(bus, "test-remote", "Connect", client_type=topics.TYPE_REMOTE, on_activate=boom)
    client.start()
    activate(bus, client)
    assert client.is_active
    client.request_deactivate()
    assert not client.is_active
    client.shutdown()


@pytest.mark.parametrize("kwargs, field", [
    ({"name": ""}, "name"),
    ({"display_text": "x" * (topics.MAX_DISPLAY_TEXT_LEN + 1)}, "display_text"),
    ({"client_type": 3}, "client_type"),
])
def test_bad_descriptions_are_refused_before_anything_is_sent(bus: FakeBus, wire: Recorder,
                                                              kwargs: Dict[str, Any], field: str) -> None:
    """What the manager would refuse on the wire raises ValueError naming the field, at construction."""
    args: Dict[str, Any] = {"name": "ok", "display_text": "Connect", "client_type": topics.TYPE_REMOTE}
    args.update(kwargs)
    with pytest.raises(ValueError, match=field):
        NetworkSetupClient(bus, args.pop("name"), args.pop("display_text"), **args)
    assert wire.messages == []


# ---------------------------------------------------------------- races with shutdown()
class HookedBus(FakeBus):
    """A FakeBus that remembers every handler it was given and can run a hook inside on()."""

    def __init__(self) -> None:
        """No hook yet."""
        self.given: Dict[str, Callable[[Message], None]] = {}
        self.hook: Callable[[str], None] = lambda topic: None
        super().__init__()

    def on(self, msg_type: str, handler: Any) -> None:
        """Run the hook for msg_type, then subscribe as FakeBus does."""
        self.given[msg_type] = handler
        self.hook(msg_type)
        super().on(msg_type, handler)


def session_listeners(bus: FakeBus, client_id: str) -> List[Any]:
    """Every handler still on the bus for one id's activate and deactivate topics."""
    return (bus.ee.listeners(topics.activate_topic(client_id))
            + bus.ee.listeners(topics.deactivate_topic(client_id)))


def registered(bus: FakeBus, name: str, client_id: str) -> None:
    """Send client.registered as the manager does."""
    bus.emit(Message(topics.CLIENT_REGISTERED, {topics.K_CLIENT: name, topics.K_ID: client_id,
                                                topics.K_ID_LONG: client_id}))


def test_shutdown_inside_the_subscription_leaves_no_session_listener() -> None:
    """shutdown() arriving while the kit subscribes to its new id leaves nothing subscribed and no callback runs."""
    bus, calls = HookedBus(), Calls()
    client = make_client(bus, calls)
    client.start()

    def stop_once(topic: str) -> None:
        if topic == topics.activate_topic("id-1"):
            bus.hook = lambda topic: None
            client.shutdown(deregister=False)

    bus.hook = stop_once
    registered(bus, "test-remote", "id-1")
    assert session_listeners(bus, "id-1") == []
    bus.emit(Message(topics.activate_topic("id-1")))
    assert calls.activated == 0 and not client.is_active


def test_shutdown_from_another_thread_during_the_subscription_leaves_no_session_listener() -> None:
    """shutdown() on another thread, started while the kit subscribes, waits for it and then removes everything."""
    bus, calls = HookedBus(), Calls()
    client = make_client(bus, calls)
    client.start()
    stopper = threading.Thread(target=client.shutdown, kwargs={"deregister": False})

    def stop_on_another_thread(topic: str) -> None:
        if topic == topics.activate_topic("id-1"):
            bus.hook = lambda topic: None
            stopper.start()
            stopper.join(0.5)  # old code: shutdown() completes here, in the middle of the subscription

    bus.hook = stop_on_another_thread
    registered(bus, "test-remote", "id-1")
    stopper.join(WAIT)
    assert not stopper.is_alive()
    assert session_listeners(bus, "id-1") == []
    bus.emit(Message(topics.activate_topic("id-1")))
    assert calls.activated == 0


def test_a_session_message_dispatched_before_shutdown_runs_no_callback_after_it() -> None:
    """A bus thread that picked up activate.{id} before shutdown() and runs it after: on_activate does not run."""
    bus, calls = HookedBus(), Calls()
    client = make_client(bus, calls)
    client.start()
    registered(bus, "test-remote", "id-1")
    late_activate = bus.given[topics.activate_topic("id-1")]
    client.shutdown(deregister=False)
    late_activate(Message(topics.activate_topic("id-1")))
    assert calls.activated == 0 and not client.is_active


def test_shutdown_returns_only_after_a_running_callback_returned(bus: FakeBus) -> None:
    """A plugin that stops while on_activate still runs gets control back only once it returned."""
    order: List[str] = []
    inside, release = threading.Event(), threading.Event()

    def slow_activate() -> None:
        inside.set()
        release.wait(WAIT)
        order.append("on_activate returned")

    client = NetworkSetupClient(bus, "test-remote", "Connect", client_type=topics.TYPE_REMOTE,
                                on_activate=slow_activate)
    client.start()
    registered(bus, "test-remote", "id-1")
    session = threading.Thread(target=bus.emit, args=(Message(topics.activate_topic("id-1")),))
    session.start()
    assert inside.wait(WAIT)

    def stop() -> None:
        client.shutdown(deregister=False)
        order.append("shutdown returned")

    stopper = threading.Thread(target=stop)
    stopper.start()
    stopper.join(0.3)  # old code: shutdown() returns here, while on_activate still runs
    release.set()
    session.join(WAIT)
    stopper.join(WAIT)
    assert order == ["on_activate returned", "shutdown returned"]


def test_a_session_message_for_an_id_left_behind_runs_no_callback() -> None:
    """activate.{old id} picked up before the manager gave a new id does not start a session."""
    bus, calls = HookedBus(), Calls()
    client = make_client(bus, calls)
    client.start()
    registered(bus, "test-remote", "old-id")
    late_activate = bus.given[topics.activate_topic("old-id")]
    registered(bus, "test-remote", "new-id")
    late_activate(Message(topics.activate_topic("old-id")))
    assert calls.activated == 0
    assert session_listeners(bus, "old-id") == []
    client.shutdown(deregister=False)


# ---------------------------------------------------------------- one name, one kit per process
def test_a_second_kit_of_the_same_name_refuses_to_start(bus: FakeBus, plugin: WifiSetupPlugin) -> None:
    """Two kits of one name: the second start() says so; the first keeps its registration and its session."""
    first_calls, second_calls = Calls(), Calls()
    first = make_client(bus, first_calls)
    second = make_client(bus, second_calls)
    first.start()
    with pytest.raises(ValueError, match="a network client named 'test-remote' is already started in this process"):
        second.start()
    assert not second.is_registered
    activate(bus, first)
    assert first_calls.activated == 1 and second_calls.activated == 0
    second.shutdown()
    assert registered_ids(plugin) == {"test-remote": first.client_id}
    assert first.is_active and plugin.status()["state"] == "active"
    first.shutdown()


def test_the_name_is_free_again_once_its_kit_shut_down(bus: FakeBus, plugin: WifiSetupPlugin) -> None:
    """After the first kit's shutdown() a new kit of that name starts, registers and gets sessions."""
    first = make_client(bus, Calls())
    first.start()
    first.shutdown()
    calls = Calls()
    second = make_client(bus, calls)
    second.start()
    assert registered_ids(plugin) == {"test-remote": second.client_id}
    activate(bus, second)
    assert calls.activated == 1
    second.shutdown()


def test_the_name_is_freed_even_when_the_farewell_cannot_be_sent(bus: FakeBus, plugin: WifiSetupPlugin) -> None:
    """A bus that fails the deregistration emit still leaves the name free for the plugin's next start."""
    first = make_client(bus, Calls())
    first.start()
    original_emit = bus.emit

    def broken_emit(message: Message) -> None:
        raise ConnectionError("bus gone")

    bus.emit = broken_emit  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        first.shutdown()
    bus.emit = original_emit  # type: ignore[method-assign]
    second = make_client(bus, Calls())
    second.start()
    assert second.is_registered
    second.shutdown()


# ---------------------------------------------------------------- one on_activate per session, restarts
def test_a_repeated_activate_in_session_runs_on_activate_once(bus: FakeBus, plugin: WifiSetupPlugin) -> None:
    """The manager repeating activate.{id} during a session does not start the plugin's session twice."""
    calls = Calls()
    client = make_client(bus, calls)
    client.start()
    activate(bus, client)
    bus.emit(Message(topics.activate_topic(str(client.client_id))))
    client.register()
    assert calls.activated == 1 and client.is_active
    client.request_deactivate()
    assert calls.deactivated == 1
    client.shutdown()


class SessionKeeper:
    """A manager stand-in holding one client in session: every registration is answered with its id and activate."""

    def __init__(self, bus: FakeBus, client_id: str) -> None:
        """Answer register.client on bus."""
        self.bus = bus
        self.client_id = client_id
        bus.on(topics.REGISTER_CLIENT, self.answer)

    def answer(self, message: Message) -> None:
        """client.registered with the kept id, then activate.{id} again, as for a restarted client."""
        registered(self.bus, message.data[topics.K_CLIENT], self.client_id)
        self.bus.emit(Message(topics.activate_topic(self.client_id)))


def test_a_restarted_client_resumes_its_session_with_its_id(bus: FakeBus) -> None:
    """A kit started again under a name in session takes its id back and runs on_activate once for it."""
    SessionKeeper(bus, "kept-id")
    before_calls = Calls()
    before = make_client(bus, before_calls)
    before.start()
    assert before_calls.activated == 1
    before.shutdown(deregister=False)  # the client's process stops without a word
    after_calls = Calls()
    after = make_client(bus, after_calls)
    after.start()
    assert after.client_id == "kept-id" and after.is_active and after_calls.activated == 1
    bus.emit(Message(topics.ALIVE))  # registers again: the stand-in sends activate again
    assert after_calls.activated == 1 and before_calls.activated == 1
    after.shutdown(deregister=False)


def test_a_client_restarted_mid_session_resumes_it_at_the_real_plugin(bus: FakeBus, wire: Recorder,
                                                                     config: Dict[str, Any]) -> None:
    """The plugin re-sends activate.{id} to a client that registers again in session: the new kit runs it once."""
    manager = WifiSetupPlugin(bus=bus, config=dict(config, registration_settle=0.2))
    assert manager.started.wait(10)
    before_calls, after_calls = Calls(), Calls()
    before = make_client(bus, before_calls)
    try:
        before.start()
        client_id = str(before.client_id)
        activate(bus, before)
        assert wait_until(lambda: before_calls.activated == 1, WAIT)
        before.shutdown(deregister=False)  # the client's process stops without a word
        after = make_client(bus, after_calls)
        after.start()
        assert after.client_id == client_id
        assert wait_until(lambda: after_calls.activated == 1, WAIT), "the plugin did not resume the session"
        assert after.is_active and manager.status()["active_client"][topics.K_CLIENT] == "test-remote"
        bus.emit(Message(topics.ALIVE))  # the live kit registers again: the plugin sends activate once more
        assert wait_until(lambda: len(wire.of(topics.activate_topic(client_id))) == 3, WAIT)
        assert after_calls.activated == 1 and before_calls.activated == 1
        after.request_deactivate()
        assert after_calls.deactivated == 1 and not after.is_active
        after.shutdown()
    finally:
        manager.shutdown()


# ---------------------------------------------------------------- odd payloads
ODD_DATA = [[], ["test-remote"], "test-remote", 7, True,
            {topics.K_CLIENT: "test-remote", topics.K_ID: 7},
            {topics.K_CLIENT: "test-remote", topics.K_ID: ["id"], topics.K_ID_LONG: {"id": 1}},
            {topics.K_CLIENT: "test-remote", topics.K_ID: ""},
            {topics.K_CLIENT: ["test-remote"], topics.K_ID: "other"},
            {topics.K_CLIENT: {"x": 1}},
            {topics.K_CLIENT: "test-remote", topics.K_ERROR: {"nested": [1, 2]}}]


@pytest.mark.parametrize("data", ODD_DATA, ids=repr)
def test_odd_payloads_on_every_kit_topic_raise_nothing_and_keep_the_id(data: Any) -> None:
    """Whatever shape arrives on the kit's topics, its handlers return and the kit keeps its id and its session."""
    bus, calls = HookedBus(), Calls()
    client = make_client(bus, calls)
    client.start()
    registered(bus, "test-remote", "id-1")
    kit_topics = [topics.CLIENT_REGISTERED, topics.REGISTRATION_FAILURE, topics.ALIVE,
                  topics.activate_topic("id-1"), topics.deactivate_topic("id-1")]
    for topic in kit_topics:
        # Message() refuses a non-dict, but an in-process sender can set any data afterwards, as here.
        # Called directly: FakeBus would swallow an exception.
        message = Message(topic)
        message.data = data
        bus.given[topic](message)
    assert client.client_id == "id-1"
    # The session topics carry nothing the kit reads: activate then deactivate, whatever their data.
    assert calls.activated == 1 and calls.deactivated == 1 and not client.is_active
    bus.emit(Message(topics.activate_topic("id-1")))
    assert client.is_active and calls.activated == 2
    client.shutdown(deregister=False)
