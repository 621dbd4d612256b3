"""What a phone's camera does with the hotspot's join page: read the QR code in a screenshot (zxing-cpp) and take
the Wi-Fi network out of its WIFI: text, undoing the format's backslash escapes."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

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
