"""The round's policy on its own: events in, effects out, no bus (docs/PROTOCOL.md's rules, one test each)."""
from threading import RLock
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.i18n import Words
from ovos_PHAL_plugin_wifi_setup.manager.core import JOB_LAUNCH, SetupCore
from ovos_PHAL_plugin_wifi_setup.manager.machine import IllegalTransition, SetupEvent, SetupState
from ovos_PHAL_plugin_wifi_setup.manager.payload import Registration, Target
from ovos_PHAL_plugin_wifi_setup.manager.registry import UnknownClient
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings
from ovos_PHAL_plugin_wifi_setup.manager.state_store import SavedState

Effect = Tuple[Any, ...]


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Timers:
    """Named one-shot timers on the test's clock; advance() runs what came due, earliest first."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.jobs: Dict[str, Tuple[float, Callable[[], None]]] = {}

    def schedule(self, name: str, delay: float, job: Callable[[], None]) -> None:
        self.jobs[name] = (self.clock.now + max(0.0, delay), job)

    def cancel(self, name: str) -> None:
        self.jobs.pop(name, None)

    def pending(self, name: str) -> bool:
        return name in self.jobs

    def advance(self, seconds: float) -> None:
        """Move the clock on, running each job as its time comes."""
        end = self.clock.now + seconds
        while True:
            due = sorted((when, name) for name, (when, _) in self.jobs.items() if when <= end)
            if not due:
                break
            when, name = due[0]
            self.clock.now = max(self.clock.now, when)
            self.jobs.pop(name)[1]()
        self.clock.now = end


class Port:
    """Records every effect the core asks for, in order."""

    def __init__(self) -> None:
        self.effects: List[Effect] = []
        self.pages: List[Tuple[int, Optional[str]]] = []  # (page number, note) of every page put up

    def send(self, topic: str, data: Optional[dict] = None) -> None:
        self.effects.append(("send", topic, data or {}))

    def send_notice(self, topic: str) -> None:
        self.effects.append(("notice", topic))

    def reply(self, request: Any, topic: str, data: dict) -> None:
        self.effects.append(("reply", request, topic, data))

    def speak(self, dialog: str) -> None:
        self.effects.append(("speak", dialog))

    def show_page(self, clients: List[dict], serial: int, note: Optional[Words] = None) -> None:
        self.effects.append(("show_page", [c[t.K_CLIENT] for c in clients]))
        self.pages.append((serial, note.key if note else None))

    def clear_pages(self) -> None:
        self.effects.append(("clear_pages",))

    def refresh_page(self, clients: List[dict]) -> None:
        self.effects.append(("refresh_page", [c[t.K_CLIENT] for c in clients]))

    def release_page(self) -> None:
        self.effects.append(("release_page",))

    def save(self, saved: SavedState, **changes: Any) -> SavedState:
        new = saved._replace(**changes)
        if new != saved:
            self.effects.append(("save", changes))
        return new

    def topics(self) -> List[str]:
        """What went out on the bus, in order (sends, notices and replies)."""
        return [e[1] if e[0] != "reply" else e[2] for e in self.effects if e[0] in ("send", "notice", "reply")]

    def take(self) -> List[Effect]:
        """The effects so far, forgotten."""
        taken, self.effects = self.effects, []
        return taken


class Checks:
    """Own checks that never run: the core only plans them."""

    def __init__(self) -> None:
        self.planned = False
        self.reports_seen = False
        self.plans: List[Tuple[float, bool]] = []

    def note_report(self) -> None:
        self.reports_seen = True

    def plan(self, delay: float, promised: bool = False) -> None:
        self.planned = True
        self.plans.append((delay, promised))

    def next_delay(self, online: bool) -> float:
        return 30.0


QUIET = {"registration_settle": 0, "stop_settle": 0, "echo_window": 0, "notice_window": 0, "gui_wait": 0,
         "reporter_ask_after": 0}


class Round:
    """A core with its port, timers and checks, and words for the events of a round."""

    def __init__(self, **config: Any) -> None:
        self.clock = Clock()
        self.timers = Timers(self.clock)
        self.port = Port()
        self.checks = Checks()
        self.core = SetupCore(Settings.from_config({**QUIET, **config}), self.port, self.timers, SavedState(),
                              RLock(), clock=self.clock)
        self.core.attach_checks(self.checks)

    def register(self, name: str, requires_input: bool = False, client_type: str = t.TYPE_ON_DEVICE) -> str:
        """A client registers; its id, from the reply."""
        record = self.core.register(("request", name), Registration(name, client_type, name.title(), False,
                                                                    requires_input, False))
        return record.client_id

    @property
    def state(self) -> SetupState:
        return self.core.machine.state


def test_a_registration_is_answered_with_the_clients_id() -> None:
    """register.client is answered, to the request, with the record and a fresh id."""
    r = Round()
    client_id = r.register("phone")
    [(kind, request, topic, data)] = r.port.take()
    assert (kind, request, topic) == ("reply", ("request", "phone"), t.CLIENT_REGISTERED)
    assert data[t.K_CLIENT] == "phone" and data[t.K_ID] == client_id


def test_headless_launch_activates_the_first_client_that_needs_no_input() -> None:
    """No screen: a launch announces itself and gives the session to the first client that needs no input."""
    r = Round(gui="never")
    r.register("keyboard", requires_input=True)
    phone = r.register("phone")
    r.port.take()
    assert r.core.launch("asked") is True
    assert r.port.topics() == [t.SETUP_LAUNCHED, t.WIFI_SETUP_STARTED, t.activate_topic(phone)]
    assert r.state is SetupState.ACTIVE and r.core.machine.active_client == phone


def test_with_a_screen_the_launch_shows_the_selection_page() -> None:
    """A GUI is connected: the launch puts the selection page up with every client."""
    r = Round()
    r.core.gui_seen(True)
    r.register("phone")
    r.register("keyboard", requires_input=True)
    r.port.take()
    r.core.launch("asked")
    assert ("show_page", ["phone", "keyboard"]) in r.port.effects
    assert r.state is SetupState.SELECTING


def test_a_client_done_while_online_completes_the_round_once() -> None:
    """The client ends its session while the internet is up: deactivate, completion notices, a spoken line, stop."""
    r = Round(gui="never")
    phone = r.register("phone")
    r.core.launch("asked")
    r.core.report(True)  # the round completes as the internet comes up
    topics = r.port.topics()
    assert topics[-5:] == [t.deactivate_topic(phone), t.WIFI_SETUP_COMPLETED, t.SHELL_STATUS_OK, t.STOP_SETUP,
                           t.NTP_SYNC]
    assert ("speak", "setup_completed") in r.port.effects
    assert r.state is SetupState.IDLE and r.core.saved.rounds_completed == 1


def test_a_session_that_ends_offline_is_checked_before_the_round_closes() -> None:
    """remove.active.client while offline: the round waits in checking, with a promised own check."""
    r = Round(gui="never")
    phone = r.register("phone")
    r.core.launch("asked")
    r.core.remove_active(Target(None, phone))
    assert r.state is SetupState.CHECKING and r.checks.plans[-1] == (0, True)
    r.core.report(True)
    assert r.state is SetupState.IDLE and r.core.saved.rounds_completed == 1


def test_offline_launches_setup_after_the_grace_period() -> None:
    """The internet goes down: the no-internet notice, then a launch once the grace period is over."""
    r = Round(gui="never", grace=45)
    r.register("phone")
    r.core.report(True)
    r.core.report(False)
    assert ("notice", t.NOTIFY_NO_INTERNET) in r.port.effects and r.timers.pending(JOB_LAUNCH)
    r.timers.advance(44)
    assert r.state is SetupState.IDLE
    r.timers.advance(1)
    assert r.state is SetupState.ACTIVE


def test_the_internet_back_within_the_grace_period_launches_nothing() -> None:
    """Offline for less than the grace period (after the first boot, which has none): no round opens."""
    r = Round(gui="never", grace=45)
    r.register("phone")
    r.core.report(True)
    r.core.report(False)
    r.timers.advance(10)
    r.core.report(True)
    r.timers.advance(100)
    assert r.state is SetupState.IDLE and t.SETUP_LAUNCHED not in r.port.topics()


def test_connect_later_ends_the_round_and_stops_the_watchdog() -> None:
    """skip.setup: stop.setup.event and fully_offline {permanent: false}; no launch of its own afterwards."""
    r = Round(gui="never")
    r.register("phone")
    r.core.launch("asked")
    r.port.take()
    r.core.skip()
    assert r.port.topics()[-2:] == [t.STOP_SETUP, t.FULLY_OFFLINE_OUT]
    assert r.port.effects[-1] == ("send", t.FULLY_OFFLINE_OUT, {"permanent": False})
    assert r.state is SetupState.SKIPPED and not r.core.watchdog_active


def test_never_connect_is_kept_and_the_user_undoes_it() -> None:
    """fully.offline is saved; user.activated forgets it and launches at once."""
    r = Round(gui="never")
    r.register("phone")
    r.core.never()
    assert r.core.saved.never_connect is True
    r.core.user_asked("asked")
    assert r.core.saved.never_connect is False and r.core.saved.watchdog_on is True
    assert r.state is SetupState.ACTIVE


def test_a_client_that_leaves_mid_session_hands_over_to_the_next() -> None:
    """deregister.client during its session: the round goes on with the next client, never that one again."""
    r = Round(gui="never")
    first = r.register("first")
    second = r.register("second")
    r.core.launch("asked")
    r.core.deregister(("request", "first"), Target("first", first))
    assert r.core.machine.active_client == second
    assert t.deactivate_topic(first) in r.port.topics() and t.CLIENT_DEREGISTERED in r.port.topics()


def test_a_failing_client_is_not_offered_again_this_round() -> None:
    """client.setup.failure: the page comes back without the client that failed."""
    r = Round(gui="always")
    phone = r.register("phone")
    r.register("keyboard", requires_input=True)
    r.core.launch("asked")
    r.core.set_active(("request", "pick"), Target("phone", phone))
    r.port.take()
    r.core.client_failed(Target(None, phone), "no luck")
    assert ("show_page", ["keyboard"]) in r.port.effects and r.state is SetupState.SELECTING


def test_no_usable_client_says_setup_failed_once_per_round() -> None:
    """A headless launch with nobody who needs no input waits client_wait, then setup.failed and a spoken line."""
    r = Round(gui="never", client_wait=60)
    r.core.launch("asked")
    assert r.state is SetupState.WAITING
    r.timers.advance(60)
    assert r.state is SetupState.IDLE and ("speak", "setup_failed") in r.port.effects
    failed = [e for e in r.port.effects if e[:2] == ("send", t.SETUP_FAILED)]
    assert len(failed) == 1 and "within 60 s" in failed[0][2][t.K_ERROR]
    assert r.core.saved.rounds_failed == 1


def test_the_activation_timeout_ends_a_session_that_runs_too_long() -> None:
    """activation_timeout: the session ends and the round goes on without the client."""
    r = Round(gui="never", activation_timeout=900)
    phone = r.register("phone")
    r.core.launch("asked")
    r.timers.advance(900)
    assert t.deactivate_topic(phone) in r.port.topics() and r.state is SetupState.IDLE
    assert "did not finish within 900 s" in (r.core.saved.last_error or "")


def test_a_removal_that_echoes_an_earlier_stop_is_ignored() -> None:
    """remove.active.client within echo_window of the manager's stop answers that stop, not this session."""
    r = Round(gui="never", echo_window=10)
    phone = r.register("phone")
    r.core.launch("asked")
    r.core.skip()
    r.core.user_asked("again")
    r.timers.advance(2)
    r.core.remove_active(Target(None, phone))
    assert r.state is SetupState.ACTIVE


