"""The built-in on-screen Wi-Fi method on FakeBus, with the manager and a stand-in network-manager 1.3.5."""
import json
import logging
import time
from typing import Any, Callable, Dict, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as t

from helpers import NS, REMOTE, register, send, status, wait_until
from nm_standin import NetworkManagerStandIn

SCREEN = t.SCREEN_CLIENT_NAME
WRONG = "not the password"
RIGHT = "correct horse"


def screen_data(recorder: Any) -> Dict[str, Any]:
    """The on-screen method's session data, as the page holds it (the latest gui.value.set it sent)."""
    sets = [d for d in recorder.of("gui.value.set") if d.get("__from") == SCREEN]
    return sets[-1] if sets else {}


def screen_id(recorder: Any) -> str:
    """The id the manager gave the on-screen method."""
    return [d for d in recorder.of(NS + "client.registered") if d["client"] == SCREEN][-1]["id"]


@pytest.fixture
def nm(bus: Any) -> NetworkManagerStandIn:
    """network-manager 1.3.5, standing in."""
    return NetworkManagerStandIn(bus)


@pytest.fixture
def on_screen(bus: Any, recorder: Any, nm: NetworkManagerStandIn,
              make_plugin: Callable[..., Any]) -> Callable[..., Any]:
    """The manager with a screen and its on-screen method; returns a function that opens the method's session."""
    plugin = make_plugin(gui="always", screen_client="always")

    def open_session() -> str:
        send(bus, "user.activated")
        cid = screen_id(recorder)
        send(bus, "client.select", {"client": SCREEN, "id": cid})
        return cid

    open_session.plugin = plugin  # type: ignore[attr-defined]
    return open_session


def test_it_registers_as_a_client_like_any_other(bus: Any, recorder: Any, nm: Any,
                                                 make_plugin: Callable[..., Any]) -> None:
    """The manager lists it with its record, on the selection page too."""
    make_plugin(gui="always", screen_client="always")
    record = [d for d in recorder.of(NS + "client.registered") if d["client"] == SCREEN][-1]
    assert record["type"] == "onDevice" and record["has_gui"] is True and record["requires_input"] is True
    assert record["display_text"] == "Choose a Wi-Fi network on this screen"
    send(bus, "user.activated")
    assert SCREEN in [c["client"] for c in recorder.last("gui.value.set")["clients_model"]]


