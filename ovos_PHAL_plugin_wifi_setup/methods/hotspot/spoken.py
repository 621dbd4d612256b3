"""What the hotspot method says about the page and the joins, in the device's language: the page's address to type
where no page opens, why a join failed and that the setup network is back, and which network a join reached.

The address is said as words a TTS reads well: no "http://", the dots as the language's word for a dot, and the
port (when it is not 80) after the language's word for a colon ("10 dot 42 dot 0 dot 1 colon 8080"), which is what
the user types. A failed join is said once the access point is back (client.py); a join that fails for any reason
but a wrong password is first tried once more by itself (retry.py), and only the last outcome is said. No line here
has a place for a password: the session's passphrase is said by presence.py alone.
"""
from urllib.parse import urlsplit

from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue

# The JoinFailed reasons with a line of their own; any other reason is said with FAILED_DIALOG.
FAILURE_DIALOGS = {
    "wrong_password": "hotspot_join_failed_wrong_password",
    "out_of_reach": "hotspot_join_failed_out_of_reach",
    "timeout": "hotspot_join_failed_timeout",
}
FAILED_DIALOG = "hotspot_join_failed"
DEFAULT_HTTP_PORT = 80


def address_words(catalogue: Catalogue, url: str) -> str:
    """The page's URL as it is said: the host, an IPv4 address's dots in words, and the port where it is not 80;
    "" for no URL."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:  # not a URL the page could have: nothing to say rather than something wrong
        return ""
    if not host:
        return ""
    words = f" {catalogue.dialog('hotspot_address_dot')} ".join(host.split(".")) if "." in host else host
    if port is not None and port != DEFAULT_HTTP_PORT:
        return catalogue.dialog("hotspot_address_port", address=words, port=str(port))
    return words


def address_line(catalogue: Catalogue, url: str) -> str:
    """The sentence that ends the instructions: where no page opens, the address to type; "" for no URL."""
    words = address_words(catalogue, url)
    return catalogue.dialog("hotspot_type_address", address=words) if words else ""


def with_address(catalogue: Catalogue, line: str, url: str) -> str:
    """A spoken line, and after it the address to type (where there is a URL)."""
    return " ".join(part for part in (line, address_line(catalogue, url)) if part)


def failure_line(catalogue: Catalogue, reason: str, ssid: str, hotspot_ssid: str) -> str:
    """After a failed join, once the access point is back: why it failed, in words, and that the setup network of
    that name is open again."""
    why = catalogue.dialog(FAILURE_DIALOGS.get(reason, FAILED_DIALOG), ssid=ssid)
    return f"{why} {catalogue.dialog('hotspot_setup_network_back', ssid=hotspot_ssid)}"


def joined_line(catalogue: Catalogue, ssid: str) -> str:
    """The moment a join succeeds: the network the device is now on (the manager says later that the internet
    works)."""
    return catalogue.dialog("hotspot_joined", ssid=ssid)
