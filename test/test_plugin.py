"""The plugin on FakeBus: every row of PROTOCOL.md's request table, one behaviour per test."""
import uuid
from typing import Any, Callable, Optional

import pytest
from ovos_bus_client.message import Message

from ovos_PHAL_plugin_wifi_setup import topics as t

from helpers import EMPTY, NS, REMOTE, REMOTE2, SCREEN, LogRecorder, emit_raw, register, send, status, wait_until
from ovos_PHAL_plugin_wifi_setup.manager import plugin as plugin_module

def activation_topics(recorder: Any) -> list:
    """The activate/deactivate topics seen, in order, shortened."""
    return [topic[len(NS):] for topic in recorder.topics()
            if topic.startswith((NS + "activate.", NS + "deactivate."))]


@pytest.fixture
def headless(make_plugin: Callable[..., Any]) -> Any:
    """A plugin with no GUI."""
    return make_plugin(gui="never")


@pytest.fixture
def with_gui(make_plugin: Callable[..., Any]) -> Any:
    """A plugin that always uses the selection page."""
    return make_plugin(gui="always")


# --------------------------------------------------------------------- start and shutdown
def test_alive_is_sent_once_after_handlers_exist(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """A client that registers the moment it hears `alive` is registered."""
    bus.on(NS + "alive", lambda _: bus.emit(Message(NS + "register.client", REMOTE)))
    make_plugin()
    assert recorder.topics().count(NS + "alive") == 1
    assert recorder.last(NS + "client.registered")["client"] == "remote"


def test_shutdown_removes_every_listener_it_added(bus: Any, make_plugin: Callable[..., Any]) -> None:
    """After shutdown the bus holds exactly the listeners it held before the plugin was built."""
    def count() -> int:
        return sum(len(bus.ee.listeners(name)) for name in bus.ee.event_names())
    before = count()
    plugin = make_plugin()
    assert count() > before
    plugin.shutdown()
    assert count() == before
    assert wait_until(lambda: not plugin.is_alive(), 2)


def test_shutdown_ends_an_open_round(bus: Any, recorder: Any, headless: Any) -> None:
    """Shutting down with a client active deactivates it and sends stop.setup.event."""
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    headless.shutdown()
    assert recorder.topics()[-2:] == [NS + f"deactivate.{cid}", NS + "stop.setup.event"]


def test_runtime_requirements_need_no_network(make_plugin: Callable[..., Any]) -> None:
    """ovos-PHAL may load the plugin before any network exists."""
    from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
    req = WifiSetupPlugin.runtime_requirements
    assert not req.internet_before_load and not req.network_before_load
    assert not req.requires_internet and not req.requires_network


# --------------------------------------------------------------------- register.client
def test_register_short_keys(bus: Any, recorder: Any, headless: Any) -> None:
    """A field client's short keys register it and the reply carries both spellings and a uuid4."""
    send(bus, "register.client", REMOTE)
    reply = recorder.last(NS + "client.registered")
    assert uuid.UUID(reply["id"]).version == 4
    assert reply["id"] == reply["client_id"]
    assert reply["client"] == "remote"
    assert reply["type"] == reply["client_plugin_type"] == "Remote"
    assert reply["display_text"] == reply["client_plugin_display_text"] == "On Mobile Setup"
    assert reply["has_gui"] is reply["client_plugin_has_gui"] is True
    assert reply["requires_input"] is reply["client_plugin_requires_input"] is False


def test_register_long_keys(bus: Any, recorder: Any, headless: Any) -> None:
    """A client written from the event documentation registers with the long keys."""
    send(bus, "register.client", {"client": "doc", "client_plugin_type": "onDevice",
                                  "client_plugin_display_text": "Doc", "client_plugin_has_gui": True,
                                  "client_plugin_requires_input": True})
    reply = recorder.last(NS + "client.registered")
    assert (reply["type"], reply["display_text"], reply["has_gui"], reply["requires_input"]) == \
        ("onDevice", "Doc", True, True)


def test_reregistration_is_idempotent(bus: Any, recorder: Any, headless: Any) -> None:
    """The same name gets the same id back, with the new display text, and a second reply."""
    first = register(bus, recorder, REMOTE)
    send(bus, "register.client", {**REMOTE, "display_text": "Phone"})
    replies = recorder.of(NS + "client.registered")
    assert len(replies) == 2
    assert replies[1]["id"] == first and replies[1]["display_text"] == "Phone"
    assert [c["display_text"] for c in status(bus, recorder)["clients"]] == ["Phone"]


def test_unknown_type_is_accepted(bus: Any, recorder: Any, headless: Any) -> None:
    """An undocumented type registers (shown with a generic icon)."""
    send(bus, "register.client", {**REMOTE, "type": "Bluetooth"})
    assert recorder.last(NS + "client.registered")["type"] == "Bluetooth"


@pytest.mark.parametrize("data, error, name", [
    ({"type": "Remote", "display_text": "x"}, "'client' is required", None),
    ({"client": "c", "display_text": "x"}, "'type' is required", "c"),
    ({"client": "c", "type": "Remote"}, "'display_text' is required", "c"),
    ({"client": 12, "type": "Remote", "display_text": "x"}, "'client' must be a string, not a number", None),
    ({**REMOTE, "has_gui": "true"}, "'has_gui' must be true or false, not a string", "remote"),
    ({**REMOTE, "display_text": ["x"]}, "'display_text' must be a string, not a list", "remote"),
    ({**REMOTE, "type": {"a": 1}}, "'type' must be a string, not an object", "remote"),
    ({**REMOTE, "client": "x" * 129}, "'client' is 129 characters long", None),
    ([REMOTE], "the payload must be a JSON object, not a list", None),
    (None, "'client' is required", None),
])
def test_register_bad_input_fails_and_changes_nothing(bus: Any, recorder: Any, headless: Any, data: Any,
                                                      error: str, name: Optional[str]) -> None:
    """Each malformed registration gets the failure reply naming the field, and nothing is registered."""
    send(bus, "register.client", data)
    failure = recorder.last(NS + "client.registration.failure")
    assert failure is not None and error in failure["error"]
    assert failure["client"] == name
    assert recorder.of(NS + "client.registered") == []
    assert status(bus, recorder)["clients"] == []


# --------------------------------------------------------------------- deregister.client
@pytest.mark.parametrize("key", ["client_id", "id"])
def test_deregister_by_id(bus: Any, recorder: Any, headless: Any, key: str) -> None:
    """Either id spelling deregisters, and the reply carries name and both id keys."""
    cid = register(bus, recorder, REMOTE)
    send(bus, "deregister.client", {key: cid})
    assert recorder.last(NS + "client.deregistered") == {"client": "remote", "id": cid, "client_id": cid}
    assert status(bus, recorder)["clients"] == []


def test_deregister_by_name(bus: Any, recorder: Any, headless: Any) -> None:
    """The client's name alone deregisters it."""
    cid = register(bus, recorder, REMOTE)
    send(bus, "deregister.client", {"client": "remote"})
    assert recorder.last(NS + "client.deregistered")["id"] == cid


@pytest.mark.parametrize("data, error", [
    ({"client_id": "0d4ee0a6-7c49-4bd6-9b15-42b7e7e0e3b4"}, "no client is registered with id"),
    ({"client": "ghost"}, "no client is registered with the name 'ghost'"),
    ({}, "names no client"),
    (None, "names no client"),
    ({"client_id": 5}, "'client_id' must be a string, not a number"),
    ("remote", "must be a JSON object"),
])
def test_deregister_failures(bus: Any, recorder: Any, headless: Any, data: Any, error: str) -> None:
    """Unknown or malformed deregistrations get the failure reply and remove nothing."""
    register(bus, recorder, REMOTE)
    send(bus, "deregister.client", data)
    failure = recorder.last(NS + "client.deregistration.failure")
    assert failure is not None and error in failure["error"]
    assert set(failure) == {"error", "client", "id", "client_id"}
    assert len(status(bus, recorder)["clients"]) == 1


def test_deregister_id_name_mismatch(bus: Any, recorder: Any, headless: Any) -> None:
    """An id with someone else's name is refused."""
    cid = register(bus, recorder, REMOTE)
    register(bus, recorder, SCREEN)
    send(bus, "deregister.client", {"client": "screen", "client_id": cid})
    failure = recorder.last(NS + "client.deregistration.failure")
    assert "belongs to client 'remote', not 'screen'" in failure["error"]
    assert len(status(bus, recorder)["clients"]) == 2


def test_deregistering_the_active_client_deactivates_it_and_goes_on(bus: Any, recorder: Any,
                                                                     headless: Any) -> None:
    """The active client is deactivated first, then the next usable client is activated."""
    first = register(bus, recorder, REMOTE)
    second = register(bus, recorder, REMOTE2)
    send(bus, "user.activated")
    send(bus, "deregister.client", {"client_id": first})
    assert activation_topics(recorder) == [f"activate.{first}", f"deactivate.{first}", f"activate.{second}"]
    topics = recorder.topics()
    assert topics.index(NS + f"deactivate.{first}") < topics.index(NS + "client.deregistered")


# --------------------------------------------------------------------- set.active.client
@pytest.mark.parametrize("make", [
    lambda cid: {"user_requested_client": "remote", "user_requested_id": cid},
    lambda cid: {"client": "remote", "id": cid},
    lambda cid: {"client_id": cid},
    lambda cid: {"user_requested_client": "remote"},
    lambda cid: {"client": "remote"},
])
def test_set_active_spellings(bus: Any, recorder: Any, headless: Any, make: Callable[[str], dict]) -> None:
    """Both key spellings, by id or by name, activate the client with an empty payload."""
    cid = register(bus, recorder, REMOTE)
    send(bus, "set.active.client", make(cid))
    assert recorder.of(NS + f"activate.{cid}") == [{}]
    assert status(bus, recorder)["active_client"]["id"] == cid


@pytest.mark.parametrize("data, error", [
    ({"user_requested_id": "2b1d5c5e-9f52-4d8e-8d2a-0b6e6c1f0a11"}, "no client is registered with id"),
    ({"user_requested_client": "ghost"}, "no client is registered with the name 'ghost'"),
    ({}, "names no client"),
    (None, "names no client"),
    ([1, 2], "must be a JSON object, not a list"),
    ({"user_requested_client": 3}, "'user_requested_client' must be a string"),
])
def test_set_active_failures(bus: Any, recorder: Any, headless: Any, data: Any, error: str) -> None:
    """Unknown or malformed activation requests fail and nothing changes."""
    register(bus, recorder, REMOTE)
    send(bus, "set.active.client", data)
    failure = recorder.last(NS + "client.activation.failure")
    assert failure is not None and error in failure["error"]
    assert set(failure) == {"error", "client", "id", "client_id"} and failure["id"] == failure["client_id"]
    assert activation_topics(recorder) == []
    assert status(bus, recorder)["state"] == "idle"


def test_set_active_id_name_mismatch(bus: Any, recorder: Any, headless: Any) -> None:
    """An id with another client's name is refused, naming both."""
    cid = register(bus, recorder, REMOTE)
    register(bus, recorder, SCREEN)
    send(bus, "set.active.client", {"user_requested_client": "screen", "user_requested_id": cid})
    failure = recorder.last(NS + "client.activation.failure")
    assert failure["error"] == f"id '{cid}' belongs to client 'remote', not 'screen'"
    assert (failure["client"], failure["id"]) == ("screen", cid)
    assert activation_topics(recorder) == []


def test_switching_clients_deactivates_the_old_one_first(bus: Any, recorder: Any, headless: Any) -> None:
    """Activating another client sends deactivate to the previous one before activate."""
    a = register(bus, recorder, REMOTE)
    b = register(bus, recorder, SCREEN)
    send(bus, "set.active.client", {"client_id": a})
    send(bus, "set.active.client", {"client_id": b})
    assert activation_topics(recorder) == [f"activate.{a}", f"deactivate.{a}", f"activate.{b}"]


def test_activating_the_active_client_again_changes_nothing(bus: Any, recorder: Any, headless: Any) -> None:
    """A repeated request for the client already in session does not restart it."""
    a = register(bus, recorder, REMOTE)
    send(bus, "set.active.client", {"client_id": a})
    send(bus, "set.active.client", {"client_id": a})
    assert activation_topics(recorder) == [f"activate.{a}"]


def test_activation_releases_the_selection_page(bus: Any, recorder: Any, with_gui: Any) -> None:
    """Picking a client from the page activates it, then releases our page so the client can show its own."""
    a = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    recorder.clear()
    send(bus, "set.active.client", {"client_id": a})
    topics = recorder.topics()
    assert topics.index(NS + f"activate.{a}") < topics.index("mycroft.gui.screen.close")
    assert recorder.last("mycroft.gui.screen.close") == {"skill_id": t.PLUGIN_ID}


# --------------------------------------------------------------------- remove.active.client
@pytest.mark.parametrize("make", [lambda cid: EMPTY, lambda cid: None, lambda cid: {"client": "remote"},
                                  lambda cid: {"client_id": cid}, lambda cid: {"id": cid}])
def test_remove_active_client(bus: Any, recorder: Any, headless: Any, make: Callable[[str], Any]) -> None:
    """No name, or the active client's name or id, deactivates it."""
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "remove.active.client", make(cid))
    assert activation_topics(recorder) == [f"activate.{cid}", f"deactivate.{cid}"]
    assert status(bus, recorder)["active_client"] is None


