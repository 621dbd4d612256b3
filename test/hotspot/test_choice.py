"""choice.py and the SSID and security readings of nm_dbus.py it relies on, with plain values: which network a
connect names, and the password rules of each security, as NetworkManager holds them."""
from typing import Optional

import pytest

pytest.importorskip("dbus_fast", reason="needs dbus-fast: pip install dbus-fast")

from ovos_PHAL_plugin_wifi_setup.methods.hotspot.choice import check_key, find_network  # noqa: E402
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm_dbus import (  # noqa: E402
    MAX_SSID_BYTES, WEP_AND_OPEN, AccessPoint, decode_ssid, encode_ssid, join_settings, merge_access_points,
    page_entries, raw_id, raw_id_bytes, security_word)
from ovos_PHAL_plugin_wifi_setup.methods.networks import Refused  # noqa: E402

LATIN1 = AccessPoint("Caf\\xe9", "WPA2", 50, raw=b"Caf\xe9")
NETWORKS = [AccessPoint("Home", "WPA2", 80), AccessPoint("Caf\\xe9", "", 60), LATIN1,
            AccessPoint("Office", "802.1X", 40), AccessPoint("Library", "OWE", 30)]


def refusal(network: AccessPoint, password: object) -> Optional[str]:
    """The key of check_key's refusal, or None where it takes the password."""
    try:
        check_key(network, password)
    except Refused as e:
        return e.words.key
    return None


@pytest.mark.parametrize("flags, wpa, rsn, word", [
    (1, 0, 0x888, "OWE"),        # an OWE access point: RSN, CCMP, key management OWE
    (0, 0, 0x1000, "OWE"),       # the open half of a transition pair: OWE_TM
    (1, 0, 0x288, "802.1X"),
    (1, 0, 0x2088, "802.1X"),    # WPA3-Enterprise 192-bit
    (1, 0, 0x588, "WPA2"),       # WPA2/WPA3 transition: wpa-psk joins it
    (0, 0, 0, ""),
])
def test_the_security_word_of_an_access_point(flags: int, wpa: int, rsn: int, word: str) -> None:
    """NetworkManager's NM80211ApSecurityFlags read into the page's words (OWE 0x800, OWE_TM 0x1000)."""
    assert security_word(flags, wpa, rsn) == word


def test_owe_beside_open_is_joined_as_owe_and_is_passwordless() -> None:
    """An OWE access point beside an open one of the same name: the network is OWE (never joined unencrypted)."""
    (merged,) = merge_access_points([AccessPoint("Library", "", 90), AccessPoint("Library", "OWE", 40)])
    assert (merged.security, merged.secured, merged.words) == ("OWE", False, "OWE Open")


def test_a_non_utf8_ssid_keeps_its_bytes_and_a_display_form_no_utf8_ssid_has() -> None:
    """b"Caf\\xe9": its display form writes the byte as \\xe9; "Caf\\xe9" typed as text (a real UTF-8 SSID) is
    another network, whose display doubles the backslash; merged apart by their bytes."""
    assert decode_ssid(b"Caf\xe9") == "Caf\\xe9"
    merged = merge_access_points([LATIN1, AccessPoint("Caf\\xe9", "", 60)])
    assert [(n.raw, n.ssid_bytes) for n in merged] == [(b"", b"Caf\\xe9"), (b"Caf\xe9", b"Caf\xe9")]
    shown = page_entries(merged)
    assert [n["display"] for n in shown] == ["Caf\\\\xe9", "Caf\\xe9"]
    assert shown[1]["ssid"] == raw_id(b"Caf\xe9") and shown[1]["lookalike"] is True


@pytest.mark.parametrize("data", [b"\xff", b"Caf\xe9", bytes(range(128, 160))])
def test_a_raw_id_names_its_bytes_and_is_longer_than_any_ssid(data: bytes) -> None:
    """The id round-trips, and is over 32 bytes: no SSID (at most 32) can be it."""
    assert raw_id_bytes(raw_id(data)) == data
    assert len(raw_id(data).encode("utf-8")) > MAX_SSID_BYTES