def test_closing_the_page_backs_off_before_the_next_launch() -> None:
    """client.select.page.removed: idle, and the watchdog waits relaunch_backoff before it asks again."""
    r = Round(relaunch_backoff=300)
    r.core.gui_seen(True)
    r.register("phone")
    r.core.report(False)
    r.core.launch("asked")
    r.core.page_closed()
    assert r.state is SetupState.IDLE
    r.timers.advance(299)
    assert r.state is SetupState.IDLE
    r.timers.advance(1)
    assert r.state is SetupState.SELECTING


def test_an_unknown_client_is_refused_before_anything_changes() -> None:
    """set.active.client for a client nobody registered raises UnknownClient and sends nothing."""
    r = Round()
    with pytest.raises(UnknownClient):
        r.core.set_active(("request", "x"), Target("ghost", None))
    assert r.port.effects == [] and r.state is SetupState.IDLE


def test_an_illegal_event_is_refused_with_a_sentence() -> None:
    """The machine refuses an edge it has no entry for, in words."""
    r = Round()
    with pytest.raises(IllegalTransition, match="Can't client_done when IDLE"):
        r.core.machine.fire(SetupEvent.CLIENT_DONE)


def test_is_ready_means_online_and_no_client_in_session_or_declined() -> None:
    """mycroft.internet.is_ready: online and idle, or the user chose to stay offline."""
    r = Round(gui="never")
    assert r.core.is_ready() is False
    r.core.report(True)
    assert r.core.is_ready() is True
    r.core.report(False)
    r.core.skip()
    assert r.core.is_ready() is True


