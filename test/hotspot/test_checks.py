"""The hotspot method's session against NetworkManager stood in for by python-dbusmock: the access point's address,
and every check of a connect made before the access point goes down (a refusal is a 4xx in words and leaves
NetworkManager as it was: no deactivation, no profile), and the networks the page lists but cannot join (802.1X),
joins without a password (OWE) or names by an id (a non-UTF-8 SSID, joined by its bytes)."""
from typing import Any, Callable, Dict, List

import pytest

from helpers import NS, wait_until
from hotspot.conftest import WAIT
from hotspot.nm_mock import MockNetworkManager
from hotspot.phone import Phone
from hotspot.test_client import active_ids, aps, joined, open_session

pytest.importorskip("dbus_fast", reason="needs the hotspot extra: pip install -e '.[hotspot]'")

HEX_KEY = "0123456789abcdef" * 4   # a WPA key given as the 64 hex digits of the key itself (made up)
NON_ASCII = "pässwörd-über-alles"   # noqa: S105 - made up: WPA takes ASCII only


def ap_is_up(nm: MockNetworkManager) -> bool:
    """The setup access point's profile is there and active."""
    return len(aps(nm)) == 1 and aps(nm)[0]["id"] in active_ids(nm)


def session(bus: Any, recorder: Any, hotspot: Callable[..., Any]) -> Phone:
    """The manager with the hotspot method, its session open and the page up; returns the phone."""
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    return phone


def assert_refused_before_the_ap_went_down(nm: MockNetworkManager, changes: int) -> None:
    """Nothing asked of NetworkManager since `changes` was read: no deactivation, no profile; the AP is still up."""
    assert nm.deactivations() == 0, "the access point was taken down for a refused connect"
    assert nm.changes() == changes and not joined(nm) and ap_is_up(nm)


def entry(phone: Phone, display: str) -> Dict[str, Any]:
    """The page's list entry whose display form is `display`."""
    (found,) = [n for n in phone.networks() if n["display"] == display]
    return found


def joined_settings(nm: MockNetworkManager) -> List[Dict[str, Any]]:
    """The infrastructure profiles' settings as NetworkManager holds them (the SSID as bytes)."""
    return [p["settings"] for p in joined(nm)]


