"""A stand-in for ovos-PHAL-plugin-network-manager 1.3.5 on FakeBus, answering `ovos.phal.nm.*` as it does.

Its quirks are kept: every answer is a fresh message (no context, no request id), a scan lists one entry per
access point (duplicates, hidden networks with an empty SSID, open ones with an empty security), a failure says
only {errorCode, errorMessage} (a wrong password and a network out of reach look the same), a scan may answer
with the list of the scan before (`stale`), and a connect may hang (`hang`): it is answered when the test says so
(answer_hanging), or with a failure as soon as another connect starts, as NetworkManager ends an activation in
progress on the device when a new one begins (nmcli: "(60) New connection activation was enqueued").
"""
from typing import Any, Dict, List, Optional, Set

from ovos_bus_client.message import Message

from ovos_PHAL_plugin_wifi_setup import topics as t

SCAN = [
    {"ssid": "Home", "security": "WPA2"},
    {"ssid": "Café Ü", "security": ""},
    {"ssid": "", "security": "WPA2"},
    {"ssid": "Home", "security": "WPA2"},
    {"ssid": "Studio", "security": "WPA3"},
    {"ssid": "Far Away", "security": "WPA2"},
]
PASSWORDS = {"Home": "correct horse", "Studio": "studio-pass-3"}


class NetworkManagerStandIn:
    """Answers network-manager's topics on a FakeBus (inline, like the bus delivers) and records the requests."""

    def __init__(self, bus: Any, scan: Optional[List[Dict[str, str]]] = None):
        self.bus = bus
        self.scan = [dict(entry) for entry in (scan or SCAN)]
        self.passwords = dict(PASSWORDS)
        self.hang: Set[str] = set()
        self.hanging: List[str] = []  # the connects that hang now, oldest first
        self.out_of_reach: Set[str] = {"Far Away"}  # listed once, gone when a connect is tried
        self.stale = False  # answer the next scan with the list the scan before gave
        self.silent = False  # answer nothing (network-manager not running)
        self.requests: List[Message] = []
        self._last: List[Dict[str, str]] = []
        for topic, handler in ((t.NM_SCAN, self.on_scan), (t.NM_CONNECT, self.on_connect),
                               (t.NM_CONNECT_OPEN, self.on_connect_open), (t.NM_GET_CONNECTED, self.on_query)):
            bus.on(topic, handler)

    def _send(self, topic: str, data: Optional[Dict[str, Any]] = None) -> None:
        self.bus.emit(Message(topic, data or {}))

    def on_query(self, message: Message) -> None:
        """`nmcli connection show --active`: nothing active."""
        self.requests.append(message)
        if not self.silent:
            self._send(t.NM_IS_NOT_CONNECTED)

    def on_scan(self, message: Message) -> None:
        """`nmcli device wifi list`, one entry per line."""
        self.requests.append(message)
        if self.silent:
            return
        current = [dict(entry) for entry in self.scan]
        answer, self._last = (self._last if self.stale else current), current
        self.stale = False
        self._send(t.NM_SCAN_COMPLETE, {"networks": answer})

    def on_connect(self, message: Message) -> None:
        """`nmcli device wifi connect NAME password PASSWORD`, with network-manager's checks before it."""
        self.requests.append(message)
        ssid = message.data.get("connection_name", "")
        password = message.data.get("password", "")
        if self.silent or not ssid:
            return
        if message.data.get("security_type", "") != "open" and password is None:
            self._send(t.NM_CONNECT_FAILED, {"errorCode": 0, "errorMessage": "Password Required"})
            return
        self._outcome(ssid, self.passwords.get(ssid) == password)

    def on_connect_open(self, message: Message) -> None:
        """`nmcli device wifi connect NAME`."""
        self.requests.append(message)
        ssid = message.data.get("connection_name", "")
        if not self.silent and ssid:
            # Secured: it has a password, or the scan says so; nmcli cannot join it without one.
            secured = ssid in self.passwords or any(e["ssid"] == ssid and e["security"] for e in self.scan)
            self._outcome(ssid, not secured)

    def _outcome(self, ssid: str, joined: bool) -> None:
        # A new activation ends the one in progress: its nmcli fails before this one's answer.
        while self.hanging:
            self.hanging.pop(0)
            self._send(t.NM_CONNECT_FAILED, {"errorCode": 1, "errorMessage": "Connection Failed"})
        if ssid in self.hang:
            self.hanging.append(ssid)
            return
        if ssid in self.out_of_reach:
            self.scan = [entry for entry in self.scan if entry["ssid"] != ssid]
            joined = False
        if joined:
            self._send(t.NM_CONNECTED_OK, {"connection_name": ssid})
        else:
            self._send(t.NM_CONNECT_FAILED, {"errorCode": 1, "errorMessage": "Connection Failed"})

    def answer_hanging(self, joined: bool) -> None:
        """The oldest hanging connect ends at last (nmcli answers within its 90 s): joined, or failed."""
        ssid = self.hanging.pop(0)
        if joined:
            self._send(t.NM_CONNECTED_OK, {"connection_name": ssid})
        else:
            self._send(t.NM_CONNECT_FAILED, {"errorCode": 1, "errorMessage": "Connection Failed"})

    def of(self, topic: str) -> List[Message]:
        """The requests of one topic, in order."""
        return [m for m in self.requests if m.msg_type == topic]
