"""Render the README screenshot of the selection page (landscape 800x480, three clients).

    python test/qml/make_screenshots.py [--out docs/selection-landscape.png] [--framework qt5]

Uses the same harness and plugin-driven session data as the tests. Under Xvfb (Debian's
`xvfb`, when installed) the page renders with OpenGL so the tiles' drop shadows show;
otherwise it falls back to headless software rendering, without shadows.
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
from typing import List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))


def session_for_readme(xdg: Path) -> dict:
    """Return the plugin's session data for three registered clients (run with a private XDG tree)."""
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = str(xdg / var.lower())
    from qml_session import selection_session

    return selection_session(3)


def main(argv: Optional[List[str]] = None) -> int:
    """Drive the plugin, render the page in the harness, and copy the PNG into place."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "selection-landscape.png"))
    parser.add_argument("--framework", choices=("qt5", "qt6"), default="qt5",
                        help="qt5 (ovos-shell, default) or qt6 (mycroft-gui)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wifi-setup-shots-") as tmp:
        work = Path(tmp)
        data = session_for_readme(work / "xdg")
        png = work / "selection-landscape.png"
        page = ROOT / "ovos_PHAL_plugin_wifi_setup" / "gui" / args.framework / "WifiSetupLoader.qml"
        spec = {"scenarios": [{"name": "readme", "page": str(page), "size": [800, 480], "data": data,
                               "steps": [{"do": "render", "path": str(png)}]}]}
        (work / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
        command = [sys.executable, str(HERE / "qml_harness.py"), "--framework", args.framework,
                   "--spec", str(work / "spec.json"), "--out", str(work / "out.json")]
        env = dict(os.environ)
        xvfb_run = shutil.which("xvfb-run")
        if xvfb_run:
            env["QT_QPA_PLATFORM"] = "xcb"
            env.pop("QT_QUICK_BACKEND", None)
            command = [xvfb_run, "-a", "-s", "-screen 0 1280x1024x24", *command, "--gl"]
        else:
            print("xvfb-run not found (apt-get install xvfb): software rendering, no drop shadows")
            env["QT_QPA_PLATFORM"] = "offscreen"
            env["QT_QUICK_BACKEND"] = "software"
        subprocess.run(command, env=env, check=True, timeout=300)
        result = json.loads((work / "out.json").read_text(encoding="utf-8"))["results"][0]
        if "error" in result:
            raise SystemExit(f"rendering failed: {result['error']}")
        warnings = result["snapshots"][-1]["warnings"]
        if warnings:
            print("QML warnings:\n  " + "\n  ".join(warnings))
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, out)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
