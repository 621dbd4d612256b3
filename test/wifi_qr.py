"""What a phone's camera does with the hotspot's join page: read the QR code in a screenshot (zxing-cpp) and take
the Wi-Fi network out of its WIFI: text, undoing the format's backslash escapes; and the page rendered for that
screenshot, by the QML test harness."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

PREFIX = "WIFI:"


def read_qr_codes(png: Path) -> List[str]:
    """The text of every QR code zxing-cpp finds in a PNG (skips where zxing-cpp or Pillow is missing)."""
    zxingcpp = pytest.importorskip("zxingcpp", reason="needs zxing-cpp: pip install -e '.[test]'")
    image = pytest.importorskip("PIL.Image", reason="needs Pillow: pip install -e '.[test]'")
    with image.open(png) as picture:
        found = zxingcpp.read_barcodes(picture.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in found]


def parse_wifi(text: str) -> Dict[str, str]:
    """The fields of a WIFI: text (T, S, P, ...) with their values unescaped; ValueError for a malformed one."""
    if not text.startswith(PREFIX) or not text.endswith(";;"):
        raise ValueError(f"not a WIFI: text: {text!r}")
    fields: Dict[str, str] = {}
    key = None
    value: List[str] = []
    escaped = False
    # Each field ends with its own ';'; the last ';' of the two ends the whole.
    for char in text[len(PREFIX):-1]:
        if escaped:
            value.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ":" and key is None:
            key, value = "".join(value), []
        elif char == ";":
            if key is None:
                raise ValueError(f"a field without a name in {text!r}")
            fields[key] = "".join(value)
            key, value = None, []
        else:
            value.append(char)
    if escaped or key is not None or value:
        raise ValueError(f"a field left open in {text!r}")
    return fields


def render_page(framework: str, data: Dict[str, Any], png: Path, size: Tuple[int, int] = (800, 480)) -> Dict[str, Any]:
    """Render WifiSetupLoader with this session data in the QML test harness (a process of its own, as
    test/qml does it) into png; return the harness's snapshot after the render (skips where the binding is
    missing)."""
    here = Path(__file__).resolve().parent / "qml"
    if str(here) not in sys.path:
        sys.path.insert(0, str(here))
    from qml_scenarios import BINDINGS, GUI, RUN_TIMEOUT, child_env

    pytest.importorskip(BINDINGS[framework], reason=f"needs {BINDINGS[framework]}: pip install -e '.[test]'")
    work = png.parent / f"harness-{png.stem}"
    work.mkdir(parents=True)
    spec, out = work / "spec.json", work / "out.json"
    spec.write_text(json.dumps({"scenarios": [{
        "name": "page", "page": str(GUI / framework / "WifiSetupLoader.qml"), "size": list(size), "data": data,
        "steps": [{"do": "render", "path": str(png)}]}]}), encoding="utf-8")
    done = subprocess.run([sys.executable, str(here / "qml_harness.py"), "--framework", framework,  # noqa: S603
                           "--spec", str(spec), "--out", str(out)], env=child_env(work / "xdg"),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert done.returncode == 0 and out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    (result,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert "error" not in result, result["error"]
    return result["snapshots"][-1]
