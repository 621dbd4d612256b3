"""The `ovos-wifi-setup` command: see and steer network setup from a terminal."""
import argparse
import getpass
import json
import math
import sys
import threading
import time
from typing import Any, Callable, Dict, List, NoReturn, Optional, Sequence, TextIO, Tuple

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.methods.networks import (NM_PASSWORD_REQUIRED, Attempt, ConnectAttempts, Network,
                                                  check_password, check_ssid, failure_words, shape_networks,
                                                  timeout_words)

DEFAULT_TIMEOUT = 5.0
# Without --timeout, network-manager gets longer than our plugin: its scan runs nmcli (a rescan, then the
# list) before it answers, and its connect answers only once nmcli has joined or given up.
SCAN_TIMEOUT = 15.0
CONNECT_TIMEOUT = 60.0
NM_NAME = "ovos-PHAL-plugin-network-manager"
STDIN_OPTION = "--password-stdin"
# The most of a line read from stdin for a password: a passphrase is at most 63 characters.
PASSWORD_LINE_LIMIT = 1024

EXIT_OK = 0
EXIT_FAILED = 1  # the bus answered, the plugin did not, or it refused the request
EXIT_NO_BUS = 2  # also the code of a usage error
EXIT_USAGE = EXIT_NO_BUS

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
    """One line of a timeline: a time stamp, the topic, and the payload's whole fields that fit."""
    return f"{stamp:>9}  {short_topic(msg_type):<{topic_width}} {fit_fields(payload_fields(data))}".rstrip()


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

    def connect(self, timeout: float) -> Any:
        """Start the client thread and wait at most `timeout` for the connection."""
        self.client.run_in_thread()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.client.connected_event.wait(0.05):
                return self.client
            if self.failed.is_set():
                break
        reason = _reason(self.error) if self.error is not None else f"no answer within {timeout:g} s"
        self.close()
        raise BusUnavailable(f"no messagebus at {self.url} ({reason})")

    def close(self) -> None:
        """Close for good: no reconnect loop is left behind."""
        self.closing = True
        self.client.close()
        shutdown = getattr(self.client.emitter, "shutdown", None)
        if callable(shutdown):
            shutdown(wait=False)


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


def _no_plugin(timeout: float) -> str:
    """The message for a bus without a wifi-setup plugin on it."""
    return (f"no answer from the wifi-setup plugin within {timeout:g} s "
            "(is ovos-PHAL running with ovos-PHAL-plugin-wifi-setup?)")


def _yes_no(value: Any) -> str:
    """Render a tri-state flag for people."""
    return "unknown" if value is None else ("yes" if value else "no")


def _client_line(record: Dict[str, Any], width: int, active_id: Optional[str] = None) -> str:
    """One client as a table row, its name padded to width."""
    needs = "needs input" if record.get(topics.K_REQUIRES_INPUT) else "no input"
    gui = "gui" if record.get(topics.K_HAS_GUI) else "no gui"
    marker = "*" if active_id and record.get(topics.K_ID) == active_id else " "
    return (f" {marker} {record.get(topics.K_CLIENT, '?'):<{width}}  {record.get(topics.K_TYPE, '?'):<9} "
            f"{needs:<12} {gui:<7} {short_id(record.get(topics.K_ID, '')):<9} "
            f"\"{record.get(topics.K_DISPLAY_TEXT, '')}\"")


def print_clients(records: List[Dict[str, Any]], out: TextIO, active_id: Optional[str] = None) -> None:
    """Print the registered clients as a small table; `*` marks the active one."""
    if not records:
        print("no network clients registered", file=out)
        return
    width = max(len("CLIENT"), *(len(str(r.get(topics.K_CLIENT, "?"))) for r in records))
    print(f"   {'CLIENT':<{width}}  {'TYPE':<9} {'INPUT':<12} {'GUI':<7} {'ID':<9} SHOWN AS", file=out)
    for record in records:
        print(_client_line(record, width, active_id), file=out)