def test_remove_naming_another_client_is_ignored(bus: Any, recorder: Any, headless: Any) -> None:
    """A client cannot end another's session (the field clients send this on every stop.setup.event)."""
    a = register(bus, recorder, REMOTE)
    b = register(bus, recorder, SCREEN)
    send(bus, "set.active.client", {"client_id": a})
    send(bus, "remove.active.client", {"client": "screen"})
    send(bus, "remove.active.client", {"client_id": b})
    send(bus, "remove.active.client", {"client": "remote", "client_id": b})
    assert activation_topics(recorder) == [f"activate.{a}"]
    assert status(bus, recorder)["active_client"]["id"] == a


def test_remove_with_no_active_client_does_nothing(bus: Any, recorder: Any, headless: Any) -> None:
    """With no session open, a removal request sends nothing."""
    register(bus, recorder, REMOTE)
    recorder.clear()
    send(bus, "remove.active.client", {"client": "remote"})
    assert recorder.topics() == [NS + "remove.active.client"]


def test_remove_with_garbage_is_ignored(bus: Any, recorder: Any, headless: Any) -> None:
    """A malformed removal ends nobody's session."""
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "remove.active.client", ["remote"])
    send(bus, "remove.active.client", {"client": 1})
    assert activation_topics(recorder) == [f"activate.{cid}"]


