"""What the command line and the demo share: the bounded bus connection and its waits, one line per bus message,
and the exit codes and one-line errors of the commands."""
import json
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.readable import duration, mask_secrets

EXIT_OK = 0
EXIT_FAILED = 1  # the bus answered, the plugin did not, or it refused the request
EXIT_NO_BUS = 2  # also the code of a usage error
EXIT_USAGE = EXIT_NO_BUS
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports a command that SIGINT ended

# How long each step of the demo may take unless --timeout says otherwise; here for `demo --help` too, which
# must not import the demo.
DEMO_STEP_TIMEOUT = 15.0  # generous: a step on a loaded 2-core machine takes well under a second
# The ports a messagebus address may name.
PORTS = range(1, 65536)

# What `watch` shows besides the plugin's own namespace.
GENERIC_TOPICS = frozenset({
    topics.INTERNET_CONNECTED, topics.INTERNET_DISCONNECTED, topics.INTERNET_STATE,
    topics.NETWORK_STATE, topics.WIFI_SETUP_COMPLETED, topics.SHELL_STATUS_OK,
    topics.NOTIFY_NO_INTERNET, topics.NTP_SYNC,
})

# The long spellings repeat the short ones on every outbound record: one is enough to read.
_HIDDEN_KEYS = frozenset({
    topics.K_TYPE_LONG, topics.K_DISPLAY_TEXT_LONG, topics.K_HAS_GUI_LONG,
    topics.K_REQUIRES_INPUT_LONG, topics.K_REQ_CLIENT, topics.K_REQ_ID,
})

# Long free text is shown after the short fields, so a cut drops it first.
FREE_TEXT_KEYS = frozenset({topics.K_DISPLAY_TEXT, topics.K_ERROR})
# At most this many characters of payload on a line, cut between whole fields.
PAYLOAD_WIDTH = 100


class BusUnavailable(Exception):
    """No messagebus answered at the given address within the time allowed."""


def is_setup_topic(msg_type: str) -> bool:
    """Tell whether a message belongs to network setup (what `watch` shows)."""
    return msg_type.startswith(topics.NAMESPACE + ".") or msg_type in GENERIC_TOPICS


def short_id(value: Any) -> Any:
    """Shorten a uuid to its first block; anything else is returned as is."""
    if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
        return value[:8]
    return value


def short_topic(msg_type: str) -> str:
    """Shorten uuids inside a topic (activate.{id}) for a readable line."""
    head, _, tail = msg_type.rpartition(".")
    return f"{head}.{short_id(tail)}" if head and short_id(tail) != tail else msg_type


def payload_fields(data: Dict[str, Any]) -> List[str]:
    """A payload as whole `key=value` fields, one spelling per field; free text (quoted) goes last."""
    fields: List[str] = []
    free_text: List[str] = []
    for key, value in data.items():
        if key in _HIDDEN_KEYS or key.startswith("__") or (
                key == topics.K_ID_LONG and data.get(topics.K_ID) == value):
            continue
        if isinstance(value, list):
            names = [v.get(topics.K_CLIENT, "?") if isinstance(v, dict) else str(v) for v in value]
            text = "[" + ", ".join(names) + "]"
        elif isinstance(value, dict):
            text = str(value.get(topics.K_CLIENT) or "{...}")
        elif isinstance(value, str) and (" " in value or not value):
            text = json.dumps(value, ensure_ascii=False)
        else:
            text = str(short_id(value))
        (free_text if key in FREE_TEXT_KEYS else fields).append(f"{key}={text}")
    return fields + free_text


def _left_out(fields: List[str]) -> str:
    """The note that names the fields a line leaves out."""
    return "(+" + ", ".join(field.split("=", 1)[0] for field in fields) + ")"


