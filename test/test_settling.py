"""The plugin on FakeBus with the waits that protect field clients' timing (settles, echo window, notices,
the wait for a screen, the reporter cross-check) switched on: what a user of such clients sees."""
import threading
import time
from typing import Any, Callable, List

from ovos_bus_client.message import Message

from ovos_PHAL_plugin_wifi_setup import topics as t

from helpers import NS, REMOTE, SCREEN, register, send, status, wait_until

# Generous bound for anything the plugin does on its own timers here (all of them well under a second).
SOON = 10.0


class EchoingClient:
    """Stands in for ovos-PHAL-plugin-balena-wifi 1.2.2's timing on the bus.

    Like it, the client answers every stop.setup.event with remove.active.client naming itself, and each
    deactivate with a cleanup that takes a while, after which its old session's loop ends and sends another
    remove.active.client. A session that begins before the cleanup is over is torn down by it (in balena,
    wifi-connect dies with the old session's cleanup): ``hotspot_up`` tells whether the current one survived.
    """

    def __init__(self, bus: Any, name: str, cleanup: float):
        self.bus = bus
        self.name = name
        self.cleanup = cleanup
        self.client_id = ""
        self.activations = 0
        self.hotspot_up = False
        self.cleaning = threading.Event()
        self.cleaning.set()  # set: no cleanup in progress
        self.activated_while_cleaning = False
        bus.on(t.CLIENT_REGISTERED, self._registered)
        bus.on(t.STOP_SETUP, lambda _: self._remove())
        bus.emit(Message(t.REGISTER_CLIENT, {"client": name, "type": "Remote", "display_text": "On Mobile Setup"}))

    def _registered(self, message: Message) -> None:
        if message.data.get("client") == self.name and not self.client_id:
            self.client_id = message.data["id"]
            self.bus.on(t.activate_topic(self.client_id), self._activate)
            self.bus.on(t.deactivate_topic(self.client_id), self._deactivate)

    def _remove(self) -> None:
        self.bus.emit(Message(t.REMOVE_ACTIVE_CLIENT, {"client": self.name}))

    def _activate(self, _: Message) -> None:
        self.activations += 1
        self.activated_while_cleaning = not self.cleaning.is_set()
        self.hotspot_up = True

    def _deactivate(self, _: Message) -> None:
        self.hotspot_up = False
        self.cleaning.clear()

        def finish() -> None:
            time.sleep(self.cleanup)
            if self.activated_while_cleaning:
                self.hotspot_up = False  # the old session's cleanup closes the new session's hotspot
            self.cleaning.set()
            self._remove()  # the old session's loop ends and asks to be removed once more

        threading.Thread(target=finish, daemon=True).start()


def test_a_stale_removal_does_not_end_the_next_session(bus: Any, recorder: Any,
                                                       make_plugin: Callable[..., Any]) -> None:
    """"Connect later", then the wireless button at once: the client's late answers to the stop leave the new
    session alone, and the new activation waits until the client's cleanup is over, so its hotspot stays up."""
    # Margins wide enough for a loaded machine: the cleanup (0.3 s) ends well before stop_settle (1.2 s).
    make_plugin(gui="never", stop_settle=1.2, echo_window=2.5, verify_timeout=0.3)
    client = EchoingClient(bus, "balena-like", cleanup=0.3)
    send(bus, "user.activated")
    assert client.activations == 1 and client.hotspot_up
    send(bus, "skip.setup")
    send(bus, "user.activated")
    assert wait_until(lambda: client.activations == 2, SOON)
    assert not client.activated_while_cleaning
    # The old session's last removal request arrived after the new session began: it is not about it.
    assert wait_until(lambda: client.cleaning.is_set(), SOON)
    time.sleep(0.6)  # longer than verify_timeout: a wrongly ended session would have failed by now
    assert client.hotspot_up
    state = status(bus, recorder)
    assert state["state"] == "active" and state["active_client"]["client"] == "balena-like"
    assert recorder.of(NS + "setup.failed") == []


def test_a_removal_after_the_echo_window_ends_the_session(bus: Any, recorder: Any,
                                                          make_plugin: Callable[..., Any]) -> None:
    """The echo window is short: the client's own removal request once it finished still ends its session."""
    make_plugin(gui="never", stop_settle=0, echo_window=1.0)
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "skip.setup")
    send(bus, "user.activated")
    send(bus, "remove.active.client", {"client": "remote"})  # within the window: an answer to the stop
    assert status(bus, recorder)["state"] == "active"
    time.sleep(1.2)
    send(bus, "remove.active.client", {"client": "remote"})
    assert status(bus, recorder)["state"] == "checking"
    assert recorder.topics().count(NS + f"deactivate.{cid}") == 2


