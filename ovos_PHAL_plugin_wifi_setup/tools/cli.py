"""The `ovos-wifi-setup` command: see and steer network setup from a terminal."""
import argparse
import math
import sys
import threading
from typing import Callable, Dict, NoReturn, Optional, Sequence, TextIO, Tuple

from ovos_PHAL_plugin_wifi_setup.methods.networks import check_ssid
from ovos_PHAL_plugin_wifi_setup.readable import duration
from ovos_PHAL_plugin_wifi_setup.tools.console import (DEMO_STEP_TIMEOUT, EXIT_INTERRUPTED, EXIT_NO_BUS, EXIT_USAGE,
                                                       PORTS, BusUnavailable, connect)
from ovos_PHAL_plugin_wifi_setup.tools.portal_command import DESCRIPTION as PORTAL_DESCRIPTION
from ovos_PHAL_plugin_wifi_setup.tools.portal_command import add_arguments as portal_arguments
from ovos_PHAL_plugin_wifi_setup.tools.portal_command import cmd_install_portal
from ovos_PHAL_plugin_wifi_setup.tools.setup_commands import (cmd_clients, cmd_launch, cmd_never, cmd_select,
                                                              cmd_skip, cmd_status, cmd_watch)
from ovos_PHAL_plugin_wifi_setup.tools.wifi_commands import NM_NAME, NM_QUICK_ANSWER, cmd_connect, cmd_networks

DEFAULT_TIMEOUT = 5.0
# Without --timeout, network-manager gets longer than our plugin: its scan runs nmcli (a rescan, then the
# list) before it answers, and its connect answers only once nmcli has joined or given up.
SCAN_TIMEOUT = 15.0
CONNECT_TIMEOUT = 60.0
STDIN_OPTION = "--password-stdin"

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
        f"{duration(SCAN_TIMEOUT)} s, and a network-manager that does not answer at all is reported within "
        f"{duration(NM_QUICK_ANSWER)} s."),
    "connect": (
        f"Join Wi-Fi network SSID through {NM_NAME}'s bus API. The network must be in range (a scan comes "
        "first and tells an open network from a secured one). A secured network's password is read as one "
        "line from stdin with --password-stdin, or asked for when stdin is a terminal; it is never a "
        "command-line argument, and is ignored for an open network. Note that network-manager's API carries "
        "the password on the messagebus, where every participant can read it. --timeout bounds every wait "
        f"(the bus, the scan, the connect); without it the scan may take {duration(SCAN_TIMEOUT)} s and the "
        f"connect {duration(CONNECT_TIMEOUT)} s, and a network-manager that does not answer at all is reported "
        f"within {duration(NM_QUICK_ANSWER)} s. A hidden network cannot be joined this way: network-manager "
        "1.3.5 cannot join one."),
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
        raise argparse.ArgumentTypeError(
            f"{text!r} is longer than the longest wait ({duration(threading.TIMEOUT_MAX)} s)")
    return value


def port_number(text: str) -> int:
    """Read a --port value: a TCP port, 1 to 65535 (the bus client's thread would die on any other)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if value not in PORTS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1 to 65535)")
    return value


def _bus_options(timeout_help: str) -> argparse.ArgumentParser:
    """The options every command takes: where the bus is, and how long to wait (timeout_help says for what)."""
    options = _Parser(add_help=False)
    options.add_argument("--host", default=argparse.SUPPRESS,
                         help="messagebus host (default: mycroft.conf's websocket section)")
    options.add_argument("--port", type=port_number, default=argparse.SUPPRESS,
                         help="messagebus port, 1 to 65535 (default: mycroft.conf's websocket section)")
    options.add_argument("--timeout", type=seconds, default=argparse.SUPPRESS, help=timeout_help)
    return options


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; bus options work before or after the command."""
    common = _bus_options(f"seconds to wait for the bus and for each answer (default {duration(DEFAULT_TIMEOUT)})")
    parser = _Parser(
        prog="ovos-wifi-setup", parents=[common],
        description="See and steer OpenVoiceOS network setup; `demo` shows it all on a private bus.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands: Dict[str, argparse.ArgumentParser] = {}
    demo = sub.add_parser(
        "demo", parents=[_bus_options(f"seconds each step of the demo may take "
                                      f"(default {duration(DEMO_STEP_TIMEOUT)})")],
        help="play four setup rounds on a private messagebus (or --host/--port)",
        description="Play four setup rounds and print them as a timeline (round 3 is skipped on a bus where a "
                    "real ovos-PHAL-plugin-network-manager answers). By default on a private "
                    "ovos-messagebus with a throwaway config tree; --host/--port use a running bus instead "
                    "(one where ovos-PHAL does not already run this plugin). Round 4 needs the hotspot extra; "
                    "without it the demo says so and plays the other rounds.")
    demo.add_argument("--verbose", action="store_true", help="show the plugin's log lines too")
    portal_arguments(sub.add_parser(
        "install-portal", help="as root: make NetworkManager's dnsmasq open the setup page (no bus needed)",
        description=PORTAL_DESCRIPTION))
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
        from ovos_PHAL_plugin_wifi_setup.tools.demo import run_demo
        return run_demo(host=args.host, port=args.port, verbose=args.verbose, out=out,
                        step_timeout=args.timeout or DEMO_STEP_TIMEOUT)
    if args.command == "install-portal":
        return cmd_install_portal(args, out)
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
        return EXIT_INTERRUPTED
    finally:
        close()


def _quiet_logs() -> None:
    """The bus client logs to stdout; a command's output must be its own."""
    from ovos_utils.log import LOG
    LOG.set_level("CRITICAL")


if __name__ == "__main__":
    sys.exit(main())
