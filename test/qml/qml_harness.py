"""Load the wifi-setup QML pages in a real Qt Quick engine, drive them, and report what a user would see.

Run as a script in its own process, one Qt binding per process (PySide6 for the Qt6 pages,
PyQt5 for the Qt5 pages), because the two cannot share an interpreter:

    python test/qml/qml_harness.py --framework qt6 --spec spec.json --out result.json

The spec lists scenarios; each loads one page with session data and runs steps (set
session data, click a tile or button, render, destroy). After every step the harness
records a snapshot: the texts and geometry of every tile, label and button, the requests
the page sent through the stand-in MycroftController, the sounds it played, and every
warning the QML engine printed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

HERE = Path(__file__).resolve().parent
IMPORTS = HERE / "imports"
SKILL_ID = "ovos-PHAL-plugin-wifi-setup"

# Names the pages give the items a user sees; the snapshot looks them up by these.
TILE = "clientTile"
TILE_LABEL = "clientTileLabel"
TILE_ICON = "clientTileIcon"
BUTTONS = ("connectLaterButton", "neverConnectButton")


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


class Harness:
    """One QGuiApplication and QML engine that loads pages and reports on them."""

    def __init__(self, framework: str) -> None:
        """Start Qt for the framework and point the engine at the stand-in modules."""
        self.framework = framework
        qt = _bind(framework)
        self.QtCore = qt["QtCore"]
        self.QtGui = qt["QtGui"]
        self.QtQml = qt["QtQml"]
        self.QtQuick = qt["QtQuick"]
        self.QtTest = qt["QtTest"]
        self._delete: Callable[[Any], None] = qt["delete"]
        self.warnings: List[str] = []
        self.QtCore.qInstallMessageHandler(self._on_message)
        self.app = self.QtGui.QGuiApplication.instance() or self.QtGui.QGuiApplication(["qml-harness"])
        self.engine = self.QtQml.QQmlEngine()
        self.engine.addImportPath(str(IMPORTS))
        self.translators: List[Any] = []
        self._kept: List[Any] = []
        self.ListModel = _make_list_model(self.QtCore)
        self.controller = self._singleton("MycroftController")
        self.sounds = self._singleton("SoundEffects")

    def _on_message(self, mode: Any, context: Any, message: str) -> None:
        """Keep every warning the QML engine prints; a clean page prints none."""
        text = str(message)
        # Qt's own font and platform chatter says nothing about our pages.
        if any(noise in text for noise in ("propagateSizeHints", "QFont::", "Fontconfig", "GL context")):
            return
        self.warnings.append(text)

    def _singleton(self, name: str) -> Any:
        """Reach a stand-in singleton through a tiny QML object that imports it."""
        version = " 1.0" if self.framework == "qt5" else ""
        source = (f"import QtQuick{' 2.12' if version else ''}\nimport Mycroft{version} as Mycroft\n"
                  f"QtObject {{ property QtObject target: Mycroft.{name} }}\n").encode()
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

    def use_language(self, lang: Optional[str], translations: Path) -> bool:
        """Install the page translation for a language the way mycroft-gui does; None removes it."""
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

    def items(self, name: str, root: Any = None) -> List[Any]:
        """Return visible items with an objectName, in scene order (depth first)."""
        found: List[Any] = []
        stack = [root if root is not None else self.window.contentItem()]
        while stack:
            item = stack.pop(0)
            if item.objectName() == name and item.isVisible():
                found.append(item)
            stack = list(item.childItems()) + stack
        return found

    def rect(self, item: Any) -> List[float]:
        """Return an item's rectangle in window coordinates as [x, y, w, h]."""
        origin = item.mapToScene(self.h.QtCore.QPointF(0, 0))
        return [round(origin.x(), 2), round(origin.y(), 2), round(item.width(), 2), round(item.height(), 2)]

    def text_info(self, item: Any) -> Dict[str, Any]:
        """Describe a text item: its text, where it is, and whether all of it is shown."""
        return {
            "text": item.property("text"),
            "rect": self.rect(item),
            "truncated": bool(item.property("truncated")),
            "content": [round(float(item.property("contentWidth")), 2), round(float(item.property("contentHeight")), 2)],
        }

    def click(self, item: Any) -> None:
        """Press and release the left button at an item's centre."""
        x, y, w, h = self.rect(item)
        qt = self.h.QtCore.Qt
        button = getattr(qt, "MouseButton", qt).LeftButton
        modifier = getattr(qt, "KeyboardModifier", qt).NoModifier
        self.h.QtTest.QTest.mouseClick(self.window, button, modifier, self.h.QtCore.QPoint(int(x + w / 2), int(y + h / 2)))
        self.h.settle()

    def render(self, path: str) -> None:
        """Save what the window shows as a PNG."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
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
            if not done or not grab.saveToFile(path):
                raise RuntimeError(f"could not grab the Qt5 page into {path}")
        else:
            if not self.window.grabWindow().save(path):
                raise RuntimeError(f"could not grab the Qt6 page into {path}")

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
            buttons = {}
            for name in BUTTONS:
                for button in self.items(name):
                    labels = self.items("footerButtonLabel", button)
                    buttons[name] = {"rect": self.rect(button), "text": button.property("text"),
                                     "label": self.text_info(labels[0]) if labels else None}
            snap["buttons"] = buttons
            snap["selection_pages"] = len(self.items("clientSelection"))
        snap["journal"] = self.h.journal()
        snap["sounds"] = self.h.played()
        snap["warnings"] = list(self.h.warnings)
        return snap


def run_scenario(h: Harness, scenario: Dict[str, Any]) -> Dict[str, Any]:
    """Run one scenario and return its snapshots (or the error that stopped it)."""
    h.warnings.clear()
    h.reset_journals()
    page = Path(scenario["page"])
    translations = page.parent / "translations"
    result: Dict[str, Any] = {"name": scenario["name"], "snapshots": []}
    result["translation_loaded"] = h.use_language(scenario.get("lang"), translations)
    run = PageRun(h, page, scenario.get("size", [800, 480]), scenario.get("as_model", True))
    try:
        run.load(scenario.get("data", {}))
        result["snapshots"].append({"step": "load", **run.snapshot()})
        for step in scenario.get("steps", []):
            action = step["do"]
            if action == "set":
                run.set_data(step["data"])
            elif action == "click_tile":
                run.click(run.items(TILE)[step["index"]])
            elif action == "click":
                run.click(run.items(step["object"])[0])
            elif action == "render":
                run.render(step["path"])
            elif action == "destroy":
                run.destroy()
            else:
                raise ValueError(f"unknown step {action!r}")
            result["snapshots"].append({"step": action, **run.snapshot()})
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
    parser.add_argument("--spec", required=True, help="JSON file: {\"scenarios\": [...]}")
    parser.add_argument("--out", required=True, help="where to write the JSON results")
    parser.add_argument("--gl", action="store_true",
                        help="render with the default (OpenGL) backend, e.g. under Xvfb, so effects show")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not args.gl:
        os.environ.setdefault("QT_QUICK_BACKEND", "software")
    spec = json.loads(Path(args.spec).read_text(encoding="utf-8"))
    h = Harness(args.framework)
    results = [run_scenario(h, s) for s in spec["scenarios"]]
    Path(args.out).write_text(json.dumps({"framework": args.framework, "results": results}, indent=1),
                              encoding="utf-8")
    sys.stdout.flush()
    sys.stderr.flush()
    # PySide6 can crash while tearing down QML objects at interpreter exit; the results
    # are written, so leave without that teardown.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
