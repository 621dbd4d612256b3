"""Proof that whoever sets the device up is in the room: the session's passphrase or code, and how each is said.

Three ways to open the setup network, by the settings:

- "session" (the default, `hotspot_passphrase` empty): WPA2 with a fresh passphrase of PASSPHRASE_DIGITS random
  digits from `secrets` (about 40 bits), typed as the digits alone, shown in groups of four ("4821 0937 5512") and
  said digit by digit, the groups apart ("4 8 2 1, 0 9 3 7, 5 5 1 2").
- "label" (`hotspot_passphrase` set, the passphrase printed on the device): WPA2 with it as it is; never said.
- "open" (`hotspot_open` true, no passphrase): an open network, and a fresh CODE_DIGITS-digit code the device says
  (in groups of three) and the page asks for before it takes a connect; MAX_WRONG_CODES wrong ones end the session.

Nothing here logs, and nothing holds a secret in a repr.
"""
import hmac
import secrets
from typing import Any, List

from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue, Words
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.spoken import with_address
from ovos_PHAL_plugin_wifi_setup.methods.networks import Refused

SESSION = "session"
LABEL = "label"
OPEN = "open"

PASSPHRASE_DIGITS = 12
PASSPHRASE_GROUP = 4
CODE_DIGITS = 6
CODE_GROUP = 3
# Wrong codes a session takes before it ends (someone is guessing: a million codes, five tries).
MAX_WRONG_CODES = 5


def kind_of(passphrase: str, open_network: bool) -> str:
    """Which of the three ways the settings open the network: a configured passphrase wins over `hotspot_open`."""
    if passphrase:
        return LABEL
    return OPEN if open_network else SESSION


def random_digits(count: int) -> str:
    """`count` random decimal digits from the operating system's randomness (secrets), leading zeros kept."""
    return "".join(secrets.choice("0123456789") for _ in range(count))


def new_passphrase() -> str:
    """A session's WPA2 passphrase: PASSPHRASE_DIGITS random digits, no spaces (what the user types)."""
    return random_digits(PASSPHRASE_DIGITS)


def new_code() -> str:
    """An open session's code: CODE_DIGITS random digits."""
    return random_digits(CODE_DIGITS)


def _groups(digits: str) -> List[str]:
    """The digits in groups: of four for a passphrase, of three for a code (or any other length)."""
    size = PASSPHRASE_GROUP if len(digits) % PASSPHRASE_GROUP == 0 and len(digits) > CODE_DIGITS else CODE_GROUP
    return [digits[i:i + size] for i in range(0, len(digits), size)]


def shown(digits: str) -> str:
    """The digits as a screen shows them: groups apart by a space ("4821 0937 5512", "482 109")."""
    return " ".join(_groups(digits))


def said(digits: str) -> str:
    """The digits as the device says them: each apart, so that TTS reads them one by one, and a comma between
    groups, so that it pauses ("4 8 2 1, 0 9 3 7, 5 5 1 2")."""
    return ", ".join(" ".join(group) for group in _groups(digits))


def code_matches(expected: str, given: Any) -> bool:
    """True when `given` (spaces left out) is the session's code, compared in constant time; False for anything not
    text, and when there is no code to match."""
    if not expected or not isinstance(given, str):
        return False
    try:
        given_bytes = "".join(given.split()).encode("ascii")  # the spaces a user types between groups
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(given_bytes, expected.encode("ascii"))


class CodeRefused(Refused):
    """A connect without the session's code, or with a wrong one: the page answers 403 and nothing starts."""


def instructions(catalogue: Catalogue, kind: str, ssid: str, passphrase: str, code: str, url: str = "") -> str:
    """What the device says when the setup network is up: its name, the session's passphrase or code (a label's
    passphrase never), and last the page's address (`url`) to type where no page opens (spoken.py)."""
    if kind == SESSION:
        line = catalogue.dialog("hotspot_instructions_passphrase", ssid=ssid, passphrase=said(passphrase))
    elif kind == OPEN:
        line = catalogue.dialog("hotspot_instructions_code", ssid=ssid, code=said(code))
    else:
        line = catalogue.dialog("hotspot_instructions_label", ssid=ssid)
    return with_address(catalogue, line, url)


def repeat_line(catalogue: Catalogue, kind: str, active: bool, ssid: str, passphrase: str, code: str,
                url: str = "") -> str:
    """What the device says when asked to repeat the password: the session's passphrase or code again, or that it
    is on the device's label, each followed by the page's address (`url`: whoever asks may be stuck because no page
    opened); outside a session, that no setup network is open."""
    if not active or not ssid or (kind == SESSION and not passphrase) or (kind == OPEN and not code):
        return catalogue.dialog("hotspot_repeat_none")
    if kind == SESSION:
        line = catalogue.dialog("hotspot_repeat_passphrase", ssid=ssid, passphrase=said(passphrase))
    elif kind == OPEN:
        line = catalogue.dialog("hotspot_repeat_code", code=said(code))
    else:
        line = catalogue.dialog("hotspot_repeat_label", ssid=ssid)
    return with_address(catalogue, line, url)


def refusal(given: Any, tries_left: int) -> CodeRefused:
    """The refusal of a connect by its code: none given, a wrong one, or one after the session's last try."""
    if tries_left <= 0:
        return CodeRefused(Words.of("error_code_locked"))
    if given is None or (isinstance(given, str) and not given.strip()):
        return CodeRefused(Words.of("error_code_needed"))
    return CodeRefused(Words.of("error_code_wrong"))