@pytest.mark.parametrize("value", ["Home", "ssid-bytes:zz", "ssid-bytes:" + "4" * 63 + ".", raw_id(b"a")[:-1]])
def test_what_is_not_a_raw_id_names_no_bytes(value: str) -> None:
    assert raw_id_bytes(value) is None


def test_a_connect_names_a_utf8_network_by_its_ssid_and_a_raw_one_by_its_id_only() -> None:
    """"Home" by its name; the Latin-1 network by its id, never by its display form (that is the UTF-8 network of
    that name) nor by its replacement-character text."""
    assert find_network(NETWORKS, "Home") is NETWORKS[0]
    assert find_network(NETWORKS, raw_id(b"Caf\xe9")) is LATIN1
    assert find_network(NETWORKS, "Caf\\xe9") is NETWORKS[1]
    for value in ("Caf\ufffd", raw_id(b"Caf\xe8"), "Neighbour"):
        with pytest.raises(Refused) as refused:
            find_network(NETWORKS, value)
        assert refused.value.words.key == "error_not_listed"
    for value, key in ((None, "error_pick_first"), ("x" * 33, "error_ssid_too_long")):
        with pytest.raises(Refused) as refused:
            find_network(NETWORKS, value)
        assert refused.value.words.key == key


@pytest.mark.parametrize("security, password, key", [
    ("WPA2", "correct horse", None),
    ("WPA2", "0123456789abcdef" * 4, None),           # 64 hex: the key itself
    ("WPA", "~" * 63, None),
    ("WPA2", "short", "error_password_too_short"),
    ("WPA2", "pässwörd-über", "error_wpa_key"),       # not ASCII
    ("WPA2", "x" * 64, "error_wpa_key"),              # 64, not hex
    ("WPA2", "a" * 65, "error_wpa_key"),
    ("WPA2", "new\nline-in-it", "error_wpa_key"),     # not printable
    ("WPA2", 12345678, "error_password_not_text"),
    ("WPA3", "x", None),                              # SAE: no length rule
    ("WPA3", "pässwörd", None),
    ("WPA3", "", "error_needs_password"),
    ("WPA3", "nul\x00", "error_needs_password"),
    ("WEP", "12345", None), ("WEP", "abcdefghijklm", None), ("WEP", "0123456789", None),
    ("WEP", "0123456789ABCDEF0123456789", None),
    ("WEP", "1234", "error_wep_key"), ("WEP", "123456", "error_wep_key"), ("WEP", "012345678g", "error_wep_key"),
    ("WEP", "ä2345", "error_wep_key"), ("WEP", "", "error_wep_key"),
    ("802.1X", "anything-at-all", "error_needs_sign_in"),
    (WEP_AND_OPEN, "12345", "error_mixed_security"),
    ("", "ignored", None), ("OWE", None, None),
])
def test_each_securitys_password_rules(security: str, password: object, key: Optional[str]) -> None:
    """WPA/WPA2: 8 to 63 printable ASCII or 64 hex; WPA3: not empty; WEP: 5/13 ASCII or 10/26 hex; 802.1X and WEP
    beside open: never; open and OWE: no password (one sent is dropped)."""
    network = AccessPoint("Net", security, 50)
    assert refusal(network, password) == key
    if key is None and security in ("", "OWE"):
        assert check_key(network, password) == ""


def test_an_owe_profile_has_key_mgmt_owe_and_no_secret_and_bytes_are_joined_as_they_are() -> None:
    """join_settings for OWE: key-mgmt owe only; for a non-UTF-8 SSID: the bytes, the id its display form."""
    settings = join_settings(b"Caf\xe9", "", "owe")
    assert settings["802-11-wireless"]["ssid"].value == b"Caf\xe9"
    assert settings["connection"]["id"].value == "Caf\\xe9"
    assert {k: v.value for k, v in settings["802-11-wireless-security"].items()} == {"key-mgmt": "owe"}
    assert encode_ssid(b"Caf\xe9") == b"Caf\xe9"
    for bad in (b"", b"\x00\x00", b"x" * 33):
        with pytest.raises(ValueError):
            encode_ssid(bad)
