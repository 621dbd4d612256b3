"""Render the README screenshots of the selection page and the on-screen Wi-Fi method's page.

    python test/qml/make_screenshots.py [--out-dir docs] [--framework qt5]

Writes, from the same harness and plugin-driven session data as the tests:

- selection-landscape.png: the selection page, three clients, the shell's dark scheme (stand-in Kirigami)
- selection-de.png: the selection page in German, from a plugin whose mycroft.conf says `lang: de-de`:
  its own on-screen method and a client that sends German, the shell's dark scheme (stand-in Kirigami)
- network-list.png: the network list (20 networks), the shell's dark scheme (stand-in Kirigami)
- network-password.png: the password step for the secured network Home, the shell's dark scheme
- hotspot-join.png: the hotspot method's join page (the setup network's name, passphrase and QR code), the
  shell's dark scheme (stand-in Kirigami)
- selection-light.png: the selection page with the built-in method, in Kirigami's default light
  theme: rendered by Debian's real Kirigami where it is installed (test_real_kirigami.py says how),
  else by the stand-in with the same light palette

All are 800x480 (landscape). Under Xvfb (Debian's `xvfb`, when installed) the stand-in shots render
with OpenGL so the tiles' drop shadows show; otherwise, and always for real Kirigami, headless
software rendering, without shadows.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# The harness helpers beside this file, and test/ for the loopback network checks they configure.
sys.path[:0] = [str(HERE), str(HERE.parent)]

LANDSCAPE = [800, 480]


def sessions_for_readme(xdg: Path) -> Dict[str, Any]:
    """Return the plugin's session data for the shots (run with a private XDG tree; German in a process of its
    own, configured `lang: de-de`)."""
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = str(xdg / var.lower())
    from qml_scenarios import GERMAN, LanguagePlan
    from qml_session import join_sessions, network_sessions, selection_session

    german_root = xdg / "de"
    german_root.mkdir(parents=True)
    german = LanguagePlan(GERMAN, german_root)
    return {"selection": selection_session(3), "screen_selection": selection_session(2, screen=True),
            "networks": network_sessions(), "join": join_sessions(), "german": german.result()}


def run_harness(python: str, framework: str, scenarios: List[Dict[str, Any]], work: Path, name: str,
                real: bool, gl: bool) -> List[Dict[str, Any]]:
    """Run one harness process over the scenarios; return its results."""
    from qml_scenarios import child_env

    spec, out = work / f"spec-{name}.json", work / f"out-{name}" / "out.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({"scenarios": scenarios}), encoding="utf-8")
    command = [python, str(HERE / "qml_harness.py"), "--framework", framework, "--spec", str(spec), "--out", str(out)]
    if real:
        command += ["--kirigami", "real"]
    env = child_env(work / f"xdg-{name}")
    xvfb_run = shutil.which("xvfb-run") if gl else None
    if xvfb_run:
        env["QT_QPA_PLATFORM"] = "xcb"
        env.pop("QT_QUICK_BACKEND", None)
        command = [xvfb_run, "-a", "-s", "-screen 0 1280x1024x24", *command, "--gl"]
    elif gl:
        print("xvfb-run not found (apt-get install xvfb): software rendering, no drop shadows")
    subprocess.run(command, env=env, check=True, timeout=300)
    results = json.loads(out.read_text(encoding="utf-8"))["results"]
    for result in results:
        if "error" in result:
            raise SystemExit(f"rendering {result['name']} failed: {result['error']}")
        warnings = result["snapshots"][-1]["warnings"]
        if warnings:
            print(f"QML warnings in {result['name']}:\n  " + "\n  ".join(warnings))
    return results


def main(argv: Optional[List[str]] = None) -> int:
    """Drive the plugin, render the pages in the harness, and copy the PNGs into place."""
    from qml_scenarios import DEBIAN_PYTHON, GUI, PASSWORD, install_command, real_kirigami_missing

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=str(ROOT / "docs"))
    parser.add_argument("--framework", choices=("qt5", "qt6"), default="qt5",
                        help="the pages of the dark shots: qt5 (ovos-shell, default) or qt6 (mycroft-gui)")
    args = parser.parse_args(argv)
    out_dir = Path(args.out_dir)
    with tempfile.TemporaryDirectory(prefix="wifi-setup-shots-") as tmp:
        work = Path(tmp)
        data = sessions_for_readme(work / "xdg")
        nets = data["networks"]
        page = str(GUI / args.framework / "WifiSetupLoader.qml")
        dark = [
            {"name": "selection-landscape", "data": data["selection"], "steps": []},
            {"name": "selection-de", "data": data["german"]["selection"], "steps": []},
            {"name": "network-list", "data": nets["list-20"], "steps": []},
            {"name": "network-password", "data": nets["list-20"],
             "steps": [{"do": "click_row", "ssid": "Home"}, {"do": "type", "text": PASSWORD}]},
        ]
        if data["join"]:
            dark.append({"name": "hotspot-join", "data": data["join"]["wpa"]["data"], "steps": []})
        for shot in dark:
            shot.update(page=page, size=LANDSCAPE, scheme="dark")
            shot["steps"].append({"do": "render", "path": str(work / f"{shot['name']}.png")})
        run_harness(sys.executable, args.framework, dark, work, "dark", real=False, gl=True)
        light = [{"name": "selection-light", "page": str(GUI / "qt5" / "WifiSetupLoader.qml"), "size": LANDSCAPE,
                  "scheme": "light", "data": data["screen_selection"],
                  "steps": [{"do": "render", "path": str(work / "selection-light.png")}]}]
        missing = real_kirigami_missing()
        if missing:
            print(f"real Kirigami: {missing} ({install_command()}); selection-light.png uses the stand-in")
            light[0]["page"] = page
            run_harness(sys.executable, args.framework, light, work, "light", real=False, gl=True)
        else:
            run_harness(str(DEBIAN_PYTHON), "qt5", light, work, "light", real=True, gl=False)
        out_dir.mkdir(parents=True, exist_ok=True)
        for shot in dark + light:
            target = out_dir / f"{shot['name']}.png"
            shutil.copyfile(work / f"{shot['name']}.png", target)
            print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
