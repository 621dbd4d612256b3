"""The hotspot's join page in a real Qt Quick engine (Qt5 pages under PyQt5, Qt6 pages under PySide6, and the Qt5
pages under Debian's real Kirigami): its screenshot's QR code reads back as the setup network, and its words say
the same, at 800x480 and 480x800, in the shell's dark scheme and Kirigami's light one.

The session data is what the join page module the hotspot method uses sent on a FakeBus (qml_session.join_sessions).
"""
from __future__ import annotations

from typing import Any, Dict, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics

from qml_checks import catalogue_texts, illegible, marked, network_problems, overlap, snaps
from qml_scenarios import SIZES
from qml_session import JOIN_CASES
from wifi_qr import parse_wifi, read_qr_codes

pytestmark = pytest.mark.qml

join_page = pytest.importorskip("ovos_PHAL_plugin_wifi_setup.methods.hotspot.join_page",
                                reason="needs the hotspot extra: pip install -e '.[hotspot]'")

# Modules a phone's camera reads from across a room on a 7" screen: at least this many pixels each.
MIN_MODULE_PIXELS = 3
QUIET_ZONE = 4


def case_of(plan: Dict[str, Any], case: str) -> Dict[str, Any]:
    """One join case of the plan: what the page was shown for, and its session data."""
    return plan["join"][case]


def texts(snap: Dict[str, Any], name: str) -> List[str]:
    """What the texts of one name say, in scene order."""
    return [t["text"] for t in snap["texts"][name]]


def expected_wifi(join: Dict[str, Any]) -> str:
    """The WIFI: text of the network the page was shown for."""
    return join_page.wifi_text(join["ssid"], join["passphrase"])


@pytest.mark.parametrize("scheme", ("dark", "light"))
@pytest.mark.parametrize("orientation", sorted(SIZES))
@pytest.mark.parametrize("case", sorted(JOIN_CASES))
def test_the_qr_code_in_the_screenshot_reads_back_as_the_setup_network(
        run: Dict[str, Any], qml_plan: Dict[str, Any], framework: str, case: str, orientation: str,
        scheme: str) -> None:
    """zxing-cpp reads exactly one QR code off the screenshot, and it is the WIFI: text of the network the page was
    shown for; unescaped, its name and passphrase are the very ones (a ';', '"', ':', ',' or '\\' included)."""
    join = case_of(qml_plan, case)
    name = f"{framework}-join-{case}-{orientation}-{scheme}"
    snaps(run, name)
    read = read_qr_codes(run["png_dir"] / f"{name}.png")
    assert read == [expected_wifi(join)]
    fields = parse_wifi(read[0])
    assert fields["S"] == join["ssid"]
    if join["passphrase"]:
        assert fields["T"] == "WPA" and fields["P"] == join["passphrase"]
    else:
        assert fields["T"] == "nopass" and "P" not in fields


@pytest.mark.parametrize("orientation", sorted(SIZES))
@pytest.mark.parametrize("case", sorted(JOIN_CASES))
def test_the_page_says_the_name_the_password_and_the_address(
        run: Dict[str, Any], qml_plan: Dict[str, Any], framework: str, case: str, orientation: str) -> None:
    """The network's name as it is, the passphrase in groups of four that read back as the passphrase (one with a
    space of its own whole), an open network's code in groups of three, and the setup page's address."""
    join = case_of(qml_plan, case)
    load = snaps(run, f"{framework}-join-{case}-{orientation}-dark")[0]
    assert load["join_pages"] == 1 and load["warnings"] == []
    assert texts(load, "joinSsid") == [join["ssid"]]
    assert texts(load, "joinUrl") == [join["url"]]
    groups = texts(load, "joinSecretGroup")
    if join["passphrase"] and " " in join["passphrase"]:
        assert groups == [join["passphrase"]]
    elif join["passphrase"]:
        assert "".join(groups) == join["passphrase"]
        assert all(len(g) == 4 for g in groups[:-1]) and 1 <= len(groups[-1]) <= 4
        assert texts(load, "joinSecretLabel") == ["Password"]
    else:
        assert groups == [join["code"][:3], join["code"][3:]]
        assert texts(load, "joinSecretLabel") == ["Code to type on the setup page"]
    assert texts(load, "headerTitle") == ["Join this device's setup network"]


