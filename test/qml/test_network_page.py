"""The on-screen Wi-Fi method's page in a real Qt Quick engine: Qt5 pages under PyQt5, Qt6 pages under PySide6.

The session data is what the plugin's built-in ScreenSetupClient sent on a FakeBus, with a stand-in
answering `ovos.phal.nm.*` as ovos-PHAL-plugin-network-manager 1.3.5 does (qml_session.network_sessions).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import urlparse

import pytest

from ovos_PHAL_plugin_wifi_setup import topics

from qml_checks import illegible, marked, network_problems, snaps
from qml_scenarios import NETWORK_COUNTS, PASSWORD, SIZES
from qml_session import SAMPLE_SCAN, ScreenDriver

pytestmark = pytest.mark.qml

# Qt's input method hints and TextInput echo modes, as numbers.
IMH_SENSITIVE_DATA, IMH_NO_AUTO_UPPERCASE, IMH_NO_PREDICTIVE_TEXT = 0x2, 0x4, 0x40
ECHO_NORMAL, ECHO_PASSWORD = 0, 2


def connect(ssid: str, password: Any = None) -> Dict[str, Any]:
    """The request the page sends to join a network."""
    data = {"ssid": ssid} if password is None else {"ssid": ssid, "password": password}
    return {"type": topics.SCREEN_CONNECT, "data": data}


def texts(snap: Dict[str, Any], name: str) -> List[str]:
    """What the texts of one name say."""
    return [t["text"] for t in snap["texts"][name]]


def networks(session: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The network records of a session payload."""
    return list(session["networks_model"])


