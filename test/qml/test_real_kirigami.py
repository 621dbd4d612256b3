"""The Qt5 pages in the real Kirigami 2 of Debian bookworm, not the stand-ins.

Debian's python3 with its PyQt5 runs the harness (qml_harness.py --kirigami real) with the stand-in
Mycroft module only, so org.kde.kirigami is Debian's qml-module-org-kde-kirigami2. Each page and
step is loaded in both orientations, rendered, and its texts measured against what is painted
behind them, in Kirigami's default light theme (and, for some, with Qt's palette set to a dark
scheme like the shell's). Where the packages are missing, these tests skip with the command that
installs them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest

import qml_scenarios
from qml_checks import german_texts, illegible, marked, network_problems, problems, snaps
from qml_scenarios import DEBIAN_PACKAGES, PASSWORD, SIZES, install_command

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.qml

SELECTION = ("selection-0", "selection-3", "selection-6")
NETWORK = ("scanning", "list-0", "list-1", "list-20", "connecting", "failed", "password", "connected")
DARK = ("selection-3", "failed", "password")


def scenarios() -> List[str]:
    """Every real-Kirigami scenario that renders a page."""
    names = []
    for orientation in sorted(SIZES):
        for state in SELECTION + NETWORK:
            names.append(f"real-{state}-{orientation}-light")
            if state in DARK:
                names.append(f"real-{state}-{orientation}-dark")
    return names


def test_real_kirigami_serves_the_pages(real_run: Dict[str, Any]) -> None:
    """The run used the installed Kirigami: it says it has no platform plugin, which the stand-in never does."""
    first = snaps(real_run, scenarios()[0])[0]
    notices = [n for r in real_run["results"].values() for s in r["snapshots"] for n in s["notices"]]
    assert notices and all("Kirigami platform plugin" in n for n in notices)
    assert first["selection_pages"] == 1


@pytest.mark.parametrize("scenario", scenarios())
def test_page_loads_and_fits_in_real_kirigami(real_run: Dict[str, Any], scenario: str) -> None:
    """Each page and step loads with no QML warning, renders, and nothing on it is cut off or overlapping."""
    shots = snaps(real_run, scenario)
    last = shots[-1]
    assert last["warnings"] == []
    assert last["page_alive"]
    if "-selection-" in scenario:
        assert last["selection_pages"] == 1 and problems(last) == []
    else:
        assert last["network_pages"] == 1 and network_problems(last) == []
    png = real_run["png_dir"] / f"{scenario}.png"
    assert png.is_file() and png.stat().st_size > 1000, f"no screenshot at {png}"


@pytest.mark.parametrize("scenario", scenarios())
def test_text_is_legible_in_real_kirigami(real_run: Dict[str, Any], scenario: str) -> None:
    """Every text contrasts at least 4.5:1 with what real Kirigami paints behind it."""
    measured = marked(real_run, scenario, "legibility")["legibility"]
    assert measured, "nothing was measured"
    assert illegible(measured) == []


def test_real_kirigami_fails_the_old_faint_subtitle(real_run: Dict[str, Any]) -> None:
    """The issue as reported: the old subtitle colour is barely readable in real Kirigami's light theme."""
    measured = marked(real_run, "real-faint-light", "legibility")["legibility"]
    faint = [p for p in illegible(measured) if p.startswith("headerSubtitle")]
    assert len(faint) == 1 and "below 4.5:1" in faint[0], illegible(measured)


@pytest.mark.parametrize("orientation", sorted(SIZES))
def test_long_list_scrolls_in_real_kirigami(real_run: Dict[str, Any], orientation: str) -> None:
    """The 20 networks scroll into full view one after another in real Kirigami too."""
    scenario = f"real-list-20-{orientation}-light"
    scroll = marked(real_run, scenario, "scrolled")["scroll"]
    load = snaps(real_run, scenario)[0]
    assert scroll["drags"] >= 1 and scroll["at_end"]
    assert len({r["ssid"] for rows in scroll["passes"] for r in rows if r["fully_shown"]}) == 20
    for rows in scroll["passes"]:
        assert network_problems({**load, "rows": rows}) == []


@pytest.mark.parametrize("orientation", sorted(SIZES))
def test_password_step_in_real_kirigami(real_run: Dict[str, Any], orientation: str) -> None:
    """Tapping Home asks for its password, and the typed text lands in the focused field."""
    typed = marked(real_run, f"real-password-{orientation}-light", "typed")
    assert typed["password"]["text"] == PASSWORD and typed["password"]["active_focus"]
    assert typed["journal"] == []


def test_german_in_real_kirigami(real_run: Dict[str, Any]) -> None:
    """In real Kirigami too, the password step speaks the German the plugin sent, with no Qt catalogue loaded."""
    asked = marked(real_run, "real-german", "asked")
    assert not real_run["results"]["real-german"]["translation_loaded"]
    german = german_texts()
    assert {n: b["text"] for n, b in asked["buttons"].items()} == {
        "showPasswordButton": german["show"], "cancelButton": german["cancel"], "connectButton": german["connect"]}
    assert [t["text"] for t in asked["texts"]["passwordLabel"]] == [german["password_placeholder"]]


def test_ci_installs_what_real_kirigami_needs() -> None:
    """.ci/run updates apt's lists, installs every package the real-Kirigami run needs, and runs make test last."""
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    assert [p for p in DEBIAN_PACKAGES if p not in lines] == []
    installs = [i for i, line in enumerate(lines) if line.startswith("apt-get install")]
    assert installs and "apt-get update" in lines[:installs[0]]
    assert lines[-1] == "make test"


def test_missing_kirigami_is_named_with_the_command_that_installs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Debian's python3 the run is skipped for a stated reason, and the skip names the apt-get command."""
    monkeypatch.setattr(qml_scenarios, "DEBIAN_PYTHON", Path("/nonexistent/python3"))
    assert qml_scenarios.real_kirigami_missing() == "/nonexistent/python3 is missing"
    command = install_command()
    assert command.startswith("apt-get update && apt-get install -y ")
    assert command.split()[-len(DEBIAN_PACKAGES):] == list(DEBIAN_PACKAGES)
