"""A hidden network ("Other network") on the D-Bus stand-in: named with its security and joined with
802-11-wireless.hidden in the saved profile; every bad name, security or password refused before the access point
goes down, as for a listed network."""
from typing import Any, Callable, Dict, Optional

import pytest

from helpers import wait_until
from hotspot.conftest import WAIT
from hotspot.nm_mock import MockNetworkManager
from hotspot.phone import Phone
from hotspot.test_checks import assert_refused_before_the_ap_went_down, joined_settings, session

pytest.importorskip("dbus_fast", reason="needs the hotspot extra: pip install -e '.[hotspot]'")

PASSWORD = "correct horse battery"  # noqa: S105 - made up


def connect_hidden(phone: Phone, ssid: Any, security: Any, password: Any = PASSWORD,
                   hidden: Any = True) -> "tuple[int, Dict[str, Any]]":
    """POST /api/connect as the page's "Other network" does: the typed name, its security word, hidden: true."""
    import json
    body: Dict[str, Any] = {"ssid": ssid, "password": password, "hidden": hidden}
    if security is not None:
        body["security"] = security
    code, _, text = phone.request("POST", "/api/connect", body)
    return code, json.loads(text)


def test_a_hidden_wpa2_network_joins_with_hidden_true_in_the_saved_profile(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """"Bunker" is in no scan: named with WPA2, it is joined by a profile with its SSID, hidden true, wpa-psk with
    proto rsn and the password; the status names it."""
    phone = session(bus, recorder, hotspot)
    assert "Bunker" not in [n["ssid"] for n in phone.networks()]
    assert connect_hidden(phone, "Bunker", "WPA2") == (202, {"state": "connecting", "ssid": "Bunker"})
    assert wait_until(lambda: joined_settings(nm_mock), WAIT)
    (settings,) = joined_settings(nm_mock)
    wireless, security = settings["802-11-wireless"], settings["802-11-wireless-security"]
    assert (wireless["ssid"], wireless["hidden"], wireless["mode"]) == (b"Bunker", True, "infrastructure")
    assert (security["key-mgmt"], security["psk"], security["proto"]) == ("wpa-psk", PASSWORD, ["rsn"])
    assert phone.wait_for_state("connected")["ssid"] == "Bunker"


@pytest.mark.parametrize("security, password, key_mgmt", [
    ("Open", "", None),
    ("WPA3", "s3cr3", "sae"),
    ("WEP", "12345", "none"),
    ("OWE", "", "owe"),
])
def test_a_hidden_network_of_each_security_joins_hidden(
        security: str, password: str, key_mgmt: Optional[str], bus: Any, recorder: Any,
        nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """Each word of the list (Open, WPA3, WEP, OWE) joins a hidden network with that security's key management."""
    phone = session(bus, recorder, hotspot)
    assert connect_hidden(phone, "Bunker", security, password)[0] == 202
    assert wait_until(lambda: joined_settings(nm_mock), WAIT)
    (settings,) = joined_settings(nm_mock)
    assert settings["802-11-wireless"]["hidden"] is True
    assert settings.get("802-11-wireless-security", {}).get("key-mgmt") == key_mgmt


@pytest.mark.parametrize("ssid, security, password, hidden, key", [
    ("", "WPA2", PASSWORD, True, "error_hidden_name"),
    ("   ", "WPA2", PASSWORD, True, "error_hidden_name"),
    (None, "WPA2", PASSWORD, True, "error_hidden_name"),
    ("x" * 33, "WPA2", PASSWORD, True, "error_ssid_too_long"),
    ("é" * 17, "WPA2", PASSWORD, True, "error_ssid_too_long"),     # 17 characters, 34 bytes
    ("Bunker", None, PASSWORD, True, "error_hidden_security"),
    ("Bunker", "802.1X", PASSWORD, True, "error_hidden_security"),
    ("Bunker", "Secured", PASSWORD, True, "error_hidden_security"),
    ("Bunker", 2, PASSWORD, True, "error_hidden_security"),
    ("Bunker", "WPA2", "short", True, "error_password_too_short"),
    ("Bunker", "WPA2", "pässwörd-über-alles", True, "error_wpa_key"),
    ("Bunker", "WEP", "1234", True, "error_wep_key"),
    ("Bunker", "WPA3", "", True, "error_needs_password"),
    ("Bunker", "WPA2", PASSWORD, "yes", "error_request_invalid"),
    ("Bunker", "WPA2", PASSWORD, False, "error_not_listed"),          # not hidden: it must be in the list
])
def test_bad_hidden_inputs_are_refused_before_the_ap_goes_down(
        ssid: Any, security: Any, password: str, hidden: Any, key: str, bus: Any, recorder: Any,
        nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """An empty or too long name (in bytes), a security not among the list's words, a password that security
    refuses, a `hidden` that is not a boolean: a 400 in words while the access point is still up, nothing saved."""
    phone = session(bus, recorder, hotspot)
    changes = nm_mock.changes()
    code, body = connect_hidden(phone, ssid, security, password, hidden)
    assert (code, body["code"]) == (400, key)
    assert_refused_before_the_ap_went_down(nm_mock, changes)


def test_a_32_byte_hidden_name_joins(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """16 two-byte characters are 32 bytes, the most an SSID holds: taken, joined by those bytes."""
    phone = session(bus, recorder, hotspot)
    assert connect_hidden(phone, "é" * 16, "WPA2")[0] == 202
    assert wait_until(lambda: joined_settings(nm_mock), WAIT)
    assert joined_settings(nm_mock)[0]["802-11-wireless"]["ssid"] == ("é" * 16).encode("utf-8")
