"""The commands that talk to ovos-PHAL-plugin-network-manager: networks (a scan) and connect (a join)."""
import argparse
import getpass
import json
import sys
import threading
from typing import Any, Dict, List, Optional, TextIO, Tuple

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.methods.networks import (NM_PASSWORD_REQUIRED, Attempt, ConnectAttempts, Network,
                                                          check_password, failure_words, shape_networks,
                                                          timeout_words)
from ovos_PHAL_plugin_wifi_setup.tools.console import EXIT_OK, Outcome, fail, printable, usage_fail

NM_NAME = "ovos-PHAL-plugin-network-manager"
# The most of a line read from stdin for a password: a passphrase is at most 63 characters.
PASSWORD_LINE_LIMIT = 1024


def _no_nm(timeout: float) -> str:
    """The message for a bus without ovos-PHAL-plugin-network-manager on it."""
    return f"no answer from {NM_NAME} within {timeout:g} s (is it installed and enabled?)"


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
        return fail(_no_nm(args.scan_timeout))
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
        return fail("cancelled")


def _connect(bus: Any, args: argparse.Namespace, out: TextIO) -> int:
    """cmd_connect's steps; the password goes from read_password into network-manager's request, nowhere else."""
    from ovos_bus_client.message import Message
    ssid = args.ssid
    networks = scan(bus, args.scan_timeout)
    if networks is None:
        return fail(_no_nm(args.scan_timeout))
    network = next((n for n in networks if n.ssid == ssid), None)
    if network is None:
        return fail(f"no network named '{printable(ssid)}' in range")
    password = ""
    if network.secured:
        try:
            password = check_password(read_password(ssid, args.password_stdin), secured=True)
        except PasswordUnavailable as error:
            return usage_fail(str(error))
        except ValueError as error:
            return usage_fail(str(error))
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
        return fail(printable(str(timeout_words(attempt, args.connect_timeout))))
    failure = failure or {}
    code = failure.get("errorCode")
    visible: Optional[bool] = None
    if code != NM_PASSWORD_REQUIRED:
        # network-manager only says "Connection Failed": a scan now tells a network gone out of reach
        # from one that would not let us in.
        after = scan(bus, args.scan_timeout)
        visible = None if after is None else any(n.ssid == ssid for n in after)
    return fail(printable(str(failure_words(attempt, code, visible))) + _nm_said(failure))
