"""The demo's stand-ins for the other parts of OVOS: ovos-PHAL-plugin-network-manager on the bus (round 3),
NetworkManager under the hotspot method (round 4), and the sample clients built on the kit (rounds 1 and 2)."""
import threading
import time
from typing import Any, Dict, List, Optional

from ovos_PHAL_plugin_wifi_setup.readable import duration
from ovos_PHAL_plugin_wifi_setup.tools.demo.scene import (DEMO_PASSWORDS, DEMO_SCAN, DEMO_STRENGTHS, MASKED_FIELD,
                                                          NM_PREFIX, StepMissed)


class NetworkManagerStandIn:
    """A stand-in for ovos-PHAL-plugin-network-manager 1.3.5 on the demo's bus: it runs no nmcli and touches no
    Wi-Fi, and answers `ovos.phal.nm.*` as that plugin does, from DEMO_SCAN.

    As 1.3.5 does: every answer is a fresh message (no request id); a scan lists one entry per access point;
    a connect without a network name gets no answer; a wrong password makes it forget the profile nmcli made
    (forget.successful) and then say only {errorCode 1, "Connection Failed"}, which names no network.
    """

    def __init__(self, bus: Any) -> None:
        """Prepare the handlers; nothing listens before start()."""
        self.bus = bus
        self.scan = [{"ssid": ssid, "security": security} for ssid, security in DEMO_SCAN]
        self.passwords = dict(DEMO_PASSWORDS)
        self._handlers = [(NM_PREFIX + "get.connected", self.on_query), (NM_PREFIX + "scan", self.on_scan),
                          (NM_PREFIX + "connect", self.on_connect),
                          (NM_PREFIX + "connect.open.network", self.on_connect_open)]
        self._listening = False

    def start(self) -> None:
        """Answer from now on."""
        if not self._listening:
            self._listening = True
            for topic, handler in self._handlers:
                self.bus.on(topic, handler)

    def stop(self) -> None:
        """Stop answering."""
        if self._listening:
            self._listening = False
            for topic, handler in self._handlers:
                self.bus.remove(topic, handler)

    def _send(self, topic: str, data: Optional[Dict[str, Any]] = None) -> None:
        """Emit a fresh message, as network-manager does."""
        from ovos_bus_client.message import Message
        self.bus.emit(Message(NM_PREFIX + topic, data or {}))

    def on_query(self, message: Any) -> None:
        """get.connected: no connection is active."""
        self._send("is.not.connected")

    def on_scan(self, message: Any) -> None:
        """scan: the made-up access points, one entry each."""
        self._send("scan.complete", {"networks": [dict(entry) for entry in self.scan]})

    def on_connect(self, message: Any) -> None:
        """connect {connection_name, password, security_type}: join when the password is the network's."""
        data = message.data if isinstance(message.data, dict) else {}
        ssid, password = data.get("connection_name", ""), data.get(MASKED_FIELD, "")
        if not ssid:
            return
        if data.get("security_type", "") != "open" and password is None:
            self._send("connection.failure", {"errorCode": 0, "errorMessage": "Password Required"})
        elif ssid in self.passwords and self.passwords[ssid] == password:
            self._send("connection.successful", {"connection_name": ssid})
        else:
            if any(entry["ssid"] == ssid for entry in self.scan):
                self._send("forget.successful", {"connection_name": ssid})
            self._send("connection.failure", {"errorCode": 1, "errorMessage": "Connection Failed"})

    def on_connect_open(self, message: Any) -> None:
        """connect.open.network {connection_name}: join a network that is listed without security."""
        data = message.data if isinstance(message.data, dict) else {}
        ssid = data.get("connection_name", "")
        if not ssid:
            return
        if any(entry["ssid"] == ssid and not entry["security"] for entry in self.scan):
            self._send("connection.successful", {"connection_name": ssid})
        else:
            self._send("connection.failure", {"errorCode": 1, "errorMessage": "Connection Failed"})


