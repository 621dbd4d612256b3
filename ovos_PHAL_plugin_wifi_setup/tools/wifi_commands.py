"""The commands that talk to ovos-PHAL-plugin-network-manager: networks (a scan) and connect (a join)."""
import argparse
import getpass
import json
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, TextIO, Tuple

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.methods.networks import (NM_PASSWORD_REQUIRED, Attempt, ConnectAttempts, Network,
                                                          check_password, failure_words, shape_networks,
                                                          timeout_words)
from ovos_PHAL_plugin_wifi_setup.readable import duration
from ovos_PHAL_plugin_wifi_setup.tools.console import EXIT_OK, Outcome, fail, printable, usage_fail

NM_NAME = "ovos-PHAL-plugin-network-manager"
# The most of a line read from stdin for a password: a passphrase is at most 63 characters.
PASSWORD_LINE_LIMIT = 1024
# A scan runs nmcli for seconds, but network-manager answers get.connected at once (nmcli lists the active
# connections): when neither has answered by then, no network-manager runs on this bus.
NM_QUICK_ANSWER = 2.0
# How a hidden network is joined without network-manager (1.3.5 never passes `hidden yes` to nmcli).
HIDDEN_BY_HAND = "nmcli device wifi connect NAME password … hidden yes"


class NetworkManagerSilent(Exception):
    """ovos-PHAL-plugin-network-manager did not answer within `waited` seconds."""

    def __init__(self, waited: float) -> None:
        """Name the wait in the message."""
        super().__init__(f"no answer from {NM_NAME} within {duration(waited)} s (is it installed and enabled?)")
        self.waited = waited


@dataclass(frozen=True)
class Scan:
    """What a scan found: the networks one can pick, and how many access points it listed without a name."""

    networks: List[Network]
    hidden: int


def _hidden(raw: Any) -> int:
    """How many entries of a scan answer are hidden networks (an empty name, or nmcli's "--" for none)."""
    if not isinstance(raw, list):
        return 0
    return sum(1 for entry in raw if isinstance(entry, dict) and isinstance(entry.get("ssid"), str)
               and (not entry["ssid"].strip() or entry["ssid"] == "--"))


def scan(bus: Any, timeout: float) -> Scan:
    """Ask network-manager for a scan and return what it found; raise NetworkManagerSilent when it does not answer.

    When the scan has not come after half of NM_QUICK_ANSWER, get.connected asks whether network-manager runs at
    all, so that a bus without it is told within NM_QUICK_ANSWER, not after the whole timeout. Its `scan.complete`
    names no request: the first one after ours is taken, whoever asked for it.
    """
    from ovos_bus_client.message import Message
    started = time.monotonic()
    quick = min(NM_QUICK_ANSWER, timeout)
    outcome = Outcome(bus, [topics.NM_SCAN_COMPLETE])
    bus.emit(Message(topics.NM_SCAN, {}))
    if not outcome.event.wait(quick / 2):
        alive = Outcome(bus, [topics.NM_IS_CONNECTED, topics.NM_IS_NOT_CONNECTED])
        bus.emit(Message(topics.NM_GET_CONNECTED, {}))
        while not (outcome.event.is_set() or alive.event.is_set()) and time.monotonic() < started + quick:
            outcome.event.wait(0.05)
        if alive.wait(0) is None and not outcome.event.is_set():
            outcome.wait(0)
            raise NetworkManagerSilent(quick)
    message = outcome.wait(max(started + timeout - time.monotonic(), 0.0))
    if message is None:
        raise NetworkManagerSilent(timeout)
    data = message.data if isinstance(message.data, dict) else {}
    return Scan(shape_networks(data.get("networks")), _hidden(data.get("networks")))


def not_in_range(ssid: str, found: Scan) -> str:
    """Why a network is not offered: not in range; where the scan lists hidden networks, it may be one of them."""
    said = f"no network named '{printable(ssid)}' in range"
    if not found.hidden:
        return said
    listed = "1 hidden network" if found.hidden == 1 else f"{found.hidden} hidden networks"
    return (f"{said}; if it is hidden (the scan lists {listed}), it cannot be joined through network-manager "
            f"1.3.5: join it over SSH with `{HIDDEN_BY_HAND}`")


def print_networks(networks: List[Network], out: TextIO) -> None:
    """Print the networks as a small table: the name, then nmcli's words for its security, "open", or "unknown"
    (network-manager 1.3.5's split of the scan line lost them)."""
    if not networks:
        print("no Wi-Fi networks in range", file=out)
        return
    names = [printable(network.ssid) for network in networks]
    width = max(len("SSID"), *(len(name) for name in names))
    print(f"{'SSID':<{width}}  SECURITY", file=out)
    for name, network in zip(names, networks):
        security = "unknown" if not network.security_known else \
            printable(network.as_payload()["security"]) if network.secured else "open"
        print(f"{name:<{width}}  {security}", file=out)


def cmd_networks(bus: Any, args: argparse.Namespace, out: TextIO, url: str) -> int:
    """Scan through network-manager and list the networks in range."""
    try:
        networks = scan(bus, args.scan_timeout).networks
    except NetworkManagerSilent as silent:
        return fail(str(silent))
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
    try:
        found = scan(bus, args.scan_timeout)
    except NetworkManagerSilent as silent:
        return fail(str(silent))
    network = next((n for n in found.networks if n.ssid == ssid), None)
    if network is None:
        return fail(not_in_range(ssid, found))
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
        try:
            visible = any(n.ssid == ssid for n in scan(bus, args.scan_timeout).networks)
        except NetworkManagerSilent:
            visible = None
    return fail(printable(str(failure_words(attempt, code, visible))) + _nm_said(failure))