def test_the_access_point_takes_the_configured_address(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """hotspot_address (the fixture's 127.0.0.1, where the page and the DNS listen) is the access point profile's
    own ipv4 address-data, not NetworkManager's default 10.42.0.1."""
    session(bus, recorder, hotspot)
    (ap,) = aps(nm_mock)
    assert ap["ipv4_method"] == "shared" and ap["ipv4_address_data"] == [{"address": "127.0.0.1", "prefix": 24}]


def test_the_access_point_opened_again_after_a_failed_join_keeps_the_configured_address(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """A wrong password brings the access point back: with hotspot_address again."""
    phone = session(bus, recorder, hotspot)
    nm_mock.fail_next_join("wrong_password")
    assert phone.connect("Home", "wrong-horse-1")[0] == 202
    phone.wait_for_state("failed")
    assert wait_until(lambda: ap_is_up(nm_mock), WAIT)
    assert aps(nm_mock)[0]["ipv4_address_data"] == [{"address": "127.0.0.1", "prefix": 24}]


def test_an_8021x_network_is_listed_as_needing_a_sign_in_and_refused_before_the_ap_goes_down(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """An enterprise network (key management 802.1X): listed, marked not joinable with the sign-in note, its radio
    disabled on the page; a connect to it, by the API or the form, is a 400 in words and changes nothing."""
    nm_mock.add_access_point("Office", 90, "enterprise")
    phone = session(bus, recorder, hotspot)
    office = entry(phone, "Office")
    assert (office["security"], office["secured"], office["joinable"], office["note"]) == (
        "802.1X", True, False, "sign_in")
    assert "joinable" not in entry(phone, "Home"), "a joinable network keeps the keys it had"
    code, _, page = phone.request("GET", "/")
    assert code == 200 and "Needs a sign-in with an account, which this page cannot do" in page
    assert 'value="Office" data-secured="1" data-min="8" disabled>' in page
    changes = nm_mock.changes()
    code, body = phone.connect("Office", "anything-at-all")
    assert (code, body["code"]) == (400, "error_needs_sign_in")
    assert body["error"] == ("Office needs a sign-in with an account (802.1X), which this page cannot do. Pick "
                             "another network.")
    assert phone.status() == {"state": "waiting"}
    assert_refused_before_the_ap_went_down(nm_mock, changes)
    assert not recorder.of(NS + "remove.active.client")


def test_a_network_seen_with_wep_and_open_is_listed_as_not_joinable_and_refused_before_the_ap_goes_down(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """WEP beside open under one name (never joined open, WEP not every access point's): noted, refused, no
    change."""
    nm_mock.add_access_point("Shaky", 90, "wep")
    nm_mock.add_access_point("Shaky", 50, "open")
    phone = session(bus, recorder, hotspot)
    assert (entry(phone, "Shaky")["joinable"], entry(phone, "Shaky")["note"]) == (False, "mixed")
    changes = nm_mock.changes()
    code, body = phone.connect("Shaky", "12345")
    assert (code, body["code"]) == (400, "error_mixed_security")
    assert_refused_before_the_ap_went_down(nm_mock, changes)


@pytest.mark.parametrize("password, key", [
    (NON_ASCII, "error_wpa_key"),
    ("x" * 64, "error_wpa_key"),                # 64 characters must be hex
    ("0123456789abcdef" * 4 + "0", "error_wpa_key"),
    ("short", "error_password_too_short"),
    ("tab\there-is-no-printable", "error_wpa_key"),
])
def test_a_non_ascii_wpa_password_is_refused_before_the_ap_goes_down(
        password: str, key: str, bus: Any, recorder: Any, nm_mock: MockNetworkManager,
        hotspot: Callable[..., Any]) -> None:
    """WPA2 takes 8 to 63 printable ASCII characters or 64 hex digits: anything else is a 400 in words while the
    access point is still up (it used to be a failed join after the teardown)."""
    phone = session(bus, recorder, hotspot)
    changes = nm_mock.changes()
    code, body = phone.connect("Home", password)
    assert (code, body["code"]) == (400, key)
    if key == "error_wpa_key":
        assert body["error"] == ("A WPA password is 8 to 63 characters without accents (as on an English keyboard), "
                                 "or 64 hex digits.")
    assert_refused_before_the_ap_went_down(nm_mock, changes)


def test_a_64_hex_psk_joins(bus: Any, recorder: Any, nm_mock: MockNetworkManager,
                            hotspot: Callable[..., Any]) -> None:
    """The key itself as 64 hex digits: taken by the page (its field holds 64) and given to NetworkManager as it is."""
    phone = session(bus, recorder, hotspot)
    code, _, page = phone.request("GET", "/")
    assert 'maxlength="64"' in page
    assert phone.connect("Home", HEX_KEY) == (202, {"state": "connecting", "ssid": "Home"})
    assert wait_until(lambda: joined(nm_mock), WAIT)
    (profile,) = joined(nm_mock)
    assert (profile["ssid"], profile["key_mgmt"], profile["psk"]) == ("Home", "wpa-psk", HEX_KEY)


@pytest.mark.parametrize("password", ["12345", "abcdefghijklm", "0123456789", "0123456789abcdef0123456789"])
def test_wep_keys_of_5_or_13_characters_or_10_or_26_hex_join(
        password: str, bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """WEP-40 and WEP-104, as text or hex: shorter than the WPA minimum, and taken (the page asks 5 at least)."""
    nm_mock.add_access_point("Attic", 90, "wep")
    phone = session(bus, recorder, hotspot)
    code, _, page = phone.request("GET", "/")
    assert 'value="Attic" data-secured="1" data-min="5">' in page
    assert phone.connect("Attic", password)[0] == 202
    assert wait_until(lambda: joined(nm_mock), WAIT)
    security = joined_settings(nm_mock)[0]["802-11-wireless-security"]
    assert (security["key-mgmt"], security["wep-key0"], security["wep-key-type"]) == ("none", password, 1)


@pytest.mark.parametrize("password", ["1234", "123456", "abcdefghijkl", "012345678g", "0123456789abcdef012345678"])
def test_wep_keys_of_other_lengths_are_refused_before_the_ap_goes_down(
        password: str, bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """A WEP key of any other length (or 10/26 characters that are not hex): a 400 in words, no change."""
    nm_mock.add_access_point("Attic", 90, "wep")
    phone = session(bus, recorder, hotspot)
    changes = nm_mock.changes()
    code, body = phone.connect("Attic", password)
    assert (code, body["code"], body["error"]) == (
        400, "error_wep_key", "A WEP key is 5 or 13 characters, or 10 or 26 hex digits.")
    assert_refused_before_the_ap_went_down(nm_mock, changes)


def test_a_wpa3_password_shorter_than_8_characters_joins(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """SAE has no length rule (NetworkManager asks only for a password): "Studio" (WPA3) joins with 5 characters,
    and the page asks for one at least; an empty one is refused before the access point goes down."""
    phone = session(bus, recorder, hotspot)
    code, _, page = phone.request("GET", "/")
    assert 'value="Studio" data-secured="1" data-min="1">' in page
    changes = nm_mock.changes()
    code, body = phone.connect("Studio", "")
    assert (code, body["code"]) == (400, "error_needs_password")
    assert_refused_before_the_ap_went_down(nm_mock, changes)
    assert phone.connect("Studio", "s3cr3")[0] == 202
    assert wait_until(lambda: joined(nm_mock), WAIT)
    assert [(p["key_mgmt"], p["psk"]) for p in joined(nm_mock)] == [("sae", "s3cr3")]


@pytest.mark.parametrize("kind", ["owe", "owe-transition"])
def test_an_owe_network_is_enhanced_open_and_joins_without_a_password(
        kind: str, bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """An OWE access point (key management OWE), or the open half of a transition pair (OWE_TM): listed as
    "Enhanced open", no password field; joined with key-mgmt owe and no secret, a password sent being unused."""
    nm_mock.add_access_point("Library", 90, kind)
    phone = session(bus, recorder, hotspot)
    library = entry(phone, "Library")
    assert (library["security"], library["secured"], "joinable" in library) == ("OWE", False, False)
    code, _, page = phone.request("GET", "/")
    assert 'value="Library" data-secured="0" data-min="0">' in page and "Enhanced open" in page
    assert phone.connect("Library", "ignored-anyway") == (202, {"state": "connecting", "ssid": "Library"})
    assert wait_until(lambda: joined(nm_mock), WAIT)
    (settings,) = joined_settings(nm_mock)
    assert settings["802-11-wireless-security"] == {"key-mgmt": "owe"}
    assert settings["802-11-wireless"]["security"] == "802-11-wireless-security"


def test_a_non_utf8_ssid_joins_by_its_bytes(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """"Caf\\xe9" in Latin-1 (not UTF-8): listed under a display form that shows the byte, flagged as a lookalike,
    named by an opaque id that no SSID can be; a connect naming that id joins a profile with the very bytes."""
    nm_mock.add_access_point(b"Caf\xe9", 90, "wpa2")
    phone = session(bus, recorder, hotspot)
    cafe = entry(phone, "Caf\\xe9")
    assert cafe["lookalike"] is True and cafe["security"] == "WPA2"
    assert cafe["ssid"].startswith("ssid-bytes:436166e9") and len(cafe["ssid"].encode()) > 32
    # Its replacement-character text names no listed network: only the id does.
    changes = nm_mock.changes()
    code, body = phone.connect("Caf\ufffd", "correct horse")
    assert (code, body["code"]) == (400, "error_not_listed")
    assert_refused_before_the_ap_went_down(nm_mock, changes)
    assert phone.connect(cafe["ssid"], "correct horse")[0] == 202
    assert wait_until(lambda: joined(nm_mock), WAIT)
    (settings,) = joined_settings(nm_mock)
    assert settings["802-11-wireless"]["ssid"] == b"Caf\xe9"
    assert settings["802-11-wireless-security"]["psk"] == "correct horse"
    assert settings["connection"]["id"] == "Caf\\xe9"
    assert phone.status()["ssid"] == "Caf\\xe9"