def test_a_fresh_client_is_activated_once_it_had_time_to_subscribe(bus: Any, recorder: Any,
                                                                   make_plugin: Callable[..., Any]) -> None:
    """A headless round waiting for a client activates it registration_settle after its registration, so a client
    that subscribes to its activate topic only after handling client.registered does not miss it."""
    make_plugin(gui="never", registration_settle=1.0)
    send(bus, "user.activated")
    assert status(bus, recorder)["state"] == "waiting"
    late: List[str] = []

    def subscribe_later(message: Message) -> None:
        if message.data.get("client") == "remote":
            # What a thread-pool bus can do: the subscription lands a moment after client.registered.
            threading.Timer(0.1, lambda: bus.on(t.activate_topic(message.data["id"]),
                                                lambda m: late.append(m.msg_type))).start()

    bus.on(t.CLIENT_REGISTERED, subscribe_later)
    cid = register(bus, recorder, REMOTE)
    assert status(bus, recorder)["state"] == "active"
    assert wait_until(lambda: late, SOON) == [NS + f"activate.{cid}"]
    assert recorder.topics().count(NS + f"activate.{cid}") == 1


def test_a_session_that_ends_before_its_activation_leaves_the_client_alone(bus: Any, recorder: Any,
                                                                          make_plugin: Callable[..., Any]) -> None:
    """"Connect later" while the activation still waits for the client to settle: the client is told nothing."""
    make_plugin(gui="never", registration_settle=1.0)
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "skip.setup")
    time.sleep(1.2)
    topics = recorder.topics()
    assert NS + f"activate.{cid}" not in topics and NS + f"deactivate.{cid}" not in topics
    assert status(bus, recorder)["state"] == "skipped"


def test_a_screen_that_connects_after_start_gets_the_page(bus: Any, recorder: Any,
                                                          make_plugin: Callable[..., Any]) -> None:
    """gui "auto", first boot offline, the reporter answers at once, the screen connects a moment later: the
    first automatic launch shows the selection page, and no client is activated on its own."""
    make_plugin(gui="auto", gui_wait=5, enable_watchdog=True, grace_first_boot=0)
    register(bus, recorder, REMOTE)
    send(bus, "gui.status.request.response", {"connected": False})
    send(bus, "ovos.PHAL.internet_check.response", {"internet_connected": False, "network_connected": False})
    time.sleep(0.3)
    assert recorder.of(NS + "setup.launched") == []  # waiting for a screen, not yet headless
    send(bus, "mycroft.gui.connected", {"gui_id": "shell"})
    assert wait_until(lambda: recorder.of("gui.page.show"), SOON)
    assert recorder.last("gui.page.show")["page_names"] == [t.GUI_PAGE]
    assert not any(topic.startswith(NS + "activate.") for topic in recorder.topics())
    assert status(bus, recorder)["state"] == "selecting"


def test_without_a_screen_the_first_launch_goes_headless_after_gui_wait(bus: Any, recorder: Any,
                                                                        make_plugin: Callable[..., Any]) -> None:
    """No screen ever connects: after gui_wait the device's own client starts, as on a headless device."""
    make_plugin(gui="auto", gui_wait=0.3, enable_watchdog=True, grace_first_boot=0)
    cid = register(bus, recorder, REMOTE)
    send(bus, "mycroft.internet.disconnected")
    assert wait_until(lambda: recorder.of(NS + f"activate.{cid}"), SOON)
    assert recorder.of("gui.page.show") == []


def test_a_headless_wait_becomes_the_page_when_a_screen_connects(bus: Any, recorder: Any,
                                                                 make_plugin: Callable[..., Any]) -> None:
    """A round waiting for a client that needs no input shows the page as soon as a screen connects."""
    make_plugin(gui="auto")
    register(bus, recorder, SCREEN)
    send(bus, "user.activated")
    assert status(bus, recorder)["state"] == "waiting"
    send(bus, "mycroft.gui.connected")
    assert status(bus, recorder)["state"] == "selecting"
    assert [c["client"] for c in recorder.last("gui.value.set")["clients_model"]] == ["screen"]


def test_no_internet_appears_once_when_the_reporter_announces_it_too(bus: Any, recorder: Any,
                                                                      make_plugin: Callable[..., Any]) -> None:
    """connectivity-events sends enclosure.notify.no_internet with its own report: the plugin adds no second one,
    whichever of the two the bus delivers first."""
    make_plugin(gui="never", notice_window=1.0, grace=60, grace_first_boot=60)
    # The reporter's order on a change to offline from "unknown": the notice first, then the reports.
    send(bus, "enclosure.notify.no_internet")
    send(bus, "mycroft.internet.state", {"state": "disconnected"})
    time.sleep(1.2)
    assert recorder.topics().count("enclosure.notify.no_internet") == 1
    send(bus, "mycroft.internet.connected")
    # On a later loss of the internet it reports first and announces right after.
    send(bus, "mycroft.internet.disconnected")
    send(bus, "enclosure.notify.no_internet")
    time.sleep(1.2)
    assert recorder.topics().count("enclosure.notify.no_internet") == 2


