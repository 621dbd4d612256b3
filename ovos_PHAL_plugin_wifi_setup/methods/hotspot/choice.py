"""What the page's connect picked, checked before the access point goes down: the network of the session's list it
names, and the password the rules of that network's security take; a refusal is words for the user (a 4xx on the
page), and nothing is changed.

A join takes the setup network down first (the device has one radio), so a check that came after it would leave the
phone without the page to read the refusal on. The rules are those NetworkManager and the supplicant hold to:

- WPA and WPA2 (key-mgmt wpa-psk): 8 to 63 printable ASCII characters, or exactly 64 hex digits (the key itself);
- WPA3 (sae): any text that is not empty (SAE has no length rule);
- WEP (none): 5 or 13 printable ASCII characters, or 10 or 26 hex digits;
- open and OWE ("enhanced open"): no password (one sent is not used);
- 802.1X (wpa-eap, an account's sign-in) and a network seen both with WEP and open: listed, never joined.

A network whose SSID is not UTF-8 is named on the page by its raw_id (nm_dbus.py), a UTF-8 one by its SSID as before.
A hidden network ("Other network", not in the scan) is named by the user with its security (one of HIDDEN_SECURITY,
the words the list uses) and held to the same rules (hidden_network, then check_key).
"""
from typing import Any, Sequence

from ovos_PHAL_plugin_wifi_setup.i18n import Words
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm_dbus import (ENTERPRISE, KEY_MGMT, MAX_SSID_BYTES, OPEN_WORD,
                                                                 PASSWORDLESS, AccessPoint, raw_id_bytes,
                                                                 valid_sae_password, valid_wep_key, valid_wpa_psk)
from ovos_PHAL_plugin_wifi_setup.methods.networks import MIN_PASSWORD_CHARS, Refused, check_ssid

# The password field's length on the page: a WPA key in hex (an SAE password, which has no rule of its own, longer
# than this comes through the API only; a request's body is bounded by the server).
MAX_PAGE_KEY_CHARS = 64

# Why a join failed, in words for the user (JoinFailed.reason -> catalogue key).
JOIN_FAILURE_WORDS = {
    "wrong_password": "error_wrong_password",
    "out_of_reach": "error_out_of_reach",
    "timeout": "error_timeout",
}


# A hidden network's security as the page offers it (the list's words, the most common first) -> AccessPoint.security.
HIDDEN_SECURITY = {"WPA2": "WPA2", "WPA3": "WPA3", "WPA": "WPA", "WEP": "WEP", "OWE": "OWE", OPEN_WORD: ""}


def hidden_network(ssid: Any, security: Any) -> AccessPoint:
    """The network an "Other network" connect names, to join with 802-11-wireless.hidden; Refused with words for a
    name that cannot be an SSID (empty, or over 32 bytes of UTF-8) or a security not of HIDDEN_SECURITY."""
    if not isinstance(ssid, str) or not ssid.strip():
        raise Refused(Words.of("error_hidden_name"))
    try:
        data = ssid.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON: no SSID's bytes
        raise Refused(Words.of("error_hidden_name")) from None
    if len(data) > MAX_SSID_BYTES:
        raise Refused(Words.of("error_ssid_too_long"))
    if not isinstance(security, str) or security not in HIDDEN_SECURITY:
        raise Refused(Words.of("error_hidden_security"))
    return AccessPoint(ssid=ssid, security=HIDDEN_SECURITY[security], strength=0, hidden=True)


def find_network(networks: Sequence[AccessPoint], value: Any) -> AccessPoint:
    """The listed network a connect names (its SSID, or a non-UTF-8 one's raw_id); Refused with words otherwise."""
    data = raw_id_bytes(value) if isinstance(value, str) else None
    if data is None:
        data = check_ssid(value).encode("utf-8")
    network = next((n for n in networks if n.ssid_bytes == data), None)
    if network is None:
        raise Refused(Words.of("error_not_listed", ssid=value if isinstance(value, str) else ""))
    return network


def check_key(network: AccessPoint, value: Any) -> str:
    """The password to join `network` with ("" where it takes none); Refused with words where the network cannot
    be joined from the page or its security's rules refuse the password."""
    if network.security == ENTERPRISE:
        raise Refused(Words.of("error_needs_sign_in", ssid=network.ssid))
    if network.security not in KEY_MGMT:
        raise Refused(Words.of("error_mixed_security", ssid=network.ssid))
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(Words.of("error_password_not_text"))
    if network.security in PASSWORDLESS:
        return ""
    key_mgmt = KEY_MGMT[network.security]
    if key_mgmt == "wpa-psk" and not valid_wpa_psk(value):
        raise Refused(Words.of("error_password_too_short" if len(value) < MIN_PASSWORD_CHARS else "error_wpa_key"))
    if key_mgmt == "sae" and not valid_sae_password(value):
        raise Refused(Words.of("error_needs_password", ssid=network.ssid))
    if key_mgmt == "none" and not valid_wep_key(value):
        raise Refused(Words.of("error_wep_key"))
    return value
