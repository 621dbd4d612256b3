"""Drive the real WifiSetupPlugin on a FakeBus and keep the session data it sends to the GUI.

The selection page's data comes from the plugin itself; the network page's from its built-in
on-screen method (ScreenSetupClient, started by the plugin), with a stand-in that answers
`ovos.phal.nm.*` as ovos-PHAL-plugin-network-manager 1.3.5 does; the hotspot's join page's from
the join page module the hotspot method shows it with (methods/hotspot/join_page.py).
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ovos_bus_client.message import Message
from ovos_utils.fakebus import FakeBus

from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.methods.screen.client import ScreenSetupClient

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
    """A fresh plugin on a FakeBus, with every gui.value.set payload it emitted, by namespace."""

    def __init__(self, screen_client: str = "never") -> None:
        """Start the plugin with the GUI always on, the watchdog off and the on-screen method as asked."""
        self.bus = FakeBus()
        self.values: List[Dict[str, Any]] = []
        self.screen_values: List[Dict[str, Any]] = []
        self.bus.on("gui.value.set", self._on_value)
        self.plugin = WifiSetupPlugin(bus=self.bus, config={
            "gui": "always", "enable_watchdog": False, "screen_client": screen_client,
            # Activate a client at once: FakeBus has no one to wait for.
            "registration_settle": 0, "stop_settle": 0})
        assert self.plugin.started.wait(10)

    def _on_value(self, message: Message) -> None:
        """Keep the session keys of one gui.value.set as the GUI receives them (JSON: FakeBus hands over the
        sender's objects, such as GUIInterface's own dict type); "__"-keys are routing, not page data."""
        values = {k: json.loads(json.dumps(v)) for k, v in message.data.items() if not k.startswith("__")}
        if message.data.get("__from") == topics.SCREEN_CLIENT_NAME:
            self.screen_values.append(values)
        else:
            self.values.append(values)

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
        """Return the selection page's session data as the GUI holds it now (every payload applied in order)."""
        return _merged(self.values)

    def screen_session(self) -> Dict[str, Any]:
        """Return the network page's session data as the GUI holds it now."""
        return _merged(self.screen_values)

    def last_value(self) -> Dict[str, Any]:
        """Return the most recent gui.value.set payload."""
        if not self.values:
            raise AssertionError("the plugin sent no gui.value.set")
        return copy.deepcopy(self.values[-1])

    def close(self) -> None:
        """Stop the plugin."""
        self.plugin.shutdown()