def test_auto_registers_only_once_network_manager_answers_and_a_screen_is_in_use(
        bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """"auto": nothing while network-manager is silent or no screen is known; registered once both are there."""
    nm = NetworkManagerStandIn(bus)
    nm.silent = True
    make_plugin(gui="auto", screen_client="auto")
    registered = lambda: [d for d in recorder.of(NS + "client.registered") if d["client"] == SCREEN]  # noqa: E731
    assert nm.of(t.NM_GET_CONNECTED) and not registered()
    send(bus, "mycroft.gui.connected")
    assert not registered()
    nm.silent = False
    send(bus, "user.activated")  # a round opens: the method asks network-manager again
    assert registered()


def test_auto_stays_away_on_a_headless_device(bus: Any, recorder: Any, nm: Any,
                                              make_plugin: Callable[..., Any]) -> None:
    """gui "never": network-manager answers, but a method that needs a screen is not offered."""
    make_plugin(gui="never", screen_client="auto")
    send(bus, "user.activated")
    assert not [d for d in recorder.of(NS + "client.registered") if d["client"] == SCREEN]


def test_never_means_no_such_client(bus: Any, recorder: Any, nm: Any, make_plugin: Callable[..., Any]) -> None:
    """screen_client "never": it is not started at all, and asks network-manager nothing."""
    make_plugin(gui="always", screen_client="never")
    send(bus, "user.activated")
    assert nm.requests == []
    assert recorder.of(NS + "client.registered") == []


def test_activated_it_scans_and_shows_the_networks(bus: Any, recorder: Any, nm: Any,
                                                   on_screen: Callable[..., Any]) -> None:
    """The page lists each network once, hidden ones left out, secured ones marked."""
    on_screen()
    page = recorder.last("gui.page.show")
    assert page["__from"] == SCREEN and page["page_names"] == [t.GUI_PAGE]
    data = screen_data(recorder)
    assert data["page_type"] == "NetworkSetup" and data["step"] == "list" and data["error"] == ""
    assert data["networks_model"] == [
        {"ssid": "Home", "security": "WPA2", "secured": True, "security_known": True},
        {"ssid": "Café Ü", "security": "", "secured": False, "security_known": True},
        {"ssid": "Studio", "security": "WPA3", "secured": True, "security_known": True},
        {"ssid": "Far Away", "security": "WPA2", "secured": True, "security_known": True},
    ]


def test_a_wrong_password_then_the_right_one_completes_the_round(bus: Any, recorder: Any, nm: Any,
                                                                on_screen: Callable[..., Any]) -> None:
    """The user sees why the first try failed, tries again, and the round completes on the next report."""
    cid = on_screen()
    send(bus, "screen.connect", {"ssid": "Home", "password": WRONG})
    data = screen_data(recorder)
    assert data["step"] == "failed" and data["selected_ssid"] == "Home"
    assert data["error"] == "The password for Home was not accepted. Check it and try again."
    assert status(bus, recorder)["active_client"]["client"] == SCREEN
    send(bus, "screen.connect", {"ssid": "Home", "password": RIGHT})
    assert screen_data(recorder)["step"] == "connected"
    assert wait_until(lambda: recorder.of(NS + "remove.active.client"), 10), "the session ends after a moment"
    assert recorder.last(NS + "remove.active.client")["client"] == SCREEN
    assert status(bus, recorder)["state"] == "checking"
    send(bus, "mycroft.internet.connected")
    assert recorder.of("ovos.wifi.setup.completed") == [{}]
    assert [m.data for m in nm.of(t.NM_CONNECT)] == [
        {"connection_name": "Home", "password": WRONG, "security_type": "WPA2"},
        {"connection_name": "Home", "password": RIGHT, "security_type": "WPA2"}]
    assert NS + f"deactivate.{cid}" in recorder.topics()


def test_an_open_network_connects_at_once(bus: Any, recorder: Any, nm: Any,
                                          on_screen: Callable[..., Any]) -> None:
    """No password: network-manager's open-network request, and the session ends."""
    on_screen()
    send(bus, "screen.connect", {"ssid": "Café Ü"})
    assert [m.data for m in nm.of(t.NM_CONNECT_OPEN)] == [{"connection_name": "Café Ü"}]
    assert nm.of(t.NM_CONNECT) == []
    assert screen_data(recorder)["step"] == "connected"


def test_a_network_gone_when_joined_is_out_of_reach(bus: Any, recorder: Any, nm: Any,
                                                    on_screen: Callable[..., Any]) -> None:
    """A failure for a network the next scan no longer lists says it is out of reach, and lists the rest."""
    on_screen()
    send(bus, "screen.connect", {"ssid": "Far Away", "password": "whatever-it-is"})
    data = screen_data(recorder)
    assert data["error"] == "Far Away is out of reach. Move closer, or pick another network."
    assert "Far Away" not in [n["ssid"] for n in data["networks_model"]]


def test_a_connect_never_answered_fails_on_screen_after_the_timeout(bus: Any, recorder: Any, nm: Any,
                                                                    make_plugin: Callable[..., Any]) -> None:
    """network-manager blocks on a hung nmcli: after screen_connect_timeout the page says so, never a hang,
    and a later try is possible."""
    nm.hang.add("Studio")
    make_plugin(gui="always", screen_client="always", screen_connect_timeout=1.0)
    send(bus, "user.activated")
    send(bus, "client.select", {"client": SCREEN, "id": screen_id(recorder)})
    send(bus, "screen.connect", {"ssid": "Studio", "password": "studio-pass-3"})
    assert screen_data(recorder)["step"] == "connecting"
    assert wait_until(lambda: screen_data(recorder)["step"] == "failed", 10)
    assert screen_data(recorder)["error"] == \
        "Studio did not answer within 1 seconds. Try again, or pick another network."
    nm.hang.clear()
    send(bus, "screen.connect", {"ssid": "Studio", "password": "studio-pass-3"})
    assert screen_data(recorder)["step"] == "connected"


def test_only_one_connect_is_in_flight(bus: Any, recorder: Any, nm: Any, on_screen: Callable[..., Any]) -> None:
    """A second pick while connecting is refused with words; network-manager is asked once."""
    nm.hang.add("Home")
    on_screen()
    send(bus, "screen.connect", {"ssid": "Home", "password": RIGHT})
    send(bus, "screen.connect", {"ssid": "Café Ü"})
    assert screen_data(recorder)["error"] == "Still connecting to Home."
    assert len(nm.of(t.NM_CONNECT)) == 1 and nm.of(t.NM_CONNECT_OPEN) == []


def test_a_stale_scan_is_shown_and_a_rescan_brings_the_new_list(bus: Any, recorder: Any, nm: Any,
                                                                on_screen: Callable[..., Any]) -> None:
    """network-manager may answer with the list of the scan before: the Rescan button asks again."""
    on_screen()
    nm.scan.append({"ssid": "New Neighbour", "security": "WPA2"})
    nm.stale = True
    send(bus, "screen.scan")
    assert "New Neighbour" not in [n["ssid"] for n in screen_data(recorder)["networks_model"]]
    send(bus, "screen.scan")
    assert "New Neighbour" in [n["ssid"] for n in screen_data(recorder)["networks_model"]]
    assert screen_data(recorder)["step"] == "list"


def test_back_returns_to_the_selection_page(bus: Any, recorder: Any, nm: Any,
                                            on_screen: Callable[..., Any]) -> None:
    """Back ends the session and the selection page returns, with the method still offered."""
    cid = on_screen()
    send(bus, "screen.back")
    assert NS + f"deactivate.{cid}" in recorder.topics()
    assert status(bus, recorder)["state"] == "selecting"
    assert recorder.last("gui.page.show")["__from"] == t.PLUGIN_ID
    assert SCREEN in [c["client"] for c in recorder.last("gui.value.set")["clients_model"]]


@pytest.mark.parametrize("data, words", [
    ({}, "Pick a network first."),
    ({"ssid": 5}, "Pick a network first."),
    ({"ssid": "x" * 33}, "A network name is at most 32 bytes long."),
    ({"ssid": "Unlisted", "password": "12345678"}, "Unlisted is not in the list of networks."),
    ({"ssid": "Home", "password": "x" * 64}, "A Wi-Fi password is at most 63 characters long."),
    ({"ssid": "Home", "password": "short"}, "A Wi-Fi password is at least 8 characters long."),
    ({"ssid": "Home"}, "A Wi-Fi password is at least 8 characters long."),
    ({"ssid": "Home", "password": ["x"]}, "The password must be text."),
])
def test_bad_input_is_shown_and_changes_nothing(bus: Any, recorder: Any, nm: Any, on_screen: Callable[..., Any],
                                                data: Dict[str, Any], words: str) -> None:
    """A bad pick gets words on the page; network-manager is asked nothing and the list stays."""
    on_screen()
    before = screen_data(recorder)
    send(bus, "screen.connect", data)
    after = screen_data(recorder)
    assert after["error"].startswith(words)
    assert after["step"] == before["step"] and after["networks_model"] == before["networks_model"]
    assert nm.of(t.NM_CONNECT) == [] and nm.of(t.NM_CONNECT_OPEN) == []


@pytest.mark.parametrize("topic", ["screen.scan", "screen.connect", "screen.back"])
def test_page_topics_outside_its_session_change_nothing(bus: Any, recorder: Any, nm: Any, topic: str,
                                                        make_plugin: Callable[..., Any],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """While another client (or nobody) has the session, the page's topics are refused with a warning."""
    make_plugin(gui="always", screen_client="always")
    register(bus, recorder, REMOTE)
    send(bus, "set.active.client", {"client": "remote"})
    scans = len(nm.of(t.NM_SCAN))
    recorder.clear()
    with caplog.at_level(logging.WARNING):
        send(bus, topic, {"ssid": "Home", "password": RIGHT})
    assert recorder.topics() == [NS + topic]
    assert len(nm.of(t.NM_SCAN)) == scans and nm.of(t.NM_CONNECT) == []
    assert f"{topic} ignored: the on-screen Wi-Fi method is not in session" in caplog.text
    assert status(bus, recorder)["active_client"]["client"] == "remote"


def test_network_manager_gone_ends_the_session_and_setup_goes_on(bus: Any, recorder: Any, nm: Any,
                                                                 make_plugin: Callable[..., Any]) -> None:
    """No scan answer within screen_scan_timeout: the method reports a failure, and the page returns."""
    make_plugin(gui="always", screen_client="always", screen_scan_timeout=0.2)
    send(bus, "user.activated")
    nm.silent = True
    send(bus, "client.select", {"client": SCREEN, "id": screen_id(recorder)})
    assert wait_until(lambda: status(bus, recorder)["state"] == "selecting", 10)
    failure = recorder.last(NS + "client.setup.failure")
    assert failure["client"] == SCREEN and "did not answer a scan" in failure["error"]


def test_the_password_lands_nowhere_but_network_managers_request(
        bus: Any, recorder: Any, nm: Any, on_screen: Callable[..., Any], tmp_path: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    """Not in a log record, session data, status, the state file, or any other message on the bus."""
    caplog.set_level(logging.DEBUG)
    with caplog.at_level(logging.DEBUG):
        on_screen()
        send(bus, "screen.connect", {"ssid": "Home", "password": WRONG})
        send(bus, "screen.connect", {"ssid": "Home", "password": RIGHT})
        send(bus, "mycroft.internet.connected")
        answer = status(bus, recorder)
    carriers: List[str] = [topic for topic, data in recorder.messages
                           if WRONG in json.dumps(data, ensure_ascii=False)
                           or RIGHT in json.dumps(data, ensure_ascii=False)]
    assert carriers == [NS + "screen.connect", t.NM_CONNECT, NS + "screen.connect", t.NM_CONNECT]
    for secret in (WRONG, RIGHT):
        assert secret not in caplog.text
        assert secret not in json.dumps(answer)
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert secret not in path.read_text(errors="replace")


def _steps_after(recorder: Any, start: int) -> List[str]:
    """The steps the on-screen page went to from a record position on, each change once (the step it was on
    then is left out)."""
    steps: List[str] = []
    current = None
    for index, (topic, data) in enumerate(recorder.messages):
        if topic != "gui.value.set" or data.get("__from") != SCREEN or data.get("step") in (None, current):
            continue
        current = data["step"]
        if index >= start:
            steps.append(current)
    return steps


def _index(recorder: Any, topic: str, start: int = 0) -> int:
    """Where the first message of a topic from a record position on is in the record."""
    return next(i for i, (seen, _) in enumerate(recorder.messages) if i >= start and seen == topic)


def test_a_late_failure_of_the_first_try_is_not_blamed_on_the_next_whose_success_shows(
        bus: Any, recorder: Any, nm: Any, make_plugin: Callable[..., Any]) -> None:
    """Studio hangs past screen_connect_timeout; the user then joins Home. network-manager fails the Studio connect
    (the new activation ends it) before Home's success: that failure is Studio's, and the page shows Home joined."""
    nm.hang.add("Studio")
    make_plugin(gui="always", screen_client="always", screen_connect_timeout=0.3)
    send(bus, "user.activated")
    send(bus, "client.select", {"client": SCREEN, "id": screen_id(recorder)})
    send(bus, "screen.connect", {"ssid": "Studio", "password": "studio-pass-3"})
    assert wait_until(lambda: screen_data(recorder)["step"] == "failed", 10)
    nm.hang.clear()
    mark = len(recorder.messages)
    send(bus, "screen.connect", {"ssid": "Home", "password": RIGHT})
    answers = [topic for topic, _ in recorder.messages[mark:] if topic in (t.NM_CONNECT_FAILED, t.NM_CONNECTED_OK)]
    assert answers == [t.NM_CONNECT_FAILED, t.NM_CONNECTED_OK], "the stand-in answers as network-manager would"
    data = screen_data(recorder)
    assert (data["step"], data["selected_ssid"], data["error"]) == ("connected", "Home", "")
    assert _steps_after(recorder, mark) == ["connecting", "connected"]
    assert len(nm.of(t.NM_SCAN)) == 1, "no scan to explain a failure that was not Home's"
    assert wait_until(lambda: recorder.of(NS + "remove.active.client"), 10)


def test_a_join_that_answers_after_the_page_gave_up_still_shows_connected(
        bus: Any, recorder: Any, nm: Any, make_plugin: Callable[..., Any]) -> None:
    """network-manager answers Studio's connect after screen_connect_timeout with a success: the device joined,
    the page says so and the session ends, instead of "did not answer" for ever."""
    nm.hang.add("Studio")
    make_plugin(gui="always", screen_client="always", screen_connect_timeout=0.3)
    send(bus, "user.activated")
    send(bus, "client.select", {"client": SCREEN, "id": screen_id(recorder)})
    send(bus, "screen.connect", {"ssid": "Studio", "password": "studio-pass-3"})
    assert wait_until(lambda: screen_data(recorder)["step"] == "failed", 10)
    nm.answer_hanging(joined=True)
    data = screen_data(recorder)
    assert (data["step"], data["selected_ssid"], data["error"]) == ("connected", "Studio", "")
    assert wait_until(lambda: recorder.of(NS + "remove.active.client"), 10)


def test_connected_stays_on_screen_three_seconds_then_the_page_says_it_checks_the_internet(
        bus: Any, recorder: Any, nm: Any, on_screen: Callable[..., Any]) -> None:
    """"Connected to Home" is on the page for at least 3 s before the method ends its session; then, before it
    does, the page says "Checking the internet connection…"; it lets go of the page only when deactivated."""
    cid = on_screen()
    mark = len(recorder.messages)
    started = time.monotonic()
    send(bus, "screen.connect", {"ssid": "Home", "password": RIGHT})
    assert screen_data(recorder)["step"] == "connected"
    assert wait_until(lambda: recorder.of(NS + "remove.active.client"), 10)
    assert time.monotonic() - started >= 3.0, "the session ended before Connected could be read"
    removal = _index(recorder, NS + "remove.active.client", mark)
    assert _steps_after(recorder, mark) == ["connecting", "connected", "checking"]
    data = screen_data(recorder)
    assert data["texts"]["checking_internet"] == "Checking the internet connection…"
    assert data["selected_ssid"] == "Home" and data["error"] == ""
    checking = max(i for i, (topic, d) in enumerate(recorder.messages[:removal])
                   if topic == "gui.value.set" and d.get("__from") == SCREEN)
    assert recorder.messages[checking][1]["step"] == "checking", "the page says so before the session ends"

    def closed() -> list:
        return [i for i, (topic, d) in enumerate(recorder.messages)
                if i > mark and topic == "mycroft.gui.screen.close" and d.get("skill_id") == SCREEN]

    # The deactivation follows the removal on the manager's thread: wait for the page to go, then see in what order.
    assert wait_until(closed, 10), "the page was never released"
    assert closed()[0] > _index(recorder, NS + f"deactivate.{cid}", mark), "released only when deactivated"


def test_the_checking_page_stays_until_the_manager_deactivates_the_method(bus: Any, recorder: Any) -> None:
    """Against a manager that checks the internet before it deactivates: after "Connected" the page says
    "Checking the internet connection…" and keeps it on screen, the screen held, until deactivate.{id}."""
    from ovos_PHAL_plugin_wifi_setup.methods.screen.client import ScreenSetupClient
    NetworkManagerStandIn(bus)
    client = ScreenSetupClient(bus, mode="always", gui_mode="always")
    client.connected_hold = 0.2
    client.start()
    try:
        send(bus, "client.registered", {"client": SCREEN, "id": "screen-1"})
        send(bus, "activate.screen-1")
        send(bus, "screen.connect", {"ssid": "Home", "password": RIGHT})
        assert screen_data(recorder)["step"] == "connected"
        assert wait_until(lambda: recorder.of(NS + "remove.active.client"), 10)
        time.sleep(1.0)
        assert screen_data(recorder)["step"] == "checking"
        assert not [d for d in recorder.of("mycroft.gui.screen.close") if d.get("skill_id") == SCREEN]
        send(bus, "screen.connect", {"ssid": "Home", "password": RIGHT})
        assert len([m for m in recorder.of(t.NM_CONNECT)]) == 1, "joined: no connect while checking"
        send(bus, "deactivate.screen-1")
        assert [d for d in recorder.of("mycroft.gui.screen.close") if d.get("skill_id") == SCREEN]
    finally:
        client.shutdown()


# What network-manager 1.3.5 sends for names nmcli escaped in its terse list (each line split on every ':').
ESCAPED_SCAN = [
    {"ssid": "Lab\\", "security": "Guest"},         # Lab\:Guest:WPA2
    {"ssid": "Cafe\\", "security": " Free"},        # Cafe\: Free:   (open)
    {"ssid": "Back\\\\Slash", "security": "WPA2"},  # Back\\Slash:WPA2
    {"ssid": "a\\", "security": "b\\"},             # a\:b\:c:WPA2 (two ':' - the end of the name is lost)
]


def test_names_with_a_colon_or_a_backslash_are_listed_as_they_are_and_can_be_joined(
        bus: Any, recorder: Any, nm: Any, on_screen: Callable[..., Any]) -> None:
    """"Lab:Guest" is listed as "Lab:Guest" (security unknown), not "Lab\\" secured with "Guest"; "Cafe: Free"
    likewise; "Back\\Slash" with its WPA2; a name the scan cut short is left out. Each joins by its real name:
    with the password typed, or none (tried as an open network)."""
    nm.scan = [dict(e) for e in ESCAPED_SCAN]
    nm.passwords["Lab:Guest"] = "lab-guest-pass"
    nm.passwords["Back\\Slash"] = "back-slash-pass"
    on_screen()
    assert screen_data(recorder)["networks_model"] == [
        {"ssid": "Lab:Guest", "security": "", "secured": True, "security_known": False},
        {"ssid": "Cafe: Free", "security": "", "secured": True, "security_known": False},
        {"ssid": "Back\\Slash", "security": "WPA2", "secured": True, "security_known": True},
    ]
    send(bus, "screen.connect", {"ssid": "Lab:Guest", "password": "lab-guest-pass"})
    assert [m.data for m in nm.of(t.NM_CONNECT)] == [
        {"connection_name": "Lab:Guest", "password": "lab-guest-pass", "security_type": ""}]
    assert (screen_data(recorder)["step"], screen_data(recorder)["selected_ssid"]) == ("connected", "Lab:Guest")


@pytest.mark.parametrize("ssid, password, request_topic, asked", [
    ("Cafe: Free", "", t.NM_CONNECT_OPEN, {"connection_name": "Cafe: Free"}),
    ("Cafe: Free", None, t.NM_CONNECT_OPEN, {"connection_name": "Cafe: Free"}),
    ("Back\\Slash", "back-slash-pass", t.NM_CONNECT,
     {"connection_name": "Back\\Slash", "password": "back-slash-pass", "security_type": "WPA2"}),
])
def test_an_escaped_name_joins_by_its_real_name(bus: Any, recorder: Any, nm: Any, on_screen: Callable[..., Any],
                                                ssid: str, password: Any, request_topic: str,
                                                asked: Dict[str, Any]) -> None:
    """The open "Cafe: Free" joins with no password; "Back\\Slash" with its own: network-manager is asked by the
    real name, which it hands to nmcli as it is."""
    nm.scan = [dict(e) for e in ESCAPED_SCAN]
    nm.passwords["Back\\Slash"] = "back-slash-pass"
    on_screen()
    send(bus, "screen.connect", {"ssid": ssid} if password is None else {"ssid": ssid, "password": password})
    assert [m.data for m in nm.of(request_topic)] == [asked]
    assert (screen_data(recorder)["step"], screen_data(recorder)["selected_ssid"]) == ("connected", ssid)


def test_a_network_of_unknown_security_tried_without_a_password_says_it_needs_one(
        bus: Any, recorder: Any, nm: Any, on_screen: Callable[..., Any]) -> None:
    """"Lab:Guest" (its security lost in the scan) tried with no password fails: the page says it needs one."""
    nm.scan = [dict(e) for e in ESCAPED_SCAN]
    nm.passwords["Lab:Guest"] = "lab-guest-pass"
    on_screen()
    send(bus, "screen.connect", {"ssid": "Lab:Guest"})
    data = screen_data(recorder)
    assert (data["step"], data["error"]) == ("failed", "Lab:Guest needs a password.")
