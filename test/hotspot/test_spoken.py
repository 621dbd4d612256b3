"""What the device says about the page and the joins: the address to type where no page opens, a failed join (why,
and that the setup network is back), a join's network; and the one retry of a failure that is not a wrong password.
The manager on FakeBus, NetworkManager stood in for by python-dbusmock (as in test_client.py)."""
import json
from typing import Any, Callable, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue
from ovos_PHAL_plugin_wifi_setup.methods.hotspot import retry
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm import NetworkManager
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.presence import LABEL, SESSION, instructions, said
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.spoken import address_line, address_words, failure_line

from helpers import NS, send, wait_until
from hotspot.conftest import WAIT
from hotspot.nm_mock import MockNetworkManager
from hotspot.test_client import HOTSPOT_SSID, RIGHT, WRONG, active_ids, aps, joined, open_session, typed

pytest.importorskip("dbus_fast", reason="needs the hotspot extra: pip install -e '.[hotspot]'")

BACK = f"The setup network {HOTSPOT_SSID} is open again. Connect your phone to it and try again."


def utterances(recorder: Any) -> List[str]:
    """Everything the device said, in order."""
    return [d["utterance"] for d in recorder.of("speak")]


@pytest.fixture
def join_calls(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """NetworkManager.join, counted: the SSID of every call, in order (the calls themselves go on as they would)."""
    calls: List[str] = []
    real = NetworkManager.join

    async def counted(self: NetworkManager, device: Any, ssid: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(ssid if isinstance(ssid, str) else repr(ssid))
        return await real(self, device, ssid, *args, **kwargs)

    monkeypatch.setattr(NetworkManager, "join", counted)
    monkeypatch.setattr(retry, "RETRY_PAUSE", 0.1)
    return calls


def ap_back(nm: MockNetworkManager) -> bool:
    """The access point's profile is up again, and no joined profile stayed."""
    return bool(aps(nm)) and aps(nm)[0]["id"] in active_ids(nm) and not joined(nm)


# ---------------------------------------------------------------------- the address, in words
def test_the_address_on_port_80_is_said_without_a_port_and_without_http() -> None:
    """http://10.42.0.1/ is "10 dot 42 dot 0 dot 1": what the user types, read well by a TTS."""
    line = address_line(Catalogue("en-us"), "http://10.42.0.1/")
    assert line == "If no page opens, type 10 dot 42 dot 0 dot 1 in your browser."
    assert "http" not in line and "port" not in line and "colon" not in line


def test_an_address_on_another_port_says_the_port_after_a_colon() -> None:
    """http://10.42.0.1:8080/: the port after the word for the colon the user types."""
    assert address_words(Catalogue("en-us"), "http://10.42.0.1:8080/") == "10 dot 42 dot 0 dot 1 colon 8080"
    assert address_words(Catalogue("de-de"), "http://10.42.0.1:8080/") == \
        "10 Punkt 42 Punkt 0 Punkt 1 Doppelpunkt 8080"


def test_no_page_no_address_line() -> None:
    """Before the page is up there is no URL, and nothing is said about one."""
    assert address_line(Catalogue("en-us"), "") == ""
    assert instructions(Catalogue("en-us"), LABEL, "S", "", "") == \
        "Connect your phone to the Wi-Fi network S with the password on the device's label, then open any web page."


def test_the_instructions_end_with_the_address_in_each_language() -> None:
    """Every language's instructions end with its own sentence for the address (German and French checked)."""
    german = instructions(Catalogue("de-de"), SESSION, "S", "123412341234", "", "http://10.42.0.1/")
    assert german.endswith(" Wenn sich keine Seite öffnet, gib 10 Punkt 42 Punkt 0 Punkt 1 in deinen Browser ein.")
    french = instructions(Catalogue("fr-fr"), SESSION, "S", "123412341234", "", "http://10.42.0.1:8080/")
    assert french.endswith(" Si aucune page ne s'ouvre, tapez 10 point 42 point 0 point 1 deux-points 8080 dans "
                           "votre navigateur.")


def test_the_spoken_instructions_name_the_running_pages_address(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """A session: the instructions end with the running page's address and its port (the test's own, not 80)."""
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    assert utterances(recorder)[-1].endswith(
        f" Say \"repeat the password\" to hear it again. If no page opens, type 127 dot 0 dot 0 dot 1 colon "
        f"{phone.http_port} in your browser.")


# ---------------------------------------------------------------------- failed joins
def test_a_wrong_password_is_said_and_not_retried(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any],
        join_calls: List[str]) -> None:
    """A password NetworkManager refuses: one join call, the access point back, then why, and that it is back, said;
    no password in any spoken line."""
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    nm_mock.fail_next_join("wrong_password")
    assert phone.connect("Home", WRONG)[0] == 202
    assert phone.wait_for_state("failed")["code"] == "error_wrong_password"
    wait_until(lambda: len(utterances(recorder)) >= 2, WAIT)
    assert ap_back(nm_mock)
    assert utterances(recorder)[1:] == [f"The password for Home was not accepted. {BACK}"]
    assert join_calls == ["Home"]
    passphrase = aps(nm_mock)[0]["psk"]
    for message in recorder.of("speak")[1:]:
        text = json.dumps(message, ensure_ascii=False)
        assert WRONG not in text and passphrase not in text and said(passphrase) not in text


def test_a_timeout_is_retried_once_then_said_and_the_access_point_is_back(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any],
        join_calls: List[str]) -> None:
    """A network that never answers: tried twice (the page says "connecting" in between), then the failure is said
    once, after the access point is back."""
    _, phone = hotspot(hotspot_join_timeout=1)
    open_session(bus, recorder, phone)
    nm_mock.hang_next_join()
    nm_mock.hang_next_join()
    assert phone.connect("Café Ü", "")[0] == 202
    wait_until(lambda: len(join_calls) == 2, WAIT) or pytest.fail("no retry")
    assert phone.status()["state"] == "connecting", "the retry is still a connect in flight"
    assert phone.wait_for_state("failed")["code"] == "error_timeout"
    wait_until(lambda: len(utterances(recorder)) >= 2, WAIT)
    assert ap_back(nm_mock)
    assert join_calls == ["Café Ü", "Café Ü"]
    assert utterances(recorder)[1:] == [f"Café Ü did not answer in time. {BACK}"]


def test_a_network_out_of_reach_is_retried_once_then_said(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any],
        join_calls: List[str]) -> None:
    """SSID_NOT_FOUND twice: two join calls, then "out of reach" and the setup network back, said."""
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    nm_mock.fail_next_join("out_of_reach")
    nm_mock.fail_next_join("out_of_reach")
    assert phone.connect("Home", RIGHT)[0] == 202
    assert phone.wait_for_state("failed")["code"] == "error_out_of_reach"
    wait_until(lambda: len(utterances(recorder)) >= 2, WAIT)
    assert join_calls == ["Home", "Home"]
    assert utterances(recorder)[1:] == [f"Home is out of reach. {BACK}"]