def test_no_internet_is_announced_when_nobody_else_does(bus: Any, recorder: Any,
                                                        make_plugin: Callable[..., Any]) -> None:
    """A reporter that only reports (or the plugin's own check) still gets the user the notice, once."""
    make_plugin(gui="never", notice_window=0.2, grace=60, grace_first_boot=60)
    send(bus, "mycroft.internet.state", {"state": "disconnected"})
    assert wait_until(lambda: recorder.of("enclosure.notify.no_internet"), SOON) == [{}]
    time.sleep(0.3)
    assert recorder.topics().count("enclosure.notify.no_internet") == 1


def test_setup_completed_appears_once_when_the_client_announces_it(bus: Any, recorder: Any,
                                                                    make_plugin: Callable[..., Any]) -> None:
    """balena-wifi sends ovos.wifi.setup.completed itself before it asks to be removed: one per round on the bus."""
    make_plugin(gui="never")
    register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "ovos.wifi.setup.completed")
    send(bus, "remove.active.client", {"client": "remote"})
    send(bus, "mycroft.internet.connected")
    assert status(bus, recorder)["state"] == "idle"
    assert recorder.topics().count("ovos.wifi.setup.completed") == 1
    assert recorder.topics().count("ovos.shell.status.ok") == 1
    # The next round, where the client says nothing, still gets the plugin's own.
    send(bus, "mycroft.internet.disconnected")
    send(bus, "user.activated")
    send(bus, "mycroft.internet.connected")
    assert recorder.topics().count("ovos.wifi.setup.completed") == 2


def test_a_silent_reporter_is_cross_checked(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                            check_server: Any) -> None:
    """A reporter that said "online" once and then died: the network going away is still noticed (the notice,
    then setup), by the plugin's own check at most once per check_interval_online_max."""
    make_plugin(gui="never", enable_watchdog=True, network_tests=check_server.network_tests(),
                check_interval_online_max=0.3, grace=0, grace_first_boot=0)
    cid = register(bus, recorder, REMOTE)
    send(bus, "mycroft.internet.connected")
    time.sleep(0.5)
    assert status(bus, recorder)["internet"] is True
    check_server.status = 503  # the network goes away; the reporter stays silent
    assert wait_until(lambda: recorder.of(NS + f"activate.{cid}"), SOON)
    assert recorder.of("enclosure.notify.no_internet") == [{}]
    assert status(bus, recorder)["internet"] is False


def test_a_live_reporter_is_not_cross_checked(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                              check_server: Any) -> None:
    """While reports keep coming, more often than check_interval_online_max, the plugin sends no request."""
    make_plugin(gui="never", enable_watchdog=True, network_tests=check_server.network_tests(),
                check_interval_online_max=1.0)
    for _ in range(20):
        send(bus, "ovos.PHAL.internet_check.response", {"internet_connected": True, "network_connected": True})
        time.sleep(0.1)
    assert check_server.requests == 0


def test_the_check_promised_after_a_session_is_not_lost_to_a_check_in_flight(
        bus: Any, recorder: Any, make_plugin: Callable[..., Any], check_server: Any) -> None:
    """A client ends its session while an older own check is still running and a report comes in between:
    the check promised for the end of the session still runs, finds the network answering, and the round
    completes (instead of "no internet after client ... ended its session")."""
    check_server.delay = 0.4
    plugin = make_plugin(gui="never", network_tests=check_server.network_tests(), verify_timeout=5,
                         check_timeout=2)
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    plugin.own_checks.plan(0)  # an own check now, still in flight when the session ends
    assert wait_until(lambda: check_server.requests == 1, SOON)
    send(bus, "mycroft.internet.state", {"state": "disconnected"})
    send(bus, "remove.active.client", {"client": "remote"})
    assert wait_until(lambda: recorder.of("ovos.wifi.setup.completed"), SOON)
    assert recorder.of(NS + "setup.failed") == []
    assert NS + f"deactivate.{cid}" in recorder.topics()
    assert status(bus, recorder)["state"] == "idle"


def test_a_reporter_answering_the_plugins_question_announces_no_internet_alone(
        bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """connectivity-events answers the plugin's ovos.PHAL.internet_check with message.reply(), whose context
    keeps the plugin's source: its no_internet notice still counts as another sender's, so it appears once."""
    def reporter(message: Message) -> None:
        bus.emit(message.reply("enclosure.notify.no_internet"))
        bus.emit(message.reply("mycroft.internet.state", {"state": "disconnected"}))
        bus.emit(message.response({"internet_connected": False, "network_connected": False}))

    bus.on("ovos.PHAL.internet_check", reporter)
    make_plugin(gui="never", enable_watchdog=True, notice_window=0.3, grace=60, grace_first_boot=60)
    time.sleep(0.6)
    assert status(bus, recorder)["internet"] is False
    assert recorder.topics().count("enclosure.notify.no_internet") == 1
