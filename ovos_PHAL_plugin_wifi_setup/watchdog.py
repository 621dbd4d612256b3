"""The plugin's own internet checks: when to run one, on which thread, how often; no bus."""
import threading
from typing import Callable, Optional, Sequence, Tuple

from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.probe import Cancel, internet_reachable
from ovos_PHAL_plugin_wifi_setup.scheduler import Scheduler
from ovos_PHAL_plugin_wifi_setup.settings import Settings

JOB_CHECK = "own_check"

Targets = Sequence[Tuple[str, Optional[str]]]


class OwnChecks:
    """Runs the own check on a short-lived thread when planned, and backs off while online.

    Reports from the bus outrank it: once one arrives the plugin stops planning checks, and an answer
    to a check planned before the latest report is dropped, since the report is newer.
    """

    def __init__(self, settings: Settings, scheduler: Scheduler, targets: Targets, lock: "threading.RLock",
                 on_answer: Callable[[bool], None]):
        self._settings = settings
        self._scheduler = scheduler
        self._targets = tuple(targets)
        self._lock = lock
        self._on_answer = on_answer
        self._cancel = Cancel()
        self._online_interval = settings.check_interval_online
        self.thread: Optional[threading.Thread] = None
        self.reports = 0
        self.checks_made = 0

    @property
    def possible(self) -> bool:
        """False when network_tests names no url to check."""
        return bool(self._targets)

    @property
    def planned(self) -> bool:
        """True while a check waits for its time."""
        return self._scheduler.pending(JOB_CHECK)

    @property
    def reports_seen(self) -> bool:
        """True once any connectivity report arrived on the bus."""
        return self.reports > 0

    def note_report(self, keep_planned: bool = False) -> None:
        """A report arrived: it outranks every answer still to come; forget the planned check unless kept."""
        if not self.reports_seen:
            LOG.info("connectivity reports arrive on the bus; the plugin's own checks stop")
        self.reports += 1
        if not keep_planned:
            self._scheduler.cancel(JOB_CHECK)

    def plan(self, delay: float) -> None:
        """Run a check after delay seconds (replacing one already planned)."""
        if self.possible:
            reports = self.reports
            self._scheduler.schedule(JOB_CHECK, delay, lambda: self._start(reports))

    def next_delay(self, online: bool) -> float:
        """The pause before the next check: doubling while online up to the maximum, short while offline."""
        if online:
            delay = self._online_interval
            self._online_interval = min(delay * 2, self._settings.check_interval_online_max)
            return delay
        self._online_interval = self._settings.check_interval_online
        return self._settings.check_interval_offline

    def check_once(self, reports_when_planned: int) -> None:
        """Check the urls, each within check_timeout, and hand a still-current answer to on_answer (under the lock)."""
        self.checks_made += 1
        try:
            online = internet_reachable(self._targets, self._settings.check_timeout, self._cancel)
        except Exception:  # the thread boundary
            LOG.exception("own internet check failed")
            return
        if self._cancel.cancelled:
            return
        with self._lock:
            if self.reports == reports_when_planned:
                self._on_answer(online)

    def stop(self) -> None:
        """End a check in flight at once (its socket is closed) and run no other."""
        self._cancel.cancel()
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=0.5)

    def _start(self, reports_when_planned: int) -> None:
        """Start the planned check on its own thread, so neither handlers nor timers wait on the network."""
        if self._cancel.cancelled or self.reports != reports_when_planned:
            return  # stopping, or a report came after this check was planned
        if self.thread is not None and self.thread.is_alive():
            return
        thread = threading.Thread(target=self.check_once, args=(reports_when_planned,),
                                  name="wifi-setup-check", daemon=True)
        thread.start()
        self.thread = thread  # published only once started: stop() may join it at any moment
