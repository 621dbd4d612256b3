"""The narrow port the round's core is handed: what it may make happen, and the timers and checks it drives.

The PHAL adapter (plugin.py) implements ``Effects`` with bus messages, the GUI and the state file; the core's
tests implement it with a recorder. Nothing here imports the bus.
"""
from typing import Any, Callable, Dict, List, Optional, Protocol

from ovos_PHAL_plugin_wifi_setup.i18n import Words
from ovos_PHAL_plugin_wifi_setup.manager.state_store import SavedState

Job = Callable[[], None]


class Effects(Protocol):
    """What the core's decisions turn into, each one message, page or write."""

    def send(self, topic: str, data: Optional[Dict[str, Any]] = None) -> None:
        """Send a message of the manager's own."""

    def send_notice(self, topic: str) -> None:
        """Send a notice other participants may send too (marked, so the manager knows its own when it hears it)."""

    def reply(self, request: Any, topic: str, data: Dict[str, Any]) -> None:
        """Answer the request the core was handed (opaque to the core), keeping the requester's context."""

    def speak(self, dialog: str) -> None:
        """Say a catalogue line in the device's language."""

    def show_page(self, clients: List[Dict[str, Any]], serial: int, note: Optional[Words] = None) -> None:
        """Put the selection page on screen, offering these clients; serial numbers the page, note (if any)
        stands where the page's subtitle would."""

    def clear_pages(self) -> None:
        """Remove whatever the GUI still shows of the manager (a previous process may have left a page)."""

    def refresh_page(self, clients: List[Dict[str, Any]]) -> None:
        """Give the page on screen a fresh list of clients."""

    def release_page(self) -> None:
        """Take the selection page off the screen."""

    def save(self, saved: SavedState, **changes: Any) -> SavedState:
        """Keep what the user decided; return the state as kept (it never raises)."""


class Timers(Protocol):
    """Named one-shot timers: at most one pending job per name (the manager's Scheduler)."""

    def schedule(self, name: str, delay: float, job: Job) -> None:
        """Run job after delay seconds, replacing any job pending under the same name."""

    def cancel(self, name: str) -> None:
        """Forget the job pending under this name, if any."""

    def pending(self, name: str) -> bool:
        """True when a job is pending under this name."""


class Checks(Protocol):
    """The manager's own internet checks (watchdog.OwnChecks): the core only plans them and reads their counts."""

    @property
    def planned(self) -> bool:
        """True while a check waits for its time."""

    @property
    def reports_seen(self) -> bool:
        """True once any connectivity report arrived on the bus."""

    def note_report(self) -> None:
        """A report arrived: it outranks every answer still to come."""

    def plan(self, delay: float, promised: bool = False) -> None:
        """Run a check after delay seconds."""

    def next_delay(self, online: bool) -> float:
        """The pause before the next check."""