def test_status_reports_the_state_and_the_clients() -> None:
    """status: the protocol version, the state, the clients and the connectivity, as PROTOCOL lists them."""
    r = Round(gui="never")
    r.register("phone")
    status = r.core.status()
    assert status["protocol"] == t.PROTOCOL_VERSION and status["state"] == "idle"
    assert [c[t.K_CLIENT] for c in status["clients"]] == ["phone"] and status["connectivity"] == "unknown"


# ---------------------------------------------------------------------- issue 18's findings, each as the user sees it
def test_changing_networks_while_online_is_not_ended_by_a_routine_online_report() -> None:
    """"Change the Wi-Fi network" while online: the reporter repeating "online" mid-way leaves the round open;
    it completes when the client ends its session and the check after it finds the internet."""
    r = Round(gui="never")
    phone = r.register("phone")
    r.core.report(True)
    r.core.user_asked("change the network")
    r.core.report(True)  # connectivity-events answers every check with the old network's "online"
    assert r.state is SetupState.ACTIVE and r.core.machine.active_client == phone
    r.core.remove_active(Target(None, phone))
    assert r.state is SetupState.CHECKING and t.INTERNET_CHECK in r.port.topics()
    r.core.check_answered(True, True)
    assert r.state is SetupState.IDLE and r.core.saved.rounds_completed == 1