def test_a_retry_that_succeeds_ends_the_session_and_no_failure_is_said(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any],
        join_calls: List[str]) -> None:
    """A first try that fails for no named reason, a second that joins: the session ends as after any join, and
    the device says the network, never a failure."""
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    nm_mock.fail_next_join("failed")
    assert phone.connect("Home", RIGHT)[0] == 202
    wait_until(lambda: recorder.of(NS + "remove.active.client"), WAIT) or pytest.fail("the session did not end")
    assert join_calls == ["Home", "Home"]
    assert [(p["ssid"], p["psk"]) for p in joined(nm_mock)] == [("Home", RIGHT)]
    assert utterances(recorder)[1:] == ["Connected to Home."]
    assert phone.status() == {"state": "connected", "ssid": "Home"}


# ---------------------------------------------------------------------- a join
def test_a_join_names_the_network_and_the_manager_does_not_say_it_again(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any],
        join_calls: List[str]) -> None:
    """The moment the join succeeds the device says the network's name; the round completing right after (within
    notice_window, 2 s by default; 5 here, so that a slow machine does not matter) adds no "connected to the
    internet" over it."""
    _, phone = hotspot(notice_window=5)
    open_session(bus, recorder, phone)
    assert phone.connect("Home", RIGHT)[0] == 202
    wait_until(lambda: recorder.of(NS + "remove.active.client"), WAIT) or pytest.fail("the session did not end")
    assert join_calls == ["Home"]
    assert utterances(recorder)[1:] == ["Connected to Home."]
    assert RIGHT not in json.dumps(recorder.of("speak"), ensure_ascii=False)
    send(bus, "mycroft.internet.connected")
    assert recorder.of(t.WIFI_SETUP_COMPLETED), "the round completed"
    assert utterances(recorder)[1:] == ["Connected to Home."]


