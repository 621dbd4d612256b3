"""Load the wifi-setup QML pages in a real Qt Quick engine, drive them, and report what a user would see.

Run as a script in its own process, one Qt binding per process (PySide6 for the Qt6 pages,
PyQt5 for the Qt5 pages), because the two cannot share an interpreter:

    python test/qml/qml_harness.py --framework qt6 --spec spec.json --out result.json
    /usr/bin/python3 test/qml/qml_harness.py --framework qt5 --kirigami real --spec spec.json --out result.json

With `--kirigami standin` (the default) the engine imports the stand-in Mycroft and Kirigami
modules of imports/; with `--kirigami real` only the stand-in Mycroft, so that the Kirigami
installed beside Qt serves the pages (Debian's qml-module-org-kde-kirigami2, with Debian's
python3 and its PyQt5).

The spec lists scenarios; each loads one page with session data in a colour scheme and runs
steps (set session data, tap a tile, a network or a button, type, scroll the network list
through, render, measure legibility, destroy). After every step the harness records a
snapshot: the texts and geometry of every tile, row, label, field and button, every text on
screen (visible_texts), the requests
the page sent through the stand-in MycroftController, the sounds it played, the session data
as the page left it, and every warning the QML engine printed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
IMPORTS = HERE / "imports"
SKILL_ID = "ovos-PHAL-plugin-wifi-setup"

# Names the pages give the items a user sees; the snapshot looks them up by these.
TILE = "clientTile"
TILE_LABEL = "clientTileLabel"
TILE_ICON = "clientTileIcon"
ROW = "networkRow"
BUTTONS = ("connectLaterButton", "neverConnectButton", "backButton", "rescanButton",
           "showPasswordButton", "cancelButton", "connectButton")
BUTTON_LABELS = ("footerButtonLabel", "buttonLabel")
TEXTS = ("headerTitle", "headerSubtitle", "emptyLabel", "statusLabel", "errorLabel", "emptyNetworksLabel",
         "passwordNetworkName", "passwordLabel", "joinNetworkLabel", "joinSsid", "joinSecretLabel", "joinSecretGroup",
         "joinAddressLabel", "joinUrl")
BOXES = ("header", "footer", "contentArea", "statusBanner", "errorBanner", "passwordStep", "networkList",
         "passwordField", "busyIndicator", "joinQr", "joinDetails")

# Real Kirigami prints this wherever Plasma's integration is not installed: it then uses Qt's palette.
KIRIGAMI_NOTICE = "Failed to find a Kirigami platform plugin"

# The colour schemes a scenario can ask for, as Kirigami.Theme members. "dark" is the stand-in's own,
# close to ovos-shell's; "light" is what Kirigami 5.103 (Debian bookworm) reports without a platform
# plugin, Qt's default palette: Kirigami's default light theme.
SCHEMES: Dict[str, Dict[str, str]] = {
    "dark": {"textColor": "#f5f5f5", "disabledTextColor": "#a7adb3", "highlightedTextColor": "#ffffff",
             "negativeTextColor": "#da4453", "backgroundColor": "#1d1f21",
             "alternateBackgroundColor": "#2c3034", "highlightColor": "#c8352f"},
    "light": {"textColor": "#000000", "disabledTextColor": "#bebebe", "highlightedTextColor": "#ffffff",
              "negativeTextColor": "#da4453", "backgroundColor": "#efefef",
              "alternateBackgroundColor": "#e4e4e4", "highlightColor": "#308cc6"},
}

# A pixel belongs to a text's glyphs when hiding the text changes one of its channels by more than this.
GLYPH_DELTA = 16
# Legibility is judged on this share of a text's glyph pixels, the worst-placed ones left out
# (anti-aliased corners of a card the text sits on).
GLYPH_SHARE = 0.95


def _bind(framework: str) -> Dict[str, Any]:
    """Import the Qt binding for a framework and return the names the harness needs."""
    if framework == "qt6":
        from PySide6 import QtCore, QtGui, QtQml, QtQuick, QtTest
        import shiboken6

        delete = shiboken6.delete
    elif framework == "qt5":
        from PyQt5 import QtCore, QtGui, QtQml, QtQuick, QtTest
        from PyQt5 import sip

        delete = sip.delete
    else:
        raise ValueError(f"unknown framework {framework!r}, expected qt5 or qt6")
    return {"QtCore": QtCore, "QtGui": QtGui, "QtQml": QtQml, "QtQuick": QtQuick,
            "QtTest": QtTest, "delete": delete}


def luminance(rgb: Tuple[float, float, float]) -> float:
    """WCAG 2.x relative luminance of an sRGB colour with channels 0..255."""
    def channel(c: float) -> float:
        c = c / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Tuple[float, float, float], b: Tuple[float, float, float]) -> float:
    """WCAG 2.x contrast ratio of two colours (1 to 21)."""
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def hex_rgb(rgb: Tuple[float, float, float]) -> str:
    """#rrggbb of a colour."""
    return "#" + "".join(f"{int(round(c)):02x}" for c in rgb)