def test_client_done_while_online_completes_the_round(bus: Any, recorder: Any, headless: Any) -> None:
    """A client that finishes while the internet is known up closes the round with the completion messages."""
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "mycroft.internet.disconnected")
    send(bus, "remove.active.client", {"client": "remote"})
    assert status(bus, recorder)["state"] == "checking"
    recorder.clear()
    send(bus, "mycroft.internet.connected")
    assert recorder.topics()[1:] == ["ovos.wifi.setup.completed", "ovos.shell.status.ok", "speak",
                                     NS + "stop.setup.event", "system.ntp.sync"]
    assert f"deactivate.{cid}" not in "".join(recorder.topics())


def test_client_done_without_internet_falls_back_after_verify_timeout(bus: Any, recorder: Any,
                                                                       make_plugin: Callable[..., Any]) -> None:
    """If the internet does not come after a client ends, setup goes on without it (here: setup.failed)."""
    make_plugin(gui="never", verify_timeout=0.05)
    register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "remove.active.client")
    failed = wait_until(lambda: recorder.last(NS + "setup.failed"))
    assert "no internet after client 'remote' ended its session" in failed["error"]


# --------------------------------------------------------------------- client.setup.failure
def test_failure_with_gui_shows_the_page_again(bus: Any, recorder: Any, with_gui: Any) -> None:
    """With a GUI, the failing client is deactivated and the selection page comes back without it."""
    cid = register(bus, recorder, SCREEN)
    register(bus, recorder, REMOTE)
    send(bus, "set.active.client", {"client_id": cid})
    recorder.clear()
    send(bus, "client.setup.failure", {"client": "screen", "error": "wrong password"})
    topics = recorder.topics()
    assert topics[1] == NS + f"deactivate.{cid}"
    assert topics[-1] == "gui.page.show"
    assert recorder.last("gui.page.show")["page_names"] == [t.GUI_PAGE]
    assert [c["client"] for c in recorder.last("gui.value.set")["clients_model"]] == ["remote"]
    assert NS + "setup.failed" not in topics


