"""Only the person in the room can use the setup network: the session's passphrase (WPA2, said in groups, said
again on request), a printed one never said, and an open network's code that the page asks for, with the manager on
FakeBus and NetworkManager stood in for by python-dbusmock (as in test_client.py)."""
import json
import re
from typing import Any, Callable, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.methods.hotspot import presence
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.presence import said, shown

from helpers import NS, send, status, wait_until
from hotspot.conftest import HOTSPOT, WAIT, LogLines
from hotspot.nm_mock import AssociationFailed, MockNetworkManager
from hotspot.test_client import HOTSPOT_SSID, RIGHT, aps, joined, open_session, typed

pytest.importorskip("dbus_fast", reason="needs the hotspot extra: pip install -e '.[hotspot]'")

INSTRUCTIONS = ("Connect your phone to the Wi-Fi network {ssid}, then open any web page. The password is {said}. "
                "Say \"repeat the password\" to hear it again.")


def utterances(recorder: Any) -> List[str]:
    """Everything the device said, in order."""
    return [d["utterance"] for d in recorder.of("speak")]


def the_client(plugin: Any) -> Any:
    """The running hotspot method of a plugin."""
    return plugin.methods.running["hotspot"]


# ---------------------------------------------------------------------- the secrets themselves
def test_a_passphrase_is_12_digits_drawn_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """new_passphrase() takes each of its 12 digits from secrets (the operating system's randomness), none from
    random; two passphrases differ."""
    drawn: List[str] = []

    def choice(alphabet: str) -> str:
        drawn.append(alphabet)
        return "7"

    monkeypatch.setattr(presence.secrets, "choice", choice)
    assert presence.new_passphrase() == "777777777777"
    assert drawn == ["0123456789"] * 12
    monkeypatch.undo()
    made = {presence.new_passphrase() for _ in range(20)}
    assert len(made) == 20 and all(re.fullmatch(r"[0-9]{12}", p) for p in made)
    assert re.fullmatch(r"[0-9]{6}", presence.new_code())


def test_digits_are_shown_in_groups_and_said_one_by_one_with_pauses_between_groups() -> None:
    """A passphrase in groups of four, a code in groups of three; said with a space between digits (TTS reads
    each) and a comma between groups (TTS pauses)."""
    assert shown("482109375512") == "4821 0937 5512"
    assert said("482109375512") == "4 8 2 1, 0 9 3 7, 5 5 1 2"
    assert shown("482109") == "482 109" and said("482109") == "4 8 2, 1 0 9"