class Harness:
    """One QGuiApplication and QML engine that loads pages and reports on them."""

    def __init__(self, framework: str, kirigami: str = "standin", scratch: Optional[Path] = None) -> None:
        """Start Qt for the framework and point the engine at the stand-in modules (scratch: a folder of ours)."""
        self.framework = framework
        self.kirigami = kirigami
        self.scratch = scratch
        qt = _bind(framework)
        self.QtCore = qt["QtCore"]
        self.QtGui = qt["QtGui"]
        self.QtQml = qt["QtQml"]
        self.QtQuick = qt["QtQuick"]
        self.QtTest = qt["QtTest"]
        self._delete: Callable[[Any], None] = qt["delete"]
        self.warnings: List[str] = []
        self.notices: List[str] = []
        self.QtCore.qInstallMessageHandler(self._on_message)
        self.app = self.QtGui.QGuiApplication.instance() or self.QtGui.QGuiApplication(["qml-harness"])
        self.default_palette = self.QtGui.QPalette(self.app.palette())
        self.engine = self.QtQml.QQmlEngine()
        self.engine.addImportPath(str(self._import_path()))
        self.translators: List[Any] = []
        self._kept: List[Any] = []
        self.ListModel = _make_list_model(self.QtCore)
        self.controller = self._singleton("Mycroft", "MycroftController")
        self.sounds = self._singleton("Mycroft", "SoundEffects")
        self.theme = self._singleton("org.kde.kirigami", "Theme") if kirigami == "standin" else None

    def _import_path(self) -> Path:
        """The folder of QML modules the engine searches before Qt's own."""
        if self.kirigami == "standin":
            return IMPORTS
        # Only the stand-in Mycroft: Kirigami comes from Qt's own QML folder.
        folder = Path(tempfile.mkdtemp(prefix="qml-mycroft-only-", dir=str(self.scratch) if self.scratch else None))
        shutil.copytree(IMPORTS / "Mycroft", folder / "Mycroft")
        return folder

    def _on_message(self, mode: Any, context: Any, message: str) -> None:
        """Keep every warning the QML engine prints; a clean page prints none."""
        text = str(message)
        # Qt's own font and platform chatter says nothing about our pages.
        if any(noise in text for noise in ("propagateSizeHints", "QFont::", "Fontconfig", "GL context")):
            return
        if text.startswith(KIRIGAMI_NOTICE):
            self.notices.append(text)
            return
        self.warnings.append(text)

    def _singleton(self, module: str, name: str) -> Any:
        """Reach a (stand-in) singleton through a tiny QML object that imports it."""
        versions = {"Mycroft": " 1.0", "org.kde.kirigami": " 2.5"}
        version = versions[module] if self.framework == "qt5" else ""
        source = (f"import QtQuick{' 2.12' if version else ''}\nimport {module}{version} as M\n"
                  f"QtObject {{ property QtObject target: M.{name} }}\n").encode()
        component = self.QtQml.QQmlComponent(self.engine)
        component.setData(source, self.QtCore.QUrl.fromLocalFile(str(HERE / "probe.qml")))
        holder = component.create()
        if holder is None:
            raise RuntimeError(f"cannot load stand-in {name}: {[e.toString() for e in component.errors()]}")
        self.keep(holder)
        return holder.property("target")

    def keep(self, obj: Any) -> None:
        """Hold a Qt object until the process exits, out of reach of Python's collector."""
        self._kept.append(obj)

    def journal(self) -> List[Dict[str, Any]]:
        """Return the requests the pages sent so far, oldest first."""
        return json.loads(self.controller.property("journal"))

    def played(self) -> List[str]:
        """Return the sound URLs the pages asked to play, oldest first."""
        return json.loads(self.sounds.property("journal"))

    def reset_journals(self) -> None:
        """Forget earlier requests and sounds so a scenario sees only its own."""
        self.controller.setProperty("journal", "[]")
        self.sounds.setProperty("journal", "[]")

    def use_scheme(self, name: str) -> None:
        """Colour the pages with a scheme: the stand-in Theme's members, or real Kirigami's source, Qt's palette."""
        scheme = SCHEMES[name]
        if self.theme is not None:
            for member, value in scheme.items():
                self.theme.setProperty(member, self.QtGui.QColor(value))
            return
        if name == "light":
            self.app.setPalette(self.QtGui.QPalette(self.default_palette))
            return
        palette = self.QtGui.QPalette(self.default_palette)
        role = getattr(self.QtGui.QPalette, "ColorRole", self.QtGui.QPalette)
        group = getattr(self.QtGui.QPalette, "ColorGroup", self.QtGui.QPalette)
        roles = {"Window": "backgroundColor", "Base": "backgroundColor", "AlternateBase": "alternateBackgroundColor",
                 "Button": "alternateBackgroundColor", "WindowText": "textColor", "Text": "textColor",
                 "ButtonText": "textColor", "Highlight": "highlightColor", "HighlightedText": "highlightedTextColor"}
        for group_name in ("Active", "Inactive", "Disabled"):
            for role_name, member in roles.items():
                if group_name == "Disabled" and member == "textColor":
                    member = "disabledTextColor"
                palette.setColor(getattr(group, group_name), getattr(role, role_name), self.QtGui.QColor(scheme[member]))
        self.app.setPalette(palette)

    def use_language(self, lang: Optional[str], translations: Path) -> bool:
        """Install a Qt catalogue for a language the way mycroft-gui does, if one is beside the page (the pages
        ship none: their texts come in the session data); None removes it. Says whether one was installed."""
        for translator in self.translators:
            self.app.removeTranslator(translator)
        self.translators = []
        if not lang:
            return True
        translator = self.QtCore.QTranslator()
        # mycroft-gui: QTranslator::load(QLocale(), skill_id, "_", <page dir>/translations)
        loaded = translator.load(self.QtCore.QLocale(lang), SKILL_ID, "_", str(translations))
        if loaded:
            self.app.installTranslator(translator)
            self.translators.append(translator)
        return bool(loaded)

    def settle(self, ms: int = 30) -> None:
        """Let bindings, layouts and the scene graph catch up."""
        for _ in range(3):
            self.app.processEvents()
            self.QtTest.QTest.qWait(ms // 3 or 1)


def _make_list_model(QtCore: Any) -> type:
    """Build the list model mycroft-gui hands a page for a list of records (SessionDataModel)."""

    class SessionListModel(QtCore.QAbstractListModel):
        """Rows of records with one role per key of the first record, as the shell does it."""

        def __init__(self, rows: List[Dict[str, Any]]) -> None:
            """Hold a copy of the rows; the role names come from the first one."""
            super().__init__()
            self._keys = list(rows[0].keys()) if rows else []
            self._rows = [dict(r) for r in rows]

        def rowCount(self, parent: Any = QtCore.QModelIndex()) -> int:
            """Return the number of records."""
            return 0 if parent.isValid() else len(self._rows)

        def data(self, index: Any, role: int = 0) -> Any:
            """Return one key of one record."""
            offset = role - int(QtCore.Qt.ItemDataRole.UserRole)
            if not index.isValid() or not 0 <= offset < len(self._keys):
                return None
            return self._rows[index.row()].get(self._keys[offset])

        def roleNames(self) -> Dict[int, Any]:
            """Name the roles after the record keys."""
            base = int(QtCore.Qt.ItemDataRole.UserRole)
            return {base + i: QtCore.QByteArray(k.encode()) for i, k in enumerate(self._keys)}

        def replace(self, rows: List[Dict[str, Any]]) -> None:
            """Swap in new rows the way SessionDataModel does on a new value: clear, then insert."""
            self.beginResetModel()
            self._keys = list(rows[0].keys()) if rows else self._keys
            self._rows = [dict(r) for r in rows]
            self.endResetModel()

        def records(self) -> List[Dict[str, Any]]:
            """Return a copy of the rows."""
            return [dict(r) for r in self._rows]

    return SessionListModel


class PageRun:
    """One page on one window: session data in, user actions, snapshots out."""

    def __init__(self, h: Harness, page: Path, size: List[int], as_model: bool) -> None:
        """Create the window and the page with its session data set before completion."""
        self.h = h
        self.as_model = as_model
        self.models: Dict[str, Any] = {}
        self.session = h.QtQml.QQmlPropertyMap()
        self.window = h.QtQuick.QQuickWindow()
        self.window.resize(size[0], size[1])
        self.window.setColor(h.QtGui.QColor("#000000"))
        self.window.show()
        self.window.requestActivate()
        self.page: Any = None
        self.page_path = page

    def load(self, data: Dict[str, Any]) -> None:
        """Create the page; the shell sets sessionData before the page completes, so do we."""
        self.set_data(data)
        component = self.h.QtQml.QQmlComponent(self.h.engine, self.h.QtCore.QUrl.fromLocalFile(str(self.page_path)))
        if component.isError():
            raise RuntimeError("; ".join(e.toString() for e in component.errors()))
        page = component.beginCreate(self.h.engine.rootContext())
        if page is None:
            raise RuntimeError("; ".join(e.toString() for e in component.errors()))
        page.setProperty("sessionData", self.session)
        component.completeCreate()
        # Freeing a component PySide6 created through beginCreate crashes; the harness
        # process is short-lived, so every component simply lives until it exits.
        self.h.keep(component)
        page.setParentItem(self.window.contentItem())
        page.setWidth(self.window.width())
        page.setHeight(self.window.height())
        self.page = page
        self.h.settle()

    def set_data(self, data: Dict[str, Any]) -> None:
        """Apply a gui.value.set payload the way mycroft-gui does (non-empty record lists become models)."""
        for key, value in data.items():
            is_records = isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
            if self.as_model and is_records:
                model = self.models.get(key)
                if model is None:
                    model = self.h.ListModel(value)
                    self.models[key] = model
                    self.session.insert(key, model)
                else:
                    model.replace(value)
            else:
                self.models.pop(key, None)
                self.session.insert(key, value)
        self.h.settle()

    def session_values(self) -> Dict[str, Any]:
        """Return the session data as the page left it (a page may write into it; ours must not)."""
        values: Dict[str, Any] = {}
        for key in self.session.keys():
            key = str(key)
            if key in self.models:
                values[key] = self.models[key].records()
                continue
            value = self.session.value(key)
            values[key] = value if isinstance(value, (str, int, float, bool, list, dict, type(None))) else str(value)
        return json.loads(json.dumps(values, default=str))

    def destroy(self) -> None:
        """Delete the page as the GUI does when the plugin or the user closes it."""
        if self.page is not None:
            self.h._delete(self.page)
            self.page = None
        self.h.settle()

    def close(self) -> None:
        """Remove the page (if still there) and hide the window; Qt objects live until exit."""
        self.destroy()
        self.window.close()
        for obj in [self.window, self.session, *self.models.values()]:
            self.h.keep(obj)

    def all_items(self, root: Any = None) -> List[Any]:
        """Return every item under root (the window's content by default), in scene order (depth first)."""
        found: List[Any] = []
        stack = [root if root is not None else self.window.contentItem()]
        while stack:
            item = stack.pop(0)
            found.append(item)
            stack = list(item.childItems()) + stack
        return found

    def items(self, name: str, root: Any = None) -> List[Any]:
        """Return visible items with an objectName, in scene order (depth first)."""
        return [i for i in self.all_items(root) if i.objectName() == name and i.isVisible()]

    def rect(self, item: Any) -> List[float]:
        """Return an item's rectangle in window coordinates as [x, y, w, h]."""
        origin = item.mapToScene(self.h.QtCore.QPointF(0, 0))
        return [round(origin.x(), 2), round(origin.y(), 2), round(item.width(), 2), round(item.height(), 2)]

    def shown_rect(self, item: Any) -> List[float]:
        """Return the part of an item's rectangle that is on screen: inside the window and every clipping parent."""
        x0, y0, w, h = self.rect(item)
        x1, y1 = x0 + w, y0 + h
        x0, y0 = max(x0, 0.0), max(y0, 0.0)
        x1, y1 = min(x1, float(self.window.width())), min(y1, float(self.window.height()))
        parent = item.parentItem()
        while parent is not None:
            if parent.clip():
                px, py, pw, ph = self.rect(parent)
                x0, y0, x1, y1 = max(x0, px), max(y0, py), min(x1, px + pw), min(y1, py + ph)
            parent = parent.parentItem()
        return [round(x0, 2), round(y0, 2), round(max(0.0, x1 - x0), 2), round(max(0.0, y1 - y0), 2)]

    def visible_texts(self) -> List[Dict[str, str]]:
        """Every text a user can see now, in scene order: each visible, painted, on-screen text item that says
        something (a text field's content is the user's own and is left out)."""
        shown = []
        for item in self.all_items():
            if not item.isVisible() or not item.inherits("QQuickText"):
                continue
            text = str(item.property("text") or "")
            rect = self.shown_rect(item)
            if not text.strip() or self._effective_opacity(item) <= 0 or rect[2] < 1 or rect[3] < 1:
                continue
            shown.append({"name": item.objectName() or item.metaObject().className(), "text": text})
        return shown

    def text_info(self, item: Any) -> Dict[str, Any]:
        """Describe a text item: its text, where it is, and whether all of it is shown."""
        return {
            "text": item.property("text"),
            "rect": self.rect(item),
            "truncated": bool(item.property("truncated")),
            "content": [round(float(item.property("contentWidth")), 2), round(float(item.property("contentHeight")), 2)],
        }

    def _mouse(self) -> Tuple[Any, Any]:
        """The left button and "no modifier" in the binding's spelling."""
        qt = self.h.QtCore.Qt
        return getattr(qt, "MouseButton", qt).LeftButton, getattr(qt, "KeyboardModifier", qt).NoModifier

    def click(self, item: Any) -> None:
        """Press and release the left button at the centre of an item's part on screen."""
        x, y, w, h = self.shown_rect(item)
        if w <= 0 or h <= 0:
            raise RuntimeError(f"{item.objectName()} is not on screen: it cannot be tapped")
        button, modifier = self._mouse()
        self.h.QtTest.QTest.mouseClick(self.window, button, modifier, self.h.QtCore.QPoint(int(x + w / 2), int(y + h / 2)))
        self.h.settle()

    def row(self, ssid: str) -> Any:
        """Return the network row showing a network."""
        for row in self.items(ROW):
            if row.property("ssid") == ssid:
                return row
        raise RuntimeError(f"no row shows the network {ssid!r}")

    def type_text(self, text: str) -> None:
        """Type text into the item with the keyboard focus, one key press and release per character."""
        event = self.h.QtCore.QEvent
        kind = getattr(event, "Type", event)
        modifier = self._mouse()[1]
        for char in text:
            for phase in (kind.KeyPress, kind.KeyRelease):
                key_event = self.h.QtGui.QKeyEvent(phase, 0, modifier, char)
                self.h.QtCore.QCoreApplication.sendEvent(self.window, key_event)
        self.h.settle()

    def drag(self, item: Any, dy: float) -> None:
        """Drag a finger dy pixels up (negative) or down over an item, holding still before lifting it."""
        x, y, w, h = self.shown_rect(item)
        button, modifier = self._mouse()
        point = self.h.QtCore.QPoint
        cx = int(x + w / 2)
        start = int(y + h * 0.85) if dy < 0 else int(y + h * 0.15)
        test = self.h.QtTest.QTest
        test.mousePress(self.window, button, modifier, point(cx, start))
        steps = 10
        for i in range(1, steps + 1):
            # The delay also moves the events' timestamps on, which Flickable reads its speed from.
            test.mouseMove(self.window, point(cx, int(start + dy * i / steps)), 16)
        # A finger that stops before it lifts leaves the list where it is (no fling).
        test.mouseRelease(self.window, button, modifier, point(cx, int(start + dy)), 200)
        for _ in range(100):
            self.h.settle()
            if not item.property("moving"):
                break

    def rows_info(self) -> List[Dict[str, Any]]:
        """Describe every network row the list has made, on screen or not."""
        rows = []
        for row in self.items(ROW):
            names = self.items("networkName", row)
            securities = self.items("networkSecurity", row)
            locks = self.items("lockIcon", row)
            images = self.items("iconImage", locks[0]) if locks else []
            rect, shown = self.rect(row), self.shown_rect(row)
            rows.append({
                "ssid": row.property("ssid"),
                "rect": rect,
                "shown": shown,
                "fully_shown": shown[2] >= rect[2] - 0.5 and shown[3] >= rect[3] - 0.5,
                "name": self.text_info(names[0]) if names else None,
                "security": self.text_info(securities[0]) if securities else None,
                "lock": bool(locks),
                "lock_rect": self.rect(locks[0]) if locks else None,
                "lock_icon": str(locks[0].property("iconSource")) if locks else None,
                # With the stand-in Icon, a painted size means the icon file was found and decoded.
                "lock_ready": bool(images) and float(images[0].property("paintedWidth")) > 0,
            })
        return rows

    def scroll_through(self, name: str, fraction: float) -> Dict[str, Any]:
        """Drag the list up by a fraction of its height until it is at its end; report every row seen whole."""
        lists = self.items(name)
        if not lists:
            raise RuntimeError(f"no visible {name} to scroll")
        view = lists[0]
        passes = [self.rows_info()]
        drags = 0
        while not view.property("atYEnd") and drags < 60:
            self.drag(view, -float(view.height()) * fraction)
            drags += 1
            passes.append(self.rows_info())
        return {"drags": drags, "at_end": bool(view.property("atYEnd")), "passes": passes,
                "content_y": float(view.property("contentY"))}

    def grab(self) -> Any:
        """Return what the window shows now, as a QImage in 32-bit RGB."""
        self.h.settle(60)
        if self.h.framework == "qt5":
            # Qt5 pages are grabbed through grabToImage, which is asynchronous.
            grab = self.window.contentItem().grabToImage()
            done: List[bool] = []
            grab.ready.connect(lambda: done.append(True))
            for _ in range(200):
                if done:
                    break
                self.h.app.processEvents()
                self.h.QtTest.QTest.qWait(5)
            if not done:
                raise RuntimeError("could not grab the Qt5 page")
            image = grab.image()
        else:
            image = self.window.grabWindow()
        fmt = getattr(self.h.QtGui.QImage, "Format", self.h.QtGui.QImage).Format_RGB32
        return image.convertToFormat(fmt)

    def render(self, path: str) -> None:
        """Save what the window shows as a PNG."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if not self.grab().save(path):
            raise RuntimeError(f"could not save the page into {path}")

    @staticmethod
    def _pixels(image: Any) -> Tuple[bytes, int]:
        """The bytes of a 32-bit image and its stride."""
        bits = image.constBits()
        if hasattr(bits, "setsize"):
            bits.setsize(image.sizeInBytes())
        return bytes(bits), image.bytesPerLine()

    def _effective_opacity(self, item: Any) -> float:
        """The opacity an item is painted with: its own times every parent's."""
        opacity = 1.0
        while item is not None:
            opacity *= float(item.opacity())
            item = item.parentItem()
        return opacity

    def legibility(self) -> List[Dict[str, Any]]:
        """Measure, for every text on screen, its colour against what is actually painted behind it.

        The page is grabbed twice: as it is, and with every text made transparent (opacity 0, which
        keeps the layout). The pixels that differ inside a text's on-screen rectangle are its glyphs;
        the second image gives the colour behind each of them. A text's colour (its `color` with its
        opacity, blended over that background as Qt paints it) is compared with the background by the
        WCAG 2.x contrast ratio; the ratio reported is the one that holds for GLYPH_SHARE of the glyph
        pixels. A text that changes no pixel is reported with no glyphs (hidden, or covered).
        """
        texts = []
        for item in self.all_items():
            if not item.isVisible() or not (item.inherits("QQuickText") or item.inherits("QQuickTextInput")):
                continue
            shown_text = item.property("displayText") if item.inherits("QQuickTextInput") else item.property("text")
            opacity = self._effective_opacity(item)
            shown = self.shown_rect(item)
            if not str(shown_text or "").strip() or opacity <= 0 or shown[2] < 1 or shown[3] < 1:
                continue
            texts.append((item, str(shown_text), opacity, shown))
        full_image = self.grab()
        saved = [(item, item.opacity()) for item, *_ in texts]
        for item, _ in saved:
            item.setOpacity(0.0)
        bare_image = self.grab()
        for item, old in saved:
            item.setOpacity(old)
        self.h.settle()
        full, stride = self._pixels(full_image)
        bare, _ = self._pixels(bare_image)
        width, height = full_image.width(), full_image.height()
        results = []
        for item, shown_text, opacity, (sx, sy, sw, sh) in texts:
            colour = item.property("color")
            alpha = float(colour.alphaF()) * opacity
            fg = (float(colour.red()), float(colour.green()), float(colour.blue()))
            x0, y0 = max(0, int(sx)), max(0, int(sy))
            x1, y1 = min(width, int(sx + sw + 0.999)), min(height, int(sy + sh + 0.999))
            ratios: List[float] = []
            backgrounds: Dict[Tuple[int, int, int], int] = {}
            ink: Optional[Tuple[float, Tuple[int, int, int]]] = None
            for y in range(y0, y1):
                start, end = y * stride + x0 * 4, y * stride + x1 * 4
                if full[start:end] == bare[start:end]:
                    continue
                for offset in range(start, end, 4):
                    # 32-bit RGB is stored as B, G, R, unused.
                    bb, bg_, br = bare[offset], bare[offset + 1], bare[offset + 2]
                    fb, fg_, fr = full[offset], full[offset + 1], full[offset + 2]
                    if max(abs(fb - bb), abs(fg_ - bg_), abs(fr - br)) <= GLYPH_DELTA:
                        continue
                    back = (br, bg_, bb)
                    painted = tuple(alpha * f + (1 - alpha) * b for f, b in zip(fg, back))
                    ratios.append(contrast(painted, back))
                    backgrounds[back] = backgrounds.get(back, 0) + 1
                    seen = contrast((fr, fg_, fb), back)
                    if ink is None or seen > ink[0]:
                        ink = (seen, (fr, fg_, fb))
            ratios.sort()
            entry: Dict[str, Any] = {
                "name": item.objectName() or item.metaObject().className(),
                "text": shown_text,
                "rect": [sx, sy, sw, sh],
                "color": hex_rgb(fg),
                "opacity": round(alpha, 3),
                "glyph_pixels": len(ratios),
                "ratio": None,
                "lowest": None,
                "background": None,
                "ink": None,
            }
            if ratios:
                entry["ratio"] = round(ratios[int(len(ratios) * (1 - GLYPH_SHARE))], 2)
                entry["lowest"] = round(ratios[0], 2)
                entry["background"] = hex_rgb(max(backgrounds, key=lambda k: backgrounds[k]))
                entry["ink"] = hex_rgb(ink[1]) if ink else None
            results.append(entry)
        return results

    def evaluate(self, item: Any, expression: str) -> int:
        """Read an enum or flags property as a number, through QML (PySide6 cannot convert every enum type)."""
        context = self.h.QtQml.QQmlEngine.contextForObject(item) or self.h.engine.rootContext()
        value = self.h.QtQml.QQmlExpression(context, item, f"Number({expression})").evaluate()
        if isinstance(value, tuple):  # PyQt5 also says whether the value is undefined
            value = value[0]
        return int(value)

    def password_info(self) -> Optional[Dict[str, Any]]:
        """Describe the password field, if it is on screen."""
        fields = self.items("passwordField")
        if not fields:
            return None
        field = fields[0]
        return {
            "rect": self.rect(field),
            "text": field.property("text"),
            "display": field.property("displayText"),
            "echo_mode": self.evaluate(field, "echoMode"),
            "hints": self.evaluate(field, "inputMethodHints"),
            "max_length": int(field.property("maximumLength")),
            "active_focus": bool(field.property("activeFocus")),
        }

    def snapshot(self) -> Dict[str, Any]:
        """Record everything the user could see and everything the page sent so far."""
        snap: Dict[str, Any] = {"window": [self.window.width(), self.window.height()],
                                "page_alive": self.page is not None}
        if self.page is not None:
            tiles = []
            for tile in self.items(TILE):
                labels = self.items(TILE_LABEL, tile)
                icons = self.items(TILE_ICON, tile)
                images = self.items("iconImage", tile)
                tiles.append({
                    "rect": self.rect(tile),
                    "label": self.text_info(labels[0]) if labels else None,
                    "icon": str(icons[0].property("iconSource")) if icons else None,
                    "icon_rect": self.rect(icons[0]) if icons else None,
                    # A painted size means the icon file was found and decoded.
                    "icon_ready": bool(images) and float(images[0].property("paintedWidth")) > 0,
                })
            snap["tiles"] = tiles
            snap["header_title"] = [self.text_info(i) for i in self.items("headerTitle")]
            snap["header_subtitle"] = [self.text_info(i) for i in self.items("headerSubtitle")]
            snap["empty"] = [self.text_info(i) for i in self.items("emptyLabel")]
            snap["header"] = [self.rect(i) for i in self.items("header")]
            snap["footer"] = [self.rect(i) for i in self.items("footer")]
            snap["texts"] = {name: [self.text_info(i) for i in self.items(name)] for name in TEXTS}
            snap["boxes"] = {name: [self.rect(i) for i in self.items(name)] for name in BOXES}
            buttons = {}
            for name in BUTTONS:
                for button in self.items(name):
                    labels = [label for label_name in BUTTON_LABELS for label in self.items(label_name, button)]
                    buttons[name] = {"rect": self.rect(button), "text": button.property("text"),
                                     "enabled": bool(button.property("enabled")),
                                     "label": self.text_info(labels[0]) if labels else None}
            snap["buttons"] = buttons
            snap["selection_pages"] = len(self.items("clientSelection"))
            snap["network_pages"] = len(self.items("networkSetup"))
            snap["join_pages"] = len(self.items("hotspotJoin"))
            snap["rows"] = self.rows_info()
            lists = self.items("networkList")
            snap["list"] = None if not lists else {
                "rect": self.rect(lists[0]), "count": int(lists[0].property("count")),
                "content_height": float(lists[0].property("contentHeight")),
                "content_y": float(lists[0].property("contentY")),
                "interactive": bool(lists[0].property("interactive")),
                "scroll_bar": bool(self.items("networkScrollBar")),
            }
            snap["password"] = self.password_info()
            snap["visible_texts"] = self.visible_texts()
        snap["session"] = self.session_values()
        snap["journal"] = self.h.journal()
        snap["sounds"] = self.h.played()
        snap["warnings"] = list(self.h.warnings)
        snap["notices"] = list(self.h.notices)
        return snap


def run_scenario(h: Harness, scenario: Dict[str, Any]) -> Dict[str, Any]:
    """Run one scenario and return its snapshots (or the error that stopped it)."""
    h.warnings.clear()
    h.notices.clear()
    h.reset_journals()
    h.use_scheme(scenario.get("scheme", "dark"))
    page = Path(scenario["page"])
    translations = page.parent / "translations"
    result: Dict[str, Any] = {"name": scenario["name"], "snapshots": []}
    result["translation_loaded"] = h.use_language(scenario.get("lang"), translations)
    run = PageRun(h, page, scenario.get("size", [800, 480]), scenario.get("as_model", True))
    try:
        run.load(scenario.get("data", {}))
        result["snapshots"].append({"step": "load", "mark": "load", **run.snapshot()})
        for step in scenario.get("steps", []):
            action = step["do"]
            extra: Dict[str, Any] = {}
            if action == "set":
                run.set_data(step["data"])
            elif action == "click_tile":
                run.click(run.items(TILE)[step["index"]])
            elif action == "click":
                run.click(run.items(step["object"])[step.get("index", 0)])
            elif action == "click_row":
                run.click(run.row(step["ssid"]))
            elif action == "type":
                run.type_text(step["text"])
            elif action == "scroll_through":
                extra["scroll"] = run.scroll_through(step.get("object", "networkList"), step.get("fraction", 0.6))
            elif action == "legibility":
                extra["legibility"] = run.legibility()
            elif action == "render":
                run.render(step["path"])
            elif action == "destroy":
                run.destroy()
            else:
                raise ValueError(f"unknown step {action!r}")
            result["snapshots"].append({"step": action, "mark": step.get("mark"), **extra, **run.snapshot()})
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        run.close()
        h.use_language(None, translations)
    return result


def main(argv: Optional[List[str]] = None) -> int:
    """Run every scenario of a spec file for one framework and write the results as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=("qt5", "qt6"), required=True)
    parser.add_argument("--kirigami", choices=("standin", "real"), default="standin",
                        help="standin: the stand-in Kirigami of imports/; real: the Kirigami installed beside Qt")
    parser.add_argument("--spec", required=True, help="JSON file: {\"scenarios\": [...]}")
    parser.add_argument("--out", required=True, help="where to write the JSON results")
    parser.add_argument("--gl", action="store_true",
                        help="render with the default (OpenGL) backend, e.g. under Xvfb, so effects show")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not args.gl:
        os.environ.setdefault("QT_QUICK_BACKEND", "software")
    spec = json.loads(Path(args.spec).read_text(encoding="utf-8"))
    # The real-Kirigami import folder goes beside the results, where the caller cleans up.
    h = Harness(args.framework, args.kirigami, scratch=Path(args.out).resolve().parent)
    results = [run_scenario(h, s) for s in spec["scenarios"]]
    Path(args.out).write_text(json.dumps({"framework": args.framework, "kirigami": args.kirigami,
                                          "results": results}, indent=1), encoding="utf-8")
    sys.stdout.flush()
    sys.stderr.flush()
    # PySide6 can crash while tearing down QML objects at interpreter exit; the results
    # are written, so leave without that teardown.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
