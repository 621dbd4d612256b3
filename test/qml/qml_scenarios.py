"""The QML scenarios: what each harness run loads, clicks and renders, built from the real plugin's data."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Dict, List, Tuple

from ovos_config.locations import get_xdg_cache_save_path

from ovos_PHAL_plugin_wifi_setup import topics

from qml_session import SAMPLE_CLIENTS, PluginDriver

HERE = Path(__file__).resolve().parent
GUI = HERE.parents[1] / "ovos_PHAL_plugin_wifi_setup" / "gui"
BINDINGS = {"qt5": "PyQt5", "qt6": "PySide6"}
SIZES = {"landscape": [800, 480], "portrait": [480, 800]}
LAYOUT_COUNTS = (0, 1, 2, 6)
# Generous: both frameworks usually finish in a few seconds.
RUN_TIMEOUT = 240


def child_env(root: Path) -> Dict[str, str]:
    """Environment for a harness process: headless Qt and an XDG tree of its own."""
    env = dict(os.environ)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        path = root / var.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["QT_QUICK_BACKEND"] = "software"
    env.pop("QML2_IMPORT_PATH", None)
    env.pop("QML_IMPORT_PATH", None)
    return env


def flow_values() -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
    """Drive the plugin through a live selection round and return what it sent to the GUI.

    Returns the gui.value.set payloads in order (first the page, then a late registration,
    a re-registration with new text, a deregistration) and the session data at the start.
    """
    driver = PluginDriver()
    try:
        for client, client_type, text in SAMPLE_CLIENTS[:2]:
            driver.register(client, client_type, text)
        driver.activate()
        start = driver.session()
        marks = [len(driver.values)]
        driver.register(*SAMPLE_CLIENTS[2])
        marks.append(len(driver.values))
        driver.register(SAMPLE_CLIENTS[0][0], SAMPLE_CLIENTS[0][1], "Use the OVOS app on your phone")
        marks.append(len(driver.values))
        driver.deregister(SAMPLE_CLIENTS[1][0])
        marks.append(len(driver.values))
        updates = [driver.values[m - 1] for m in marks[1:]]
        return updates, start
    finally:
        driver.close()


def typo_copy(framework: str, root: Path) -> Path:
    """Copy a framework's pages with one misspelt theme member, to prove the checks can fail."""
    target = root / f"typo-{framework}"
    if not target.exists():
        shutil.copytree(GUI / framework, target)
        page = target / "ClientSelection.qml"
        page.write_text(page.read_text(encoding="utf-8").replace(
            "Kirigami.Theme.highlightColor", "Kirigami.Theme.highlightColour"), encoding="utf-8")
    return target / "WifiSetupLoader.qml"


def build_scenarios(framework: str, png_dir: Path, work: Path, plan: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Turn the framework-neutral plan into the harness's scenario list for one framework."""
    page = str(GUI / framework / "WifiSetupLoader.qml")
    # Where GUIInterface copied the pages when the plan's plugins started (the layout ovos-gui serves).
    cache_page = Path(get_xdg_cache_save_path("ovos_gui")) / topics.PLUGIN_ID / framework / "WifiSetupLoader.qml"
    updates = plan["updates"]
    scenarios: List[Dict[str, Any]] = [
        {"name": "flow", "page": page, "data": plan["start"], "steps": [
            {"do": "click_tile", "index": 0},
            {"do": "click_tile", "index": 1},
            {"do": "click", "object": "connectLaterButton"},
            {"do": "click", "object": "neverConnectButton"},
            {"do": "set", "data": updates[0]},
            {"do": "set", "data": updates[1]},
            {"do": "set", "data": updates[2]},
            {"do": "destroy"},
        ]},
        {"name": "flow-array", "page": page, "as_model": False, "data": plan["start"], "steps": [
            {"do": "click_tile", "index": 1},
            {"do": "set", "data": updates[0]},
            {"do": "destroy"},
        ]},
        {"name": "other-page-type", "page": page,
         "data": {**plan["start"], "page_type": "SomethingElse"},
         "steps": [{"do": "set", "data": {"page_type": topics.PAGE_TYPE_SELECT}}]},
        {"name": "german", "page": page, "lang": "de", "data": plan["sessions"][2], "size": SIZES["portrait"],
         "steps": [{"do": "render", "path": str(png_dir / f"{framework}-portrait-2-de.png")}]},
        {"name": "german-empty", "page": page, "lang": "de", "data": plan["sessions"][0]},
        {"name": "cache-layout", "page": str(cache_page), "lang": "de", "data": plan["sessions"][2]},
        {"name": "typo", "page": str(typo_copy(framework, work)), "data": plan["sessions"][2]},
    ]
    for orientation, size in SIZES.items():
        for count in LAYOUT_COUNTS:
            png = png_dir / f"{framework}-{orientation}-{count}.png"
            scenarios.append({"name": f"layout-{orientation}-{count}", "page": page, "size": size,
                              "data": plan["sessions"][count], "steps": [{"do": "render", "path": str(png)}]})
    return scenarios
