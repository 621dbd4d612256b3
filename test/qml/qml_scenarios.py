"""The QML scenarios: what each harness run loads, taps and renders, built from the real plugin's data."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ovos_config.locations import get_xdg_cache_save_path

from ovos_PHAL_plugin_wifi_setup import topics

from loopback import LOOPBACK_NETWORK_TESTS
from qml_session import SAMPLE_CLIENTS, PluginDriver

HERE = Path(__file__).resolve().parent
GUI = HERE.parents[1] / "ovos_PHAL_plugin_wifi_setup" / "gui"
BINDINGS = {"qt5": "PyQt5", "qt6": "PySide6"}
SIZES = {"landscape": [800, 480], "portrait": [480, 800]}
LAYOUT_COUNTS = (0, 1, 2, 6)
NETWORK_COUNTS = (0, 1, 20)
# Generous: both frameworks usually finish in well under a minute.
RUN_TIMEOUT = 240
# The device language of the German scenarios (mycroft.conf's `lang`), and the locale the harness then
# tries to load a Qt catalogue for, the way mycroft-gui would (the pages ship none).
GERMAN = "de-de"
GERMAN_QT = "de"

# The password the scenarios type; nothing but the page's connect request may carry it.
PASSWORD = "correct horse 42"  # noqa: S105 - what the scenarios type, not a secret

# Real Kirigami for Qt5 comes from Debian, for Debian's python3 and PyQt5 (not the virtualenv's pip PyQt5:
# two Qt builds cannot share a process).
DEBIAN_PYTHON = Path("/usr/bin/python3")
DEBIAN_PACKAGES = ("python3-pyqt5", "python3-pyqt5.qtquick", "qml-module-org-kde-kirigami2",
                   "qml-module-qtquick2", "qml-module-qtquick-window2", "qml-module-qtquick-controls2",
                   "qml-module-qtquick-templates2", "qml-module-qtquick-layouts", "qml-module-qtgraphicaleffects",
                   "libqt5svg5")
# What each package puts in Qt's QML folder (the SVG image plugin is checked through Qt itself).
DEBIAN_QML_MODULES = ("org/kde/kirigami.2", "QtQuick.2", "QtQuick/Window.2", "QtQuick/Controls.2",
                      "QtQuick/Templates.2", "QtQuick/Layouts", "QtGraphicalEffects")


def install_command() -> str:
    """The command that installs real Kirigami for the tests (as root)."""
    return "apt-get update && apt-get install -y --no-install-recommends " + " ".join(DEBIAN_PACKAGES)


def child_env(root: Path) -> Dict[str, str]:
    """Environment for a harness process: headless Qt and an XDG tree of its own."""
    env = dict(os.environ)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        path = root / var.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    os.chmod(env["XDG_RUNTIME_DIR"], 0o700)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["QT_QUICK_BACKEND"] = "software"
    for var in ("QML2_IMPORT_PATH", "QML_IMPORT_PATH", "QT_QUICK_CONTROLS_STYLE", "QT_PLUGIN_PATH", "PYTHONPATH"):
        env.pop(var, None)
    return env


class LanguagePlan:
    """The plugin's session data in a device language, from a process of its own whose mycroft.conf (in an
    XDG tree of its own) says `lang`: the language comes from the configuration, as on a device."""

    def __init__(self, lang: str, root: Path) -> None:
        """Write the config tree below root and start the process (qml_session.py)."""
        self.lang = lang
        env = child_env(root)
        # The virtualenv's python, with the checkout under test first (not whichever copy is installed).
        env["PYTHONPATH"] = str(HERE.parents[1])
        config = Path(env["XDG_CONFIG_HOME"]) / "mycroft" / "mycroft.conf"
        config.parent.mkdir(parents=True, exist_ok=True)
        # The network checks point at a closed loopback port, as everywhere in the tests.
        config.write_text(json.dumps({"lang": lang, "network_tests": LOOPBACK_NETWORK_TESTS}), encoding="utf-8")
        self.out = root / "plan.json"
        self.log = root / "plan.log"
        with open(self.log, "w", encoding="utf-8") as log:
            self.proc = subprocess.Popen([sys.executable, str(HERE / "qml_session.py"), "--out", str(self.out)],
                                         env=env, stdout=log, stderr=subprocess.STDOUT)

    def result(self) -> Dict[str, Any]:
        """Wait for the process; return its session data (the plugin's catalogue language under "lang")."""
        code = self.proc.wait(timeout=RUN_TIMEOUT)
        if code != 0 or not self.out.exists():
            raise RuntimeError(f"the {self.lang} plan exited with {code}:\n"
                               f"{self.log.read_text(encoding='utf-8')[-4000:]}")
        return json.loads(self.out.read_text(encoding="utf-8"))


# Run by Debian's python3: says what a real-Kirigami harness run would be missing.
_PROBE = """
import json
out = {}
try:
    from PyQt5 import QtCore, QtGui, QtQml, QtQuick, QtTest
    app = QtGui.QGuiApplication(["probe"])
    out["qml"] = QtCore.QLibraryInfo.location(QtCore.QLibraryInfo.Qml2ImportsPath)
    out["svg"] = any(bytes(f).decode() == "svg" for f in QtGui.QImageReader.supportedImageFormats())
except ImportError as e:
    out["error"] = str(e)
print(json.dumps(out))
"""


def real_kirigami_missing() -> Optional[str]:
    """Say why the real-Kirigami run cannot happen here, or None when everything it needs is installed."""
    if not DEBIAN_PYTHON.exists():
        return f"{DEBIAN_PYTHON} is missing"
    with tempfile.TemporaryDirectory(prefix="qml-probe-") as root:
        done = subprocess.run([str(DEBIAN_PYTHON), "-c", _PROBE], capture_output=True, text=True,
                              env=child_env(Path(root)), timeout=120)
    try:
        found = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return f"{DEBIAN_PYTHON} cannot start Qt: {done.stderr[-500:]}"
    if "error" in found:
        return f"Debian's PyQt5 is missing ({found['error']})"
    missing = [m for m in DEBIAN_QML_MODULES if not (Path(found["qml"]) / m / "qmldir").is_file()]
    if missing:
        return f"QML modules missing from {found['qml']}: {', '.join(missing)}"
    if not found["svg"]:
        return "Qt5's SVG image plugin is missing"
    return None


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


def _page_copy(framework: str, root: Path, name: str, old: str, new: str) -> Path:
    """Copy a framework's pages with one change to ClientSelection.qml; return the copy's loader."""
    target = root / f"{name}-{framework}"
    if not target.exists():
        shutil.copytree(GUI / framework, target)
        page = target / "ClientSelection.qml"
        text = page.read_text(encoding="utf-8")
        if old not in text:
            raise AssertionError(f"{old!r} is not in {page}")
        page.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target / "WifiSetupLoader.qml"


def typo_copy(framework: str, root: Path) -> Path:
    """Copy a framework's pages with one misspelt theme member, to prove the checks can fail."""
    return _page_copy(framework, root, "typo", "Kirigami.Theme.highlightColor", "Kirigami.Theme.highlightColour")


def faint_copy(framework: str, root: Path) -> Path:
    """Copy a framework's pages with the subtitle as it was (the disabled text colour), to prove the
    legibility check fails it."""
    return _page_copy(framework, root, "faint", "// The text colour itself: the disabled one is too faint on a "
                      "light background.\n                    color: Kirigami.Theme.textColor",
                      "color: Kirigami.Theme.disabledTextColor")


def _network_layout_steps(png: Path, count: int) -> List[Dict[str, Any]]:
    """Render, measure, and for a long list scroll it through."""
    steps: List[Dict[str, Any]] = [{"do": "render", "path": str(png)}, {"do": "legibility", "mark": "legibility"}]
    if count > 1:
        steps.append({"do": "scroll_through", "mark": "scrolled"})
    return steps


def _password_steps(png: Path) -> List[Dict[str, Any]]:
    """Tap the secured network Home, type the password, render and measure."""
    return [{"do": "click_row", "ssid": "Home", "mark": "asked"},
            {"do": "type", "text": PASSWORD, "mark": "typed"},
            {"do": "render", "path": str(png)},
            {"do": "legibility", "mark": "legibility"}]


def network_flow(page: str, nets: Dict[str, Any], as_model: bool = True) -> Dict[str, Any]:
    """The network page from the list on: a password, a connect, a failure, an open network, the buttons."""
    return {"name": "net-flow" if as_model else "net-flow-array", "page": page, "as_model": as_model,
            "data": nets["list-20"], "steps": [
                {"do": "click_row", "ssid": "Home", "mark": "asked"},
                {"do": "type", "text": PASSWORD, "mark": "typed"},
                {"do": "click", "object": "showPasswordButton", "mark": "shown"},
                {"do": "click", "object": "showPasswordButton", "mark": "hidden"},
                {"do": "click", "object": "connectButton", "mark": "connect"},
                {"do": "set", "data": nets["connecting"], "mark": "connecting"},
                {"do": "click_row", "ssid": "Cafe Corner", "mark": "tap-while-connecting"},
                {"do": "set", "data": nets["failed"], "mark": "failed"},
                {"do": "click_row", "ssid": "Cafe Corner", "mark": "open"},
                {"do": "click", "object": "rescanButton", "mark": "rescan"},
                {"do": "click", "object": "backButton", "mark": "back"},
                {"do": "click_row", "ssid": "Home", "mark": "asked-again"},
                {"do": "type", "text": "abc", "mark": "short"},
                {"do": "type", "text": "defgh", "mark": "long-enough"},
                {"do": "click", "object": "cancelButton", "mark": "cancel"},
                {"do": "destroy", "mark": "destroy"},
            ]}


def without_texts(session: Dict[str, Any], *keys: str) -> Dict[str, Any]:
    """The session data with some of the plugin's texts left out (all of them when no key is named)."""
    data = dict(session)
    if keys:
        data[topics.SESSION_TEXTS] = {k: v for k, v in session[topics.SESSION_TEXTS].items() if k not in keys}
    else:
        data.pop(topics.SESSION_TEXTS)
    return data


def german_network_flow(page: str, nets: Dict[str, Any], png: Path) -> Dict[str, Any]:
    """The network page in German through every step a user meets, from the plugin's German session data."""
    return {"name": "de-net-flow", "page": page, "lang": GERMAN_QT, "size": SIZES["portrait"],
            "data": nets["scanning"], "steps": [
                {"do": "set", "data": nets["list-20"], "mark": "list"},
                {"do": "click_row", "ssid": "Home", "mark": "asked"},
                {"do": "type", "text": PASSWORD, "mark": "typed"},
                {"do": "click", "object": "showPasswordButton", "mark": "shown"},
                {"do": "render", "path": str(png), "mark": "rendered"},
                {"do": "click", "object": "cancelButton", "mark": "cancel"},
                {"do": "set", "data": nets["rescanning"], "mark": "rescanning"},
                {"do": "set", "data": nets["connecting"], "mark": "connecting"},
                {"do": "set", "data": nets["failed"], "mark": "failed"},
                {"do": "set", "data": nets["connected"], "mark": "connected"},
                {"do": "set", "data": nets["checking"], "mark": "checking"},
                {"do": "set", "data": nets["list-0"], "mark": "empty"},
            ]}


def join_scenarios(page: str, png_dir: Path, prefix: str, plan: Dict[str, Any],
                   schemes: Tuple[str, ...] = ("dark", "light")) -> List[Dict[str, Any]]:
    """The hotspot's join page for each case, orientation and scheme: render, measure; the dark ones also gone
    (destroyed) at the end, as the session's end takes it."""
    scenarios = []
    for case, join in plan["join"].items():
        for orientation, size in SIZES.items():
            for scheme in schemes:
                name = f"{prefix}join-{case}-{orientation}-{scheme}"
                steps: List[Dict[str, Any]] = [{"do": "render", "path": str(png_dir / f"{name}.png")},
                                               {"do": "legibility", "mark": "legibility"}]
                if scheme == "dark":
                    steps.append({"do": "destroy", "mark": "destroy"})
                scenarios.append({"name": name, "page": page, "size": size, "scheme": scheme, "data": join["data"],
                                  "steps": steps})
    return scenarios


def build_scenarios(framework: str, png_dir: Path, work: Path, plan: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Turn the framework-neutral plan into the harness's scenario list for one framework."""
    page = str(GUI / framework / "WifiSetupLoader.qml")
    # Where GUIInterface copied the pages when the plan's plugins started (the layout ovos-gui serves).
    cache_page = Path(get_xdg_cache_save_path("ovos_gui")) / topics.PLUGIN_ID / framework / "WifiSetupLoader.qml"
    updates = plan["updates"]
    nets = plan["networks"]
    german = plan["de"]
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
        # German, from the session data of a plugin configured `lang: de-de`.
        {"name": "de-selection-empty", "page": page, "lang": GERMAN_QT, "data": german["selection-0"]},
        {"name": "de-missing-texts", "page": page, "lang": GERMAN_QT,
         "data": without_texts(german["selection"], "select_subtitle", "never_connect")},
        {"name": "de-no-texts", "page": page, "lang": GERMAN_QT, "data": without_texts(german["selection"])},
        {"name": "cache-layout", "page": str(cache_page), "lang": GERMAN_QT, "data": german["selection"]},
        {"name": "typo", "page": str(typo_copy(framework, work)), "data": plan["sessions"][2]},
        {"name": "faint-light", "page": str(faint_copy(framework, work)), "scheme": "light",
         "data": plan["screen_selection"], "steps": [{"do": "legibility", "mark": "legibility"}]},
        # The network page.
        network_flow(page, nets),
        network_flow(page, nets, as_model=False),
        {"name": "net-scanning", "page": page, "data": nets["scanning"]},
        {"name": "net-rescanning", "page": page, "data": nets["rescanning"]},
        {"name": "net-connected", "page": page, "data": nets["connected"], "steps": [
            {"do": "click_row", "ssid": "Home", "mark": "tap"},
            {"do": "legibility", "mark": "legibility"}]},
        {"name": "net-checking", "page": page, "data": nets["connected"], "steps": [
            {"do": "set", "data": nets["checking"], "mark": "checking"},
            {"do": "click_row", "ssid": "Home", "mark": "tap"},
            {"do": "legibility", "mark": "legibility"}]},
        {"name": "net-unknown-security", "page": page, "data": nets["escaped"], "steps": [
            {"do": "click_row", "ssid": "Lab:Guest", "mark": "asked"},
            {"do": "click", "object": "connectButton", "mark": "connect-empty"},
            {"do": "click_row", "ssid": "Lab:Guest", "mark": "asked-again"},
            {"do": "type", "text": "abc", "mark": "short"},
            {"do": "type", "text": "defgh", "mark": "long-enough"},
            {"do": "click", "object": "connectButton", "mark": "connect-typed"},
            {"do": "click_row", "ssid": "Home", "mark": "asked-secured"},
            {"do": "legibility", "mark": "legibility"}]},
        german_network_flow(page, german["networks"], png_dir / f"{framework}-net-password-de.png"),
        {"name": "net-other-page-type", "page": page, "data": {**nets["list-1"], "page_type": "SomethingElse"},
         "steps": [{"do": "set", "data": {"page_type": topics.PAGE_TYPE_NETWORKS}},
                   {"do": "destroy", "mark": "destroy"}]},
        *join_scenarios(page, png_dir, f"{framework}-", plan),
        *join_scenarios(page, png_dir, f"{framework}-de-", {"join": german.get("join", {})}, schemes=("dark",)),
    ]
    for orientation, size in SIZES.items():
        scenarios.append({"name": f"de-selection-{orientation}", "page": page, "lang": GERMAN_QT, "size": size,
                          "data": german["selection"], "steps": [
                              {"do": "render", "path": str(png_dir / f"{framework}-selection-{orientation}-de.png")},
                              {"do": "legibility", "mark": "legibility"}]})
        for count in LAYOUT_COUNTS:
            png = png_dir / f"{framework}-{orientation}-{count}.png"
            scenarios.append({"name": f"layout-{orientation}-{count}", "page": page, "size": size,
                              "data": plan["sessions"][count], "steps": [
                                  {"do": "render", "path": str(png)}, {"do": "legibility", "mark": "legibility"}]})
        scenarios.append({"name": f"light-{orientation}", "page": page, "size": size, "scheme": "light",
                          "data": plan["screen_selection"], "steps": [{"do": "legibility", "mark": "legibility"}]})
        scenarios.append({"name": f"light-{orientation}-0", "page": page, "size": size, "scheme": "light",
                          "data": plan["sessions"][0], "steps": [{"do": "legibility", "mark": "legibility"}]})
        for count in NETWORK_COUNTS:
            png = png_dir / f"{framework}-net-{orientation}-{count}.png"
            scenarios.append({"name": f"net-layout-{orientation}-{count}", "page": page, "size": size,
                              "data": nets[f"list-{count}"], "steps": _network_layout_steps(png, count)})
        for scheme in ("dark", "light"):
            tag = f"{orientation}-{scheme}"
            scenarios.append({"name": f"net-password-{tag}", "page": page, "size": size, "scheme": scheme,
                              "data": nets["failed"],
                              "steps": _password_steps(png_dir / f"{framework}-net-password-{tag}.png")})
            for state in ("failed", "connecting", "connected", "checking", "scanning"):
                scenarios.append({"name": f"net-{state}-{tag}", "page": page, "size": size, "scheme": scheme,
                                  "data": nets[state], "steps": [{"do": "legibility", "mark": "legibility"}]})
        scenarios.append({"name": f"net-light-{orientation}-20", "page": page, "size": size, "scheme": "light",
                          "data": nets["list-20"], "steps": [{"do": "legibility", "mark": "legibility"}]})
    return scenarios


def build_real_scenarios(png_dir: Path, work: Path, plan: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Every Qt5 page and step in real Kirigami, both orientations: render and measure (light; some dark too)."""
    page = str(GUI / "qt5" / "WifiSetupLoader.qml")
    nets = plan["networks"]
    states: Dict[str, Tuple[Dict[str, Any], List[Dict[str, Any]]]] = {
        "selection-0": (plan["sessions"][0], []),
        "selection-3": (plan["screen_selection"], []),
        "selection-6": (plan["sessions"][6], []),
        "scanning": (nets["scanning"], []),
        "list-0": (nets["list-0"], []),
        "list-1": (nets["list-1"], []),
        "list-20": (nets["list-20"], [{"do": "scroll_through", "mark": "scrolled"}]),
        "connecting": (nets["connecting"], []),
        "failed": (nets["failed"], []),
        "password": (nets["failed"], [{"do": "click_row", "ssid": "Home", "mark": "asked"},
                                      {"do": "type", "text": PASSWORD, "mark": "typed"}]),
        "connected": (nets["connected"], []),
        "checking": (nets["checking"], []),
        "unknown-security": (nets["escaped"], [{"do": "click_row", "ssid": "Lab:Guest", "mark": "asked"}]),
    }
    scenarios = []
    for orientation, size in SIZES.items():
        for state, (data, steps) in states.items():
            for scheme in ("light", "dark"):
                if scheme == "dark" and state not in ("selection-3", "failed", "password"):
                    continue
                png = png_dir / f"real-{state}-{orientation}-{scheme}.png"
                scenarios.append({"name": f"real-{state}-{orientation}-{scheme}", "page": page, "size": size,
                                  "scheme": scheme, "data": data, "steps": [
                                      *steps, {"do": "render", "path": str(png)},
                                      {"do": "legibility", "mark": "legibility"}]})
    scenarios.append({"name": "real-faint-light", "page": str(faint_copy("qt5", work)), "scheme": "light",
                      "data": plan["screen_selection"], "steps": [{"do": "legibility", "mark": "legibility"}]})
    scenarios += join_scenarios(page, png_dir, "real-", {"join": {"wpa": plan["join"]["wpa"]}} if plan["join"]
                                else {"join": {}}, schemes=("light",))
    scenarios.append({"name": "real-german", "page": page, "lang": GERMAN_QT, "scheme": "light",
                      "data": plan["de"]["networks"]["failed"], "size": SIZES["portrait"],
                      "steps": [{"do": "click_row", "ssid": "Home", "mark": "asked"}]})
    return scenarios