def test_connect_later_ends_a_change_of_network() -> None:
    """A change of network opened while online ends with "Connect later"."""
    r = Round(gui="never")
    r.register("phone")
    r.core.report(True)
    r.core.user_asked("change the network")
    r.core.skip()
    assert r.state is SetupState.SKIPPED


def test_a_join_without_internet_keeps_the_method_on_the_page_and_says_so() -> None:
    """Joined but no internet within verify_timeout: the page comes back with every method, the one that joined
    too, saying the device joined but found no internet; no setup.failed."""
    r = Round(gui="always", verify_timeout=30)
    phone = r.register("phone")
    r.register("keyboard", requires_input=True)
    r.core.launch("asked")
    r.core.set_active(("request", "pick"), Target("phone", phone))
    r.core.remove_active(Target(None, phone))
    r.port.take()
    r.timers.advance(30)
    assert r.state is SetupState.SELECTING
    assert ("show_page", ["phone", "keyboard"]) in r.port.effects
    assert r.port.pages[-1][1] == "select_no_internet"
    assert t.SETUP_FAILED not in r.port.topics()


def test_asking_again_brings_back_a_method_that_failed_this_round() -> None:
    """user.activated offers every method again, one that failed earlier in the round too."""
    r = Round(gui="always")
    phone = r.register("phone")
    r.core.launch("asked")
    r.core.set_active(("request", "pick"), Target("phone", phone))
    r.core.client_failed(Target(None, phone), "no luck")
    assert r.port.effects[-1][0] != "show_page" or r.port.effects[-1][1] == []
    r.core.user_asked("again")
    assert ("show_page", ["phone"]) == [e for e in r.port.effects if e[0] == "show_page"][-1]


def test_after_the_gui_restarts_the_selection_page_comes_back() -> None:
    """mycroft.gui.connected while the page should be up (ovos-gui restarted): the page is shown again."""
    r = Round(gui="always")
    r.register("phone")
    r.core.launch("asked")
    shown = len(r.port.pages)
    r.core.gui_seen(True)
    assert len(r.port.pages) == shown + 1 and r.state is SetupState.SELECTING


def test_a_page_left_by_a_previous_process_is_cleared_at_start() -> None:
    """At start the manager clears its namespace on the GUI before anything else."""
    r = Round()
    r.core.start()
    assert r.port.effects[0] == ("clear_pages",)