def _merged(values: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The session data after every payload, applied in order."""
    merged: Dict[str, Any] = {}
    for value in values:
        merged.update(copy.deepcopy(value))
    return merged


def selection_session(count: int, screen: bool = False,
                      clients: Optional[List[Tuple[str, str, str]]] = None) -> Dict[str, Any]:
    """Return the session data the plugin shows for the first `count` sample clients, or for `clients`
    (and its own on-screen method, if screen)."""
    driver = PluginDriver(screen_client="always" if screen else "never")
    try:
        for client, client_type, text in (SAMPLE_CLIENTS[:count] if clients is None else clients):
            driver.register(client, client_type, text)
        driver.activate()
        return driver.session()
    finally:
        driver.close()


# What nmcli lists to network-manager 1.3.5 in a busy street, strongest first, as its scan.complete
# carries it: one entry per access point (so "Home" twice), a hidden network (empty SSID), open
# networks with an empty security, non-ASCII names and a 32-byte one. 20 networks once shaped.
SAMPLE_SCAN: List[Dict[str, str]] = [
    {"ssid": "Home", "security": "WPA2"},
    {"ssid": "Cafe Corner", "security": ""},
    {"ssid": "Büro-Gäste", "security": "WPA2"},
    {"ssid": "Home", "security": "WPA2"},
    {"ssid": "", "security": "WPA2"},
    {"ssid": "Neighbour 5G", "security": "WPA1 WPA2"},
    {"ssid": "Library Free Wi-Fi", "security": ""},
    {"ssid": "FRITZ!Box 7590 XY", "security": "WPA2"},
    {"ssid": "Vodafone-8A3C", "security": "WPA2 WPA3"},
    {"ssid": "Hotel Guest", "security": ""},
    {"ssid": "TP-Link_2.4GHz_1F2E3D", "security": "WPA2"},
    {"ssid": "eduroam", "security": "WPA2 802.1X"},
    {"ssid": "Café Olé", "security": "WPA2"},
    {"ssid": "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "security": "WPA3"},
    {"ssid": "Garage", "security": "WEP"},
    {"ssid": "Printer-Direct-A1", "security": "WPA2"},
    {"ssid": "Pixel_7482", "security": "WPA3"},
    {"ssid": "Office", "security": "WPA3"},
    {"ssid": "Guest", "security": ""},
    {"ssid": "Attic", "security": "WPA2"},
    {"ssid": "Shed", "security": "WPA1"},
    {"ssid": "Bakery", "security": ""},
]

# Names with a ':' as network-manager 1.3.5 sends them (nmcli's terse line split on every ':'): the secured
# "Lab:Guest" ("Lab\\:Guest:WPA2") and the open "Cafe: Free" ("Cafe\\: Free:"), among plain ones.
ESCAPED_SCAN: List[Dict[str, str]] = [
    {"ssid": "Home", "security": "WPA2"},
    {"ssid": "Lab\\", "security": "Guest"},
    {"ssid": "Cafe\\", "security": " Free"},
    {"ssid": "Cafe Corner", "security": ""},
]
# How long the scenarios leave "Connected to …" on the page before the method ends its session (the method's
# own default, 3 s, is for people; the pages are checked at each step either way).
CONNECTED_HOLD = 0.2


class NetworkManagerStandIn:
    """Answers ovos.phal.nm.scan as network-manager 1.3.5 does, and records every connect it is asked for."""

    def __init__(self, bus: FakeBus, networks: List[Dict[str, str]]) -> None:
        """Answer scans with `networks` (at once while `answering`, else when answer_scan() is called)."""
        self.bus = bus
        self.networks = list(networks)
        self.answering = True
        self.connects: List[Message] = []
        bus.on(topics.NM_SCAN, self._on_scan)
        bus.on(topics.NM_CONNECT, self.connects.append)
        bus.on(topics.NM_CONNECT_OPEN, self.connects.append)

    def _on_scan(self, message: Message) -> None:
        """A scan: answered now, or left waiting."""
        if self.answering:
            self.answer_scan()

    def answer_scan(self) -> None:
        """Send scan.complete with the networks."""
        self.bus.emit(Message(topics.NM_SCAN_COMPLETE, {"networks": copy.deepcopy(self.networks)}))

    def fail(self) -> None:
        """Answer the connect in flight as network-manager does when nmcli fails: no network named."""
        self.bus.emit(Message(topics.NM_CONNECT_FAILED, {"errorCode": 1, "errorMessage": "Connection Failed"}))

    def succeed(self, ssid: str) -> None:
        """Answer a connect as network-manager does when nmcli joined the network."""
        self.bus.emit(Message(topics.NM_CONNECTED_OK, {"connection_name": ssid}))


class ScreenDriver(PluginDriver):
    """The plugin with its on-screen method in session, on a FakeBus with a network-manager stand-in."""

    def __init__(self, networks: List[Dict[str, str]], answer_first_scan: bool = True) -> None:
        """Start the plugin, pick "Choose a Wi-Fi network on this screen" on its selection page."""
        super().__init__(screen_client="always")
        for method in self.plugin.methods.running.values():
            if isinstance(method, ScreenSetupClient):
                method.connected_hold = CONNECTED_HOLD
        self.nm = NetworkManagerStandIn(self.bus, networks)
        self.nm.answering = answer_first_scan
        self.activate()
        screen = [c for c in self.session()[topics.SESSION_CLIENTS] if c["client"] == topics.SCREEN_CLIENT_NAME]
        if not screen:
            raise AssertionError("the on-screen method is not on the selection page")
        self.bus.emit(Message(topics.CLIENT_SELECT, {"client": screen[0]["client"], "id": screen[0]["id"]}))
        if not self.screen_values:
            raise AssertionError("the on-screen method showed no page when selected")
        self.nm.answering = True

    def page(self, topic: str, data: Optional[Dict[str, Any]] = None) -> None:
        """Send what the network page sends."""
        self.bus.emit(Message(topic, data or {}))

    def wait_step(self, step: str, timeout: float = 10.0) -> Dict[str, Any]:
        """Wait until the network page's step is `step` (a timer of the method sets it); return the session."""
        deadline = time.monotonic() + timeout
        while self.screen_session().get("step") != step:
            if time.monotonic() > deadline:
                raise AssertionError(f"the network page never reached step {step!r}")
            time.sleep(0.02)
        return self.screen_session()


def network_sessions() -> Dict[str, Any]:
    """The network page's session data at each step, as the on-screen method sends it.

    Keys: "scanning" (just opened, nothing found yet), "list-0", "list-1", "list-20", "rescanning"
    (a rescan with the list still shown), "connecting", "failed" (Home's password refused),
    "connected" (Cafe Corner joined), "checking" (after it: the internet is being checked) and
    "escaped" (a list with names network-manager 1.3.5 split at their ':'); "updates" holds the
    payloads from the 20-network list on, in order, through connecting and failing on Home.
    """
    sessions: Dict[str, Any] = {}
    driver = ScreenDriver(SAMPLE_SCAN, answer_first_scan=False)
    try:
        sessions["scanning"] = driver.screen_session()
        driver.nm.answer_scan()
        sessions["list-20"] = driver.screen_session()
        mark = len(driver.screen_values)
        driver.nm.answering = False
        driver.page(topics.SCREEN_SCAN)
        sessions["rescanning"] = driver.screen_session()
        driver.nm.answer_scan()
        driver.nm.answering = True
        driver.page(topics.SCREEN_CONNECT, {"ssid": "Home", "password": "not the password"})
        sessions["connecting"] = driver.screen_session()
        driver.nm.fail()
        sessions["failed"] = driver.screen_session()
        sessions["updates"] = copy.deepcopy(driver.screen_values[mark:])
        driver.page(topics.SCREEN_CONNECT, {"ssid": "Cafe Corner"})
        driver.nm.succeed("Cafe Corner")
        sessions["connected"] = driver.screen_session()
        sessions["checking"] = driver.wait_step("checking")
    finally:
        driver.close()
    driver = ScreenDriver(ESCAPED_SCAN)
    try:
        sessions["escaped"] = driver.screen_session()
    finally:
        driver.close()
    for count, scan in ((0, []), (1, SAMPLE_SCAN[:1])):
        driver = ScreenDriver(scan)
        try:
            sessions[f"list-{count}"] = driver.screen_session()
        finally:
            driver.close()
    return sessions


# The hotspot's join page: (ssid, passphrase, code) of each case. A name with the characters the WIFI: format
# escapes and a passphrase of digits, as the per-session one is; an open network with its code; the longest name
# and passphrase WPA2 allows, every escaped character in both; a name outside ASCII and a passphrase with spaces.
JOIN_CASES: Dict[str, Tuple[str, str, str]] = {
    "wpa": ('Kitchen;"Speaker"', "482913057736", ""),
    "open": ("OVOS-Setup-AB12", "", "123456"),
    "long": ('Lab:Guest,5G;"Attic"\\ Node-7Q-xy', 'a;b,c"d:e\\f' + "0123456789" * 5 + "xy", ""),
    "spaced": ("Café Olé", "correct horse battery", ""),
}
JOIN_URL = "http://10.42.0.1/"


def join_sessions(lang: str = "en-us") -> Dict[str, Dict[str, Any]]:
    """The join page's session data for each of JOIN_CASES, in a language, with what it was shown for ({} where the
    hotspot extra is not installed)."""
    try:
        from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue
        from ovos_PHAL_plugin_wifi_setup.methods.hotspot.join_page import JoinPage
    except ImportError:
        return {}
    sessions: Dict[str, Dict[str, Any]] = {}
    for name, (ssid, passphrase, code) in JOIN_CASES.items():
        bus = FakeBus()
        values: List[Dict[str, Any]] = []
        bus.on("gui.value.set", lambda m, kept=values: kept.append(
            {k: json.loads(json.dumps(v)) for k, v in m.data.items() if not k.startswith("__")}))
        page = JoinPage(bus, lambda: Catalogue(lang), gui_mode="always")
        page.start()
        page.show(ssid=ssid, passphrase=passphrase, code=code, url=JOIN_URL)
        sessions[name] = {"ssid": ssid, "passphrase": passphrase, "code": code, "url": JOIN_URL,
                          "data": _merged(values)}
        page.stop()
    return sessions


# A client that sends its display_text in the device's language (the clients in the field send English).
GERMAN_CLIENT: Tuple[str, str, str] = ("ovos-PHAL-plugin-qr-wifi", "Remote",
                                       "Einen WLAN-QR-Code mit der Kamera scannen")


def language_plan() -> Dict[str, Any]:
    """The session data of both pages in the device's language, as mycroft.conf's `lang` sets it for this
    process: the selection page with the on-screen method and GERMAN_CLIENT ("selection") and with no client
    ("selection-0"), every step of the network page ("networks", as network_sessions) and the hotspot's join page
    ("join", as join_sessions)."""
    probe = PluginDriver()
    try:
        lang = probe.plugin.catalogue.lang
    finally:
        probe.close()
    return {"lang": lang, "selection": selection_session(0, screen=True, clients=[GERMAN_CLIENT]),
            "selection-0": selection_session(0), "networks": network_sessions(), "join": join_sessions(lang)}


def main(argv: Optional[List[str]] = None) -> int:
    """Write language_plan() as JSON (run in a process whose XDG config holds the mycroft.conf to use)."""
    parser = argparse.ArgumentParser(description=language_plan.__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the session data as JSON")
    args = parser.parse_args(argv)
    Path(args.out).write_text(json.dumps(language_plan(), ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
