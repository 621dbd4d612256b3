"""The demo's observer: one bus connection that records every message, prints the setup ones as the timeline
(every secret-like field masked), and waits for the message each step expects."""
import threading
import time
from typing import Any, Callable, Dict, List, Optional, TextIO, Tuple

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.readable import duration, mask_secrets
from ovos_PHAL_plugin_wifi_setup.tools.console import format_line, is_setup_topic
from ovos_PHAL_plugin_wifi_setup.tools.demo.scene import NM_PREFIX, STEP_TIMEOUT, StepMissed

# GUI messages worth a timeline line: what the selection screen would do.
GUI_TOPICS = frozenset({"gui.value.set", "gui.page.show", "gui.page.delete", "gui.clear.namespace",
                        "gui.page.delete.all"})
# A timeline line: the topic column, then at most this many characters of payload, cut between fields.
TOPIC_WIDTH = 44


def timeline_line(stamp: str, msg_type: str, data: Dict[str, Any]) -> str:
    """One bus line of the timeline: time stamp, topic, and the payload's fields that fit."""
    return format_line(stamp, msg_type, data, TOPIC_WIDTH)


class Timeline:
    """An observer on its own bus connection: records every message, prints the setup ones."""

    def __init__(self, bus: Any, out: TextIO, start: float) -> None:
        """Listen to every raw message of the bus."""
        from ovos_bus_client.message import Message
        self._message_cls = Message
        self.bus = bus
        self.out = out
        self.start = start
        self.lines = 0
        self._cond = threading.Condition()
        self._seen: List[Any] = []
        self._arrived: List[float] = []
        self._screen_step: Optional[str] = None  # the step of the on-screen method's page last shown
        bus.on("message", self._record)

    def stamp(self) -> str:
        """Seconds since the demo began."""
        return f"+{time.monotonic() - self.start:.2f}s"

    def say(self, text: str) -> None:
        """Print a narration line in the timeline."""
        with self._cond:
            print(f"{self.stamp():>9}  >> {text}", file=self.out, flush=True)

    def heading(self, text: str) -> None:
        """Print a round heading."""
        with self._cond:
            print(f"\n== {text} ==", file=self.out, flush=True)

    def _record(self, raw: str) -> None:
        """Keep one message, and print it when it belongs to setup."""
        try:
            message = self._message_cls.deserialize(raw)
        except (ValueError, TypeError, KeyError):
            return
        with self._cond:
            self._seen.append(message)
            self._arrived.append(time.monotonic())
            self._cond.notify_all()
            shown = self._shown(message)
            if shown is not None:
                self.lines += 1
                print(timeline_line(self.stamp(), message.msg_type, shown), file=self.out, flush=True)

    def _shown(self, message: Any) -> Optional[Dict[str, Any]]:
        """The payload a message is shown with (every secret-like field masked before anything is made of it), or
        None when it gets no line: setup topics, network-manager's topics, our plugin's GUI messages (without the
        page's translated texts), and the on-screen method's page."""
        data = mask_secrets(message.data) if isinstance(message.data, dict) else {}
        if message.msg_type == NM_PREFIX + "scan.complete":
            return {**data, "networks": [_entry_text(entry) for entry in as_list(data.get("networks"))]}
        if is_setup_topic(message.msg_type) or message.msg_type.startswith(NM_PREFIX):
            return dict(data)
        if message.msg_type not in GUI_TOPICS:
            return None
        if data.get("__from") == topics.PLUGIN_ID:
            return {key: value for key, value in data.items() if key != topics.SESSION_TEXTS}
        if data.get("__from") == topics.SCREEN_CLIENT_NAME:
            return self._screen_page(message.msg_type, data)
        return None

    def _screen_page(self, msg_type: str, data: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The on-screen method's page: shown when it appears, goes, or moves to another step (its session data
        arrives one key at a time, each time whole: the step is the last key it sets)."""
        if msg_type != "gui.value.set":
            if msg_type != "gui.page.show":
                self._screen_step = None  # the page went (cleared or deleted): the next one starts afresh
            return dict(data)
        step = data.get("step")
        if step == self._screen_step:
            return None
        self._screen_step = step
        networks = [_network_text(entry) for entry in as_list(data.get("networks_model"))]
        return {"step": step, "selected_ssid": data.get("selected_ssid", ""), "networks_model": networks,
                "error": data.get("error", "")}

    def mark(self) -> int:
        """A position in the record; later waits look only after it."""
        with self._cond:
            return len(self._seen)

    def arrived(self, position: int) -> float:
        """When (time.monotonic) the message before position reached the observer."""
        with self._cond:
            return self._arrived[position - 1]

    def since(self, position: int) -> List[Any]:
        """The messages recorded after position."""
        with self._cond:
            return list(self._seen[position:])

    def seen_since(self, topic: str, since: int) -> bool:
        """True when a message of topic passed after position since."""
        with self._cond:
            return any(m.msg_type == topic for m in self._seen[since:])

    def emit(self, topic: str, data: Optional[Dict[str, Any]] = None) -> None:
        """Send a message as one of the other OVOS parts would."""
        self.bus.emit(self._message_cls(topic, data or {}))

    def expect(self, what: str, topic: str, since: int, timeout: float = STEP_TIMEOUT,
               where: Optional[Callable[[Any], bool]] = None) -> Tuple[Any, int]:
        """Wait for a message after `since`; return it and the position after it, or raise StepMissed."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for index in range(since, len(self._seen)):
                    message = self._seen[index]
                    if message.msg_type == topic and (where is None or where(message)):
                        return message, index + 1
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StepMissed(f"{what}: no {topic} within {duration(timeout)} s")
                self._cond.wait(remaining)


def as_list(value: Any) -> List[Any]:
    """value when it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def _entry_text(entry: Any) -> str:
    """One scan entry as nmcli's terse line gives it: SSID:SECURITY (either may be empty)."""
    if not isinstance(entry, dict):
        return "?"
    return f"{entry.get('ssid', '')}:{entry.get('security', '')}"


def _network_text(entry: Any) -> str:
    """One network as the page lists it: its name, then nmcli's words for its security (or "Open")."""
    if not isinstance(entry, dict):
        return "?"
    mark = (entry.get("security") or "Secured") if entry.get("secured") else "Open"
    return f"{entry.get('ssid')} ({mark})"