def print_status(data: Dict[str, Any], url: str, out: TextIO) -> None:
    """Print a status reply for people."""
    active = data.get("active_client")
    active_id = active.get(topics.K_ID) if isinstance(active, dict) else None
    watchdog = data.get("watchdog_active")
    rows = [
        ("bus", url),
        ("state", str(data.get("state", "?"))),
        ("in setup", _yes_no(data.get("in_setup"))),
        ("watchdog", "unknown" if watchdog is None else ("on" if watchdog else "off")),
        ("internet", _yes_no(data.get("internet"))),
        ("connectivity", str(data.get("connectivity", "unknown"))),
        ("first boot", _yes_no(data.get("first_boot"))),
        ("language", str(data.get("lang", "?"))),
        ("active client", active.get(topics.K_CLIENT, "?") if isinstance(active, dict) else "none"),
        ("rounds", f"{data.get('rounds_started', 0)} started, {data.get('rounds_completed', 0)} completed, "
                   f"{data.get('rounds_failed', 0)} failed"),
        ("last round", "none completed" if data.get("last_round_seconds") is None
         else f"{data['last_round_seconds']:g} s"),
        ("last online", str(data.get("last_online_at") or "never")),
        ("last error", "none" if not data.get("last_error")
         else printable(f"{data['last_error']} ({data.get('last_error_at') or '?'})")),
        ("protocol", str(data.get("protocol", "?"))),
    ]
    for label, value in rows:
        print(f"{label + ':':<15}{value}", file=out)
    clients = data.get("clients") or []
    print(f"clients ({len(clients)}):", file=out)
    print_clients(clients, out, active_id)


