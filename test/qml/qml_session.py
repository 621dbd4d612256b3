"""Drive the real WifiSetupPlugin on a FakeBus and keep the session data it sends to the GUI."""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Tuple

from ovos_bus_client.message import Message
from ovos_utils.fakebus import FakeBus

from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
from ovos_PHAL_plugin_wifi_setup import topics

# Client texts of the kind the clients in the field send, short and long.
SAMPLE_CLIENTS: List[Tuple[str, str, str]] = [
    ("ovos-PHAL-plugin-balena-wifi", "Remote", "Connect from your phone or laptop"),
    ("ovos-PHAL-plugin-network-manager", "onDevice", "Set up on this screen"),
    ("ovos-PHAL-plugin-gui-network-client", "onDevice", "Choose a Wi-Fi network on the device"),
    ("ovos-PHAL-plugin-ethernet-hint", "wired", "Plug in a network cable"),
    ("ovos-PHAL-plugin-qr-wifi", "Remote", "Scan a Wi-Fi QR code with the camera and join that network"),
    ("ovos-PHAL-plugin-wps", "Button", "Press the WPS button on your router"),
]


class PluginDriver:
    """A fresh plugin on a FakeBus, with every gui.value.set payload it emitted."""

    def __init__(self) -> None:
        """Start the plugin with the GUI always on and the watchdog off."""
        self.bus = FakeBus()
        self.values: List[Dict[str, Any]] = []
        self.bus.on("gui.value.set", self._on_value)
        self.plugin = WifiSetupPlugin(bus=self.bus, config={"gui": "always", "enable_watchdog": False})

    def _on_value(self, message: Message) -> None:
        """Keep the session keys of one gui.value.set; "__"-keys are routing, not page data."""
        self.values.append({k: copy.deepcopy(v) for k, v in message.data.items() if not k.startswith("__")})

    def register(self, client: str, client_type: str, display_text: str) -> None:
        """Register a client the way the clients in the field do."""
        self.bus.emit(Message(topics.REGISTER_CLIENT, {"client": client, "type": client_type,
                                                       "display_text": display_text, "requires_input": True}))

    def deregister(self, client: str) -> None:
        """Deregister a client by name."""
        self.bus.emit(Message(topics.DEREGISTER_CLIENT, {"client": client}))

    def activate(self) -> None:
        """Ask for network setup, as the shell's wireless button does."""
        self.bus.emit(Message(topics.USER_ACTIVATED))

    def session(self) -> Dict[str, Any]:
        """Return the page's session data as the GUI holds it now (every payload applied in order)."""
        merged: Dict[str, Any] = {}
        for value in self.values:
            merged.update(copy.deepcopy(value))
        return merged

    def last_value(self) -> Dict[str, Any]:
        """Return the most recent gui.value.set payload."""
        if not self.values:
            raise AssertionError("the plugin sent no gui.value.set")
        return copy.deepcopy(self.values[-1])

    def close(self) -> None:
        """Stop the plugin."""
        self.plugin.shutdown()


def selection_session(count: int) -> Dict[str, Any]:
    """Return the session data the plugin shows for the first `count` sample clients."""
    driver = PluginDriver()
    try:
        for client, client_type, text in SAMPLE_CLIENTS[:count]:
            driver.register(client, client_type, text)
        driver.activate()
        return driver.session()
    finally:
        driver.close()