def _cut_words(text: str, limit: int) -> str:
    """Cut text to at most limit characters after a whole word (or after `=`), and mark the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[:max(limit - 2, 0)]
    if text[len(head)] not in " \"":
        # The head ends inside a word: go back to the last space, or to just after the key.
        head = head[:max(head.rfind(" "), head.find("=") + 1)]
    return head.rstrip() + " …"


def fit_fields(fields: List[str], width: int = PAYLOAD_WIDTH) -> str:
    """Join whole fields up to width, as many as fit; the fields left out are named (or, short of room, an
    ellipsis stands for them). A field is cut in the middle only when not even the first one fits."""
    text = " ".join(fields)
    if len(text) <= width:
        return text
    for keep in range(len(fields) - 1, 0, -1):
        for marker in (_left_out(fields[keep:]), "…"):
            text = " ".join(fields[:keep] + [marker])
            if len(text) <= width:
                return text
    return _cut_words(fields[0], width)


def format_line(stamp: str, msg_type: str, data: Dict[str, Any], topic_width: int = 52) -> str:
    """One line of a timeline: a time stamp, the topic, and the payload's whole fields that fit, every secret-like
    field masked."""
    fields = fit_fields(payload_fields(mask_secrets(data)))
    return f"{stamp:>9}  {short_topic(msg_type):<{topic_width}} {fields}".rstrip()


class _Bus:
    """A MessageBusClient whose first connection is bounded and whose close is final."""

    def __init__(self, host: Optional[str], port: Optional[int], emitter: Any = None) -> None:
        """Build (but do not start) the client for host/port or mycroft.conf; emitter as MessageBusClient's."""
        # Imported here: the bus client reads configuration on import paths we
        # want to run only after the demo has pointed XDG at its own tree.
        from ovos_bus_client.client import MessageBusClient

        outer = self

        class BoundedClient(MessageBusClient):
            """Fail fast before the first connection, stop retrying after close."""

            def on_error(self, *args: Any) -> None:
                """Record the first error instead of the stock sleep-and-retry loop."""
                outer.error = args[-1]
                if outer.closing or not outer.ever_connected:
                    outer.failed.set()
                    return
                super().on_error(*args)

            def on_open(self, *args: Any) -> None:
                """Remember that the connection came up once."""
                outer.ever_connected = True
                super().on_open(*args)

            def emit(self, message: Any) -> None:
                """Send, or raise at once when the connection is gone (never hang)."""
                if not self.connected_event.is_set():
                    raise BusUnavailable(f"lost the connection to {self.client.url}")
                super().emit(message)

        self.error: Any = None
        self.closing = False
        self.ever_connected = False
        self.failed = threading.Event()
        self.client = BoundedClient(host=host, port=port, emitter=emitter)
        self.url = self.client.client.url
        # The bus client checks no port (the command line has checked --port): its thread would die on one out of
        # range from mycroft.conf, with a traceback.
        if not _is_port(self.client.config.port):
            raise ValueError(f"the websocket port {self.client.config.port!r} in mycroft.conf is not 1 to 65535")

    def connect(self, timeout: float) -> Any:
        """Start the client thread and wait at most `timeout` for the connection."""
        self.client.run_in_thread()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.client.connected_event.wait(0.05):
                return self.client
            if self.failed.is_set():
                break
        reason = _reason(self.error) if self.error is not None else f"no answer within {duration(timeout)} s"
        self.close()
        raise BusUnavailable(f"no messagebus at {self.url} ({reason})")

    def close(self) -> None:
        """Close for good: no reconnect loop is left behind."""
        self.closing = True
        self.client.close()
        shutdown = getattr(self.client.emitter, "shutdown", None)
        if callable(shutdown):
            shutdown(wait=False)


def _is_port(value: Any) -> bool:
    """Tell whether value is a TCP port number (an int, or a string of digits as a config file may hold one)."""
    try:
        return int(value) in PORTS
    except (TypeError, ValueError):
        return False


def _reason(error: Any) -> str:
    """A short human reason for a connection error."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    text = str(error) or type(error).__name__
    # websocket-client appends headers and body after " -+-+- " separators
    return text.split(" -+-+- ")[0].splitlines()[0]


def connect(host: Optional[str], port: Optional[int], timeout: float,
            emitter: Any = None) -> Tuple[Any, Callable[[], None]]:
    """Connect to the bus within `timeout`; return the client and its closer, or raise BusUnavailable."""
    bus = _Bus(host, port, emitter)
    client = bus.connect(timeout)
    return client, bus.close


def request(bus: Any, message: Any, reply_type: str, timeout: float) -> Optional[Dict[str, Any]]:
    """Send a request and return the reply's payload, or None when nothing answered in time."""
    reply = bus.wait_for_response(message, reply_type=reply_type, timeout=timeout)
    return None if reply is None else dict(reply.data)


class Outcome:
    """Waits for the first of several topics after a request (the request's one outcome)."""

    def __init__(self, bus: Any, topic_list: Sequence[str], client_id: Optional[str] = None) -> None:
        """Subscribe before the request is sent so that no reply can slip by.

        With client_id, an answer whose payload names another client's id is someone else's and is passed by.
        """
        self.bus = bus
        self.topics = list(topic_list)
        self.client_id = client_id
        self.event = threading.Event()
        self.message: Any = None
        for topic in self.topics:
            bus.on(topic, self._seen)

    def _seen(self, message: Any) -> None:
        """Keep the first outcome only."""
        named = message.data.get(topics.K_ID) if isinstance(message.data, dict) else None
        if self.client_id is not None and named and named != self.client_id:
            return
        if not self.event.is_set():
            self.message = message
            self.event.set()

    def wait(self, timeout: float) -> Any:
        """Return the outcome message or None, and unsubscribe."""
        self.event.wait(timeout)
        for topic in self.topics:
            self.bus.remove(topic, self._seen)
        return self.message


def printable(text: str) -> str:
    """A network name as it may be put on a terminal: control characters (a name comes off the air) escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def fail(text: str) -> int:
    """Print a one-line error and return the failure exit code."""
    print(f"ovos-wifi-setup: {text}", file=sys.stderr)
    return EXIT_FAILED


def usage_fail(text: str) -> int:
    """Print a one-line error about what the user gave and return the usage exit code."""
    print(f"ovos-wifi-setup: {text}", file=sys.stderr)
    return EXIT_USAGE
