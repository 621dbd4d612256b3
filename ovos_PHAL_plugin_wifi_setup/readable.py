"""What people read of a payload or a duration: every secret-like field masked (and a passphrase said in a spoken
line), seconds with at most one decimal.

The one rule for `ovos-wifi-setup watch`, the demo's timeline and every log line of the package that prints a
payload or a duration. It imports nothing of OVOS: the command line uses it before any configuration is read.
"""
import re
from typing import Any, Tuple

MASK = "••••"
# A key names a secret when it contains one of these, in any case: "password", "wifi_password", "psk",
# "hotspot_passphrase", "client_secret", "apiKey". Masking a key that only looks secret costs a reader little;
# showing a secret cannot be taken back.
SECRET_WORDS: Tuple[str, ...] = ("password", "passphrase", "psk", "secret", "key")


def is_secret_key(key: Any) -> bool:
    """Tell whether a payload key names a secret: a string that contains one of SECRET_WORDS, in any case."""
    return isinstance(key, str) and any(word in key.lower() for word in SECRET_WORDS)


def mask_secrets(value: Any) -> Any:
    """A copy of value in which the value of every secret-like key, at any depth of dicts, lists and tuples, is
    MASK; the value itself is left untouched."""
    if isinstance(value, dict):
        return {key: MASK if is_secret_key(key) else mask_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    if isinstance(value, tuple):
        return tuple(mask_secrets(item) for item in value)
    return value


# Six or more digits said one by one ("4 8 2 1, 0 9 3 7, 5 5 1 2"): how the hotspot method says a passphrase or a
# code, and nothing else it says.
SPOKEN_DIGITS = re.compile(r"\d(?:,? \d){5,}")


def mask_spoken_digits(text: str) -> str:
    """A spoken line with every passphrase or code in it (six or more digits said one by one) as MASK."""
    return SPOKEN_DIGITS.sub(MASK, text)


def spoken_digits(text: str) -> str:
    """The first passphrase or code a spoken line says, as typed (its digits alone), or "" when it says none."""
    found = SPOKEN_DIGITS.search(text)
    return re.sub(r"\D", "", found.group(0)) if found else ""


def duration(seconds: float) -> str:
    """A number of seconds as people read it: at most one decimal, none when it is whole ("4.9", "15", "0.5")."""
    text = f"{float(seconds):.1f}"
    return text[:-2] if text.endswith(".0") else text


def quoted(value: Any) -> str:
    """Text from outside (an SSID, a device's or NetworkManager's words) as a log line may carry it: its repr, so
    that a newline, a carriage return, an escape sequence or an invisible character shows as an escape and cannot
    forge or recolour a line."""
    return repr(value if isinstance(value, str) else str(value))


def visible(text: str) -> str:
    """Text with every character that cannot be seen (controls, zero-width and other format characters, spaces
    other than ' ') written as a \\uXXXX escape, and '\\' as '\\\\', so that two different names never look alike
    through what they hide ("Home\\u200b" is not "Home")."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char.isprintable():
            out.append(char)
        else:
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
    return "".join(out)
