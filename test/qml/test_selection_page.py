"""The selection screen in a real Qt Quick engine: Qt5 pages under PyQt5, Qt6 pages under PySide6."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

from ovos_PHAL_plugin_wifi_setup import topics

from qml_checks import illegible, problems, snaps
from qml_scenarios import GUI, LAYOUT_COUNTS, SIZES, typo_copy

pytestmark = pytest.mark.qml

ICONS = {"onDevice": "on-device.svg", "Remote": "remote.svg"}


def records(session: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Return the client records of a session payload."""
    return list(session[topics.SESSION_CLIENTS])


def tile_texts(snap: Dict[str, Any]) -> List[str]:
    """Return what the tiles say, in order."""
    return [t["label"]["text"] for t in snap["tiles"]]


def test_page_shows_one_tile_per_client_the_plugin_sent(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """The tiles say the display_text of each client in the plugin's clients_model, in order."""
    first = snaps(run, "flow")[0]
    assert tile_texts(first) == [c["display_text"] for c in records(qml_plan["start"])]


def test_icon_follows_the_client_type(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """onDevice and Remote clients get their own icons; any other type the generic one."""
    tiles = snaps(run, "layout-landscape-6")[0]["tiles"]
    types = [c["type"] for c in records(qml_plan["sessions"][6])]
    assert [Path(urlparse(t["icon"]).path).name for t in tiles] == [ICONS.get(k, "generic.svg") for k in types]
    assert all(t["icon_ready"] for t in tiles), "an icon file did not load"


def test_tap_on_a_tile_selects_that_client(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """A tap sends client.select with the client's name and the id the plugin gave it."""
    steps = snaps(run, "flow")
    first, second = records(qml_plan["start"])
    assert steps[1]["journal"] == [{"type": topics.CLIENT_SELECT, "data": {"client": first["client"], "id": first["id"]}}]
    assert steps[2]["journal"][-1] == {"type": topics.CLIENT_SELECT,
                                       "data": {"client": second["client"], "id": second["id"]}}


def test_connect_later_sends_skip_setup(run: Dict[str, Any]) -> None:
    """The "Connect later" button sends skip.setup with an empty payload."""
    step = snaps(run, "flow")[3]
    assert step["buttons"]["connectLaterButton"]["text"] == "Connect later"
    assert step["journal"][-1] == {"type": topics.SKIP_SETUP, "data": {}}
    assert len(step["journal"]) == 3


def test_never_connect_sends_fully_offline(run: Dict[str, Any]) -> None:
    """The "Never connect" button sends fully.offline with an empty payload."""
    step = snaps(run, "flow")[4]
    assert step["buttons"]["neverConnectButton"]["text"] == "Never connect"
    assert step["journal"][-1] == {"type": topics.FULLY_OFFLINE_IN, "data": {}}
    assert len(step["journal"]) == 4


def test_every_tap_plays_the_click_sound(run: Dict[str, Any], framework: str) -> None:
    """Each tap on a tile or button plays the click sound shipped with the pages."""
    step = snaps(run, "flow")[4]
    assert len(step["sounds"]) == 4
    paths = {Path(url2pathname(urlparse(url).path)) for url in step["sounds"]}
    assert paths == {GUI / framework / "sounds" / "clicked.wav"}
    assert all(p.is_file() for p in paths)


def test_late_registration_adds_a_tile(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """A client that registers while the page is up appears as a new tile."""
    step = snaps(run, "flow")[5]
    assert step["step"] == "set"
    assert tile_texts(step) == [c["display_text"] for c in records(qml_plan["updates"][0])]
    assert len(step["tiles"]) == 3


def test_re_registration_updates_the_tile_text(run: Dict[str, Any]) -> None:
    """A client re-registering with new text changes its tile in place."""
    step = snaps(run, "flow")[6]
    assert tile_texts(step)[0] == "Use the OVOS app on your phone"
    assert len(step["tiles"]) == 3


def test_deregistration_removes_the_tile(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """A client that deregisters while the page is up loses its tile."""
    step = snaps(run, "flow")[7]
    assert tile_texts(step) == [c["display_text"] for c in records(qml_plan["updates"][2])]
    assert len(step["tiles"]) == 2


def test_destroying_the_page_reports_it_removed(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """When the GUI destroys the page it sends client.select.page.removed, once, naming the page it showed."""
    before, after = snaps(run, "flow")[-2:]
    serial = qml_plan["start"][topics.SESSION_PAGE_SERIAL]
    assert after["step"] == "destroy" and not after["page_alive"]
    assert after["journal"][len(before["journal"]):] == [
        {"type": topics.SELECT_PAGE_REMOVED, "data": {topics.K_PAGE_SERIAL: serial}}]


def test_page_also_takes_a_plain_list(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """Given clients_model as a plain array instead of the shell's list model, the page works the same."""
    load, tap, late, gone = snaps(run, "flow-array")
    second = records(qml_plan["start"])[1]
    assert tile_texts(load) == [c["display_text"] for c in records(qml_plan["start"])]
    assert tap["journal"] == [{"type": topics.CLIENT_SELECT, "data": {"client": second["client"], "id": second["id"]}}]
    assert len(late["tiles"]) == 3
    assert gone["journal"][-1] == {"type": topics.SELECT_PAGE_REMOVED,
                                   "data": {topics.K_PAGE_SERIAL: qml_plan["start"][topics.SESSION_PAGE_SERIAL]}}


def test_loader_shows_selection_only_for_its_page_type(run: Dict[str, Any]) -> None:
    """An unknown page_type shows nothing; switching to ClientSelection shows the selection page."""
    other, selection = snaps(run, "other-page-type")
    assert other["selection_pages"] == 0 and other["tiles"] == []
    assert selection["selection_pages"] == 1 and len(selection["tiles"]) == 2


@pytest.mark.parametrize("orientation", sorted(SIZES))
@pytest.mark.parametrize("count", LAYOUT_COUNTS)
def test_layout_fits_the_screen(run: Dict[str, Any], framework: str, orientation: str, count: int) -> None:
    """At 800x480 and 480x800, with 0, 1, 2 and 6 clients, nothing is cut, off screen or overlapping."""
    load = snaps(run, f"layout-{orientation}-{count}")[0]
    assert load["window"] == SIZES[orientation]
    assert len(load["tiles"]) == count
    assert problems(load) == []
    assert set(load["buttons"]) == {"connectLaterButton", "neverConnectButton"}
    if count == 0:
        assert [e["text"] for e in load["empty"]] == ["No setup method is available yet"]
    else:
        assert load["empty"] == []
    png = run["png_dir"] / f"{framework}-{orientation}-{count}.png"
    assert png.is_file() and png.stat().st_size > 1000, f"no screenshot at {png}"


@pytest.mark.parametrize("orientation", sorted(SIZES))
@pytest.mark.parametrize("count", LAYOUT_COUNTS)
def test_selection_text_is_legible_in_the_shell_dark_scheme(run: Dict[str, Any], orientation: str, count: int) -> None:
    """In the shell's dark scheme every text on the selection page contrasts at least 4.5:1 with what is behind it."""
    measured = snaps(run, f"layout-{orientation}-{count}")[-1]
    assert measured["mark"] == "legibility" and measured["legibility"], "nothing was measured"
    assert illegible(measured["legibility"]) == []


@pytest.mark.parametrize("scenario", ["light-landscape", "light-portrait", "light-landscape-0", "light-portrait-0"])
def test_selection_text_is_legible_in_kirigami_light_theme(run: Dict[str, Any], scenario: str) -> None:
    """In Kirigami's default light theme too, the title, the subtitle, the tiles and the buttons read clearly."""
    measured = snaps(run, scenario)[-1]
    names = {e["name"] for e in measured["legibility"]}
    assert {"headerTitle", "headerSubtitle"} <= names
    assert illegible(measured["legibility"]) == []


def test_subtitle_is_legible_in_the_light_theme(run: Dict[str, Any]) -> None:
    """The subtitle, once in the disabled text colour, now contrasts at least 4.5:1 in the light theme."""
    measured = snaps(run, "light-landscape")[-1]["legibility"]
    subtitle = [e for e in measured if e["name"] == "headerSubtitle"]
    assert len(subtitle) == 1 and subtitle[0]["ratio"] >= 4.5, subtitle


def test_legibility_check_fails_the_old_faint_subtitle(run: Dict[str, Any]) -> None:
    """The same pages with the old subtitle colour fail the check: it measures what is painted, and can fail."""
    measured = snaps(run, "faint-light")[-1]["legibility"]
    faint = [problem for problem in illegible(measured) if problem.startswith("headerSubtitle")]
    assert len(faint) == 1 and "below 4.5:1" in faint[0], illegible(measured)
    assert [p for p in illegible(measured) if not p.startswith("headerSubtitle")] == []


def test_pages_print_no_qml_warnings(run: Dict[str, Any]) -> None:
    """No scenario on the real pages makes the QML engine print a warning."""
    noisy = {name: r["snapshots"][-1]["warnings"] for name, r in run["results"].items()
             if name != "typo" and r["snapshots"] and r["snapshots"][-1]["warnings"]}
    assert noisy == {}


def test_a_misspelt_member_is_caught(run: Dict[str, Any]) -> None:
    """The stand-ins declare only real members, so a page using a misspelt one warns."""
    warnings = snaps(run, "typo")[0]["warnings"]
    assert any("undefined" in w.lower() for w in warnings), warnings


def qmllint() -> str:
    """Find pyside6-qmllint, or skip when PySide6 is not installed."""
    pytest.importorskip("PySide6", reason="PySide6-Essentials is not installed (make test installs it)")
    beside = Path(sys.executable).parent / "pyside6-qmllint"
    found = str(beside) if beside.exists() else shutil.which("pyside6-qmllint")
    if not found:
        pytest.skip("pyside6-qmllint not found")
    return found


@pytest.mark.parametrize("page", sorted(p.name for p in (GUI / "qt6").glob("*.qml")))
def test_qt6_page_passes_qmllint(page: str) -> None:
    """Every Qt6 page lints clean against the stand-in modules."""
    imports = Path(__file__).resolve().parent / "imports"
    done = subprocess.run([qmllint(), "--max-warnings", "0", "-I", str(imports), str(GUI / "qt6" / page)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_qmllint_rejects_a_misspelt_member(tmp_path: Path) -> None:
    """qmllint with the stand-ins fails a page that uses a member Kirigami does not have."""
    imports = Path(__file__).resolve().parent / "imports"
    page = typo_copy("qt6", tmp_path).parent / "ClientSelection.qml"
    done = subprocess.run([qmllint(), "--max-warnings", "0", "-I", str(imports), str(page)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "highlightColour" in done.stdout + done.stderr
