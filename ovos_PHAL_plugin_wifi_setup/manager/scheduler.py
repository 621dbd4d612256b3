"""Named one-shot timers, run by one thread that waits on an Event; no bus, no I/O."""
import threading
import time
from threading import Event, Lock
from typing import Callable, Dict, List, Optional, Tuple

from ovos_PHAL_plugin_wifi_setup.log import LOG

Job = Callable[[], None]
# The longest single wait: threading refuses waits past TIMEOUT_MAX (OverflowError); a job due later is reached
# by waiting again.
MAX_WAIT = min(threading.TIMEOUT_MAX, 24 * 3600.0)


class Scheduler:
    """Holds at most one pending job per name; run() calls each when it is due."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = Lock()
        self._jobs: Dict[str, Tuple[float, Job]] = {}
        self._wake = Event()
        self._stopping = Event()

    def schedule(self, name: str, delay: float, job: Job) -> None:
        """Run job after delay seconds, replacing any job pending under the same name."""
        with self._lock:
            self._jobs[name] = (self._clock() + max(0.0, delay), job)
        self._wake.set()

    def cancel(self, name: str) -> None:
        """Forget the job pending under this name, if any."""
        with self._lock:
            self._jobs.pop(name, None)

    def pending(self, name: str) -> bool:
        """True when a job is pending under this name."""
        with self._lock:
            return name in self._jobs

    def stop(self) -> None:
        """Make run() return promptly, whatever it was waiting for."""
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        """Call due jobs until stop(); a job that raises is logged and the loop goes on."""
        while not self._stopping.is_set():
            self._wake.wait(self._next_delay())
            self._wake.clear()
            self.run_due()

    def run_due(self) -> None:
        """Call the jobs that are due now, earliest first; whatever one raises is logged, never raised."""
        for name, job in self._pop_due():
            if self._stopping.is_set():
                return
            try:
                job()
            except Exception:  # the thread boundary: no job's failure may end the timer thread
                LOG.exception(f"scheduled job '{name}' failed")

    def _next_delay(self) -> Optional[float]:
        """Seconds until the earliest job is due (never more than a wait can take), or None to wait for a wake-up."""
        with self._lock:
            if not self._jobs:
                return None
            return min(MAX_WAIT, max(0.0, min(due for due, _ in self._jobs.values()) - self._clock()))

    def _pop_due(self) -> List[Tuple[str, Job]]:
        """Remove and return the jobs that are due, earliest first."""
        now = self._clock()
        with self._lock:
            due = sorted((when, name) for name, (when, _) in self._jobs.items() if when <= now)
            return [(name, self._jobs.pop(name)[1]) for _, name in due]
