"""The network list and the connect attempts of the on-screen method, as plain objects: no bus."""
from typing import Dict, List, Optional, Tuple

import pytest

from ovos_PHAL_plugin_wifi_setup.methods.networks import (ANSWER_LIMIT, Busy, ConnectAttempts, Network, check_password,
                                                          check_ssid, failure_words, rebuild_entry, shape_networks,
                                                          timeout_words)


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
    assert shaped["Open"] == {"ssid": "Open", "security": "", "secured": False, "security_known": True}
    assert shaped["Dashes"]["secured"] is False and shaped["Dashes"]["security"] == ""
    assert shaped["W2"] == {"ssid": "W2", "security": "WPA2", "secured": True, "security_known": True}
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


def test_a_late_failure_answers_the_connect_whose_time_ran_out_not_the_next_one() -> None:
    """Answers come back in the order the connects were asked: a failure while an expired connect is still owed
    its answer is that one's (late), and the next failure is the one in flight's."""
    attempts = ConnectAttempts(timeout=60)
    first = attempts.begin("Cafe", secured=False)
    assert attempts.expire(first.number) is first
    second = attempts.begin("Home", secured=True)
    late = attempts.failure()
    assert late is not None and late.attempt is first and late.late
    assert attempts.in_flight is second
    own = attempts.failure()
    assert own is not None and own.attempt is second and not own.late
    assert attempts.failure() is None and attempts.owed == 0


def test_a_success_names_its_connect_late_or_not() -> None:
    """A success for the network in flight is its own even while an older connect is owed; one for the network of
    an expired connect is that one's, late; the expired connect's failure still comes, and changes nothing."""
    attempts = ConnectAttempts(timeout=60)
    first = attempts.begin("Cafe", secured=False)
    attempts.expire(first.number)
    second = attempts.begin("Home", secured=True)
    own = attempts.success_for("Home")
    assert own is not None and own.attempt is second and not own.late and attempts.in_flight is None
    late = attempts.failure()
    assert late is not None and late.attempt is first and late.late
    third = attempts.begin("Studio", secured=True)
    attempts.expire(third.number)
    joined_late = attempts.success_for("Studio")
    assert joined_late is not None and joined_late.attempt is third and joined_late.late
    assert attempts.success_for("Nobody's") is None


def test_the_same_network_tried_again_is_joined_by_whichever_answer_comes() -> None:
    """Tried twice (the first timed out), a success for that network ends the one in flight; the other answer,
    when it comes, is late."""
    attempts = ConnectAttempts(timeout=60)
    first = attempts.begin("Home", secured=True)
    attempts.expire(first.number)
    second = attempts.begin("Home", secured=True)
    answer = attempts.success_for("Home")
    assert answer is not None and answer.attempt is second and not answer.late
    assert attempts.owed == 1
    rest = attempts.success_for("Home")
    assert rest is not None and rest.late and attempts.owed == 0


def test_an_answer_owed_longer_than_nmcli_can_take_is_forgotten() -> None:
    """nmcli answers a connect within 90 s: past ANSWER_LIMIT an expired connect's answer is taken as lost, and a
    failure then is the one in flight's."""
    now = [0.0]
    attempts = ConnectAttempts(timeout=60, clock=lambda: now[0])
    first = attempts.begin("Cafe", secured=False)
    attempts.expire(first.number)
    now[0] = ANSWER_LIMIT + 1
    second = attempts.begin("Home", secured=True)
    answer = attempts.failure()
    assert answer is not None and answer.attempt is second and not answer.late


def test_the_session_ending_leaves_the_answer_owed() -> None:
    """clear() (the session ended) forgets the connect in flight, but its answer is still owed: late when it comes,
    never taken for a connect of the next session."""
    attempts = ConnectAttempts(timeout=60)
    attempts.begin("Cafe", secured=False)
    attempts.clear()
    nxt = attempts.begin("Home", secured=True)
    late = attempts.failure()
    assert late is not None and late.late and attempts.in_flight is nxt


@pytest.mark.parametrize("entry, rebuilt", [
    # What network-manager 1.3.5 sends (nmcli's terse line split on every ':', pieces 1 and 2) -> what it was.
    ({"ssid": "Lab\\", "security": "Guest"}, ("Lab:Guest", None)),          # Lab\:Guest:WPA2
    ({"ssid": "Cafe\\", "security": " Free"}, ("Cafe: Free", None)),        # Cafe\: Free:  (open)
    ({"ssid": "Lab\\", "security": ""}, ("Lab:", None)),                    # Lab\::WPA2
    ({"ssid": "Back\\\\Slash", "security": "WPA2"}, ("Back\\Slash", "WPA2")),  # Back\\Slash:WPA2
    ({"ssid": "Ends\\\\", "security": "WPA2"}, ("Ends\\", "WPA2")),          # Ends\\:WPA2
    ({"ssid": "a\\\\\\", "security": "b"}, ("a\\:b", None)),                # a\\\:b:WPA2 (name a\:b)
    ({"ssid": "Home", "security": "WPA2"}, ("Home", "WPA2")),
    ({"ssid": "a\\", "security": "b\\"}, None),                             # a\:b\:c:WPA2: the end is lost
])
def test_names_network_manager_split_are_rebuilt_where_the_escaping_tells(entry: Dict[str, str],
                                                                         rebuilt: Optional[Tuple[str, Optional[str]]]) -> None:
    """nmcli escapes ':' and '\\' in its terse list and network-manager 1.3.5 splits on every ':': the real name
    comes back from the escaping; the security, where it was the lost third piece, is unknown; a name with two ':'
    cannot be rebuilt and is left out."""
    assert rebuild_entry(entry["ssid"], entry["security"]) == rebuilt
    shaped = shape_networks([entry])
    if rebuilt is None:
        assert shaped == []
        return
    name, security = rebuilt
    assert [n.ssid for n in shaped] == [name]
    payload = shaped[0].as_payload()
    if security is None:
        assert payload == {"ssid": name, "security": "", "secured": True, "security_known": False}
    else:
        assert payload == {"ssid": name, "security": security, "secured": True, "security_known": True}


def test_a_network_of_unknown_security_takes_no_password_or_a_full_one() -> None:
    """Where the scan lost the security the password may stay empty (an open network), else it is 8 to 63
    characters as for any secured one; an empty try that fails says the network needs a password."""
    assert check_password("", secured=True, optional=True) == ""
    assert check_password(None, secured=True, optional=True) == ""
    assert check_password("12345678", secured=True, optional=True) == "12345678"
    with pytest.raises(ValueError, match="at least 8"):
        check_password("1234", secured=True, optional=True)
    guess = ConnectAttempts(timeout=60).begin("Lab:Guest", secured=True, open_guess=True)
    assert str(failure_words(guess, 1, still_visible=True)) == "Lab:Guest needs a password."
    assert str(failure_words(guess, 1, still_visible=False)) == \
        "Lab:Guest is out of reach. Move closer, or pick another network."
