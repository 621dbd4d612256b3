"""The commands that talk to the wifi-setup plugin: status, clients, launch, select, skip, never and watch."""
import argparse
import json
import threading
import time
from typing import Any, Dict, List, Optional, TextIO

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.readable import duration
from ovos_PHAL_plugin_wifi_setup.tools.console import (EXIT_INTERRUPTED, EXIT_OK, Outcome, fail, format_line,
                                                       is_setup_topic, printable, request, short_id)


def _no_plugin(timeout: float) -> str:
    """The message for a bus without a wifi-setup plugin on it."""
    return (f"no answer from the wifi-setup plugin within {duration(timeout)} s "
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
         else f"{duration(data['last_round_seconds'])} s"),
        ("last online", str(data.get("last_online_at") or "never")),
        ("last error", "none" if not data.get("last_error")
         else printable(f"{data['last_error']} ({data.get('last_error_at') or '?'})")),
        ("protocol", str(data.get("protocol", "?"))),
    ]

    for label, value in rows:
        print(f"{label + ':':<15}{value}", file=out)
    methods = data.get("methods")
    if isinstance(methods, dict):
        print("built-in methods:", file=out)
        for name, method in methods.items():
            if isinstance(method, dict):
                reason = method.get("reason")
                state = printable(str(method.get("state", "?")) + (f" ({reason})" if reason else ""))
                print(f"   {printable(str(name)):<9}{state}", file=out)
    clients = data.get("clients") or []
    print(f"clients ({len(clients)}):", file=out)
    print_clients(clients, out, active_id)


def cmd_status(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """Show the plugin's state, active client and registered clients."""
    from ovos_bus_client.message import Message
    data = request(bus, Message(topics.STATUS), topics.STATUS_RESPONSE, args.timeout)
    if data is None:
        return fail(_no_plugin(args.timeout))
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
        return fail(_no_plugin(args.timeout))
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
        return fail(_no_plugin(args.timeout))
    if status.get("in_setup"):
        bus.emit(Message(topics.USER_ACTIVATED))
        print(f"setup already running (state: {status.get('state', '?')}); asked again", file=out)
        return EXIT_OK
    outcome = Outcome(bus, [topics.SETUP_LAUNCHED, topics.SETUP_FAILED])
    bus.emit(Message(topics.USER_ACTIVATED))
    message = outcome.wait(args.timeout)
    if message is None:
        return fail(f"sent user.activated; the plugin did not launch setup within {duration(args.timeout)} s")
    if message.msg_type == topics.SETUP_FAILED:
        return fail(f"setup failed: {message.data.get(topics.K_ERROR, 'no reason given')}")
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
        return fail(_no_plugin(args.timeout))
    record = _find_client(records, args.name)
    if record is None:
        known = ", ".join(str(r.get(topics.K_CLIENT)) for r in records) or "none"
        return fail(f"no client named {args.name!r} (registered: {known})")
    name, client_id = record[topics.K_CLIENT], record[topics.K_ID]
    outcome = Outcome(bus, [topics.activate_topic(client_id), topics.ACTIVATION_FAILURE,
                            topics.CLIENT_ALREADY_ACTIVE], client_id)
    bus.emit(Message(topics.CLIENT_SELECT, {topics.K_CLIENT: name, topics.K_ID: client_id}))
    message = outcome.wait(args.timeout)
    if message is None:
        return fail(f"sent the selection of {name}; the plugin did not confirm within {duration(args.timeout)} s")
    if message.msg_type == topics.ACTIVATION_FAILURE:
        return fail(f"{name} was not activated: {message.data.get(topics.K_ERROR, 'no reason given')}")
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
        return fail(_no_plugin(args.timeout))
    print(said, file=out)
    return EXIT_OK


def cmd_skip(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """"Connect later": end setup until the next start or launch."""
    return _cmd_offline(bus, args, out, "skip",
                        "setup skipped: it comes back on the next start or `ovos-wifi-setup launch`")


def cmd_never(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """"Never connect": end setup and keep the device offline across restarts."""
    return _cmd_offline(bus, args, out, "never",
                        "setup off for good: the shell's wireless button, asking by voice (\"set up wifi\") or "
                        "`ovos-wifi-setup launch` turns it on again")


def cmd_watch(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """Print setup messages as they pass (every secret-like field masked) until Ctrl-C, which ends it quietly
    with the interrupted code."""
    from ovos_bus_client.message import Message
    lock = threading.Lock()
    stopping = threading.Event()

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

    def lost(*_: Any) -> None:
        """The connection went: say so, unless it goes because the user stopped watching."""
        if not stopping.is_set():
            _say(out, lock, "connection lost, reconnecting...")

    bus.on("message", show)
    bus.on("close", lost)
    bus.on("open", lambda *_: _say(out, lock, "connected"))
    try:
        print(f"watching {url} for setup messages (Ctrl-C to stop)", file=out, flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        # However the watch ends, the close that follows is ours.
        stopping.set()
    return EXIT_INTERRUPTED


def _say(out: TextIO, lock: threading.Lock, text: str) -> None:
    """Print a watch notice between message lines."""
    with lock:
        print(f"{time.strftime('%H:%M:%S'):>9}  -- {text}", file=out, flush=True)
