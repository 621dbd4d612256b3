"""The hotspot method with the manager on FakeBus, NetworkManager stood in for by python-dbusmock on a private
system bus, and its page and DNS responder on 127.0.0.1: what the user's phone sees, and what NetworkManager is
left with, at each step of a session."""
import json
import re
import socket
from typing import Any, Callable, Dict, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.presence import said

from helpers import NS, emit_raw, send, status, wait_until
from stack import free_port
from hotspot.conftest import HOTSPOT, WAIT, LogLines, registered
from hotspot.nm_mock import MockNetworkManager
from hotspot.phone import Phone

pytest.importorskip("dbus_fast", reason="needs the hotspot extra: pip install -e '.[hotspot]'")

# Made up for the tests.
WRONG = "not-the-password"  # noqa: S105
RIGHT = "correct horse battery"  # noqa: S105
PASSPHRASE = "phone-joins-here"  # noqa: S105
# The mock's first Wi-Fi device has the hardware address 02:00:00:00:00:01: the hotspot's name ends in its last four
# digits.
HOTSPOT_SSID = "OVOS-Setup-0001"


def typed(phone: Phone) -> str:
    """The sentence that ends the instructions (and a repeat), with the page's address on the test's own port."""
    return f"If no page opens, type 127 dot 0 dot 0 dot 1 colon {phone.http_port} in your browser."


def hotspot_id(recorder: Any) -> str:
    return registered(recorder)[-1]["id"]


def aps(nm: MockNetworkManager) -> List[Dict[str, Any]]:
    """The access-point profiles NetworkManager holds."""
    return [c for c in nm.connections() if c["mode"] == "ap"]


def joined(nm: MockNetworkManager) -> List[Dict[str, Any]]:
    """The infrastructure profiles NetworkManager holds."""
    return [c for c in nm.connections() if c["mode"] == "infrastructure"]


def active_ids(nm: MockNetworkManager) -> List[str]:
    return [a["id"] for a in nm.active_connections()]


def open_session(bus: Any, recorder: Any, phone: Phone) -> None:
    """The user asks for setup on a headless device: the manager activates the hotspot method, the page comes up."""
    send(bus, "user.activated")
    assert recorder.of(t.activate_topic(hotspot_id(recorder))), "the hotspot method was not activated"
    wait_until(phone.up, WAIT) or pytest.fail("the setup page never came up")


def test_it_registers_as_a_remote_client_that_needs_no_screen_and_no_input(
        hotspot: Callable[..., Any], recorder: Any) -> None:
    """"auto" with NetworkManager and a Wi-Fi device able to be an access point: registered, like any client."""
    hotspot()
    record = registered(recorder)[-1]
    assert record["type"] == "Remote" and record["has_gui"] is False and record["requires_input"] is False
    assert record["display_text"] == "Connect from your phone"