def test_failure_headless_activates_the_next_client(bus: Any, recorder: Any, headless: Any) -> None:
    """Headless, the next client that needs no input takes over."""
    a = register(bus, recorder, REMOTE)
    register(bus, recorder, SCREEN)
    b = register(bus, recorder, REMOTE2)
    send(bus, "user.activated")
    send(bus, "client.setup.failure", {"client_id": a})
    assert activation_topics(recorder) == [f"activate.{a}", f"deactivate.{a}", f"activate.{b}"]


def test_failure_headless_with_no_client_left_sends_setup_failed(bus: Any, recorder: Any, headless: Any) -> None:
    """When every usable client has failed, setup.failed carries the reason."""
    a = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "client.setup.failure", {"error": "no access point"})
    assert activation_topics(recorder) == [f"activate.{a}", f"deactivate.{a}"]
    assert "client 'remote' failed: no access point" in recorder.last(NS + "setup.failed")["error"]
    assert status(bus, recorder)["state"] == "idle"


def test_failure_naming_another_client_is_refused(bus: Any, recorder: Any, headless: Any) -> None:
    """A failure report for someone else's session changes nothing."""
    a = register(bus, recorder, REMOTE)
    register(bus, recorder, SCREEN)
    send(bus, "user.activated")
    send(bus, "client.setup.failure", {"client": "screen"})
    assert activation_topics(recorder) == [f"activate.{a}"]