def test_list_shows_each_network_with_its_security(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """Every network the client sent has a row, in order: its name, and a lock with nmcli's words when secured."""
    load = snaps(run, "net-flow")[0]
    sent = networks(qml_plan["networks"]["list-20"])
    shown = load["rows"]
    assert [r["ssid"] for r in shown] == [n["ssid"] for n in sent][:len(shown)] and len(shown) >= 5
    for row, network in zip(shown, sent):
        assert row["name"]["text"] == network["ssid"]
        assert row["lock"] is network["secured"]
        assert row["security"]["text"] == (network["security"] if network["secured"] else "Open")
        if row["lock"]:
            assert Path(urlparse(row["lock_icon"]).path).name == "lock.svg" and row["lock_ready"]
    assert load["network_pages"] == 1 and load["password"] is None


@pytest.mark.parametrize("orientation", sorted(SIZES))
@pytest.mark.parametrize("count", NETWORK_COUNTS)
def test_network_list_fits_and_scrolls(run: Dict[str, Any], qml_plan: Dict[str, Any], framework: str,
                                       orientation: str, count: int) -> None:
    """At 800x480 and 480x800, with 0, 1 and 20 networks: nothing cut or overlapping, and a long list scrolls
    so that every network can be brought fully into view."""
    scenario = f"net-layout-{orientation}-{count}"
    load = snaps(run, scenario)[0]
    assert load["window"] == SIZES[orientation]
    assert network_problems(load) == []
    assert set(load["buttons"]) == {"backButton", "rescanButton"}
    sent = [n["ssid"] for n in networks(qml_plan["networks"][f"list-{count}"])]
    assert load["list"]["count"] == count
    if count == 0:
        assert texts(load, "emptyNetworksLabel") == ["No Wi-Fi networks found. Tap Rescan to look again."]
        assert load["rows"] == []
    else:
        assert texts(load, "emptyNetworksLabel") == []
    if count == 1:
        assert [r["ssid"] for r in load["rows"] if r["fully_shown"]] == sent
        assert not load["list"]["scroll_bar"]
    if count == 20:
        assert load["list"]["content_height"] > load["list"]["rect"][3], "20 networks fit without scrolling?"
        assert load["list"]["interactive"] and load["list"]["scroll_bar"]
        scroll = marked(run, scenario, "scrolled")["scroll"]
        assert scroll["drags"] >= 1 and scroll["at_end"]
        seen = {r["ssid"] for rows in scroll["passes"] for r in rows if r["fully_shown"]}
        assert seen == set(sent)
        for rows in scroll["passes"]:
            assert network_problems({**load, "rows": rows}) == []
    png = run["png_dir"] / f"{framework}-net-{orientation}-{count}.png"
    assert png.is_file() and png.stat().st_size > 1000, f"no screenshot at {png}"


def test_tapping_a_secured_network_asks_for_its_password(run: Dict[str, Any]) -> None:
    """A tap on Home (WPA2) shows the password step with the network's name, the field focused for the keyboard;
    nothing is sent yet."""
    asked = marked(run, "net-flow", "asked")
    assert texts(asked, "passwordNetworkName") == ["Home"]
    assert asked["password"] is not None and asked["password"]["active_focus"]
    assert asked["password"]["text"] == ""
    assert {"connectButton", "cancelButton", "showPasswordButton"} <= set(asked["buttons"])
    assert asked["rows"] == [] and asked["journal"] == []
    assert network_problems(asked) == []


def test_password_field_hides_the_password_and_serves_the_keyboard(run: Dict[str, Any]) -> None:
    """The field masks what is typed, asks the on-screen keyboard for no prediction, no capitals and no learning,
    takes at most 63 characters, and Show/Hide toggles the mask."""
    typed, shown, hidden = (marked(run, "net-flow", m) for m in ("typed", "shown", "hidden"))
    field = typed["password"]
    assert field["text"] == PASSWORD and field["display"] != PASSWORD and field["echo_mode"] == ECHO_PASSWORD
    for hint in (IMH_SENSITIVE_DATA, IMH_NO_PREDICTIVE_TEXT, IMH_NO_AUTO_UPPERCASE):
        assert field["hints"] & hint, f"input method hint {hint:#x} missing from {field['hints']:#x}"
    assert field["max_length"] == 63
    assert typed["buttons"]["showPasswordButton"]["text"] == "Show"
    assert shown["password"]["echo_mode"] == ECHO_NORMAL and shown["password"]["display"] == PASSWORD
    assert shown["buttons"]["showPasswordButton"]["text"] == "Hide"
    assert shown["password"]["active_focus"], "the toggle took the focus (and the keyboard) from the field"
    assert hidden["password"]["echo_mode"] == ECHO_PASSWORD


def test_connect_sends_exactly_the_network_and_its_password(run: Dict[str, Any]) -> None:
    """Tapping Connect sends screen.connect {ssid, password} with what was typed, once, and returns to the list."""
    done = marked(run, "net-flow", "connect")
    assert done["journal"] == [connect("Home", PASSWORD)]
    assert done["password"] is None and done["rows"], "the list did not come back"


def test_password_never_lands_in_session_data(run: Dict[str, Any]) -> None:
    """At no step does the page write the password into the session data; the field forgets it once sent."""
    for snap in snaps(run, "net-flow"):
        assert PASSWORD not in repr(snap["session"]), snap["mark"]
    assert marked(run, "net-flow", "asked-again")["password"]["text"] == ""


def test_connect_waits_for_eight_characters(run: Dict[str, Any]) -> None:
    """With fewer than 8 characters Connect is disabled; at 8 it is enabled."""
    short, enough = marked(run, "net-flow", "short"), marked(run, "net-flow", "long-enough")
    assert short["password"]["text"] == "abc" and not short["buttons"]["connectButton"]["enabled"]
    assert enough["password"]["text"] == "abcdefgh" and enough["buttons"]["connectButton"]["enabled"]


def test_cancel_returns_to_the_list_and_sends_nothing(run: Dict[str, Any]) -> None:
    """Cancel leaves the password step for the list, forgets what was typed, and sends nothing."""
    before, cancelled = marked(run, "net-flow", "back"), marked(run, "net-flow", "cancel")
    assert cancelled["password"] is None and cancelled["rows"]
    assert cancelled["journal"] == before["journal"]


def test_tapping_an_open_network_connects_at_once(run: Dict[str, Any]) -> None:
    """A tap on the open Cafe Corner sends screen.connect {ssid} with no password, and asks for nothing."""
    before, tapped = marked(run, "net-flow", "failed"), marked(run, "net-flow", "open")
    assert tapped["journal"][len(before["journal"]):] == [connect("Cafe Corner")]
    assert tapped["password"] is None


def test_connecting_says_so_and_ignores_taps(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """While connecting the page says "Connecting to Home…", offers no Rescan, and a tap on a network sends nothing."""
    connecting, tapped = marked(run, "net-flow", "connecting"), marked(run, "net-flow", "tap-while-connecting")
    assert qml_plan["networks"]["connecting"]["step"] == "connecting"
    assert texts(connecting, "statusLabel") == ["Connecting to Home…"]
    assert "rescanButton" not in connecting["buttons"] and "backButton" in connecting["buttons"]
    assert tapped["journal"] == connecting["journal"]
    assert network_problems(connecting) == []


def test_failure_shows_the_error_above_the_list(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """A failed connect shows the client's words above the list, and the networks can be tapped again."""
    failed = marked(run, "net-flow", "failed")
    error = qml_plan["networks"]["failed"]["error"]
    assert "Home" in error
    assert texts(failed, "errorLabel") == [error]
    assert texts(failed, "statusLabel") == []
    banner, listed = failed["boxes"]["errorBanner"][0], failed["boxes"]["networkList"][0]
    assert banner[1] + banner[3] <= listed[1] + 0.5, "the error is not above the list"
    assert network_problems(failed) == []
    assert marked(run, "net-flow", "open")["journal"][-1] == connect("Cafe Corner")


def test_rescan_sends_screen_scan(run: Dict[str, Any]) -> None:
    """The Rescan button sends screen.scan with an empty payload."""
    before, after = marked(run, "net-flow", "open"), marked(run, "net-flow", "rescan")
    assert before["buttons"]["rescanButton"]["text"] == "Rescan"
    assert after["journal"][len(before["journal"]):] == [{"type": topics.SCREEN_SCAN, "data": {}}]


def test_back_sends_screen_back(run: Dict[str, Any]) -> None:
    """The Back button sends screen.back with an empty payload."""
    before, after = marked(run, "net-flow", "rescan"), marked(run, "net-flow", "back")
    assert before["buttons"]["backButton"]["text"] == "Back"
    assert after["journal"][len(before["journal"]):] == [{"type": topics.SCREEN_BACK, "data": {}}]


def test_every_tap_plays_the_click_sound(run: Dict[str, Any]) -> None:
    """Each tap on a network, Connect, Rescan, Back and Cancel plays the click sound; Show/Hide does not."""
    assert len(marked(run, "net-flow", "cancel")["sounds"]) == 7


def test_closing_the_network_page_leaves_the_selection_alone(run: Dict[str, Any]) -> None:
    """Destroying the network page sends nothing: client.select.page.removed is the selection page's alone."""
    before, after = marked(run, "net-flow", "cancel"), marked(run, "net-flow", "destroy")
    assert not after["page_alive"] and after["journal"] == before["journal"]
    assert marked(run, "net-other-page-type", "destroy")["journal"] == []


def test_scanning_says_so(run: Dict[str, Any]) -> None:
    """Just opened, the page says it is looking for networks and shows no "nothing found" text."""
    load = snaps(run, "net-scanning")[0]
    assert texts(load, "statusLabel") == ["Looking for Wi-Fi networks…"]
    assert texts(load, "emptyNetworksLabel") == [] and load["rows"] == []
    assert network_problems(load) == []


def test_rescanning_keeps_the_list(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """During a rescan the page says so and the networks found before stay on screen."""
    load = snaps(run, "net-rescanning")[0]
    assert texts(load, "statusLabel") == ["Looking for Wi-Fi networks…"]
    assert [r["ssid"] for r in load["rows"]][:3] == [n["ssid"] for n in networks(qml_plan["networks"]["rescanning"])][:3]


def test_connected_says_so(run: Dict[str, Any]) -> None:
    """Once joined the page says "Connected to Cafe Corner", and a tap on a network sends nothing."""
    load, tapped = snaps(run, "net-connected")[:2]
    assert texts(load, "statusLabel") == ["Connected to Cafe Corner"]
    assert tapped["journal"] == [] and tapped["password"] is None
    assert network_problems(load) == []


def test_after_connected_the_page_says_it_checks_the_internet(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """Once "Connected" has been read, the page says "Checking the internet connection…" with a turning ring,
    offers no Rescan, and a tap on a network sends nothing."""
    assert qml_plan["networks"]["checking"]["step"] == "checking"
    checking, tapped = marked(run, "net-checking", "checking"), marked(run, "net-checking", "tap")
    assert texts(checking, "statusLabel") == ["Checking the internet connection…"]
    assert checking["boxes"]["busyIndicator"], "no turning ring while the internet is checked"
    assert "rescanButton" not in checking["buttons"] and "backButton" in checking["buttons"]
    assert tapped["journal"] == [] and tapped["password"] is None
    assert network_problems(checking) == []


def test_a_network_whose_security_the_scan_lost_takes_an_empty_password_or_a_full_one(
        run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """"Lab:Guest" is listed by its real name, "Security unknown" and no lock; tapped, it asks for a password
    that may stay empty: Connect then sends none; 1 to 7 characters keep Connect off; 8 send them. A network
    known to be secured still needs 8."""
    sent = {n["ssid"]: n for n in networks(qml_plan["networks"]["escaped"])}
    assert sent["Lab:Guest"] == {"ssid": "Lab:Guest", "security": "", "secured": True, "security_known": False}
    asked = marked(run, "net-unknown-security", "asked")
    assert texts(asked, "passwordNetworkName") == ["Lab:Guest"]
    assert texts(asked, "passwordLabel") == ["Password (leave it empty if the network has none)"]
    assert asked["buttons"]["connectButton"]["enabled"]
    assert marked(run, "net-unknown-security", "connect-empty")["journal"] == [connect("Lab:Guest", "")]
    assert not marked(run, "net-unknown-security", "short")["buttons"]["connectButton"]["enabled"]
    assert marked(run, "net-unknown-security", "long-enough")["buttons"]["connectButton"]["enabled"]
    assert marked(run, "net-unknown-security", "connect-typed")["journal"][-1] == connect("Lab:Guest", "abcdefgh")
    secured = marked(run, "net-unknown-security", "asked-secured")
    assert texts(secured, "passwordLabel") == ["Password (8 to 63 characters)"]
    assert not secured["buttons"]["connectButton"]["enabled"]
    rows = {r["ssid"]: r for r in snaps(run, "net-unknown-security")[0]["rows"]}
    assert rows["Lab:Guest"]["security"]["text"] == "Security unknown" and rows["Lab:Guest"]["lock"] is False
    assert rows["Cafe: Free"]["security"]["text"] == "Security unknown"
    assert rows["Home"]["lock"] is True and rows["Cafe Corner"]["security"]["text"] == "Open"
    assert network_problems(asked) == []


def test_page_also_takes_a_plain_list(run: Dict[str, Any]) -> None:
    """Given networks_model as a plain array instead of the shell's list model, the page works the same."""
    load = snaps(run, "net-flow-array")[0]
    assert [r["ssid"] for r in load["rows"]][:2] == ["Home", "Cafe Corner"]
    assert marked(run, "net-flow-array", "connect")["journal"] == [connect("Home", PASSWORD)]
    assert marked(run, "net-flow-array", "open")["journal"][-1] == connect("Cafe Corner")


def test_loader_shows_the_network_page_only_for_its_page_type(run: Dict[str, Any]) -> None:
    """An unknown page_type shows nothing; switching to NetworkSetup shows the network page."""
    other, shown = snaps(run, "net-other-page-type")[:2]
    assert other["network_pages"] == 0 and other["rows"] == []
    assert shown["network_pages"] == 1 and [r["ssid"] for r in shown["rows"]] == ["Home"]


@pytest.mark.parametrize("orientation", sorted(SIZES))
@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_password_step_fits_the_screen(run: Dict[str, Any], framework: str, orientation: str, scheme: str) -> None:
    """The password step (with the last error above it) fits 800x480 and 480x800: nothing cut or overlapping."""
    scenario = f"net-password-{orientation}-{scheme}"
    typed = marked(run, scenario, "typed")
    assert typed["password"]["text"] == PASSWORD and texts(typed, "passwordNetworkName") == ["Home"]
    assert network_problems(typed) == []
    png = run["png_dir"] / f"{framework}-net-password-{orientation}-{scheme}.png"
    assert png.is_file() and png.stat().st_size > 1000


def _legibility_scenarios() -> List[str]:
    """Every network-page scenario that measures legibility."""
    names = []
    for orientation in sorted(SIZES):
        names += [f"net-layout-{orientation}-{count}" for count in NETWORK_COUNTS]
        names += [f"net-light-{orientation}-20"]
        for scheme in ("dark", "light"):
            names += [f"net-{state}-{orientation}-{scheme}" for state in ("password", "failed", "connecting",
                                                                          "connected", "checking", "scanning")]
    return names + ["net-connected", "net-checking", "net-unknown-security"]


@pytest.mark.parametrize("scenario", _legibility_scenarios())
def test_network_page_text_is_legible(run: Dict[str, Any], scenario: str) -> None:
    """In the shell's dark scheme and Kirigami's light theme, every text at every step contrasts at least 4.5:1
    with what is painted behind it."""
    measured = marked(run, scenario, "legibility")["legibility"]
    assert measured, "nothing was measured"
    assert illegible(measured) == []


def test_page_requests_drive_the_real_client(run: Dict[str, Any]) -> None:
    """What the page sent, replayed on a FakeBus to the plugin's on-screen method, reaches network-manager
    as the connect it expects: the typed password for Home, none for the open Cafe Corner."""
    journal = marked(run, "net-flow", "open")["journal"]
    driver = ScreenDriver(SAMPLE_SCAN)
    try:
        for request in journal[:1]:
            driver.page(request["type"], request["data"])
        driver.nm.fail()
        for request in journal[1:]:
            driver.page(request["type"], request["data"])
        sent = [(m.msg_type, m.data) for m in driver.nm.connects]
    finally:
        driver.close()
    assert sent == [
        (topics.NM_CONNECT, {"connection_name": "Home", "password": PASSWORD, "security_type": "WPA2"}),
        (topics.NM_CONNECT_OPEN, {"connection_name": "Cafe Corner"}),
    ]