@pytest.mark.parametrize("scene", ["no NetworkManager", "no Wi-Fi device", "Wi-Fi without access point mode"])
def test_auto_stays_off_where_no_access_point_can_open(
        scene: str, recorder: Any, make_plugin: Callable[..., Any],
        nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    """"auto": no NetworkManager on the system bus, or no device able to be an access point: not offered."""
    if scene != "no NetworkManager":
        nm = nm_mock_factory()
        if scene == "Wi-Fi without access point mode":
            nm.add_wifi_device("wlan0", ap=False)
        nm.add_ethernet_device("eth0")
    make_plugin(gui="never", hotspot_client="auto", hotspot_address="127.0.0.1",
                hotspot_http_port=free_port(), hotspot_dns_port=0)
    send_alive_question = recorder.of(NS + "alive")
    assert send_alive_question, "the manager did not start"
    # The probe runs on the client's loop: give it ample time to (wrongly) register.
    assert not wait_until(lambda: registered(recorder), 3.0)


def test_always_registers_even_where_networkmanager_is_not_there(
        recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """"always": offered at once; its session then fails in words and the manager goes on without it."""
    make_plugin(gui="never", hotspot_client="always", hotspot_address="127.0.0.1",
                hotspot_http_port=free_port(), hotspot_dns_port=0)
    assert registered(recorder)


def test_a_whole_session_wrong_password_then_the_right_one(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any],
        logs: LogLines) -> None:
    """Activated: the scan, the access point, the spoken instructions, the captive portal, the list; a wrong
    password shows its error and the access point comes back; the right one joins and ends the session."""
    plugin, phone = hotspot()
    open_session(bus, recorder, phone)

    # The access point is up in NetworkManager: WPA2 with the session's passphrase, shared, under the device's
    # stable name; the device says the passphrase digit by digit, in groups of four.
    ap = aps(nm_mock)
    assert len(ap) == 1 and ap[0]["ssid"] == HOTSPOT_SSID and ap[0]["ipv4_method"] == "shared"
    assert ap[0]["key_mgmt"] == "wpa-psk" and ap[0]["id"] in active_ids(nm_mock)
    passphrase = ap[0]["psk"]
    assert re.fullmatch(r"[0-9]{12}", passphrase), "a passphrase of 12 digits"
    spoken = [d["utterance"] for d in recorder.of("speak")]
    assert spoken == [f"Connect your phone to the Wi-Fi network {HOTSPOT_SSID}, then open any web page. The "
                      f"password is {said(passphrase)}. Say \"repeat the password\" to hear it again. {typed(phone)}"]
    phone.join(nm_mock, HOTSPOT_SSID, passphrase)

    # The phone: every name is the device, its captive-portal check lands on the page.
    assert phone.lookup("connectivitycheck.gstatic.com") == "127.0.0.1"
    code, headers, _ = phone.request("GET", "/generate_204", host="connectivitycheck.gstatic.com")
    assert code == 302 and headers["location"].startswith(f"http://127.0.0.1:{phone.http_port}/")
    code, _, page = phone.request("GET", "/")
    assert code == 200 and "Home" in page and "Studio" in page
    assert phone.networks() == [
        {"ssid": "Home", "security": "WPA2", "strength": 80, "secured": True, "display": "Home", "lookalike": False},
        {"ssid": "Café Ü", "security": "", "strength": 55, "secured": False, "display": "Café Ü", "lookalike": False},
        {"ssid": "Studio", "security": "WPA3", "strength": 40, "secured": True, "display": "Studio",
         "lookalike": False}]
    assert phone.status() == {"state": "waiting"}

    # A wrong password: NetworkManager refuses it (NO_SECRETS); no profile stays, the access point is back.
    nm_mock.fail_next_join("wrong_password")
    assert phone.connect("Home", WRONG) == (202, {"state": "connecting", "ssid": "Home"})
    failed = phone.wait_for_state("failed")
    assert failed == {"state": "failed", "ssid": "Home", "code": "error_wrong_password",
                      "error": "The password for Home was not accepted. Check it and try again."}
    wait_until(lambda: [a for a in aps(nm_mock) if a["id"] in active_ids(nm_mock)], WAIT)
    assert not joined(nm_mock) and len(aps(nm_mock)) == 1 and aps(nm_mock)[0]["id"] in active_ids(nm_mock)
    assert aps(nm_mock)[0]["psk"] == passphrase, "the same session: the same passphrase"
    phone.join(nm_mock, HOTSPOT_SSID, passphrase)
    assert not recorder.of(NS + "remove.active.client")

    # The right one: the profile holds the secret, the access point is gone, the session ends.
    assert phone.connect("Home", RIGHT) == (202, {"state": "connecting", "ssid": "Home"})
    wait_until(lambda: recorder.of(NS + "remove.active.client"), WAIT)
    assert recorder.of(NS + "remove.active.client")[-1]["client"] == HOTSPOT
    # The manager answers the removal on the thread that sent it, after the recorder saw it: wait for the answer.
    assert wait_until(lambda: recorder.of(t.deactivate_topic(hotspot_id(recorder))), WAIT)
    profiles = joined(nm_mock)
    assert [(p["ssid"], p["key_mgmt"], p["psk"]) for p in profiles] == [("Home", "wpa-psk", RIGHT)]
    assert profiles[0]["id"] in active_ids(nm_mock)
    wait_until(lambda: not aps(nm_mock), WAIT)
    assert not aps(nm_mock), "the access point's profile stayed behind"
    # The page stays up a little after the join, so that a phone still on it reads the outcome.
    assert phone.status() == {"state": "connected", "ssid": "Home"}

    # The manager completes the round on the next report.
    send(bus, "mycroft.internet.connected")
    assert recorder.of(t.WIFI_SETUP_COMPLETED) and status(bus, recorder)["state"] == "idle"

    # The password went to NetworkManager only.
    for secret in (WRONG, RIGHT):
        assert secret not in json.dumps(recorder.messages, ensure_ascii=False)
        assert not [line for line in logs.lines if secret in line]
    state_file = plugin.settings.state_file
    with open(state_file, encoding="utf-8") as f:
        assert RIGHT not in f.read()


def test_a_fixed_passphrase_is_used_as_it_is_and_never_spoken(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any],
        logs: LogLines) -> None:
    """hotspot_passphrase (the device's printed label): the access point takes it (WPA2-PSK) as it is; no speak
    message has it, not even when asked to repeat the password (the device points at its label); no log line
    has it."""
    _, phone = hotspot(hotspot_passphrase=PASSPHRASE, hotspot_ssid="Kitchen speaker")
    open_session(bus, recorder, phone)
    ap = aps(nm_mock)
    assert [(a["ssid"], a["key_mgmt"], a["psk"]) for a in ap] == [("Kitchen speaker", "wpa-psk", PASSPHRASE)]
    phone.join(nm_mock, "Kitchen speaker", PASSPHRASE)
    send(bus, "hotspot.repeat")
    wait_until(lambda: len(recorder.of("speak")) >= 2, WAIT)
    assert [d["utterance"] for d in recorder.of("speak")] == [
        "Connect your phone to the Wi-Fi network Kitchen speaker with the password on the device's label, then "
        f"open any web page. {typed(phone)}", f"The password of Kitchen speaker is on the device's label. {typed(phone)}"]
    for message in recorder.of("speak"):
        assert PASSPHRASE not in json.dumps(message) and said(PASSPHRASE) not in json.dumps(message)
    assert not [line for line in logs.lines if PASSPHRASE in line]
    assert PASSPHRASE not in json.dumps(status(bus, recorder))


