"""The network list and the connect attempts of the on-screen method, as plain objects: no bus."""
from typing import List

import pytest

from ovos_PHAL_plugin_wifi_setup.methods.networks import (Busy, ConnectAttempts, Network, check_password, check_ssid,
                                                  failure_words, shape_networks, timeout_words)


def names(networks: List[Network]) -> List[str]:
    """The SSIDs, in order."""
    return [n.ssid for n in networks]


def test_duplicates_are_merged_where_they_first_appear() -> None:
    """A network seen through two access points is listed once, where nmcli put it first (the strongest)."""
    raw = [{"ssid": "Home", "security": "WPA2"}, {"ssid": "Cafe", "security": ""},
           {"ssid": "Home", "security": "WPA2"}, {"ssid": "Office", "security": "WPA1 WPA2"}]
    assert names(shape_networks(raw)) == ["Home", "Cafe", "Office"]


def test_hidden_and_malformed_entries_are_left_out() -> None:
    """Hidden networks (empty SSID, or nmcli's "--") cannot be joined by network-manager 1.3.5: not shown."""
    raw = [{"ssid": "", "security": "WPA2"}, {"ssid": "  ", "security": ""}, {"ssid": "--", "security": ""},
           {"ssid": 7, "security": ""}, {"security": "WPA2"}, "Home", None, {"ssid": "x" * 33, "security": ""},
           {"ssid": "Real", "security": None}, {"ssid": "Kept", "security": "WPA3"}]
    assert names(shape_networks(raw)) == ["Kept"]


def test_anything_but_a_list_is_no_networks() -> None:
    """A scan answer without a list shows an empty list, never an exception."""
    for raw in (None, {}, "Home", 3, {"ssid": "Home"}):
        assert shape_networks(raw) == []


def test_security_is_marked() -> None:
    """Secured networks carry nmcli's words; open ones (empty, or "--") are marked open."""
    shaped = {n.ssid: n.as_payload() for n in shape_networks([
        {"ssid": "Open", "security": ""}, {"ssid": "Dashes", "security": "--"},
        {"ssid": "W2", "security": "WPA2"}, {"ssid": "W3", "security": "WPA3"},
        {"ssid": "Mixed", "security": "WPA1 WPA2 "}])}
    assert shaped["Open"] == {"ssid": "Open", "security": "", "secured": False}
    assert shaped["Dashes"]["secured"] is False and shaped["Dashes"]["security"] == ""
    assert shaped["W2"] == {"ssid": "W2", "security": "WPA2", "secured": True}
    assert shaped["W3"]["secured"] and shaped["Mixed"]["security"] == "WPA1 WPA2"


def test_non_ascii_names_count_bytes_not_characters() -> None:
    """An SSID is at most 32 bytes: 16 two-byte characters fit, 17 do not."""
    fits, too_long = "é" * 16, "é" * 17
    assert names(shape_networks([{"ssid": fits, "security": ""}, {"ssid": too_long, "security": ""},
                                 {"ssid": "Café Ü 📶", "security": "WPA2"}])) == [fits, "Café Ü 📶"]
    assert check_ssid(fits) == fits
    with pytest.raises(ValueError, match="32 bytes"):
        check_ssid(too_long)


@pytest.mark.parametrize("value", [None, "", "   ", 5, ["Home"]])
def test_an_ssid_must_be_a_name(value: object) -> None:
    """Missing, empty or non-string network names are refused with words for the user."""
    with pytest.raises(ValueError, match="Pick a network"):
        check_ssid(value)


def test_password_limits() -> None:
    """8 to 63 characters for a secured network; an open one needs none; never anything but text."""
    assert check_password("12345678", secured=True) == "12345678"
    assert check_password(None, secured=False) == ""
    assert check_password("x" * 63, secured=True) == "x" * 63
    for bad, words in (("1234567", "at least 8"), ("x" * 64, "at most 63"), (12345678, "text")):
        with pytest.raises(ValueError, match=words):
            check_password(bad, secured=True)


def test_one_connect_in_flight() -> None:
    """A second connect while one waits is refused; once answered, the next may start."""
    attempts = ConnectAttempts(timeout=60)
    first = attempts.begin("Home", secured=True)
    with pytest.raises(Busy, match="Still connecting to Home"):
        attempts.begin("Cafe", secured=False)
    assert attempts.failed() is first
    assert attempts.begin("Cafe", secured=False).number == first.number + 1


def test_a_success_counts_only_for_the_network_in_flight() -> None:
    """network-manager's replies carry no request id: a success naming another network is not ours."""
    attempts = ConnectAttempts(timeout=60)
    attempt = attempts.begin("Home", secured=True)
    assert attempts.succeeded("Cafe") is None and attempts.in_flight is attempt
    assert attempts.succeeded("Home") is attempt and attempts.in_flight is None
    assert attempts.succeeded("Home") is None  # a repeated success ends nothing more


def test_a_failure_with_nothing_in_flight_is_not_ours() -> None:
    """A failure answering someone else's connect, with none of ours waiting, changes nothing."""
    assert ConnectAttempts(timeout=60).failed() is None


def test_a_timeout_ends_only_its_own_attempt() -> None:
    """The timer of an attempt already answered (and of an older one) does not end the one now in flight."""
    attempts = ConnectAttempts(timeout=60)
    old = attempts.begin("Home", secured=True)
    attempts.failed()
    new = attempts.begin("Home", secured=True)
    assert attempts.expire(old.number) is None and attempts.in_flight is new
    assert attempts.expire(new.number) is new and attempts.in_flight is None


def test_failure_words_tell_the_user_why() -> None:
    """The words follow what network-manager said and whether a scan right after still sees the network."""
    attempts = ConnectAttempts(timeout=60)
    secured = attempts.begin("Home", secured=True)
    assert str(failure_words(secured, 1, still_visible=True)) == \
        "The password for Home was not accepted. Check it and try again."
    assert str(failure_words(secured, 1, still_visible=False)) == \
        "Home is out of reach. Move closer, or pick another network."
    assert str(failure_words(secured, 0, still_visible=True)) == "Home needs a password."
    assert str(failure_words(secured, 1, still_visible=None)) == \
        "Could not connect to Home. Try again, or pick another network."
    attempts.failed()
    open_one = attempts.begin("Cafe", secured=False)
    assert str(failure_words(open_one, 1, still_visible=True)) == \
        "Could not connect to Cafe. Try again, or pick another network."
    assert str(timeout_words(open_one, 60)) == \
        "Cafe did not answer within 60 seconds. Try again, or pick another network."
