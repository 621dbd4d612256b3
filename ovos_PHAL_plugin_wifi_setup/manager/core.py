"""The round's policy without a bus: what happens in, what follows out, through the port it is handed.

``SetupCore`` takes what happens (a client registered or left, the internet state changed, the page was tapped or
closed, a timer came due, the GUI came or went) and decides what follows: one edge of the state machine and the
effects of entering and leaving its states, sent through ``port.Effects``. Client sessions' timing (when an
``activate`` may go out, which removal is an echo) is ``sessions.Sessions``. Refusals are narrow exceptions
(``registry.UnknownClient``, ``ClientMismatch``, ``machine.IllegalTransition``) raised before anything changed.
"""
from __future__ import annotations

import time
from threading import RLock
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Set, Tuple

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.i18n import Words
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.readable import duration
from ovos_PHAL_plugin_wifi_setup.manager.connectivity import JOB_ASK_REPORTER, JOB_LAUNCH, JOB_NOTICE, Connectivity
from ovos_PHAL_plugin_wifi_setup.manager.machine import SetupEvent, SetupMachine, SetupState, Transition
from ovos_PHAL_plugin_wifi_setup.manager.payload import Registration, Target
from ovos_PHAL_plugin_wifi_setup.manager.registry import ClientRecord, ClientRegistry
from ovos_PHAL_plugin_wifi_setup.manager.sessions import (JOB_ACTIVATION, JOB_REANNOUNCE, JOB_SEND_ACTIVATE,
                                                          LONG_AGO, Sessions, requester_in_session)
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings
from ovos_PHAL_plugin_wifi_setup.manager.state_store import SavedState, now_iso

if TYPE_CHECKING:  # the port is a set of Protocols: annotations only, nothing imported at start
    from ovos_PHAL_plugin_wifi_setup.manager.port import Checks, Effects, Timers

# Timer names (the session timers are in sessions.py, the watchdog's in connectivity.py).
JOB_CLIENT_WAIT = "client_wait"
JOB_VERIFY = "verify"

__all__ = ["SetupCore", "JOB_ACTIVATION", "JOB_ASK_REPORTER", "JOB_CLIENT_WAIT", "JOB_LAUNCH", "JOB_NOTICE",
           "JOB_REANNOUNCE", "JOB_SEND_ACTIVATE", "JOB_VERIFY"]