def test_a_code_is_compared_in_constant_time_and_only_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """code_matches goes through hmac.compare_digest; spaces between groups are allowed; anything not text, or no
    code to match, is no match."""
    compared: List[Any] = []
    real = presence.hmac.compare_digest
    monkeypatch.setattr(presence.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    assert presence.code_matches("482109", "482 109")
    assert compared == [(b"482109", b"482109")]
    for given in ("482108", "", None, 482109, ["482109"], "4821090", "٤٨٢١٠٩"):
        assert not presence.code_matches("482109", given)
    assert not presence.code_matches("", "")


# ---------------------------------------------------------------------- a passphrase per session
def test_each_session_opens_wpa2_with_a_new_passphrase_said_in_groups_and_gone_when_it_ends(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """The default settings: WPA2-PSK (RSN, CCMP) with 12 random digits, said grouped; the phone joins only with
    them; the session's end deletes the profile and forgets the passphrase; the next session has another."""
    plugin, phone = hotspot()
    client = the_client(plugin)
    seen: List[str] = []
    for _ in range(2):
        open_session(bus, recorder, phone)
        [ap] = aps(nm_mock)
        security = ap["settings"]["802-11-wireless-security"]
        assert (ap["key_mgmt"], security["proto"], security["pairwise"]) == ("wpa-psk", ["rsn"], ["ccmp"])
        assert re.fullmatch(r"[0-9]{12}", ap["psk"]) and client._passphrase == ap["psk"] and client._code == ""
        assert client._hotspot_ssid == HOTSPOT_SSID
        assert utterances(recorder)[-1] == INSTRUCTIONS.format(ssid=HOTSPOT_SSID, said=said(ap["psk"])) + " " + \
            typed(phone)
        with pytest.raises(AssociationFailed):
            phone.join(nm_mock, HOTSPOT_SSID, ap["psk"][::-1] if ap["psk"] != ap["psk"][::-1] else "0" * 12)
        phone.join(nm_mock, HOTSPOT_SSID, ap["psk"])
        seen.append(ap["psk"])
        send(bus, "skip.setup")
        wait_until(lambda: not aps(nm_mock) and not phone.up(), WAIT) or pytest.fail("the session did not end")
        assert client._passphrase == "" and client._code == ""
    assert seen[0] != seen[1], "a new session, a new passphrase"


def test_the_repeat_topic_says_the_passphrase_again_and_outside_a_session_no_passphrase(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """ovos.phal.wifi.plugin.hotspot.repeat during a session: the passphrase again, grouped; before and after the
    session: that no setup network is open, no digits."""
    _, phone = hotspot()
    send(bus, "hotspot.repeat")
    assert utterances(recorder) == ['No setup network is open right now. Say "set up Wi-Fi" to open one.']
    open_session(bus, recorder, phone)
    passphrase = aps(nm_mock)[0]["psk"]
    send(bus, "hotspot.repeat")
    assert utterances(recorder)[-1] == f"The password of {HOTSPOT_SSID} is {said(passphrase)}. {typed(phone)}"
    assert recorder.of("speak")[-1]["lang"] == "en-us"
    send(bus, "skip.setup")
    wait_until(lambda: not aps(nm_mock), WAIT)
    send(bus, "hotspot.repeat")
    assert utterances(recorder)[-1] == 'No setup network is open right now. Say "set up Wi-Fi" to open one.'


def test_the_voice_sentence_repeat_the_password_says_it_again_to_the_asking_session(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """voice on: the intent service's match of "repeat the password" makes the device say the passphrase again, in
    the utterance's session."""
    from ovos_bus_client.message import Message
    from ovos_PHAL_plugin_wifi_setup.manager import voice
    plugin, phone = hotspot(voice=True)
    open_session(bus, recorder, phone)
    passphrase = aps(nm_mock)[0]["psk"]
    wait_until(lambda: bus.ee.listeners(voice.PADATIOUS_REPEAT), WAIT) or pytest.fail("no repeat intent")
    contexts: List[Any] = []
    bus.on("speak", lambda message: contexts.append(message.context))
    bus.emit(Message(voice.PADATIOUS_REPEAT, {"utterance": "repeat the password", "lang": "en-US"},
                     {"skill_id": voice.SKILL_ID, "session": {"session_id": "kitchen"}}))
    wait_until(lambda: contexts, WAIT)
    assert utterances(recorder)[-1] == f"The password of {HOTSPOT_SSID} is {said(passphrase)}. {typed(phone)}"
    assert [c["session"]["session_id"] for c in contexts] == ["kitchen"]


def test_the_session_passphrase_is_in_no_log_line_status_or_repr(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any], logs: LogLines) -> None:
    """The passphrase reaches NetworkManager and the `speak` line only: no log line, no status reply, not the
    page's status, no repr of the client or its settings."""
    plugin, phone = hotspot()
    open_session(bus, recorder, phone)
    client = the_client(plugin)
    passphrase = aps(nm_mock)[0]["psk"]
    send(bus, "hotspot.repeat")
    for form in (passphrase, shown(passphrase)):
        assert not [line for line in logs.lines if form in line]
        assert form not in json.dumps(status(bus, recorder)) and form not in json.dumps(phone.status())
        assert form not in repr(client) and form not in repr(client.config) and form not in str(vars(client.kit))
    carried = [m for m in recorder.messages if passphrase in json.dumps(m, ensure_ascii=False)]
    assert carried == [], "the typed form goes nowhere on the bus (the spoken one is grouped)"


# ---------------------------------------------------------------------- an open network on purpose, with a code
@pytest.fixture
def open_hotspot(bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> Any:
    """hotspot_open: the session opened; returns (client, phone, code)."""
    plugin, phone = hotspot(hotspot_open=True)
    open_session(bus, recorder, phone)
    client = the_client(plugin)
    return client, phone, client._code


def test_an_open_hotspot_is_open_and_the_device_says_a_6_digit_code(
        recorder: Any, nm_mock: MockNetworkManager, open_hotspot: Any) -> None:
    """hotspot_open: an open access point (no security), a 6-digit code said in groups of three; the page has a
    code field."""
    client, phone, code = open_hotspot
    [ap] = aps(nm_mock)
    assert ap["key_mgmt"] is None and client._passphrase == "" and re.fullmatch(r"[0-9]{6}", code)
    phone.join(nm_mock, HOTSPOT_SSID, "")
    assert utterances(recorder) == [
        f"Connect your phone to the open Wi-Fi network {HOTSPOT_SSID}, then open any web page. When the page asks "
        f"for a code, type {said(code)}. Say \"repeat the password\" to hear it again. {typed(phone)}"]
    _, _, page = phone.request("GET", "/")
    assert 'name="code"' in page and "The code the device said (6 digits)" in page


@pytest.mark.parametrize("sent", [None, "", "000000", "12345", "abcdef"])
def test_the_strangers_post_without_the_right_code_gets_403_and_no_networkmanager_call(
        sent: Any, nm_mock: MockNetworkManager, open_hotspot: Any) -> None:
    """A stranger in range of the open network posts a connect: without the code, or with a wrong one, 403 in
    words, and NetworkManager is not called at all (no profile, no activation, the access point stays)."""
    _, phone, code = open_hotspot
    if sent == "000000" and code == "000000":
        sent = "000001"
    before, profiles = nm_mock.changes(), nm_mock.connections()
    status_code, body = phone.connect("Home", RIGHT, sent)
    assert status_code == 403
    assert body["code"] == ("error_code_needed" if not sent else "error_code_wrong")
    assert nm_mock.changes() == before and nm_mock.connections() == profiles and not joined(nm_mock)
    assert phone.status() == {"state": "waiting"}


def test_the_right_code_lets_the_join_through(recorder: Any, nm_mock: MockNetworkManager, open_hotspot: Any) -> None:
    """The code the device said (typed with its space between groups): 202, and the device joins."""
    _, phone, code = open_hotspot
    assert phone.connect("Home", RIGHT, shown(code)) == (202, {"state": "connecting", "ssid": "Home"})
    wait_until(lambda: recorder.of(NS + "remove.active.client"), WAIT)
    assert [(p["ssid"], p["psk"]) for p in joined(nm_mock)] == [("Home", RIGHT)]


def test_the_form_without_javascript_also_needs_the_code(nm_mock: MockNetworkManager, open_hotspot: Any) -> None:
    """POST /connect (the form) with the page's token but no code: the page again, 403, its error in words; the
    access point untouched."""
    from urllib.parse import urlencode
    import http.client
    _, phone, _ = open_hotspot
    _, _, page = phone.request("GET", "/")
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    before = nm_mock.changes()
    connection = http.client.HTTPConnection("127.0.0.1", phone.http_port, timeout=10)
    try:
        connection.request("POST", "/connect", urlencode({"token": token, "ssid": "Home", "password": RIGHT}),
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Host": f"127.0.0.1:{phone.http_port}"})
        answer = connection.getresponse()
        assert answer.status == 403 and "Type the code the device said." in answer.read().decode()
    finally:
        connection.close()
    assert nm_mock.changes() == before and not joined(nm_mock)


def test_five_wrong_codes_end_the_session(
        recorder: Any, nm_mock: MockNetworkManager, open_hotspot: Any, logs: LogLines) -> None:
    """Someone guessing: the fifth wrong code is answered in words and ends the session (client.setup.failure, the access point and the page
    go); no right code is taken after it; the code is in no log line."""
    _, phone, code = open_hotspot
    wrong = "000001" if code == "000000" else "000000"
    for _ in range(4):
        assert phone.connect("Home", RIGHT, wrong)[1]["code"] == "error_code_wrong"
    assert phone.connect("Home", RIGHT, wrong) == (403, {"code": "error_code_locked",
                                                         "error": "Too many wrong codes: the setup network closes. "
                                                                  "Ask the device to set up Wi-Fi again."})
    try:
        locked = phone.connect("Home", RIGHT, code)
    except OSError:
        locked = (None, {})  # the page already went
    assert locked[0] in (None, 403) and not joined(nm_mock)
    wait_until(lambda: recorder.of(NS + "client.setup.failure"), WAIT) or pytest.fail("the session did not end")
    failure = recorder.of(NS + "client.setup.failure")[-1]
    assert failure["client"] == HOTSPOT and "wrong codes" in failure["error"]
    wait_until(lambda: not aps(nm_mock), WAIT)
    assert not aps(nm_mock) and not nm_mock.active_connections() and not joined(nm_mock)
    assert not [line for line in logs.lines if code in line]
    assert code not in json.dumps(phone.status() if phone.up() else {})


def test_the_repeat_topic_says_the_open_networks_code_again(
        bus: Any, recorder: Any, open_hotspot: Any) -> None:
    """hotspot_open: the repeat topic says the code again, in groups of three."""
    _, phone, code = open_hotspot
    send(bus, "hotspot.repeat")
    assert utterances(recorder)[-1] == f"The code for the setup page is {said(code)}. {typed(phone)}"


def test_without_hotspot_open_no_code_is_asked(bus: Any, recorder: Any, nm_mock: MockNetworkManager,
                                               hotspot: Callable[..., Any]) -> None:
    """The default: the page has no code field, and a connect without a code is taken."""
    _, phone = hotspot()
    open_session(bus, recorder, phone)
    _, _, page = phone.request("GET", "/")
    assert 'name="code"' not in page
    assert phone.connect("Home", RIGHT) == (202, {"state": "connecting", "ssid": "Home"})


def test_hotspot_open_must_be_a_boolean_and_a_passphrase_wins_over_it(
        make_plugin: Callable[..., Any], logs: LogLines) -> None:
    """hotspot_open "yes" falls back to false with a warning; with hotspot_passphrase set as well the network is
    WPA2 with the passphrase, and the log says so (without the passphrase)."""
    plugin = make_plugin(hotspot_open="yes")
    assert plugin.settings.hotspot_open is False
    assert any("hotspot_open" in line and "not valid" in line for line in logs.lines)
    plugin = make_plugin(hotspot_open=True, hotspot_passphrase="label-on-the-box")  # noqa: S106 - made up
    assert plugin.settings.hotspot_open is True
    assert presence.kind_of(plugin.settings.hotspot_passphrase, plugin.settings.hotspot_open) == presence.LABEL
    assert any("hotspot_open" in line and "not open" in line for line in logs.lines)
    assert not [line for line in logs.lines if "label-on-the-box" in line]


def test_the_topic_is_in_the_contract() -> None:
    """The repeat topic is the plugin's namespace's."""
    assert t.HOTSPOT_REPEAT == "ovos.phal.wifi.plugin.hotspot.repeat"