def test_a_late_page_removed_from_an_earlier_page_closes_nothing() -> None:
    """The loader's late notice for page 1 arrives while page 2 is up: still selecting, no back-off."""
    r = Round(gui="always")
    phone = r.register("phone")
    r.core.launch("asked")
    first = r.port.pages[-1][0]
    r.core.set_active(("request", "pick"), Target("phone", phone))
    r.core.client_failed(Target(None, phone), "no luck")  # page 2 goes up
    second = r.port.pages[-1][0]
    assert second != first
    r.core.page_closed(first)
    assert r.state is SetupState.SELECTING and not r.timers.pending(JOB_LAUNCH)
    r.core.page_closed(second)
    assert r.state is SetupState.IDLE


def test_a_language_change_in_session_keeps_the_session_and_its_deactivate() -> None:
    """The method re-registers (new display text) in its session: the session stays, and when it ends within
    registration_settle the method still gets its deactivate."""
    r = Round(gui="never", registration_settle=1)
    r.clock.now += 10
    phone = r.register("phone")
    r.timers.advance(2)
    r.core.launch("asked")
    r.timers.advance(1)
    assert t.activate_topic(phone) in r.port.topics()
    r.core.register(("request", "again"), Registration("phone", t.TYPE_ON_DEVICE, "Téléphone", False, False,
                                                       False))
    r.core.skip()
    assert t.deactivate_topic(phone) in r.port.topics()


def test_picking_a_builtin_method_again_after_back_activates_it_at_once() -> None:
    """Back, then the same built-in method: activate.{id} goes out at once, not stop_settle later."""
    r = Round(gui="always", stop_settle=5)
    screen = r.register(t.SCREEN_CLIENT_NAME, requires_input=True)
    r.core.launch("asked")
    r.core.set_active(("request", "pick"), Target(t.SCREEN_CLIENT_NAME, screen))
    r.core.client_failed(Target(None, screen), None)  # Back: the page again
    r.core.user_asked("again")
    r.port.take()
    r.core.set_active(("request", "pick"), Target(t.SCREEN_CLIENT_NAME, screen))
    assert t.activate_topic(screen) in r.port.topics()


def test_a_field_client_that_must_settle_shows_starting_instead_of_a_blank_screen() -> None:
    """A field client picked again within stop_settle: "Starting ..." on the page until its activate goes out,
    then the page makes way."""
    r = Round(gui="always", stop_settle=5)
    field = r.register("balena-like")
    r.core.launch("asked")
    r.core.set_active(("request", "pick"), Target("balena-like", field))
    r.core.client_failed(Target(None, field), None)
    r.core.user_asked("again")
    r.port.take()
    r.core.set_active(("request", "pick"), Target("balena-like", field))
    assert r.port.pages[-1][1] == "select_starting" and ("release_page",) not in r.port.effects
    r.timers.advance(5)
    assert t.activate_topic(field) in r.port.topics() and r.port.effects[-1] == ("release_page",)


def test_an_offline_device_with_no_usable_client_says_so_once_per_offline_period() -> None:
    """No client: "I could not set up the network" is said at the first failed round only, until online."""
    r = Round(gui="never", client_wait=60, relaunch_backoff=300)
    r.core.report(False)
    for _ in range(3):
        r.timers.advance(400)
    failures = [e for e in r.port.effects if e[:2] == ("send", t.SETUP_FAILED)]
    assert len(failures) >= 2 and r.port.effects.count(("speak", "setup_failed")) == 1


def test_while_the_internet_is_checked_after_a_join_the_screen_says_so() -> None:
    """A client ended its session with a screen in use: "Checking the internet connection…" until the round
    completes, then the page goes."""
    r = Round(gui="always")
    phone = r.register("phone")
    r.core.launch("asked")
    r.core.set_active(("request", "pick"), Target("phone", phone))
    r.core.remove_active(Target(None, phone))
    assert r.state is SetupState.CHECKING and r.port.pages[-1][1] == "checking_internet"
    assert r.port.effects[-1][0] == "show_page" and r.port.effects[-1][1] == []
    r.port.take()
    r.core.report(True)
    assert r.state is SetupState.IDLE and ("release_page",) in r.port.effects