def test_failure_with_no_session_does_nothing(bus: Any, recorder: Any, headless: Any) -> None:
    """A stray failure report with no client active sends nothing."""
    register(bus, recorder, REMOTE)
    recorder.clear()
    send(bus, "client.setup.failure", {"client": "remote"})
    assert recorder.topics() == [NS + "client.setup.failure"]


# --------------------------------------------------------------------- client.select
def test_client_select_becomes_set_active_client(bus: Any, recorder: Any, with_gui: Any) -> None:
    """The page's pick is re-sent as set.active.client with both spellings, then handled."""
    cid = register(bus, recorder, SCREEN)
    send(bus, "user.activated")
    send(bus, "client.select", {"client": "screen", "id": cid})
    assert recorder.last(NS + "set.active.client") == {
        "user_requested_client": "screen", "client": "screen",
        "user_requested_id": cid, "id": cid, "client_id": cid}
    assert recorder.of(NS + f"activate.{cid}") == [{}]


def test_client_select_garbage_fails(bus: Any, recorder: Any, with_gui: Any) -> None:
    """A malformed pick gets the activation failure reply."""
    send(bus, "client.select", "screen")
    assert "must be a JSON object" in recorder.last(NS + "client.activation.failure")["error"]


# --------------------------------------------------------------------- skip.setup / fully.offline
@pytest.mark.parametrize("topic, permanent", [("skip.setup", False), ("fully.offline", True)])
def test_declining_setup(bus: Any, recorder: Any, with_gui: Any, topic: str, permanent: bool) -> None:
    """Connect later / never: deactivate, clear the page, stop.setup.event, then fully_offline."""
    cid = register(bus, recorder, SCREEN)
    send(bus, "set.active.client", {"client_id": cid})
    send(bus, "user.activated")  # back to the page; the client was deactivated
    send(bus, "set.active.client", {"client_id": cid})
    recorder.clear()
    send(bus, topic)
    assert recorder.topics()[1:] == [NS + f"deactivate.{cid}", NS + "stop.setup.event", NS + "fully_offline"]
    assert recorder.last(NS + "fully_offline") == {"permanent": permanent}
    state = status(bus, recorder)
    assert state["state"] == ("never" if permanent else "skipped")
    assert not state["watchdog_active"]