def cmd_status(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """Show the plugin's state, active client and registered clients."""
    from ovos_bus_client.message import Message
    data = request(bus, Message(topics.STATUS), topics.STATUS_RESPONSE, args.timeout)
    if data is None:
        return _fail(_no_plugin(args.timeout))
    if args.json:
        print(json.dumps(data, indent=2, sort_keys=True), file=out)
    else:
        print_status(data, url, out)
    return EXIT_OK


def fetch_clients(bus: Any, timeout: float) -> Optional[List[Dict[str, Any]]]:
    """Ask the plugin for its registered clients; None when it does not answer."""
    from ovos_bus_client.message import Message
    data = request(bus, Message(topics.GET_REGISTERED_CLIENTS), topics.REGISTERED_CLIENTS, timeout)
    return None if data is None else list(data.get("clients") or [])


def cmd_clients(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """List the registered network clients."""
    records = fetch_clients(bus, args.timeout)
    if records is None:
        return _fail(_no_plugin(args.timeout))
    if args.json:
        print(json.dumps(records, indent=2, sort_keys=True), file=out)
    else:
        print_clients(records, out)
    return EXIT_OK


def cmd_launch(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """Ask for network setup now, as the shell's wireless button does."""
    from ovos_bus_client.message import Message
    status = request(bus, Message(topics.STATUS), topics.STATUS_RESPONSE, args.timeout)
    if status is None:
        return _fail(_no_plugin(args.timeout))
    if status.get("in_setup"):
        bus.emit(Message(topics.USER_ACTIVATED))
        print(f"setup already running (state: {status.get('state', '?')}); asked again", file=out)
        return EXIT_OK
    outcome = Outcome(bus, [topics.SETUP_LAUNCHED, topics.SETUP_FAILED])
    bus.emit(Message(topics.USER_ACTIVATED))
    message = outcome.wait(args.timeout)
    if message is None:
        return _fail(f"sent user.activated; the plugin did not launch setup within {args.timeout:g} s")
    if message.msg_type == topics.SETUP_FAILED:
        return _fail(f"setup failed: {message.data.get(topics.K_ERROR, 'no reason given')}")
    print("setup launched", file=out)
    return EXIT_OK


def _find_client(records: List[Dict[str, Any]], name: str) -> Optional[Dict[str, Any]]:
    """Find a client by name, then by id or id prefix, then by its shown text."""
    for record in records:
        if record.get(topics.K_CLIENT) == name:
            return record
    for record in records:
        if str(record.get(topics.K_ID, "")).startswith(name):
            return record
    for record in records:
        if str(record.get(topics.K_DISPLAY_TEXT, "")).lower() == name.lower():
            return record
    return None


def cmd_select(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """Hand the setup session to one client, as the selection page does."""
    from ovos_bus_client.message import Message
    records = fetch_clients(bus, args.timeout)
    if records is None:
        return _fail(_no_plugin(args.timeout))
    record = _find_client(records, args.name)
    if record is None:
        known = ", ".join(str(r.get(topics.K_CLIENT)) for r in records) or "none"
        return _fail(f"no client named {args.name!r} (registered: {known})")
    name, client_id = record[topics.K_CLIENT], record[topics.K_ID]
    outcome = Outcome(bus, [topics.activate_topic(client_id), topics.ACTIVATION_FAILURE,
                            topics.CLIENT_ALREADY_ACTIVE], client_id)
    bus.emit(Message(topics.CLIENT_SELECT, {topics.K_CLIENT: name, topics.K_ID: client_id}))
    message = outcome.wait(args.timeout)
    if message is None:
        return _fail(f"sent the selection of {name}; the plugin did not confirm within {args.timeout:g} s")
    if message.msg_type == topics.ACTIVATION_FAILURE:
        return _fail(f"{name} was not activated: {message.data.get(topics.K_ERROR, 'no reason given')}")
    if message.msg_type == topics.CLIENT_ALREADY_ACTIVE:
        print(f"{name} already active", file=out)
        return EXIT_OK
    print(f"{name} activated", file=out)
    return EXIT_OK


def _cmd_offline(bus: Any, args: argparse.Namespace, out: TextIO, topic: str, said: str) -> int:
    """Send skip or never and wait for the plugin's fully_offline announcement."""
    from ovos_bus_client.message import Message
    outcome = Outcome(bus, [topics.FULLY_OFFLINE_OUT])
    bus.emit(Message(topics.SKIP_SETUP if topic == "skip" else topics.FULLY_OFFLINE_IN))
    message = outcome.wait(args.timeout)
    if message is None:
        return _fail(_no_plugin(args.timeout))
    print(said, file=out)
    return EXIT_OK


def cmd_skip(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """"Connect later": end setup until the next start or launch."""
    return _cmd_offline(bus, args, out, "skip",
                        "setup skipped: it comes back on the next start or `ovos-wifi-setup launch`")


def cmd_never(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """"Never connect": end setup and keep the device offline across restarts."""
    return _cmd_offline(bus, args, out, "never",
                        "setup off for good: only `ovos-wifi-setup launch` turns it on again")


def cmd_watch(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """Print setup messages as they pass until Ctrl-C."""
    from ovos_bus_client.message import Message
    lock = threading.Lock()

    def show(raw: str) -> None:
        """Print one passing message if it belongs to setup."""
        try:
            message = Message.deserialize(raw)
        except (ValueError, TypeError, KeyError):
            return
        if not is_setup_topic(message.msg_type):
            return
        stamp = time.strftime("%H:%M:%S")
        with lock:
            print(format_line(stamp, message.msg_type, dict(message.data)), file=out, flush=True)

    bus.on("message", show)
    bus.on("close", lambda *_: _say(out, lock, "connection lost, reconnecting..."))
    bus.on("open", lambda *_: _say(out, lock, "connected"))
    print(f"watching {url} for setup messages (Ctrl-C to stop)", file=out, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _no_nm(timeout: float) -> str:
    """The message for a bus without ovos-PHAL-plugin-network-manager on it."""
    return f"no answer from {NM_NAME} within {timeout:g} s (is it installed and enabled?)"


def printable(text: str) -> str:
    """A network name as it may be put on a terminal: control characters (a name comes off the air) escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def scan(bus: Any, timeout: float) -> Optional[List[Network]]:
    """Ask network-manager for a scan; the networks of its answer, shaped, or None when none came in time.

    Its `scan.complete` names no request: the first one after ours is taken, whoever asked for it.
    """
    from ovos_bus_client.message import Message
    outcome = Outcome(bus, [topics.NM_SCAN_COMPLETE])
    bus.emit(Message(topics.NM_SCAN, {}))
    message = outcome.wait(timeout)
    if message is None:
        return None
    data = message.data if isinstance(message.data, dict) else {}
    return shape_networks(data.get("networks"))


def print_networks(networks: List[Network], out: TextIO) -> None:
    """Print the networks as a small table: the name, then nmcli's words for its security or "open"."""
    if not networks:
        print("no Wi-Fi networks in range", file=out)
        return
    names = [printable(network.ssid) for network in networks]
    width = max(len("SSID"), *(len(name) for name in names))
    print(f"{'SSID':<{width}}  SECURITY", file=out)
    for name, network in zip(names, networks):
        security = printable(network.as_payload()["security"]) if network.secured else "open"
        print(f"{name:<{width}}  {security}", file=out)


def cmd_networks(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """Scan through network-manager and list the networks in range."""
    networks = scan(bus, args.scan_timeout)
    if networks is None:
        return _fail(_no_nm(args.scan_timeout))
    if args.json:
        print(json.dumps([network.as_payload() for network in networks], indent=2), file=out)
    else:
        print_networks(networks, out)
    return EXIT_OK


class PasswordUnavailable(Exception):
    """No password can be read for a secured network (no --password-stdin and no terminal to ask on)."""


def read_password(ssid: str, from_stdin: bool) -> str:
    """The password for a secured network: one line of stdin with --password-stdin, else asked on the terminal."""
    if from_stdin:
        if sys.stdin is None:
            return ""
        try:
            line = sys.stdin.readline(PASSWORD_LINE_LIMIT)
        except UnicodeDecodeError:
            # The error's text quotes a byte of the input: say it in our own words.
            raise ValueError("The password on stdin is not text in this terminal's encoding.") from None
        # The line ending only: spaces belong to the password.
        for ending in ("\r\n", "\n"):
            if line.endswith(ending):
                return line[:-len(ending)]
        return line
    if sys.stdin is None or not sys.stdin.isatty():
        raise PasswordUnavailable(f"{printable(ssid)} is secured: a secured network needs --password-stdin "
                                  "when stdin is not a terminal")
    try:
        return getpass.getpass(f"Password for {printable(ssid)}: ")
    except EOFError:
        return ""


class ConnectWait:
    """The outcome of the one connect in flight, from network-manager's unkeyed answers.

    A success counts when it names our network; a failure names nothing and counts while ours is in flight.
    Subscribed before the request is sent, so that no answer can slip by.
    """

    def __init__(self, bus: Any, timeout: float) -> None:
        """Listen for network-manager's two answers."""
        self.bus = bus
        self.attempts = ConnectAttempts(timeout)
        self.event = threading.Event()
        self.failure: Optional[Dict[str, Any]] = None
        bus.on(topics.NM_CONNECTED_OK, self._succeeded)
        bus.on(topics.NM_CONNECT_FAILED, self._failed)

    def begin(self, ssid: str, secured: bool) -> Attempt:
        """Mark our connect as in flight (just before it is sent)."""
        return self.attempts.begin(ssid, secured)

    def _succeeded(self, message: Any) -> None:
        """A success for our network ends the wait; one for another network is someone else's."""
        data = message.data if isinstance(message.data, dict) else {}
        attempt = self.attempts.succeeded(data.get("connection_name"))
        if attempt is not None:
            self.event.set()

    def _failed(self, message: Any) -> None:
        """A failure while ours is in flight is ours."""
        attempt = self.attempts.failed()
        if attempt is not None:
            data = message.data if isinstance(message.data, dict) else {}
            self.failure = dict(data)
            self.event.set()

    def wait(self, attempt: Attempt) -> Tuple[str, Optional[Dict[str, Any]]]:
        """Wait for the outcome: ("connected", None), ("failed", the failure's payload) or ("timeout", None)."""
        try:
            self.event.wait(self.attempts.timeout)
            if not self.event.is_set() and self.attempts.expire(attempt.number) is not None:
                return "timeout", None
            # An answer came just as the time ran out: its handler is setting it.
            self.event.wait(1.0)
            return ("failed", self.failure) if self.failure is not None else ("connected", None)
        finally:
            self.bus.remove(topics.NM_CONNECTED_OK, self._succeeded)
            self.bus.remove(topics.NM_CONNECT_FAILED, self._failed)


def _nm_said(failure: Dict[str, Any]) -> str:
    """network-manager's own words of a failure, short and on one line, for after ours."""
    said = failure.get("errorMessage")
    if not isinstance(said, str) or not said.strip():
        return ""
    return f" (network-manager: {printable(' '.join(said.split()))[:80]})"


def cmd_connect(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """Join network SSID through network-manager: scan, the password if it is secured, connect, wait."""
    try:
        return _connect(bus, args, out)
    except KeyboardInterrupt:
        return _fail("cancelled")


def _connect(bus: Any, args: argparse.Namespace, out: TextIO) -> int:
    """cmd_connect's steps; the password goes from read_password into network-manager's request, nowhere else."""
    from ovos_bus_client.message import Message
    ssid = args.ssid
    networks = scan(bus, args.scan_timeout)
    if networks is None:
        return _fail(_no_nm(args.scan_timeout))
    network = next((n for n in networks if n.ssid == ssid), None)
    if network is None:
        return _fail(f"no network named '{printable(ssid)}' in range")
    password = ""
    if network.secured:
        try:
            password = check_password(read_password(ssid, args.password_stdin), secured=True)
        except PasswordUnavailable as error:
            return _usage_fail(str(error))
        except ValueError as error:
            return _usage_fail(str(error))
    outcome = ConnectWait(bus, args.connect_timeout)
    attempt = outcome.begin(ssid, network.secured)
    if network.secured:
        bus.emit(Message(topics.NM_CONNECT, {"connection_name": ssid, "password": password,
                                             "security_type": network.security}))
    else:
        bus.emit(Message(topics.NM_CONNECT_OPEN, {"connection_name": ssid}))
    result, failure = outcome.wait(attempt)
    if result == "connected":
        print(f"connected to {printable(ssid)}", file=out)
        return EXIT_OK
    if result == "timeout":
        return _fail(printable(str(timeout_words(attempt, args.connect_timeout))))
    failure = failure or {}
    code = failure.get("errorCode")
    visible: Optional[bool] = None
    if code != NM_PASSWORD_REQUIRED:
        # network-manager only says "Connection Failed": a scan now tells a network gone out of reach
        # from one that would not let us in.
        after = scan(bus, args.scan_timeout)
        visible = None if after is None else any(n.ssid == ssid for n in after)
    return _fail(printable(str(failure_words(attempt, code, visible))) + _nm_said(failure))


def _say(out: TextIO, lock: threading.Lock, text: str) -> None:
    """Print a watch notice between message lines."""
    with lock:
        print(f"{time.strftime('%H:%M:%S'):>9}  -- {text}", file=out, flush=True)


def _fail(text: str) -> int:
    """Print a one-line error and return the failure exit code."""
    print(f"ovos-wifi-setup: {text}", file=sys.stderr)
    return EXIT_FAILED


def _usage_fail(text: str) -> int:
    """Print a one-line error about what the user gave and return the usage exit code."""
    print(f"ovos-wifi-setup: {text}", file=sys.stderr)
    return EXIT_USAGE


COMMANDS: Dict[str, Tuple[Callable[..., int], str]] = {
    "status": (cmd_status, "show state, active client and clients"),
    "clients": (cmd_clients, "list the registered network clients"),
    "launch": (cmd_launch, "start network setup now (sends user.activated)"),
    "select": (cmd_select, "hand the setup session to client NAME"),
    "skip": (cmd_skip, "connect later: end setup until the next start or launch"),
    "never": (cmd_never, "never connect: end setup and keep it off across restarts"),
    "watch": (cmd_watch, "print setup messages as they pass, until Ctrl-C"),
    "networks": (cmd_networks, "scan and list the Wi-Fi networks (through ovos-PHAL-plugin-network-manager)"),
    "connect": (cmd_connect, "join Wi-Fi network SSID (through ovos-PHAL-plugin-network-manager)"),
}

DESCRIPTIONS: Dict[str, str] = {
    "networks": (
        f"Scan for Wi-Fi networks through {NM_NAME}'s bus API and list them: each network once, in "
        "nmcli's order (the strongest first), hidden networks left out (network-manager cannot join one). "
        f"--timeout bounds the wait for the bus and for the scan; without it the scan may take "
        f"{SCAN_TIMEOUT:g} s."),
    "connect": (
        f"Join Wi-Fi network SSID through {NM_NAME}'s bus API. The network must be in range (a scan comes "
        "first and tells an open network from a secured one). A secured network's password is read as one "
        "line from stdin with --password-stdin, or asked for when stdin is a terminal; it is never a "
        "command-line argument, and is ignored for an open network. Note that network-manager's API carries "
        "the password on the messagebus, where every participant can read it. --timeout bounds every wait "
        f"(the bus, the scan, the connect); without it the scan may take {SCAN_TIMEOUT:g} s and the connect "
        f"{CONNECT_TIMEOUT:g} s."),
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Print `PROG: error: MESSAGE (see --help)` and exit with the usage code.

        argparse's own words for `--password-stdin=VALUE` repeat the value, likely a password: ours do not.
        """
        if f"{STDIN_OPTION}:" in message:
            message = f"{STDIN_OPTION} takes no value: the password is read from stdin"
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def seconds(text: str) -> float:
    """Read a --timeout value: a finite number of seconds above zero, short enough for a thread to wait on."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive, finite number of seconds")
    if value > threading.TIMEOUT_MAX:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than the longest wait ({threading.TIMEOUT_MAX:g} s)")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; bus options work before or after the command."""
    common = _Parser(add_help=False)
    common.add_argument("--host", default=argparse.SUPPRESS,
                        help="messagebus host (default: mycroft.conf's websocket section)")
    common.add_argument("--port", type=int, default=argparse.SUPPRESS,
                        help="messagebus port (default: mycroft.conf's websocket section)")
    common.add_argument("--timeout", type=seconds, default=argparse.SUPPRESS,
                        help=f"seconds to wait for the bus and for each answer (default {DEFAULT_TIMEOUT:g})")
    parser = _Parser(
        prog="ovos-wifi-setup", parents=[common],
        description="See and steer OpenVoiceOS network setup; `demo` shows it all on a private bus.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands: Dict[str, argparse.ArgumentParser] = {}
    demo = sub.add_parser(
        "demo", parents=[common], help="play four setup rounds on a private messagebus (or --host/--port)",
        description="Play four setup rounds and print them as a timeline (round 3 is skipped on a bus where a "
                    "real ovos-PHAL-plugin-network-manager answers). By default on a private "
                    "ovos-messagebus with a throwaway config tree; --host/--port use a running bus instead "
                    "(one where ovos-PHAL does not already run this plugin). --timeout bounds each step "
                    "(default 15 s).")
    demo.add_argument("--verbose", action="store_true", help="show the plugin's log lines too")
    for name, (_func, text) in COMMANDS.items():
        # connect takes no abbreviation: `--password=...` must not pass for `--password-stdin`.
        command = sub.add_parser(name, parents=[common], help=text, description=DESCRIPTIONS.get(name, text),
                                 allow_abbrev=name != "connect")
        commands[name] = command
        if name in ("status", "clients"):
            command.add_argument("--json", action="store_true", help="print the reply as JSON")
        if name == "networks":
            command.add_argument("--json", action="store_true",
                                 help="print the networks as JSON: [{ssid, security, secured}]")
        if name == "select":
            command.add_argument("name", metavar="NAME", help="client name (or id, or its shown text)")
        if name == "connect":
            command.add_argument("ssid", metavar="SSID", type=ssid_argument, help="the network's name")
            command.add_argument(STDIN_OPTION, action="store_true",
                                 help="read the password as one line from stdin (only the line ending is "
                                      "dropped)")
    parser.set_defaults(command_parsers=commands)
    return parser


def ssid_argument(text: str) -> str:
    """Read the SSID argument: a network name of 1 to 32 bytes."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the network name is empty")
    try:
        return check_ssid(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if getattr(args, "command", None) == "connect":
            # Not echoed: a stray argument of connect may well be a password.
            args.command_parsers["connect"].error(
                "one SSID and nothing else; a password is never an argument "
                "(use --password-stdin, or let it ask on the terminal)")
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    for key, default in (("host", None), ("port", None), ("timeout", None)):
        if not hasattr(args, key):
            setattr(args, key, default)
    if args.command is None:
        parser.print_help(out)
        return EXIT_NO_BUS
    if args.command == "demo":
        from ovos_PHAL_plugin_wifi_setup.tools.demo import STEP_TIMEOUT, run_demo
        return run_demo(host=args.host, port=args.port, verbose=args.verbose, out=out,
                        step_timeout=args.timeout or STEP_TIMEOUT)
    # An explicit --timeout bounds every wait; without it network-manager's slow answers get their own.
    args.scan_timeout = args.timeout or SCAN_TIMEOUT
    args.connect_timeout = args.timeout or CONNECT_TIMEOUT
    if args.timeout is None:
        args.timeout = DEFAULT_TIMEOUT
    _quiet_logs()
    try:
        bus, close = connect(args.host, args.port, args.timeout)
    except BusUnavailable as error:
        print(f"ovos-wifi-setup: {error}", file=sys.stderr)
        return EXIT_NO_BUS
    except (ValueError, KeyError) as error:
        # mycroft.conf without a usable websocket section
        print(f"ovos-wifi-setup: no messagebus address: {error}", file=sys.stderr)
        return EXIT_NO_BUS
    func = COMMANDS[args.command][0]
    try:
        return func(bus, args, out, bus.client.url)
    except BusUnavailable as error:
        print(f"ovos-wifi-setup: {error}", file=sys.stderr)
        return EXIT_NO_BUS
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        close()


def _quiet_logs() -> None:
    """The bus client logs to stdout; a command's output must be its own."""
    from ovos_utils.log import LOG
    LOG.set_level("CRITICAL")


if __name__ == "__main__":
    sys.exit(main())
