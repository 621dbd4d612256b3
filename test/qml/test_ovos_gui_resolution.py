"""The real ovos-gui service resolves our page name to our QML file for a Qt5 and a Qt6 GUI client."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

pytest.importorskip("ovos_gui", reason="ovos-gui is not installed beside the stack")
websocket = pytest.importorskip("websocket", reason="websocket-client is not installed")

# stack.py lives one folder up; tests may run in any import mode.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stack import BusRecorder, ManagedProcess, Messagebus, StackHome, free_port, port_open, wait_until  # noqa: E402

from ovos_PHAL_plugin_wifi_setup import topics  # noqa: E402

pytestmark = [pytest.mark.qml, pytest.mark.integration]

GUI = Path(__file__).resolve().parents[2] / "ovos_PHAL_plugin_wifi_setup" / "gui"
ROUTE = "/gui"
# Generous waits: service start-up on a loaded CI machine.
START = 60.0
REPLY = 30.0


class GuiClient:
    """A stand-in GUI client: it says which framework it renders and records what ovos-gui sends it."""

    def __init__(self, port: int, framework: str) -> None:
        """Open the GUI websocket and announce the framework, as mycroft-gui does."""
        self.framework = framework
        self.gui_id = f"stand-in-{framework}"
        self.socket = websocket.create_connection(f"ws://127.0.0.1:{port}{ROUTE}", timeout=REPLY)
        # The GUI protocol is flat: the payload keys sit beside "type".
        self.socket.send(json.dumps({"type": "mycroft.gui.connected", "gui_id": self.gui_id, "framework": framework}))
        self.received: List[Dict[str, Any]] = []

    def wait_for_pages(self, namespace: str) -> List[Dict[str, Any]]:
        """Read messages until ovos-gui inserts pages for a namespace; return their entries."""
        while True:
            message = json.loads(self.socket.recv())
            self.received.append(message)
            if message.get("type") == "mycroft.gui.list.insert" and message.get("namespace") == namespace:
                return list(message["data"])

    def close(self) -> None:
        """Close the websocket."""
        self.socket.close()


def test_page_name_resolves_to_our_file_per_framework(tmp_path: Path) -> None:
    """ovos-gui hands a Qt5 client our qt5 page and a Qt6 client our qt6 page, both from its cache copy."""
    gui_port = free_port()
    home = StackHome.create(tmp_path, extra={
        "gui_websocket": {"host": "127.0.0.1", "base_port": gui_port, "route": ROUTE, "ssl": False},
    })
    with Messagebus(home):
        gui = ManagedProcess("ovos-gui", [sys.executable, "-m", "ovos_gui"], home.env(), home.logs / "ovos-gui.log")
        plugin = ManagedProcess("wifi-setup", [sys.executable, str(Path(__file__).with_name("plugin_on_bus.py")),
                                               str(home.port)], home.env(), home.logs / "plugin.log")
        with gui, plugin, BusRecorder(home.port) as probe:
            plugin.wait_for_log("plugin ready", timeout=START)
            wait_until(lambda: port_open(gui_port), timeout=START, what="the ovos-gui websocket")
            probe.wait_service_ready("gui_service", timeout=START)
            # The core-bus handshake a GUI starts with: ovos-gui answers with its websocket port.
            mark = probe.mark()
            probe.emit("mycroft.gui.connected", {"gui_id": "stand-in-qt5", "framework": "qt5"})
            announced = probe.wait_for("mycroft.gui.port", timeout=START, since=mark)
            assert announced.data["port"] == gui_port and announced.data["framework"] == "qt5"
            clients = {fw: GuiClient(gui_port, fw) for fw in ("qt5", "qt6")}
            try:
                probe.emit(topics.REGISTER_CLIENT, {"client": "stand-in", "type": "onDevice",
                                                    "display_text": "Set up on this screen"})
                probe.wait_for(topics.CLIENT_REGISTERED, timeout=REPLY)
                probe.emit(topics.USER_ACTIVATED)
                for framework, client in clients.items():
                    pages = client.wait_for_pages(topics.PLUGIN_ID)
                    assert [p["page"] for p in pages] == [topics.GUI_PAGE]
                    url = Path(pages[0]["url"])
                    assert url == home.root / "cache" / "ovos_gui" / topics.PLUGIN_ID / framework / "WifiSetupLoader.qml"
                    assert url.read_bytes() == (GUI / framework / "WifiSetupLoader.qml").read_bytes()
                    # What the page loads beside itself travelled with it.
                    for beside in ("ClientSelection.qml", "NetworkSetup.qml", "PageButton.qml", "icons/lock.svg",
                                   "sounds/clicked.wav"):
                        assert (url.parent / beside).is_file(), beside
            finally:
                for client in clients.values():
                    client.close()