def test_declining_from_the_page_clears_it(bus: Any, recorder: Any, with_gui: Any) -> None:
    """Connect later on the selection page clears the page before stop.setup.event."""
    register(bus, recorder, SCREEN)
    send(bus, "user.activated")
    recorder.clear()
    send(bus, "skip.setup")
    topics = recorder.topics()
    assert topics.index("mycroft.gui.screen.close") < topics.index(NS + "stop.setup.event")


def test_user_activated_after_decline_launches(bus: Any, recorder: Any, with_gui: Any) -> None:
    """user.activated forgets the decline and shows the page."""
    register(bus, recorder, SCREEN)
    send(bus, "fully.offline")
    send(bus, "user.activated")
    assert status(bus, recorder)["state"] == "selecting"
    assert recorder.last("gui.page.show")["page_names"] == [t.GUI_PAGE]


# --------------------------------------------------------------------- user.activated
def test_gui_launch_shows_the_selection_page(bus: Any, recorder: Any, with_gui: Any) -> None:
    """With a GUI, setup.launched, then session data with every client, then our page."""
    register(bus, recorder, REMOTE)
    register(bus, recorder, SCREEN)
    recorder.clear()
    send(bus, "user.activated")
    assert recorder.topics()[1:] == [NS + "setup.launched", "ovos.wifi.setup.started", "gui.value.set",
                                     "gui.page.show"]
    data = recorder.last("gui.value.set")
    assert data["page_type"] == t.PAGE_TYPE_SELECT
    assert [c["client"] for c in data["clients_model"]] == ["remote", "screen"]
    assert data["__from"] == t.PLUGIN_ID


def test_page_is_kept_live(bus: Any, recorder: Any, with_gui: Any) -> None:
    """Registering, renaming and deregistering while the page is up each push a fresh clients_model."""
    register(bus, recorder, SCREEN)
    send(bus, "user.activated")
    register(bus, recorder, REMOTE)
    send(bus, "register.client", {**REMOTE, "display_text": "Phone"})
    send(bus, "deregister.client", {"client": "screen"})
    models = [[c["display_text"] for c in d["clients_model"]] for d in recorder.of("gui.value.set")]
    assert models == [["On Device Setup"], ["On Device Setup", "On Mobile Setup"],
                      ["On Device Setup", "Phone"], ["Phone"]]


def test_headless_launch_activates_first_client_without_input(bus: Any, recorder: Any, headless: Any) -> None:
    """Without a GUI the first registered client that needs no input is activated."""
    register(bus, recorder, SCREEN)
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    assert activation_topics(recorder) == [f"activate.{cid}"]
    assert recorder.of("gui.page.show") == []


def test_headless_launch_waits_for_a_late_client(bus: Any, recorder: Any, headless: Any) -> None:
    """A launch with no usable client waits, and activates the first one that registers."""
    register(bus, recorder, SCREEN)
    send(bus, "user.activated")
    assert status(bus, recorder)["state"] == "waiting"
    cid = register(bus, recorder, REMOTE)
    assert activation_topics(recorder) == [f"activate.{cid}"]
    assert recorder.of(NS + "setup.failed") == []


def test_headless_launch_fails_when_client_wait_runs_out(bus: Any, recorder: Any,
                                                         make_plugin: Callable[..., Any]) -> None:
    """setup.failed is sent only when client_wait runs out with no usable client."""
    make_plugin(gui="never", client_wait=0.1)
    send(bus, "user.activated")
    assert recorder.of(NS + "setup.failed") == []
    failed = wait_until(lambda: recorder.last(NS + "setup.failed"))
    assert failed["error"] == "no client that needs no input registered within 0.1 s"
    assert status(bus, recorder)["state"] == "idle"


