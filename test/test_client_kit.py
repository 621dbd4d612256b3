"""The client kit against the real plugin on a FakeBus: registration, ids, sessions, failures."""
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from loopback import LOOPBACK_NETWORK_TESTS
from ovos_bus_client.message import Message
from ovos_utils.fakebus import FakeBus

from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin, topics
from ovos_PHAL_plugin_wifi_setup.client import MAX_REGISTRATION_RETRIES, NetworkSetupClient


@pytest.fixture
def config(tmp_path: Path) -> Dict[str, Any]:
    """Headless, watchdog off, probes on a closed loopback port, kept state in the test's folder."""
    return {"enable_watchdog": False, "gui": "never", "activation_timeout": 0,
            "network_tests": LOOPBACK_NETWORK_TESTS, "state_file": str(tmp_path / "state.json")}


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
    client = make_client(bus, calls)
    client.start()
    old_id = client.client_id
    first_manager.shutdown()
    second_manager = WifiSetupPlugin(bus=bus, config=dict(config))
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