def test_a_round_that_completes_later_says_the_internet_works_after_the_networks_name(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """A check that passes after notice_window (0 here): two different lines, the network joined, then the
    internet working (setup_completed.dialog, the manager's)."""
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    assert phone.connect("Home", RIGHT)[0] == 202
    wait_until(lambda: recorder.of(NS + "remove.active.client"), WAIT) or pytest.fail("the session did not end")
    send(bus, "mycroft.internet.connected")
    assert utterances(recorder)[1:] == ["Connected to Home.", "The device is connected to the internet."]


def test_in_german_the_failure_and_the_join_are_said_in_german(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """mycroft.conf's lang de-DE: the instructions' address, a wrong password with the setup network back, then
    the join, all in German."""
    from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
    monkeypatch.setattr(WifiSetupPlugin, "_device_lang", lambda self: "de-de")
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    assert utterances(recorder)[0].endswith(
        f"Wenn sich keine Seite öffnet, gib 127 Punkt 0 Punkt 0 Punkt 1 Doppelpunkt {phone.http_port} in deinen "
        "Browser ein.")
    nm_mock.fail_next_join("wrong_password")
    assert phone.connect("Home", WRONG)[0] == 202
    phone.wait_for_state("failed")
    wait_until(lambda: len(utterances(recorder)) >= 2, WAIT)
    assert utterances(recorder)[1] == (
        f"Das Passwort für Home wurde nicht akzeptiert. Das Einrichtungs-WLAN {HOTSPOT_SSID} ist wieder offen. "
        "Verbinde dein Telefon damit und versuche es noch einmal.")
    wait_until(lambda: ap_back(nm_mock), WAIT)
    assert phone.connect("Home", RIGHT)[0] == 202
    wait_until(lambda: len(utterances(recorder)) >= 3, WAIT)
    assert utterances(recorder)[2] == "Mit Home verbunden."
    assert [d["lang"] for d in recorder.of("speak")] == ["de-de"] * 3


def test_every_failure_reason_has_its_words_and_none_names_a_password() -> None:
    """Each JoinFailed reason (and an unknown one) reads as its own sentence, then the setup network back."""
    english = Catalogue("en-us")
    lines = {reason: failure_line(english, reason, "Home", "Setup") for reason in
             ("wrong_password", "out_of_reach", "timeout", "failed", "something new")}
    assert lines["failed"] == lines["something new"] == \
        "I could not connect to Home. The setup network Setup is open again. Connect your phone to it and try again."
    assert len(set(lines.values())) == 4
    assert not retry.retried("wrong_password")
    assert all(retry.retried(reason) for reason in ("out_of_reach", "timeout", "failed"))


def test_the_hotspot_repeat_names_the_address_too(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """hotspot.repeat in a session: the passphrase again, then the address to type (whoever asks may be stuck)."""
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    send(bus, "hotspot.repeat")
    passphrase = aps(nm_mock)[0]["psk"]
    assert utterances(recorder)[-1] == f"The password of {HOTSPOT_SSID} is {said(passphrase)}. {typed(phone)}"
