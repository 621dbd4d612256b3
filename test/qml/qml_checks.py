"""What the QML tests judge a snapshot by: fitting the screen, nothing cut off or overlapping, legible text,
and the catalogue texts a page should show."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

from ovos_PHAL_plugin_wifi_setup.i18n import LOCALE_DIR

TOLERANCE = 0.5
# WCAG 2.x level AA for body text; every text on the pages is held to it, headings included.
MIN_CONTRAST = 4.5


def snaps(run: Dict[str, Any], scenario: str) -> List[Dict[str, Any]]:
    """Return a scenario's snapshots, failing with the harness's error if it stopped early."""
    result = run["results"][scenario]
    assert "error" not in result, result["error"]
    return result["snapshots"]


def marked(run: Dict[str, Any], scenario: str, mark: str) -> Dict[str, Any]:
    """Return the snapshot a scenario took after its step of that mark."""
    found = [s for s in snaps(run, scenario) if s.get("mark") == mark]
    assert len(found) == 1, f"{scenario} has {len(found)} snapshots marked {mark!r}"
    return found[0]


def inside(rect: List[float], window: List[float]) -> bool:
    """Tell whether a rectangle lies within the window (or another [w, h] or [x, y, w, h] box)."""
    wx, wy, ww, wh = (0.0, 0.0, *window) if len(window) == 2 else window
    x, y, w, h = rect
    return (x >= wx - TOLERANCE and y >= wy - TOLERANCE and x + w <= wx + ww + TOLERANCE
            and y + h <= wy + wh + TOLERANCE and w > 0 and h > 0)


def overlap(a: List[float], b: List[float]) -> bool:
    """Tell whether two rectangles share any area."""
    return (a[0] + TOLERANCE < b[0] + b[2] and b[0] + TOLERANCE < a[0] + a[2]
            and a[1] + TOLERANCE < b[1] + b[3] and b[1] + TOLERANCE < a[1] + a[3])


def text_problems(name: str, text: Optional[Dict[str, Any]], window: List[float]) -> List[str]:
    """List what is wrong with one text: off the window, elided, or larger than its box."""
    if text is None:
        return [f"{name} has no label"]
    found = []
    if not inside(text["rect"], window):
        found.append(f"{name} {text['text']!r} leaves the window: {text['rect']}")
    if text["truncated"]:
        found.append(f"{name} {text['text']!r} is elided")
    if text["content"][0] > text["rect"][2] + 1 or text["content"][1] > text["rect"][3] + 1:
        found.append(f"{name} {text['text']!r} needs {text['content']} but has {text['rect'][2:]}")
    return found


def problems(snap: Dict[str, Any]) -> List[str]:
    """List every text or tile of the selection page that leaves the window, is cut off or overlaps another."""
    window = snap["window"]
    found = []
    texts = [("header title", t) for t in snap["header_title"]] + [("subtitle", t) for t in snap["header_subtitle"]]
    texts += [("empty text", t) for t in snap["empty"]]
    texts += [(f"{name} label", b["label"]) for name, b in snap["buttons"].items()]
    texts += [(f"tile {i} label", t["label"]) for i, t in enumerate(snap["tiles"])]
    for name, text in texts:
        found += text_problems(name, text, window)
    boxes = [(f"tile {i}", t["rect"]) for i, t in enumerate(snap["tiles"])]
    boxes += [(f"tile {i} icon", t["icon_rect"]) for i, t in enumerate(snap["tiles"])]
    boxes += [(name, b["rect"]) for name, b in snap["buttons"].items()]
    for name, rect in boxes:
        if not inside(rect, window):
            found.append(f"{name} leaves the window: {rect}")
    tiles = [t["rect"] for t in snap["tiles"]] + [e["rect"] for e in snap["empty"]]
    bars = snap["header"] + snap["footer"]
    for i, a in enumerate(tiles):
        for b in tiles[i + 1:]:
            if overlap(a, b):
                found.append(f"tiles overlap: {a} and {b}")
        for bar in bars:
            if overlap(a, bar):
                found.append(f"{a} overlaps the header or footer {bar}")
    return found


def row_problems(row: Dict[str, Any], list_rect: List[float]) -> List[str]:
    """List what is wrong with a network row shown whole: its name or security cut off, or outside the list."""
    found = []
    name = f"row {row['ssid']!r}"
    if not inside(row["rect"], list_rect):
        found.append(f"{name} is shown whole but lies outside the list {list_rect}: {row['rect']}")
    found += text_problems(f"{name} name", row["name"], row["rect"])
    found += text_problems(f"{name} security", row["security"], row["rect"])
    if row["lock"] and not inside(row["lock_rect"], row["rect"]):
        found.append(f"{name} lock icon leaves the row: {row['lock_rect']}")
    if row["name"] and row["security"] and overlap(row["name"]["rect"], row["security"]["rect"]):
        found.append(f"{name} name and security overlap")
    return found


def network_problems(snap: Dict[str, Any]) -> List[str]:
    """List everything on the network page that leaves the window, is cut off or overlaps another part."""
    window = snap["window"]
    found = []
    for name, texts in snap["texts"].items():
        for text in texts:
            found += text_problems(name, text, window)
    for name, button in snap["buttons"].items():
        found += text_problems(f"{name} label", button["label"], window)
        if not inside(button["rect"], window):
            found.append(f"{name} leaves the window: {button['rect']}")
    boxes = snap["boxes"]
    for name, rects in boxes.items():
        for rect in rects:
            if not inside(rect, window):
                found.append(f"{name} leaves the window: {rect}")
    # Top to bottom, these never share any area.
    stack = [(name, rect) for name in ("header", "statusBanner", "errorBanner", "networkList", "passwordStep", "footer")
             for rect in boxes.get(name, [])]
    for i, (a_name, a) in enumerate(stack):
        for b_name, b in stack[i + 1:]:
            if overlap(a, b):
                found.append(f"{a_name} {a} overlaps {b_name} {b}")
    lists = boxes.get("networkList", [])
    whole = [r for r in snap["rows"] if r["fully_shown"]]
    if lists:
        for row in whole:
            found += row_problems(row, lists[0])
    for i, a in enumerate(whole):
        for b in whole[i + 1:]:
            if overlap(a["rect"], b["rect"]):
                found.append(f"rows {a['ssid']!r} and {b['ssid']!r} overlap")
    return found


def illegible(entries: List[Dict[str, Any]]) -> List[str]:
    """List every measured text that paints nothing or contrasts less than MIN_CONTRAST with what is behind it."""
    found = []
    for e in entries:
        if not e["glyph_pixels"]:
            found.append(f"{e['name']} {e['text']!r} paints no pixel (hidden or covered)")
        elif e["ratio"] < MIN_CONTRAST:
            found.append(f"{e['name']} {e['text']!r}: {e['color']} on {e['background']} is {e['ratio']}:1, "
                         f"below {MIN_CONTRAST}:1")
    return found


def catalogue_texts(lang: str) -> Dict[str, str]:
    """One language's page texts exactly as its locale/<lang>/gui.json has them (no English filled in)."""
    with open(os.path.join(LOCALE_DIR, lang, "gui.json"), encoding="utf-8") as f:
        return dict(json.load(f))


def german_texts() -> Dict[str, str]:
    """The German page texts (locale/de-de/gui.json)."""
    return catalogue_texts("de-de")