def test_bad_input_gets_a_4xx_and_changes_nothing(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """A network not in the scan, a short password for a secured one: refused in words; NetworkManager untouched."""
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    before = nm_mock.connections()
    code, body = phone.connect("Neighbour", RIGHT)
    assert code == 400 and body["code"] == "error_not_listed"
    code, body = phone.connect("Home", "short")
    assert code == 400 and body["error"] == "A Wi-Fi password is at least 8 characters long."
    assert nm_mock.connections() == before and phone.status() == {"state": "waiting"}


def test_a_join_that_never_answers_times_out_and_the_hotspot_comes_back(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """hotspot_join_timeout: a network that never answers (the first try and the one retry) is given up on, in
    words; no profile stays."""
    _, phone = hotspot(hotspot_join_timeout=1)
    open_session(bus, recorder, phone)
    nm_mock.hang_next_join()
    nm_mock.hang_next_join()
    assert phone.connect("Café Ü", "")[0] == 202
    failed = phone.wait_for_state("failed")
    assert failed["code"] == "error_timeout" and failed["error"].startswith("Café Ü did not answer within 1 seconds")
    wait_until(lambda: aps(nm_mock) and aps(nm_mock)[0]["id"] in active_ids(nm_mock), WAIT)
    assert not joined(nm_mock) and len(aps(nm_mock)) == 1


@pytest.mark.parametrize("how", ["the user skips", "the plugin shuts down"])
def test_the_end_of_a_session_takes_everything_down(
        how: str, bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """Skip, or ovos_PHAL stopping the plugin: no access point, no profile left, the page and the DNS gone."""
    plugin, phone = hotspot()
    open_session(bus, recorder, phone)
    assert aps(nm_mock)
    if how == "the user skips":
        send(bus, "skip.setup")
        # The page goes first, then the access point and its profile: wait for all of it.
        wait_until(lambda: not phone.up() and not aps(nm_mock) and not nm_mock.active_connections(), WAIT)
    else:
        plugin.shutdown()
        assert recorder.of(NS + "deregister.client")
    assert not aps(nm_mock) and not nm_mock.active_connections() and not phone.up()
    with pytest.raises(OSError):
        phone.lookup("example.org")


def test_a_page_that_cannot_listen_fails_the_session_in_words_and_closes_the_access_point(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """Port taken (or no right to port 80): client.setup.failure with the reason; the manager goes on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        _, phone = hotspot(hotspot_http_port=taken.getsockname()[1])
        send(bus, "user.activated")
        wait_until(lambda: recorder.of(NS + "client.setup.failure"), WAIT)
    failure = recorder.of(NS + "client.setup.failure")[-1]
    assert failure["client"] == HOTSPOT and "Address already in use" in failure["error"]
    wait_until(lambda: not aps(nm_mock), WAIT)
    assert not aps(nm_mock) and not nm_mock.active_connections()


def test_a_passphrase_that_wpa2_cannot_take_is_refused_without_showing_it(
        make_plugin: Callable[..., Any], logs: LogLines) -> None:
    """A 5-character passphrase: a warning that names the key, never the value; the network stays open."""
    plugin = make_plugin(hotspot_passphrase="abcde")  # noqa: S106 - made up: too short to be taken
    assert plugin.settings.hotspot_passphrase == ""
    text = "\n".join(logs.lines)
    assert "hotspot_passphrase" in text and "abcde" not in text


def test_in_the_devices_language_the_name_the_spoken_line_the_page_and_the_errors(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """mycroft.conf's lang de-DE: the method's name on the list, what the device says, the page and a refused
    connect's words are German; a change at run time (configuration.updated) re-registers the name in French."""
    from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
    monkeypatch.setattr(WifiSetupPlugin, "_device_lang", lambda self: "de-de")
    plugin, phone = hotspot()
    assert registered(recorder)[-1]["display_text"] == "Vom Telefon aus verbinden"
    open_session(bus, recorder, phone)
    assert [d["utterance"] for d in recorder.of("speak")] == [
        f"Verbinde dein Telefon mit dem WLAN {HOTSPOT_SSID} und öffne dann eine beliebige Webseite. Das Passwort "
        f"lautet {said(aps(nm_mock)[0]['psk'])}. Sag \"wiederhole das Passwort\", um es noch einmal zu hören. "
        f"Wenn sich keine Seite öffnet, gib 127 Punkt 0 Punkt 0 Punkt 1 Doppelpunkt {phone.http_port} in deinen "
        "Browser ein."]
    assert [d["lang"] for d in recorder.of("speak")] == ["de-de"]
    code, _, page = phone.request("GET", "/")
    assert code == 200 and '<html lang="de-de"' in page and "Dieses Gerät mit dem WLAN verbinden" in page
    code, body = phone.connect("Home", "kurz")
    assert code == 400 and body["error"] == "Ein WLAN-Passwort ist mindestens 8 Zeichen lang."

    monkeypatch.setattr(WifiSetupPlugin, "_device_lang", lambda self: "fr-fr")
    plugin.config_core = {"lang": "fr-fr"}
    emit_raw(bus, "configuration.updated", {})
    assert registered(recorder)[-1]["display_text"] == "Se connecter depuis votre téléphone"


def test_a_crafted_ssid_cannot_forge_a_log_line_of_the_session(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any], logs: LogLines) -> None:
    """A neighbour's SSID with a newline, a carriage return and ANSI escapes, picked on the page and joined: the
    session's log lines name it only escaped (no control character in any line)."""
    crafted = "Evil\nINFO forged\r\x1b[31mX\x1b[0m"
    nm_mock.add_access_point(crafted, 99, "wpa2")
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    assert crafted in [n["ssid"] for n in phone.networks()]
    assert phone.connect(crafted, RIGHT) == (202, {"state": "connecting", "ssid": crafted})
    wait_until(lambda: recorder.of(NS + "remove.active.client"), WAIT)
    assert [p["ssid"] for p in joined(nm_mock)] == [crafted]
    assert [line for line in logs.lines if repr(crafted) in line]
    assert not [line for line in logs.lines if any(ord(c) < 0x20 or ord(c) == 0x7F for c in line)]


def test_no_repr_shows_a_secret() -> None:
    """The hotspot's settings, a failed join and the values NetworkManager's side returns: no passphrase or
    password in any repr or str."""
    from ovos_PHAL_plugin_wifi_setup.methods.hotspot.client import HotspotConfig
    from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm import JoinFailed

    config = HotspotConfig(ssid="OVOS-Setup-AB12", passphrase=PASSPHRASE)
    assert config.passphrase == PASSPHRASE
    failure = JoinFailed("wrong_password", "Home", "device reason 7")
    for shown in (repr(config), str(config), repr(failure), str(failure)):
        assert PASSPHRASE not in shown and RIGHT not in shown
    assert "OVOS-Setup-AB12" in repr(config)


def test_a_parsed_connect_request_shows_no_password_in_its_repr() -> None:
    """The setup page's parsed request holds a connect's body (the password): its repr leaves the body out."""
    from ovos_PHAL_plugin_wifi_setup.methods.hotspot.exchange import Request

    body = ('{"ssid": "Home", "password": "%s"}' % RIGHT).encode()
    request = Request("POST", "/api/connect", "10.42.0.1", {"content-type": "application/json"}, body, "10.42.0.7")
    assert request.body == body and RIGHT not in repr(request) and RIGHT not in str(request)
