"""Wi-Fi networks as ovos-PHAL-plugin-network-manager reports them, and one connect attempt at a time; no bus.

network-manager 1.3.5 scans with `nmcli --terse --fields SSID,SECURITY device wifi list` and sends each line as
{ssid, security}: one entry per access point (a network seen through two access points is listed twice, in
nmcli's order: the strongest first), hidden networks with an empty SSID, open ones with an empty security.
Its connect answers carry no request id: a success names the network, a failure names nothing.
"""
import time
from dataclasses import dataclass
from threading import Lock
from typing import Any, Callable, Dict, List, Optional

MAX_SSID_BYTES = 32        # IEEE 802.11: an SSID is at most 32 bytes
MAX_PASSWORD_CHARS = 63    # a WPA passphrase is 8 to 63 characters
MIN_PASSWORD_CHARS = 8
MAX_NETWORKS = 200         # more than any scan lists; bounds what a stray scan.complete can make us hold

# nmcli's words for "no security": nothing in --terse mode, "--" in its tabular mode.
OPEN_SECURITY = ("", "--")

# network-manager 1.3.5's errorCode values on ovos.phal.nm.connection.failure.
NM_PASSWORD_REQUIRED = 0
NM_CONNECTION_FAILED = 1


@dataclass(frozen=True)
class Network:
    """One network the user can pick: its name and nmcli's words for its security."""

    ssid: str
    security: str

    @property
    def secured(self) -> bool:
        """True when joining needs a password."""
        return self.security.strip() not in OPEN_SECURITY

    def as_payload(self) -> Dict[str, Any]:
        """The network as the pages and the CLI's JSON show it."""
        return {"ssid": self.ssid, "security": "" if not self.secured else self.security.strip(),
                "secured": self.secured}


def shape_networks(raw: Any) -> List[Network]:
    """The networks of a scan answer, ready to show: hidden and malformed entries left out, each network once
    (where it first appears, with that entry's security), in the order nmcli listed them."""
    if not isinstance(raw, list):
        return []
    seen: Dict[str, Network] = {}
    for entry in raw[:MAX_NETWORKS * 4]:
        if not isinstance(entry, dict):
            continue
        ssid, security = entry.get("ssid"), entry.get("security", "")
        if not isinstance(ssid, str) or not isinstance(security, str):
            continue
        if not ssid.strip() or ssid == "--" or len(ssid.encode("utf-8")) > MAX_SSID_BYTES:
            continue  # hidden (network-manager 1.3.5 cannot join one), or not an SSID at all
        if ssid not in seen:
            seen[ssid] = Network(ssid=ssid, security=security[:64])
        if len(seen) >= MAX_NETWORKS:
            break
    return list(seen.values())


def check_ssid(value: Any) -> str:
    """A network name from a request; raise ValueError with words for the user when it cannot be one."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("Pick a network first.")
    if len(value.encode("utf-8")) > MAX_SSID_BYTES:
        raise ValueError(f"A network name is at most {MAX_SSID_BYTES} bytes long.")
    return value


def check_password(value: Any, secured: bool) -> str:
    """A password from a request ("" for an open network); raise ValueError with words for the user."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError("The password must be text.")
    if len(value) > MAX_PASSWORD_CHARS:
        raise ValueError(f"A Wi-Fi password is at most {MAX_PASSWORD_CHARS} characters long.")
    if secured and len(value) < MIN_PASSWORD_CHARS:
        raise ValueError(f"A Wi-Fi password is at least {MIN_PASSWORD_CHARS} characters long.")
    return value


class Busy(RuntimeError):
    """A connect is already in flight."""


@dataclass
class Attempt:
    """The connect in flight: which network, and since when."""

    ssid: str
    secured: bool
    started: float
    number: int


class ConnectAttempts:
    """At most one connect in flight; its outcome, by the network's name or (for a failure) by being the one."""

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic):
        self.timeout = timeout
        self._clock = clock
        self._lock = Lock()
        self._current: Optional[Attempt] = None
        self._count = 0

    @property
    def in_flight(self) -> Optional[Attempt]:
        """The connect waiting for its answer, if any."""
        return self._current

    def begin(self, ssid: str, secured: bool) -> Attempt:
        """Start a connect; raise Busy while another waits for its answer."""
        with self._lock:
            if self._current is not None:
                raise Busy(f"Still connecting to {self._current.ssid}.")
            self._count += 1
            self._current = Attempt(ssid=ssid, secured=secured, started=self._clock(), number=self._count)
            return self._current

    def succeeded(self, connection_name: Any) -> Optional[Attempt]:
        """A success for this network ends the attempt (returned); one for another network is not ours (None)."""
        with self._lock:
            current = self._current
            if current is None or connection_name != current.ssid:
                return None
            self._current = None
            return current

    def failed(self) -> Optional[Attempt]:
        """A failure (it names no network) ends the attempt in flight, which is returned; None if there is none."""
        with self._lock:
            current, self._current = self._current, None
            return current

    def expire(self, number: int) -> Optional[Attempt]:
        """End attempt `number` if it still waits (its timer ran out); None when it was answered meanwhile."""
        with self._lock:
            current = self._current
            if current is None or current.number != number:
                return None
            self._current = None
            return current

    def clear(self) -> None:
        """Forget the attempt in flight (the session ended)."""
        with self._lock:
            self._current = None


def failure_words(attempt: Attempt, error_code: Any, still_visible: Optional[bool]) -> str:
    """Why a connect failed, in words for the user.

    network-manager 1.3.5 only says "Password Required" (errorCode 0) or "Connection Failed" (1); a scan right
    after the failure tells a network out of reach (gone from the list) from one that refused to let the device
    join (still listed: for a secured network, most likely the password).
    """
    ssid = attempt.ssid
    if error_code == NM_PASSWORD_REQUIRED:
        return f"{ssid} needs a password."
    if still_visible is False:
        return f"{ssid} is out of reach. Move closer, or pick another network."
    if attempt.secured and still_visible:
        return f"The password for {ssid} was not accepted. Check it and try again."
    return f"Could not connect to {ssid}. Try again, or pick another network."


def timeout_words(attempt: Attempt, timeout: float) -> str:
    """What the user reads when a connect got no answer in time."""
    return f"{attempt.ssid} did not answer within {timeout:g} seconds. Try again, or pick another network."