def test_gui_auto_follows_the_gui_service(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """In "auto", the page is used once the GUI service says a GUI is connected, without blocking."""
    make_plugin(gui="auto")
    assert recorder.of("gui.status.request") == [{}]
    register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    assert recorder.of("gui.page.show") == []
    send(bus, "remove.active.client")
    send(bus, "gui.status.request.response", {"connected": True})
    send(bus, "user.activated")
    assert recorder.last("gui.page.show")["page_names"] == [t.GUI_PAGE]


def test_gui_auto_learns_from_mycroft_gui_connected(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """A GUI client announcing itself switches "auto" to the page."""
    make_plugin(gui="auto")
    send(bus, "mycroft.gui.connected", {"gui_id": "x", "framework": "qt5"})
    send(bus, "user.activated")
    assert recorder.of("gui.page.show")


# --------------------------------------------------------------------- page removed
def test_page_removed_leaves_selecting_without_relaunch(bus: Any, recorder: Any, with_gui: Any) -> None:
    """When the GUI closes the page the round ends quietly: no new page, no release echo."""
    register(bus, recorder, SCREEN)
    send(bus, "user.activated")
    recorder.clear()
    send(bus, "client.select.page.removed")
    assert recorder.topics() == [NS + "client.select.page.removed"]
    assert status(bus, recorder)["state"] == "idle"


def test_page_removed_after_activation_is_ignored(bus: Any, recorder: Any, with_gui: Any) -> None:
    """The page's own destruction after a pick does not end the client's session."""
    cid = register(bus, recorder, SCREEN)
    send(bus, "user.activated")
    send(bus, "client.select", {"client": "screen", "id": cid})
    send(bus, "client.select.page.removed")
    assert status(bus, recorder)["state"] == "active"


# --------------------------------------------------------------------- status / registered clients
def test_status_response(bus: Any, recorder: Any, headless: Any) -> None:
    """status answers on status.response with every documented key."""
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    reply = status(bus, recorder)
    assert set(reply) == {"protocol", "state", "in_setup", "watchdog_active", "active_client", "clients",
                          "internet", "network", "connectivity", "first_boot", "lang", "rounds_started",
                          "rounds_completed", "rounds_failed", "last_error", "last_error_at", "last_online_at",
                          "last_round_seconds", "methods"}
    assert reply["protocol"] == t.PROTOCOL_VERSION and reply["connectivity"] == "unknown"
    # The manager-only test plugin runs neither built-in method, and says why each is off.
    assert reply["methods"] == {"screen": {"state": "off", "reason": 'screen_client is "never"'},
                                "hotspot": {"state": "off", "reason": 'hotspot_client is "never"'}}
    assert reply["state"] == "active" and reply["in_setup"] is True
    assert reply["active_client"]["id"] == cid
    assert reply["internet"] is None and reply["first_boot"] is True


def test_get_registered_clients(bus: Any, recorder: Any, headless: Any) -> None:
    """get.registered.clients replies with every record in registration order."""
    register(bus, recorder, REMOTE)
    register(bus, recorder, SCREEN)
    send(bus, "get.registered.clients")
    assert [c["client"] for c in recorder.last(NS + "registered.clients")["clients"]] == ["remote", "screen"]


def test_replies_keep_the_requesters_context(bus: Any, recorder: Any, headless: Any) -> None:
    """Replies go back to the requester (message.reply), so the source becomes the destination."""
    seen = []
    bus.on(NS + "status.response", seen.append)
    bus.emit(Message(NS + "status", None, {"source": "cli", "destination": "wifi"}))
    assert seen[0].context["destination"] == "cli"


# --------------------------------------------------------------------- generic messages
def test_internet_connected_completes_an_open_round(bus: Any, recorder: Any, headless: Any) -> None:
    """During a round: deactivate, completed, shell ok, stop.setup.event, ntp sync; first_boot becomes false."""
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    recorder.clear()
    send(bus, "mycroft.internet.connected")
    assert recorder.topics()[1:] == [NS + f"deactivate.{cid}", "ovos.wifi.setup.completed",
                                     "ovos.shell.status.ok", "speak", NS + "stop.setup.event", "system.ntp.sync"]
    assert status(bus, recorder)["first_boot"] is False


def test_internet_connected_without_a_round_only_records(bus: Any, recorder: Any, headless: Any) -> None:
    """With no round open, coming online sends nothing."""
    recorder.clear()
    send(bus, "mycroft.internet.connected")
    assert recorder.topics() == ["mycroft.internet.connected"]
    assert status(bus, recorder)["internet"] is True


@pytest.mark.parametrize("topic, data, expected", [
    ("mycroft.internet.disconnected", None, False),
    ("mycroft.internet.state", {"state": "disconnected"}, False),
    ("mycroft.internet.state", {"state": "connected"}, True),
    ("mycroft.network.state", {"state": "disconnected"}, False),
])
def test_connectivity_reports_are_recorded(bus: Any, recorder: Any, headless: Any, topic: str, data: Any,
                                           expected: bool) -> None:
    """The connectivity plugin's reports set the known internet state."""
    send(bus, topic, data)
    assert status(bus, recorder)["internet"] is expected


def test_is_ready_answers(bus: Any, recorder: Any, headless: Any) -> None:
    """is_ready: false offline, true online, false while a client is in setup, true after never connect."""
    def ready() -> bool:
        send(bus, "mycroft.internet.is_ready")
        return recorder.last("mycroft.internet.is_ready.response")["status"]
    assert ready() is False
    send(bus, "mycroft.internet.connected")
    assert ready() is True
    register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    assert ready() is False
    send(bus, "fully.offline")
    assert ready() is True


@pytest.mark.parametrize("topic", [t.REGISTER_CLIENT, t.DEREGISTER_CLIENT, t.SET_ACTIVE_CLIENT,
                                   t.REMOVE_ACTIVE_CLIENT, t.CLIENT_SETUP_FAILURE, t.CLIENT_SELECT, t.SKIP_SETUP,
                                   t.FULLY_OFFLINE_IN, t.USER_ACTIVATED, t.SELECT_PAGE_REMOVED, t.STATUS,
                                   t.GET_REGISTERED_CLIENTS, t.INTERNET_STATE, t.NETWORK_STATE, t.IS_READY,
                                   t.INTERNET_CONNECTED, t.INTERNET_DISCONNECTED, t.INTERNET_CHECK_RESPONSE,
                                   t.GUI_STATUS_RESPONSE, t.GUI_CONNECTED])
@pytest.mark.parametrize("data", [None, 7, "x", [1], {"client": {"a": []}, "id": 3.5, "state": ["x"],
                                                      "connected": "yes", "internet_connected": []}])
def test_no_handler_raises_on_garbage(bus: Any, recorder: Any, headless: Any, topic: str, data: Any,
                                      monkeypatch: Any) -> None:
    """Garbage on any inbound topic never ends in an exception: the guard would log it, and logs nothing."""
    log = LogRecorder()
    monkeypatch.setattr(plugin_module, "LOG", log)
    emit_raw(bus, topic, data)
    assert log.at("exception") == [] and log.at("error") == []


def test_the_guard_catches_and_logs_what_a_handler_raises(bus: Any, headless: Any, monkeypatch: Any) -> None:
    """The check above can fail: a handler that raises is caught at the boundary and logged."""
    log = LogRecorder()
    monkeypatch.setattr(plugin_module, "LOG", log)
    monkeypatch.setattr(headless.registry, "payloads", lambda: 1 / 0)
    send(bus, "status")
    assert len(log.at("exception")) == 1 and "status" in log.at("exception")[0]


def test_balena_removal_under_its_plugin_name(bus: Any, recorder: Any, headless: Any) -> None:
    """balena-wifi registers as BalenaWifiSetupPlugin but asks for removal as ovos-PHAL-plugin-balena-wifi."""
    cid = register(bus, recorder, {**REMOTE, "client": "BalenaWifiSetupPlugin"})
    register(bus, recorder, SCREEN)
    send(bus, "set.active.client", {"client": "screen"})
    send(bus, "remove.active.client", {"client": "ovos-PHAL-plugin-balena-wifi"})
    assert status(bus, recorder)["active_client"]["client"] == "screen"  # not balena's session: ignored
    send(bus, "set.active.client", {"client_id": cid})
    send(bus, "remove.active.client", {"client": "ovos-PHAL-plugin-balena-wifi"})
    assert recorder.of(NS + f"deactivate.{cid}") == [{}]


def test_client_select_with_an_overlong_name_is_refused_not_echoed(bus: Any, recorder: Any, with_gui: Any) -> None:
    """A pick whose name breaks the cap gets the failure reply at once; nothing is re-sent for it."""
    send(bus, "client.select", {"client": "x" * 100_000, "id": "y"})
    assert "'client' is 100000 characters long" in recorder.last(NS + "client.activation.failure")["error"]
    assert recorder.of(NS + "set.active.client") == []