class SetupCore(Connectivity):
    """The network-setup manager's decisions: the client registry, the state machine and what each event means.

    Every public method takes the core's lock; the port's effects are called under it, in the contract's order.
    """

    def __init__(self, settings: Settings, port: Effects, timers: Timers, saved: SavedState, lock: RLock,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Start idle, or declined when the user said "Never connect" before; nothing is sent until start()."""
        self.settings = settings
        self.port = port
        self.timers = timers
        self.clock = clock
        self.lock = lock
        self.saved = saved
        self.registry = ClientRegistry()
        self.machine = SetupMachine(SetupState.NEVER if saved.never_connect else SetupState.IDLE, lock)
        self.checks: Optional[Checks] = None  # handed over by attach_checks(): the checks call back into the core
        self.sessions = Sessions(settings, timers, self.registry, port, clock, lock, self._activated)
        self.failed: Set[str] = set()
        self.internet: Optional[bool] = None
        self.network: Optional[bool] = None  # a network without the internet (a captive portal) is a state too
        self.gui_connected: Optional[bool] = None
        self.closed = False
        self._last_online_seen: Optional[str] = None
        self._round_started = 0.0
        self._round_failed = False
        self._foreign_speak_at = LONG_AGO
        self._backoff_until = 0.0
        self._started_at = clock()
        self._launch_due_at: Optional[float] = None
        # Notices other participants send too: no_internet (when last), completion topics (this round).
        self._foreign_no_internet_at = LONG_AGO
        self._round_notices: Set[str] = set()
        # A round opened while online changes the network: routine "online" reports do not end it.
        self._change_round = False
        # The selection page: a number per page put up (a late notice from an earlier page changes nothing), whether
        # one is up, the note its next showing carries, and whether it stands outside `selecting`, saying "Starting ..."
        # for a settling client or "Checking the internet connection ..." after a client's session.
        self._page_serial = 0
        self._page_up = False
        self._page_note: Optional[Words] = None
        self._interim_shown = False
        self._failure_spoken = False  # "I could not set up the network" is said once per offline period

    def attach_checks(self, checks: Checks) -> None:
        """Hand the core the own checks it plans (made after the core, since they answer into it)."""
        self.checks = checks

    # ------------------------------------------------------------------ derived views
    @property
    def use_gui(self) -> bool:
        """True when setup should go through the selection page."""
        if self.settings.gui == "always":
            return True
        if self.settings.gui == "never":
            return False
        return self.gui_connected is True

    @property
    def watchdog_enabled(self) -> bool:
        """The user's last word on the watchdog if any, else the configuration's."""
        if self.saved.watchdog_on is not None:
            return self.saved.watchdog_on
        return self.settings.enable_watchdog

    @property
    def watchdog_active(self) -> bool:
        """True when the manager may launch setup on its own."""
        return self.watchdog_enabled and not self.machine.state.declined

    @property
    def first_boot(self) -> bool:
        """True until the device has been online once."""
        return self.saved.first_boot

    def status(self) -> Dict[str, Any]:
        """The status payload of the contract (but `lang`, which the adapter's catalogue knows)."""
        with self.lock:
            state = self.machine.state
            active = self.registry.get(self.machine.active_client or "") if state is SetupState.ACTIVE else None
            saved = self.saved
            return {
                "protocol": t.PROTOCOL_VERSION,
                "state": state.value,
                "in_setup": state.in_round,
                "watchdog_active": self.watchdog_active,
                "active_client": active.as_payload() if active else None,
                "clients": self.registry.payloads(),
                "internet": self.internet,
                "network": self.network,
                "connectivity": self._connectivity(),
                "first_boot": saved.first_boot,
                "rounds_started": saved.rounds_started,
                "rounds_completed": saved.rounds_completed,
                "rounds_failed": saved.rounds_failed,
                "last_error": saved.last_error,
                "last_error_at": saved.last_error_at,
                "last_online_at": now_iso() if self.internet is True else saved.last_online_at,
                "last_round_seconds": saved.last_round_seconds,
            }

    # ------------------------------------------------------------------ life
    def start(self) -> None:
        """Clear a page a previous process left (ovos_PHAL may end without a shutdown()), learn whether a screen is
        there, say the manager is up, and plan how the connectivity is learnt."""
        self.port.clear_pages()
        self.port.send(t.GUI_STATUS_REQUEST)
        self.port.send(t.ALIVE)
        with self.lock:
            if self._wants_checks():
                # Let the connectivity plugin report by itself first, then ask it; check by ourselves only if
                # nobody answers in time.
                if self.settings.reporter_ask_after > 0:
                    self.timers.schedule(JOB_ASK_REPORTER, self.settings.reporter_ask_after, self._on_ask_reporter_due)
                else:
                    self.port.send(t.INTERNET_CHECK)
                self._plan_check(self.settings.reporter_wait)

    def apply_settings(self, settings: Settings) -> None:
        """Settings changed at run time: from now on they rule; a watchdog turned on or off acts at once."""
        with self.lock:
            self.settings = self.sessions.settings = settings
            if not self.watchdog_active:
                self.timers.cancel(JOB_LAUNCH)
            elif not self.timers.pending(JOB_LAUNCH):
                self._plan_launch(self.settings.grace_first_boot if self.first_boot else self.settings.grace)

    def close(self) -> None:
        """From here on no timer acts, a job already taken off the queue included."""
        with self.lock:
            self.closed = True

    def shut_down(self) -> None:
        """End any open round and keep when the device was last online."""
        with self.lock:
            if self.machine.state.in_round:
                self._step(SetupEvent.SHUT_DOWN)
            if self.internet is True:
                self._save(last_online_at=now_iso())

    # ------------------------------------------------------------------ requests
    def register(self, request: Any, reg: Registration) -> ClientRecord:
        """register.client: add or refresh a client, tell it its id, and resume its session if it is in one."""
        with self.lock:
            record, created = self.registry.register(reg.name, reg.client_type, reg.display_text,
                                                     reg.has_gui, reg.requires_input)
            self.sessions.registered(record.client_id)
            LOG.info(f"client '{record.name}' {'registered' if created else 're-registered'} as {record.client_id}")
            self.port.reply(request, t.CLIENT_REGISTERED, record.as_payload())
            if not created and self.in_session(record.client_id):
                # A client that restarted, or one whose name changed language, registers again in its session: the
                # session stays as it was (its deactivate will come), and it is told of it again once it settled.
                told = self.sessions.activation_sent
                if told:
                    LOG.info(f"client '{record.name}' registered again during its session; it is told of it again")
                self.sessions.activate_when_settled(record.client_id, self._is_current, again=told)
            self._registry_changed(candidate=record)
            return record

    def deregister(self, request: Any, target: Target) -> ClientRecord:
        """deregister.client: forget a client, ending its session first; raise LookupError for an unknown one."""
        with self.lock:  # resolved under the lock: no other request can remove it in between
            record = self.registry.resolve(name=target.name, client_id=target.client_id)
            self.registry.unregister(record.client_id)
            LOG.info(f"client '{record.name}' deregistered")
            if self.in_session(record.client_id):
                self._fall_back(record.client_id, f"client '{record.name}' deregistered during its session")
            else:
                self._registry_changed()
            self.port.reply(request, t.CLIENT_DEREGISTERED, _identity(record))
            self.failed.discard(record.client_id)
            self.sessions.forget(record.client_id)
            self.sessions.reannounce_deaf_clients(lambda: self.closed)
            return record

    def set_active(self, request: Any, target: Target) -> ClientRecord:
        """set.active.client: end the current session, if any, and start the named client's (LookupError if none)."""
        with self.lock:
            record = self.registry.resolve(name=target.name, client_id=target.client_id)
            if self.in_session(record.client_id):
                LOG.info(f"client '{record.name}' is already active")
                self.port.reply(request, t.CLIENT_ALREADY_ACTIVE, _identity(record))
                return record
            if not self.machine.state.in_round:
                self.failed.clear()
            self._step(SetupEvent.ACTIVATE, record.client_id)
            return record

    def remove_active(self, target: Target) -> None:
        """remove.active.client: end the active session when the request names no one or the active client."""
        with self.lock:
            active = self._requester_in_session(target, "remove.active.client", (SetupState.ACTIVE,))
            if active is None:
                return
            stale = self.sessions.stale_removal(active.client_id)
            if stale:
                LOG.info(f"remove.active.client from '{active.name}' answers the end of its previous session "
                         f"({stale}); the session it has now goes on")
                return
            self._step(SetupEvent.CLIENT_DONE)
            if self.internet is True and not self._change_round:
                self._step(SetupEvent.COMPLETE)

    def client_failed(self, target: Target, error: Optional[str], error_is_text: bool = True) -> None:
        """client.setup.failure: end the failing client's session and go on without it."""
        with self.lock:
            active = self._requester_in_session(target, "client.setup.failure",
                                                (SetupState.ACTIVE, SetupState.CHECKING))
            if active is None:
                return
            if not error_is_text:
                LOG.warning(f"client '{active.name}' reported a failure whose 'error' is not a sentence (not a "
                            "string, or empty); the failure counts without it")
            LOG.info(f"client '{active.name}' reports that setup failed" + (f": {error}" if error else ""))
            self._fall_back(active.client_id, f"client '{active.name}' failed" + (f": {error}" if error else ""))

    def skip(self) -> None:
        """skip.setup ("Connect later"): end setup until the user asks again or the next start."""
        with self.lock:
            self._step(SetupEvent.SKIP)

    def never(self) -> None:
        """fully.offline ("Never connect"): end setup and keep the device offline until the user asks."""
        with self.lock:
            self._step(SetupEvent.NEVER)

    def user_asked(self, reason: str) -> None:
        """The user asked for network setup: the watchdog is on again, any decline forgotten, setup launches now."""
        with self.lock:
            if self.closed:
                return
            self._save(never_connect=False, watchdog_on=True)
            self._backoff_until = 0.0
            self._failure_spoken = False
            # Asked anew, every client is offered again, those that failed earlier in this round too.
            self.failed.clear()
            self.launch(reason=reason)

    def page_closed(self, serial: Optional[int] = None) -> None:
        """client.select.page.removed: the GUI closed the selection page; leave the selecting state. A notice that
        names an earlier page (its page_serial) changes nothing: the loader sends it when destroyed, late."""
        with self.lock:
            if serial is not None and serial != self._page_serial:
                LOG.info(f"client.select.page.removed for page {serial} ignored: page {self._page_serial} is shown")
                return
            if self.machine.state is SetupState.SELECTING:
                self._step(SetupEvent.PAGE_CLOSED)

    def launch(self, reason: str) -> bool:
        """Open a setup round: the selection page, or a client that needs no input, or a wait for one."""
        with self.lock:
            if self.closed:
                return False
            state = self.machine.state
            if state is SetupState.ACTIVE and not self.use_gui:
                LOG.info(f"setup not launched ({reason}): a client is already in session")
                return False
            if state is SetupState.WAITING:
                LOG.info(f"setup not launched ({reason}): already waiting for a client")
                return False
            LOG.info(f"launching setup: {reason}")
            if not state.in_round or state is SetupState.CHECKING:
                self.failed.clear()
            self.port.send(t.SETUP_LAUNCHED)
            self._next_step(error="no client that needs no input is registered", wait=True)
            return True

    # ------------------------------------------------------------------ what the manager hears
    def report(self, online: bool, network: Optional[bool] = None) -> None:
        """A connectivity report from the bus: from now on reports tell the state, own checks cross-check them."""
        with self.lock:
            if self.checks is not None:
                self.checks.note_report()
            self._set_internet(online, network)
            # A reporter that goes silent (it may have crashed) is cross-checked, at most once per interval.
            if self.checks is not None and not self.checks.planned:
                self._plan_check(self.settings.check_interval_online_max)

    def network_up(self) -> None:
        """mycroft.network.state connected: a network is up, which says nothing about the internet."""
        with self.lock:
            self.network = True

    def check_answered(self, online: bool, network: bool) -> None:
        """An own check answered (under the lock): record it and plan the next one."""
        if self.closed:
            return
        self._set_internet(online, network)
        self._plan_check(self._check_delay(online))

    def gui_seen(self, connected: bool) -> None:
        """A GUI's presence is known: a launch that waited for it goes ahead, a headless wait becomes the page."""
        with self.lock:
            self.gui_connected = connected
            if not connected or self.closed:
                return
            if self.machine.state is SetupState.SELECTING:
                # A GUI that (re)connects knows no page: ovos-gui lost ours with its memory when it restarted.
                self._show_page()
                return
            if self.settings.gui != "auto":
                return
            if self.machine.state is SetupState.WAITING:
                self._step(SetupEvent.SHOW_PAGE)
            elif self.timers.pending(JOB_LAUNCH) and self._launch_due_at is not None:
                self.timers.schedule(JOB_LAUNCH, max(0.0, self._launch_due_at - self.clock()), self._on_launch_due)

    def notice_heard(self, topic: str) -> None:
        """A notice the manager also sends, from another participant: it is not sent twice for one event."""
        with self.lock:
            if topic == t.NOTIFY_NO_INTERNET:
                self._foreign_no_internet_at = self.clock()
                self.timers.cancel(JOB_NOTICE)
            elif self.machine.state.in_round:
                self._round_notices.add(topic)

    def speech_heard(self) -> None:
        """Another participant spoke: the manager does not talk over it about the same moment."""
        with self.lock:
            self._foreign_speak_at = self.clock()

    # ------------------------------------------------------------------ the round
    def _fall_back(self, without: str, error: str) -> None:
        """Go on without a client that failed or left: the page again, the next client that needs no input
        (never that one again this round), or setup.failed."""
        self.failed.add(without)
        self._next_step(error=error, wait=False)

    def _next_step(self, error: str, wait: bool) -> None:
        """Take the launch or fall-back edge that fits the clients and the screen."""
        if self.use_gui:
            self._step(SetupEvent.SHOW_PAGE)
            if not wait and not self._page_clients():
                # The page stays, so "Connect later", "Never connect" and a client that registers later still work.
                self._setup_failed(f"no usable client is left: {error}")
            return
        candidate = self.registry.first_without_input(excluding=self.failed)
        if candidate is not None:
            self._step(SetupEvent.ACTIVATE, candidate.client_id)
        elif wait and self.machine.can(SetupEvent.WAIT_FOR_CLIENT):
            self._step(SetupEvent.WAIT_FOR_CLIENT)
        else:
            self._step(SetupEvent.GIVE_UP, error=f"no usable client is left: {error}")

    def _registry_changed(self, candidate: Optional[ClientRecord] = None) -> None:
        """Keep the page live and give a waiting headless round the client it waited for."""
        state = self.machine.state
        if state is SetupState.SELECTING:
            self.port.refresh_page(self._page_clients())
        elif (state is SetupState.WAITING and candidate is not None and not candidate.requires_input
              and candidate.client_id not in self.failed):
            self._step(SetupEvent.ACTIVATE, candidate.client_id)

    def _step(self, event: SetupEvent, client_id: Optional[str] = None, error: str = "") -> Transition:
        """Fire one edge and carry out what entering and leaving its states means, in the contract's order."""
        tr = self.machine.fire(event, client_id)
        LOG.debug(f"{event.value}: {tr.old.name} -> {tr.new.name}")
        if self._interim_shown and tr.old in (SetupState.ACTIVE, SetupState.CHECKING):
            # What that page said ("Starting ...", "Checking ...") is over: the page goes with it.
            self._interim_shown = False
            if tr.new is not SetupState.SELECTING:
                self._release_page()
        if tr.old is SetupState.WAITING and tr.new is not SetupState.WAITING:
            self.timers.cancel(JOB_CLIENT_WAIT)
        if tr.old is SetupState.CHECKING:
            self.timers.cancel(JOB_VERIFY)
        if tr.client_left:
            self.sessions.end(tr.client_left)
        if tr.new.in_round or tr.new.declined:
            self.timers.cancel(JOB_LAUNCH)
        if tr.old is SetupState.NEVER and tr.new is not SetupState.NEVER:
            self._save(never_connect=False)
        elif tr.new is SetupState.NEVER:
            self._save(never_connect=True)
        if tr.round_opened:
            self._open_round()
        release = tr.old is SetupState.SELECTING and tr.new is not SetupState.SELECTING \
            and event is not SetupEvent.PAGE_CLOSED
        early_release = release and event not in (SetupEvent.ACTIVATE, SetupEvent.COMPLETE)
        if early_release:
            self._release_page()
        self._enter(tr, error)
        if release and not early_release and not self._interim_shown:
            self._release_page()
        if event is SetupEvent.COMPLETE:
            self.port.send(t.NTP_SYNC)  # fire and forget: nothing answers it on current OVOS
        if event in (SetupEvent.PAGE_CLOSED, SetupEvent.GIVE_UP):
            # The user closed the page or setup failed: do not nag again at once.
            self._backoff_until = self.clock() + self.settings.relaunch_backoff
            self._plan_launch(self.settings.relaunch_backoff)
        return tr

    def _open_round(self) -> None:
        """A round opens: count it, announce it, and make sure the connectivity will be known."""
        self._change_round = self.internet is True
        self._round_notices.clear()
        self._round_started, self._round_failed = self.clock(), False
        self._save(rounds_started=self.saved.rounds_started + 1)
        self.port.send(t.WIFI_SETUP_STARTED)  # nobody else announces a round of ours: no notice mark
        if self.checks is not None and not self.checks.planned:
            self._plan_check(self._check_delay(None))

    def _enter(self, tr: Transition, error: str) -> None:
        """What entering the new state, or the event that led there, means."""
        event = tr.event
        if tr.new is SetupState.ACTIVE and (tr.old is not SetupState.ACTIVE or tr.new_client != tr.old_client):
            self.sessions.start(tr.new_client or "", self._is_current, self._on_activation_timeout)
            if tr.old is SetupState.SELECTING and not self.sessions.activation_sent:
                # A field client still settling: the page says so instead of going blank until it is told.
                self._interim_shown = True
                self._page_note = Words.of("select_starting", name=self.registry.display_text_of(tr.new_client or ""))
                self._show_page(clients=[])
        elif tr.new is SetupState.SELECTING:
            self._show_page()
        elif tr.new is SetupState.WAITING:
            self.timers.schedule(JOB_CLIENT_WAIT, self.settings.client_wait, self._on_client_wait_over)
        elif tr.new is SetupState.CHECKING:
            session = self.sessions.number
            self.timers.schedule(JOB_VERIFY, self.settings.verify_timeout, lambda: self._on_verify_over(session))
            self._plan_check(0, promised=True)
            if self.use_gui:
                # The client's page has gone with its session: while the check runs, the screen says so.
                self._interim_shown = True
                self._page_note = Words.of("checking_internet")
                self._show_page(clients=[])
            if self._change_round:
                self.port.send(t.INTERNET_CHECK)  # the reporter's word on the new network, too
        elif event is SetupEvent.COMPLETE:
            self._save(rounds_completed=self.saved.rounds_completed + 1,
                       last_round_seconds=round(self.clock() - self._round_started, 1))
            for topic in (t.WIFI_SETUP_COMPLETED, t.SHELL_STATUS_OK):
                if topic in self._round_notices:
                    LOG.debug(f"{topic} was already sent for this round by another participant")
                else:
                    self.port.send_notice(topic)
            self._speak("setup_completed")
            self._broadcast_stop()
        elif event in (SetupEvent.SKIP, SetupEvent.NEVER):
            self._broadcast_stop()
            self.port.send(t.FULLY_OFFLINE_OUT, {"permanent": event is SetupEvent.NEVER})
        elif event is SetupEvent.GIVE_UP:
            self._setup_failed(error)
            if not self._failure_spoken:  # a device without a screen would otherwise say nothing; once is enough
                self._failure_spoken = True
                self._speak("setup_failed")
        elif event is SetupEvent.SHUT_DOWN and tr.old.in_round:
            self._broadcast_stop()

    def _broadcast_stop(self) -> None:
        """stop.setup.event, remembered: every client may answer it with a removal request."""
        self.sessions.stopped()
        self.port.send(t.STOP_SETUP)

    def _setup_failed(self, error: str) -> None:
        """Tell OVOS that setup failed, and why (counted once per round)."""
        # Said at ERROR once per offline period: a device with no usable client fails a round every few minutes.
        (LOG.info if self._failure_spoken else LOG.error)(f"setup failed: {error}")
        changes: Dict[str, Any] = {"last_error": error[:1024], "last_error_at": now_iso()}
        if not self._round_failed:
            self._round_failed = True
            changes["rounds_failed"] = self.saved.rounds_failed + 1
        self._save(**changes)
        self.port.send(t.SETUP_FAILED, {t.K_ERROR: error})

    def _speak(self, dialog: str) -> None:
        """Say a line: not when `speak` is off, not over another participant who just spoke (a client announcing
        the same moment)."""
        if not self.settings.speak:
            return
        if self.clock() - self._foreign_speak_at <= self.settings.notice_window:
            LOG.debug(f"not saying {dialog}: another participant just spoke")
            return
        self.port.speak(dialog)

    def _save(self, **changes: Any) -> None:
        """Keep what the user decided; the store writes only when a value changes, and never raises."""
        self.saved = self.port.save(self.saved, **changes)

    # ------------------------------------------------------------------ timers
    def _is_current(self, client_id: str, session: int) -> bool:
        """True while that session of that client is still on and the manager is not closing."""
        return not self.closed and self.sessions.number == session and self.in_session(client_id)

    def _on_client_wait_over(self) -> None:
        """client_wait ran out while a headless round waited for a client."""
        with self.lock:
            if not self.closed and self.machine.state is SetupState.WAITING:
                self._step(SetupEvent.GIVE_UP, error=f"no client that needs no input registered within "
                                                     f"{duration(self.settings.client_wait)} s")

    def _on_activation_timeout(self, client_id: str, session: int) -> None:
        """activation_timeout ran out: end that session of that client and go on without it."""
        with self.lock:
            if self._is_current(client_id, session):
                self._fall_back(client_id, f"client '{self.registry.name_of(client_id)}' did not finish within "
                                           f"{duration(self.settings.activation_timeout)} s")

    def _on_verify_over(self, session: int) -> None:
        """The internet did not come after the client's session. With a screen, the page comes back with every
        client (one that ended its session as asked has not failed) and says the device joined but found no
        internet; without one, the round goes on without that client."""
        with self.lock:
            client_id = self.machine.active_client
            if self.closed or self.sessions.number != session or self.machine.state is not SetupState.CHECKING \
                    or client_id is None:
                return
            error = f"no internet after client '{self.registry.name_of(client_id)}' ended its session"
            if self.use_gui:
                LOG.warning(f"{error}; the page is shown again")
                self._page_note = Words.of("select_no_internet")
                self._step(SetupEvent.SHOW_PAGE)
            else:
                self._fall_back(client_id, error)

    # ------------------------------------------------------------------ the page
    def _show_page(self, clients: Optional[List[Dict[str, Any]]] = None) -> None:
        """Put the selection page up (a new page number once the last one was released), with its note if any."""
        if not self._page_up:
            self._page_serial += 1
            self._page_up = True
        note, self._page_note = self._page_note, None
        self.port.show_page(self._page_clients() if clients is None else clients, self._page_serial, note)

    def _release_page(self) -> None:
        """Take the selection page off the screen."""
        self._page_up = False
        self.port.release_page()

    def _activated(self, client_id: str) -> None:
        """activate.{id} went out: a "Starting ..." page that waited for it makes way for the client's own."""
        if self._interim_shown:
            self._interim_shown = False
            self._release_page()

    # ------------------------------------------------------------------ helpers
    def in_session(self, client_id: str) -> bool:
        """True while this client holds the setup session (state active with it)."""
        return self.machine.state is SetupState.ACTIVE and self.machine.active_client == client_id

    def _page_clients(self) -> List[Dict[str, Any]]:
        """The records the page offers: every client but those that failed this round."""
        if not self.failed:
            return self.registry.payloads()
        return [p for p in self.registry.payloads() if p[t.K_ID] not in self.failed]

    def _requester_in_session(self, target: Target, request: str,
                              states: Tuple[SetupState, ...]) -> Optional[ClientRecord]:
        """The client in session when the request names it or no one; None, logged, otherwise."""
        if self.machine.state not in states:
            LOG.info(f"{request} ignored: no client is in session")
            return None
        return requester_in_session(self.registry.get(self.machine.active_client or ""), target, request)


def _identity(record: ClientRecord) -> Dict[str, Any]:
    """A client's name and id in every spelling the field reads."""
    return {t.K_CLIENT: record.name, t.K_ID: record.client_id, t.K_ID_LONG: record.client_id}
