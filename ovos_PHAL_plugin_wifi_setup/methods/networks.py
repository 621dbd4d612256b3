r"""Wi-Fi networks as ovos-PHAL-plugin-network-manager reports them, and the connects asked of it; no bus.

network-manager 1.3.5 scans with `nmcli --terse --fields SSID,SECURITY device wifi list` and sends each line as
{ssid, security}: one entry per access point (a network seen through two access points is listed twice, in
nmcli's order: the strongest first), hidden networks with an empty SSID, open ones with an empty security.
It splits each line on every ':' and ignores nmcli's escaping (`\:` for ':', `\\` for '\'), so a name with a
':' or a '\' arrives mangled; shape_networks rebuilds it where the escaping makes that unambiguous.
Its connect answers carry no request id: a success names the network, a failure names nothing.
"""
import time
from dataclasses import dataclass
from threading import Lock
from typing import Any, Callable, Dict, List, Optional, Tuple

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

# How long network-manager may still answer a connect: nmcli waits up to 90 s for the activation (its --wait
# default, which 1.3.5 keeps), then 1.3.5 may delete the profile and sends its answer. Past this, the answer is
# taken as lost (network-manager restarted, or the bus dropped it).
ANSWER_LIMIT = 100.0


@dataclass(frozen=True)
class Network:
    """One network the user can pick: its name and nmcli's words for its security (unknown where network-manager
    1.3.5's split of the scan line lost them: `security_known` False)."""

    ssid: str
    security: str
    security_known: bool = True

    @property
    def secured(self) -> bool:
        """True when joining needs a password, or may need one (the security is unknown)."""
        return not self.security_known or self.security.strip() not in OPEN_SECURITY

    def as_payload(self) -> Dict[str, Any]:
        """The network as the pages and the CLI's JSON show it: every record with the same keys (the shell makes
        a list model's roles from the first record's keys)."""
        words = self.security.strip() if self.security_known and self.secured else ""
        return {"ssid": self.ssid, "security": words, "secured": self.secured, "security_known": self.security_known}


def _escaped_colon_follows(part: str) -> bool:
    """True when a piece of a terse line split on ':' ends in an odd run of backslashes: the ':' after it was
    escaped, part of the value."""
    return (len(part) - len(part.rstrip("\\"))) % 2 == 1


