"""The core's policy about connectivity, without a bus: what a report or an own check changes, when the
watchdog launches a round, when the no-internet notice goes out, and when the next own check runs.

``SetupCore`` is built on ``Connectivity``; the attributes declared below are the core's, set in its constructor.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.readable import duration
from ovos_PHAL_plugin_wifi_setup.manager.machine import SetupEvent, SetupMachine, SetupState
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings
from ovos_PHAL_plugin_wifi_setup.manager.state_store import now_iso

if TYPE_CHECKING:  # the port is a set of Protocols: annotations only, nothing imported at start
    from ovos_PHAL_plugin_wifi_setup.manager.port import Checks, Effects, Timers

JOB_LAUNCH = "watchdog_launch"
JOB_NOTICE = "no_internet_notice"
JOB_ASK_REPORTER = "ask_reporter"


class Connectivity:
    """Internet and network state, the watchdog's launch and the own checks' plan (the core's first half)."""

    settings: Settings
    port: Effects
    timers: Timers
    checks: Optional[Checks]
    machine: SetupMachine
    clock: Callable[[], float]
    closed: bool
    internet: Optional[bool]
    network: Optional[bool]
    gui_connected: Optional[bool]
    _last_online_seen: Optional[str]
    _backoff_until: float
    _started_at: float
    _launch_due_at: Optional[float]
    _foreign_no_internet_at: float
    _change_round: bool
    _failure_spoken: bool

    @property
    def watchdog_active(self) -> bool:
        """True when the manager may launch setup on its own (the core's)."""
        raise NotImplementedError

    @property
    def first_boot(self) -> bool:
        """True until the device has been online once (the core's)."""
        raise NotImplementedError

    def is_ready(self) -> bool:
        """mycroft.internet.is_ready's answer: online (and no client in session), or the user chose offline."""
        with self.lock:
            state = self.machine.state
            return state.declined or (self.internet is True and state is not SetupState.ACTIVE)

    def _connectivity(self) -> str:
        """online, network (a network without the internet: a captive portal, say), offline or unknown."""
        if self.internet is True:
            return "online"
        if self.internet is None:
            return "unknown"
        return "network" if self.network else "offline"

    def launch(self, reason: str) -> bool:
        """Open a setup round (the core's)."""
        raise NotImplementedError

    def _step(self, event: SetupEvent, client_id: Optional[str] = None, error: str = "") -> Any:
        """Fire one edge (the core's)."""
        raise NotImplementedError

    def _save(self, **changes: Any) -> None:
        """Keep what the user decided (the core's)."""
        raise NotImplementedError

    def _set_internet(self, online: bool, network: Optional[bool] = None) -> None:
        """Record the connectivity; coming online completes an open round, going offline wakes the watchdog."""
        previous, self.internet = self.internet, online
        if online or network is not None:
            self.network = True if online else network
        if online:
            self._last_online_seen = now_iso()
            if previous is not True:
                LOG.info("internet is up")
                self._save(last_online_at=self._last_online_seen)
            self.timers.cancel(JOB_LAUNCH)
            self.timers.cancel(JOB_NOTICE)
            self._save(first_boot=False)
            self._failure_spoken = False
            # A round opened while online changes the network: only the check after a client's session ends it.
            if self.machine.state.in_round and (not self._change_round or self.machine.state is SetupState.CHECKING):
                self._step(SetupEvent.COMPLETE)
        elif previous is not False:
            LOG.info("internet is down")
            if self._last_online_seen is not None:
                self._save(last_online_at=self._last_online_seen)
            self._notify_no_internet()
            self._plan_launch(self.settings.grace_first_boot if self.first_boot else self.settings.grace)

    def _notify_no_internet(self) -> None:
        """enclosure.notify.no_internet once per change to offline: not when another sender says it already."""
        window = self.settings.notice_window
        if self.clock() - self._foreign_no_internet_at <= window:
            LOG.debug("no_internet already announced by another participant")
        elif window <= 0:
            self.port.send_notice(t.NOTIFY_NO_INTERNET)
        else:
            # The reporter may announce it right after its report: wait a moment for it.
            self.timers.schedule(JOB_NOTICE, window, self._on_notice_due)

    def _on_notice_due(self) -> None:
        """Nobody else announced the change to offline: the manager does."""
        with self.lock:
            if not self.closed and self.internet is False:
                self.port.send_notice(t.NOTIFY_NO_INTERNET)

    def _gui_wait_left(self) -> float:
        """Seconds the first automatic launch still waits for a screen to connect (gui "auto" only)."""
        if self.settings.gui != "auto" or self.gui_connected is True:
            return 0.0
        return max(0.0, self._started_at + self.settings.gui_wait - self.clock())

    def _plan_launch(self, delay: float) -> None:
        """Launch setup after delay seconds if the device is still offline and nothing stops the watchdog."""
        if self.internet is not False or not self.watchdog_active or self.machine.state is not SetupState.IDLE:
            return
        now = self.clock()
        self._launch_due_at = now + max(delay, self._backoff_until - now)
        wait = max(self._launch_due_at - now, self._gui_wait_left())
        if wait > self._launch_due_at - now:
            LOG.info(f"offline: setup launches in {duration(wait)} s unless the internet comes back "
                     "(or sooner, when a screen connects)")
        else:
            LOG.info(f"offline: setup launches in {duration(wait)} s unless the internet comes back")
        self.timers.schedule(JOB_LAUNCH, wait, self._on_launch_due)

    def _on_launch_due(self) -> None:
        """The grace period or back-off ran out: launch if still offline and idle."""
        with self.lock:
            if not self.closed and self.internet is False and self.watchdog_active \
                    and self.machine.state is SetupState.IDLE:
                self.launch(reason="the device is offline")

    def _wants_checks(self) -> bool:
        """Own checks run where the watchdog or a round needs to know the connectivity."""
        return self.watchdog_active or self.machine.state.in_round

    def _check_delay(self, online: Optional[bool]) -> float:
        """The pause before the next own check: the cross-check interval once a reporter is known."""
        if self.checks is not None and self.checks.reports_seen:
            return self.settings.check_interval_online_max
        if online is None or self.checks is None:
            return self.settings.check_interval_offline
        return self.checks.next_delay(online)

    def _plan_check(self, delay: float, promised: bool = False) -> None:
        """Schedule the next own check (promised: even where reports arrive, as after a client's session)."""
        if self.checks is not None and (promised or self._wants_checks()):
            self.checks.plan(delay, promised=promised)

    def _on_ask_reporter_due(self) -> None:
        """reporter_ask_after after start: ask the connectivity plugin, unless it has reported by itself.

        connectivity-events 0.1.3 checks at its own start; a question that reaches it while that check runs
        makes it find the same change twice and announce the change to offline twice.
        """
        with self.lock:
            if not self.closed and not (self.checks and self.checks.reports_seen) and self._wants_checks():
                self.port.send(t.INTERNET_CHECK)