@pytest.mark.parametrize("orientation", sorted(SIZES))
@pytest.mark.parametrize("case", sorted(JOIN_CASES))
def test_the_page_fits_the_screen_with_a_code_big_enough_to_scan(
        run: Dict[str, Any], qml_plan: Dict[str, Any], framework: str, case: str, orientation: str) -> None:
    """Nothing leaves the window, is cut off or overlaps; the code sits beside (or above) the words, never under
    them, with at least 3 pixels a module and its quiet zone; every text is legible in both schemes."""
    join = case_of(qml_plan, case)
    load = snaps(run, f"{framework}-join-{case}-{orientation}-dark")[0]
    assert load["window"] == SIZES[orientation]
    assert network_problems(load) == []
    (qr,) = load["boxes"]["joinQr"]
    modules = len(join["data"][join_page.K_QR])
    assert qr[2] == qr[3] and qr[2] / (modules + 2 * QUIET_ZONE) >= MIN_MODULE_PIXELS, qr
    words = [t["rect"] for name in ("joinNetworkLabel", "joinSsid", "joinSecretLabel", "joinSecretGroup",
                                    "joinAddressLabel", "joinUrl", "headerTitle", "headerSubtitle")
             for t in load["texts"][name]]
    assert [w for w in words if overlap(w, qr)] == []
    for scheme in ("dark", "light"):
        measured = marked(run, f"{framework}-join-{case}-{orientation}-{scheme}", "legibility")["legibility"]
        assert illegible(measured) == [], scheme


def test_the_page_sends_nothing_and_says_nothing_when_it_goes(run: Dict[str, Any], framework: str) -> None:
    """The page is read, not touched: no request while shown, and none when the session's end takes it (a method's
    page is no answer to the selection page)."""
    for case in JOIN_CASES:
        gone = marked(run, f"{framework}-join-{case}-landscape-dark", "destroy")
        assert gone["journal"] == [] and not gone["page_alive"]


def test_the_session_data_name_the_page_type_and_carry_no_wifi_text(qml_plan: Dict[str, Any]) -> None:
    """page_type HotspotJoin; the WIFI: text itself is not in the data (only its QR matrix), nor the passphrase
    whole where it is shown in groups."""
    for join in qml_plan["join"].values():
        data = join["data"]
        assert data[topics.SESSION_PAGE_TYPE] == topics.PAGE_TYPE_HOTSPOT_JOIN
        flat = repr(data)
        assert "WIFI:" not in flat
        if join["passphrase"] and " " not in join["passphrase"]:
            assert join["passphrase"] not in flat


@pytest.mark.parametrize("case", sorted(JOIN_CASES))
def test_in_german_the_page_reads_german_and_its_code_still_joins(
        run: Dict[str, Any], qml_plan: Dict[str, Any], framework: str, case: str) -> None:
    """From a plugin configured `lang: de-de`: the page's words are the German catalogue's, the code the same."""
    german = catalogue_texts("de-de")
    join = qml_plan["de"]["join"][case]
    for orientation in SIZES:
        name = f"{framework}-de-join-{case}-{orientation}-dark"
        load = snaps(run, name)[0]
        assert texts(load, "headerTitle") == [german["join_title"]]
        assert texts(load, "joinNetworkLabel") == [german["join_network"]]
        assert texts(load, "joinAddressLabel") == [german["join_address"]]
        assert network_problems(load) == []
        assert read_qr_codes(run["png_dir"] / f"{name}.png") == [expected_wifi(join)]


@pytest.mark.parametrize("orientation", sorted(SIZES))
def test_under_real_kirigami_the_code_reads_back_and_the_words_fit(
        real_run: Dict[str, Any], qml_plan: Dict[str, Any], orientation: str) -> None:
    """The Qt5 page under Debian's Kirigami, light: the same QR code, the same words, nothing cut, all legible."""
    join = case_of(qml_plan, "wpa")
    name = f"real-join-wpa-{orientation}-light"
    load = snaps(real_run, name)[0]
    assert read_qr_codes(real_run["png_dir"] / f"{name}.png") == [expected_wifi(join)]
    assert texts(load, "joinSsid") == [join["ssid"]]
    assert "".join(texts(load, "joinSecretGroup")) == join["passphrase"]
    assert network_problems(load) == []
    assert illegible(marked(real_run, name, "legibility")["legibility"]) == []