def _unescape(text: str) -> str:
    r"""nmcli's terse escaping undone: `\\` is `\`, `\:` is `:` (any other backslash stays as it is)."""
    out: List[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "\\:":
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def rebuild_entry(ssid: str, security: str) -> Optional[Tuple[str, Optional[str]]]:
    """The real name and security of one scan entry from network-manager 1.3.5, which split nmcli's terse line
    `SSID:SECURITY` on every ':' and kept the first two pieces; the security is None where it was lost, and the
    whole is None where the name cannot be rebuilt (it had two ':' or more: its end was lost too)."""
    if not _escaped_colon_follows(ssid):
        # The first ':' was the separator: the name is whole, and so is the security (nmcli's words have
        # neither a ':' nor a backslash).
        return _unescape(ssid), security
    if _escaped_colon_follows(security):
        return None
    # The name went on past an escaped ':' and ended with the second piece; the security was the third piece.
    return _unescape(f"{ssid}:{security}"), None


def shape_networks(raw: Any) -> List[Network]:
    """The networks of a scan answer, ready to show: names rebuilt from network-manager 1.3.5's split (rebuild_entry;
    one that cannot be rebuilt is left out), hidden and malformed entries left out, each network once (where it
    first appears, with that entry's security), in the order nmcli listed them."""
    if not isinstance(raw, list):
        return []
    seen: Dict[str, Network] = {}
    for entry in raw[:MAX_NETWORKS * 4]:
        if not isinstance(entry, dict):
            continue
        ssid, security = entry.get("ssid"), entry.get("security", "")
        if not isinstance(ssid, str) or not isinstance(security, str):
            continue
        rebuilt = rebuild_entry(ssid, security)
        if rebuilt is None:
            continue
        ssid, known = rebuilt
        if not ssid.strip() or ssid == "--" or len(ssid.encode("utf-8")) > MAX_SSID_BYTES:
            continue  # hidden (network-manager 1.3.5 cannot join one), or not an SSID at all
        if ssid not in seen:
            seen[ssid] = Network(ssid=ssid, security=(known or "")[:64], security_known=known is not None)
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


def check_password(value: Any, secured: bool, optional: bool = False) -> str:
    """A password from a request ("" for an open network, and where `optional`: a network whose security is
    unknown); raise Refused with words for the user."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(Words.of("error_password_not_text"))
    if len(value) > MAX_PASSWORD_CHARS:
        raise Refused(Words.of("error_password_too_long"))
    if secured and len(value) < MIN_PASSWORD_CHARS and not (optional and value == ""):
        raise Refused(Words.of("error_password_too_short"))
    return value


class Busy(Refused):
    """A connect is already in flight."""


@dataclass
class Attempt:
    """A connect asked of network-manager: which network, since when, and whether it went without a password to
    a network whose security is unknown (`open_guess`)."""

    ssid: str
    secured: bool
    started: float
    number: int
    open_guess: bool = False


@dataclass(frozen=True)
class Answer:
    """Whose a network-manager answer is: `late` when that connect had already ended (its time ran out, or the
    session it belonged to ended) before the answer came."""

    attempt: Attempt
    late: bool


class ConnectAttempts:
    """At most one connect in flight; every connect asked whose answer is still owed, and whose each answer is.

    network-manager's answers name no request. A success names the network; a failure names nothing, and is the
    answer to the oldest connect still owed one: answers come back in the order the connects were asked, because
    a new activation on the Wi-Fi device ends the one in progress (nmcli fails it at once), even though
    network-manager runs its bus handlers on a pool of threads. So a late answer lands on the connect it answers,
    never on a later one.
    """

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic,
                 answer_limit: float = ANSWER_LIMIT):
        self.timeout = timeout
        self._clock = clock
        self._answer_limit = answer_limit
        self._lock = Lock()
        self._current: Optional[Attempt] = None
        self._owed: List[Attempt] = []  # asked and not answered yet, oldest first
        self._count = 0

    @property
    def in_flight(self) -> Optional[Attempt]:
        """The connect the user waits for, if any."""
        return self._current

    @property
    def owed(self) -> int:
        """How many connects asked still wait for network-manager's answer (the one in flight included)."""
        with self._lock:
            self._drop_lost()
            return len(self._owed)

    def begin(self, ssid: str, secured: bool, open_guess: bool = False) -> Attempt:
        """Start a connect (asked of network-manager right after); raise Busy while another is in flight."""
        with self._lock:
            if self._current is not None:
                raise Busy(Words.of("error_busy", ssid=self._current.ssid))
            self._drop_lost()
            self._count += 1
            self._current = Attempt(ssid=ssid, secured=secured, started=self._clock(), number=self._count,
                                    open_guess=open_guess)
            self._owed.append(self._current)
            return self._current

    def success_for(self, connection_name: Any) -> Optional[Answer]:
        """Whose a success naming `connection_name` is: the oldest connect owed an answer for that network (None if
        there is none: someone else's). The network in flight is joined whichever of its connects answered."""
        with self._lock:
            self._drop_lost()
            answered = next((a for a in self._owed if a.ssid == connection_name), None)
            if answered is None:
                return None
            self._owed.remove(answered)
            current = self._current
            if current is not None and current.ssid == connection_name:
                self._current = None
                return Answer(current, late=False)
            return Answer(answered, late=True)

    def failure(self) -> Optional[Answer]:
        """Whose a failure (it names no network) is: the oldest connect owed an answer (None if there is none)."""
        with self._lock:
            self._drop_lost()
            if not self._owed:
                return None
            answered = self._owed.pop(0)
            if answered is self._current:
                self._current = None
                return Answer(answered, late=False)
            return Answer(answered, late=True)

    def succeeded(self, connection_name: Any) -> Optional[Attempt]:
        """A success for the network in flight ends it (returned); any other is not the one in flight (None)."""
        answer = self.success_for(connection_name)
        return answer.attempt if answer is not None and not answer.late else None

    def failed(self) -> Optional[Attempt]:
        """A failure that answers the connect in flight ends it (returned); a late one, or one with nothing owed,
        gives None."""
        answer = self.failure()
        return answer.attempt if answer is not None and not answer.late else None

    def expire(self, number: int) -> Optional[Attempt]:
        """End attempt `number` if it is still in flight (its timer ran out); None when it was answered meanwhile.
        Its answer is still owed: when it comes, it is late."""
        with self._lock:
            current = self._current
            if current is None or current.number != number:
                return None
            self._current = None
            return current

    def clear(self) -> None:
        """Forget the connect in flight (the session ended); its answer is still owed, and late when it comes."""
        with self._lock:
            self._current = None

    def _drop_lost(self) -> None:
        """Forget the owed answers that can no longer come (older than the answer limit); never the one in flight.
        Call with the lock held."""
        now = self._clock()
        self._owed = [a for a in self._owed if a is self._current or now - a.started <= self._answer_limit]


def failure_words(attempt: Attempt, error_code: Any, still_visible: Optional[bool]) -> Words:
    """Why a connect failed, in words for the user.

    network-manager 1.3.5 only says "Password Required" (errorCode 0) or "Connection Failed" (1); a scan right
    after the failure tells a network out of reach (gone from the list) from one that refused to let the device
    join (still listed: for a secured network, most likely the password).
    """
    ssid = attempt.ssid
    if error_code == NM_PASSWORD_REQUIRED or (attempt.open_guess and still_visible is not False):
        # Tried without a password on a network whose security was unknown: it wants one.
        return Words.of("error_needs_password", ssid=ssid)
    if still_visible is False:
        return Words.of("error_out_of_reach", ssid=ssid)
    if attempt.secured and still_visible:
        return Words.of("error_wrong_password", ssid=ssid)
    return Words.of("error_could_not_connect", ssid=ssid)


def timeout_words(attempt: Attempt, timeout: float) -> Words:
    """What the user reads when a connect got no answer in time."""
    return Words.of("error_timeout", ssid=attempt.ssid, seconds=duration(timeout))