class HotspotNetworkManagerStandIn:
    """A stand-in for NetworkManager as the hotspot method uses it (the methods of hotspot.nm.NetworkManager):
    one Wi-Fi device able to be an access point, the made-up networks of DEMO_SCAN as a scan finds them. It opens
    no access point and touches no Wi-Fi; it keeps a list of what it was asked to do, for the timeline.

    As NetworkManager does: the scan lists each network once (its strongest access point), hidden ones left out;
    a wrong password fails the join (reason "wrong_password", as NetworkManager's NO_SECRETS), and the failed
    profile is gone afterwards.
    """

    def __init__(self) -> None:
        """The made-up device; nothing is done before the hotspot method asks."""
        from ovos_PHAL_plugin_wifi_setup.methods.hotspot import nm
        self._nm = nm
        self.device = nm.WifiDevice(path="/org/freedesktop/NetworkManager/Devices/demo", interface="wlan0",
                                    hw_address="02:00:5E:00:51:7A")
        self.done: List[str] = []
        self._profiles = 0
        self._ap: Optional[Any] = None  # (ssid, passphrase) of the access point up, never shown

    async def open(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to close."""

    async def wifi_device(self) -> Any:
        """The one made-up Wi-Fi device."""
        return self.device

    async def remove_stale_hotspots(self) -> int:
        """No earlier run left an access point up."""
        return 0

    async def scan(self, device: Any, wait: float = 10.0) -> List[Any]:
        """The made-up access points, merged as nm.py merges NetworkManager's: each network once, strongest
        first, the hidden one left out."""
        self.done.append("scan")
        found = [self._nm.AccessPoint(ssid=ssid, security=security, strength=strength)
                 for (ssid, security), strength in zip(DEMO_SCAN, DEMO_STRENGTHS)]
        return self._nm.merge_access_points(found)

    def _profile(self) -> Any:
        """A fresh made-up profile, as NetworkManager makes one per connection."""
        self._profiles += 1
        return self._nm.Profile(connection=f"/demo/Settings/{self._profiles}", active=f"/demo/Active/{self._profiles}")

    async def start_access_point(self, device: Any, ssid: str, passphrase: str = "", address: str = "",
                                 timeout: float = 30.0) -> Any:
        """"Open" the access point (WPA2 with the passphrase it is given, kept for associate() and never shown)."""
        self._ap = (ssid, passphrase)
        self.done.append(f"access point {ssid} up ({'WPA2' if passphrase else 'open'})")
        return self._profile()

    def associate(self, ssid: str, passphrase: str) -> bool:
        """Whether a phone typing `passphrase` joins the access point `ssid`, as WPA2's handshake would judge it."""
        return self._ap is not None and self._ap == (ssid, passphrase)

    async def stop(self, profile: Any) -> None:
        """"Take down" a connection and delete its profile."""
        self._ap = None
        self.done.append("access point down")

    async def join(self, device: Any, ssid: str, password: str, security: str, timeout: float,
                   hidden: bool = False) -> Any:
        """Join when the password is the network's (the made-up one), else fail as a refused password does (a hidden
        network is joined as a listed one: the demo's networks are all in range)."""
        if DEMO_PASSWORDS.get(ssid) != password:
            self.done.append(f"join {ssid}: password refused, its profile deleted")
            raise self._nm.JoinFailed("wrong_password", ssid)
        self.done.append(f"joined {ssid}")
        return self._profile()


class SampleClient:
    """A network client built on the kit. It does what the demo tells it; its kit's callbacks are counted,
    so that the demo narrates a session only once the client itself has heard of it."""

    def __init__(self, bus: Any, name: str, display_text: str, client_type: str, requires_input: bool) -> None:
        """Build the kit; nothing is sent before kit.start()."""
        from ovos_PHAL_plugin_wifi_setup.methods.kit import NetworkSetupClient
        self._cond = threading.Condition()
        self.activations = 0
        self.deactivations = 0
        self.kit = NetworkSetupClient(bus, name, display_text, client_type=client_type,
                                      has_gui=requires_input, requires_input=requires_input,
                                      on_activate=self._activated, on_deactivate=self._deactivated)

    @property
    def name(self) -> str:
        """The client's name on the bus."""
        return str(self.kit.name)

    def _activated(self) -> None:
        """The kit's on_activate: the manager handed this client the session."""
        with self._cond:
            self.activations += 1
            self._cond.notify_all()

    def _deactivated(self) -> None:
        """The kit's on_deactivate: the session ended."""
        with self._cond:
            self.deactivations += 1
            self._cond.notify_all()

    def wait_for(self, what: str, counter: str, count: int, timeout: float) -> None:
        """Wait until the kit has run a callback count times in all, or raise StepMissed."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while getattr(self, counter) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StepMissed(f"{what}: the kit of {self.name} did not run its {counter[:-1]} "
                                     f"callback within {duration(timeout)} s")
                self._cond.wait(remaining)

    def shutdown(self) -> None:
        """Leave the manager (the kit sends deregister.client when it holds an id)."""
        self.kit.shutdown()
