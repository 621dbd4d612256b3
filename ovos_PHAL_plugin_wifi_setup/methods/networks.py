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

from ovos_PHAL_plugin_wifi_setup.i18n import Words
from ovos_PHAL_plugin_wifi_setup.readable import duration

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


class Refused(ValueError):
    """A request the user must change: `words` say why (str() gives them in English)."""

    def __init__(self, words: Words):
        super().__init__(str(words))
        self.words = words


def check_ssid(value: Any) -> str:
    """A network name from a request; raise Refused with words for the user when it cannot be one."""
    if not isinstance(value, str) or not value.strip():
        raise Refused(Words.of("error_pick_first"))
    if len(value.encode("utf-8")) > MAX_SSID_BYTES:
        raise Refused(Words.of("error_ssid_too_long"))
    return value


def check_password(value: Any, secured: bool) -> str:
    """A password from a request ("" for an open network); raise Refused with words for the user."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(Words.of("error_password_not_text"))
    if len(value) > MAX_PASSWORD_CHARS:
        raise Refused(Words.of("error_password_too_long"))
    if secured and len(value) < MIN_PASSWORD_CHARS:
        raise Refused(Words.of("error_password_too_short"))
    return value


class Busy(Refused):
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
                raise Busy(Words.of("error_busy", ssid=self._current.ssid))
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


def failure_words(attempt: Attempt, error_code: Any, still_visible: Optional[bool]) -> Words:
    """Why a connect failed, in words for the user.

    network-manager 1.3.5 only says "Password Required" (errorCode 0) or "Connection Failed" (1); a scan right
    after the failure tells a network out of reach (gone from the list) from one that refused to let the device
    join (still listed: for a secured network, most likely the password).
    """
    ssid = attempt.ssid
    if error_code == NM_PASSWORD_REQUIRED:
        return Words.of("error_needs_password", ssid=ssid)
    if still_visible is False:
        return Words.of("error_out_of_reach", ssid=ssid)
    if attempt.secured and still_visible:
        return Words.of("error_wrong_password", ssid=ssid)
    return Words.of("error_could_not_connect", ssid=ssid)


def timeout_words(attempt: Attempt, timeout: float) -> Words:
    """What the user reads when a connect got no answer in time."""
    return Words.of("error_timeout", ssid=attempt.ssid, seconds=duration(timeout))
