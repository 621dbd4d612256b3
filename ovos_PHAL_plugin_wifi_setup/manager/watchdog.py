"""The plugin's own internet checks: when to run one, on which thread, how often; no bus."""
import threading
from typing import Callable, Mapping, Optional, Sequence, Tuple

from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.manager.cancel import Cancel
from ovos_PHAL_plugin_wifi_setup.manager.scheduler import Scheduler
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings

JOB_CHECK = "own_check"

Targets = Sequence[Tuple[str, Optional[str]]]

# How long stop() waits for a check in flight; the probe ends within well under this once cancelled.
STOP_JOIN_TIMEOUT = 2.0


def check_urls(network_tests: Mapping[str, object]) -> Tuple[Tuple[str, Optional[str]], ...]:
    """The (url, expected text) pairs to try, from mycroft.conf's network_tests section."""
    portal_url = network_tests.get("captive_portal_url")
    portal_text = network_tests.get("captive_portal_text")
    pairs = []
    for key in ("web_url", "web_url_secondary"):
        url = network_tests.get(key)
        if isinstance(url, str) and url:
            expect = portal_text if url == portal_url and isinstance(portal_text, str) and portal_text else None
            pairs.append((url, expect))
    return tuple(pairs)


class OwnChecks:
    """Runs the own check on a short-lived thread when planned, and backs off while online.

    Reports from the bus outrank it: an answer is dropped when a report arrived after the check was
    planned, since the report is newer. A promised check (``plan(..., promised=True)``, as after a client's
    session) survives reports and is never dropped for a check still in flight: it runs once that
    one is done, and its answer "online" counts even when a report came meanwhile.
    """

    def __init__(self, settings: Settings, scheduler: Scheduler, targets: Targets, lock: "threading.RLock",
                 on_answer: Callable[[bool, bool], None]):
        self.settings = settings
        self._scheduler = scheduler
        self._targets = tuple(targets)
        self._lock = lock
        self._on_answer = on_answer
        self._cancel = Cancel()
        self._online_interval = settings.check_interval_online
        self._promised = False  # a promised check is owed: the next check to start keeps the promise
        self._running = False   # a check thread is at work (set before it starts, cleared as it ends)
        # A check came due while another was running: run once more after it (with its report count).
        self._again: Optional[int] = None
        self.thread: Optional[threading.Thread] = None
        self.reports = 0

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

    def note_report(self) -> None:
        """A report arrived: it outranks every answer still to come; forget the planned check unless promised."""
        with self._lock:
            if not self.reports_seen:
                LOG.info("connectivity reports arrive on the bus; the plugin's own checks only cross-check them")
            self.reports += 1
            if not self._promised:
                self._scheduler.cancel(JOB_CHECK)

    def plan(self, delay: float, promised: bool = False) -> None:
        """Run a check after delay seconds (replacing one already planned; a promise already made is kept)."""
        if not self.possible:
            return
        with self._lock:
            if self._promised and not promised and self.planned:
                return  # a promised check is already planned: a routine one must not put it off
            self._promised = self._promised or promised
            reports = self.reports
            self._scheduler.schedule(JOB_CHECK, delay, lambda: self._start(reports))

    def next_delay(self, online: bool) -> float:
        """The pause before the next check: doubling while online up to the maximum, short while offline."""
        if online:
            delay = self._online_interval
            self._online_interval = min(delay * 2, self.settings.check_interval_online_max)
            return delay
        self._online_interval = self.settings.check_interval_online
        return self.settings.check_interval_offline

    def check_once(self, reports_when_planned: int, promised: bool = False) -> None:
        """Check the urls within check_timeout in all, and hand a still-current answer to on_answer (under the lock):
        (online, network up)."""
        try:
            from ovos_PHAL_plugin_wifi_setup.manager.probe import Reach, reach  # at the first check, not at start
            found = reach(self._targets, self.settings.check_timeout, self._cancel)
            online = found is Reach.ONLINE
        except Exception:  # the thread boundary
            LOG.exception("own internet check failed")
            return
        if self._cancel.cancelled:
            return
        with self._lock:
            if not (self.reports == reports_when_planned or (promised and online)):
                LOG.debug("own check answer dropped: a connectivity report came after it was planned")
                return
            try:
                self._on_answer(online, found is not Reach.OFFLINE)
            except Exception:  # the thread boundary
                LOG.exception("handling the own check's answer failed")

    def stop(self) -> None:
        """End a check in flight at once (its socket is closed), run no other, and wait for its thread."""
        self._cancel.cancel()
        self._scheduler.cancel(JOB_CHECK)
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=STOP_JOIN_TIMEOUT)

    def _start(self, reports_when_planned: int) -> None:
        """Start the planned check on its own thread, so neither handlers nor timers wait on the network."""
        with self._lock:
            if self._cancel.cancelled:
                return
            if self._running:
                self._again = reports_when_planned  # newer than the running check: run when it is done
                return
            self._running = True
            thread = threading.Thread(target=self._run, args=(reports_when_planned,), name="wifi-setup-check",
                                      daemon=True)
            thread.start()
            self.thread = thread  # published only once started: stop() may join it at any moment

    def _run(self, reports_when_planned: int) -> None:
        """Check, and check again while checks came due during the last one."""
        reports = reports_when_planned
        while True:
            with self._lock:
                if self._cancel.cancelled:
                    self._running = False
                    return
                promised, self._promised = self._promised, False
            self.check_once(reports, promised)
            with self._lock:
                if self._again is None or self._cancel.cancelled:
                    self._running = False
                    return
                reports, self._again = self._again, None
