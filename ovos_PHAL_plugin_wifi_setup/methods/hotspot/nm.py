"""NetworkManager over the system D-Bus (dbus-fast, asyncio): the Wi-Fi device, a scan, the setup access point,
joining the user's network, and tidying up after each.

This module is the conversation (the calls, the polling, the undoing of a half-made attempt); NetworkManager's names
and numbers, the values its objects are read into and the settings of the profiles it is sent are in nm_dbus.py,
plain code without a bus. The types and functions the hotspot client and the demo use are imported from here.

NetworkManager's quirks that this module works around, each named where it is handled:

- An SSID is bytes (D-Bus `ay`), not text: it may be invalid UTF-8 (listed under a display form and joined by its
  bytes: `nm_dbus.ssid_text`, `AccessPoint.raw`), and a hidden network shows an empty or all-NUL one
  (`nm_dbus.ssid_bytes`).
- OWE ("enhanced open") shows as key management flag OWE in RsnFlags, or OWE_TM on the open half of a transition
  pair; either is joined with key-mgmt "owe" and no password. 802.1X (wpa-eap) needs an account: never joined.
- One network is many access point objects (one per BSSID and band), and one may vanish between the device's
  list and its own read (`scan`, `nm_dbus.merge_access_points`). Anyone in range can add one with the same SSID:
  a network is joined with the strongest security any of them advertised (WPA3 over WPA2 over WPA over WEP,
  secured over open; WEP only where every one is WEP, so a WEP-and-open network is not joined), never with the
  loudest one's, and the page lists every word a mixed network advertised (`nm_dbus.page_entries`).
- An SSID, a device's name and an error's text come from outside: log lines carry them as reprs
  (`readable.quoted`), so a newline or an escape sequence in a crafted SSID cannot forge or recolour a line.
- RequestScan is refused ("not allowed") right after another scan or while the device is busy, and a scan that
  is accepted finishes later: the device's LastScan (NetworkManager 1.12 and later) says when (`scan`).
- A device that fails moves on to DISCONNECTED with reason NONE at once (a queued transition), so a poll of its
  StateReason seldom sees the failure's reason; the device's StateChanged signal carries it
  (`nm_dbus.DeviceWatch`).
- An active connection object is removed right after it reaches DEACTIVATED, so "gone" is a failure too
  (`_wait_activated`).
- A wrong password reads as NEED_AUTH, then FAILED with NO_SECRETS (no secret agent on a headless device) or a
  supplicant reason; a network out of reach as FAILED with SSID_NOT_FOUND, or, on some versions, as
  ActivateConnection refused with ConnectionNotAvailable (`_join_reason`).
- AddConnection saves the profile to disk: one left behind by a crash outlives a restart (stale hotspot profiles
  are removed by id), and a failed join's profile, with autoconnect on, would be retried for ever (deleted).
- DeactivateConnection may be slow to answer, and Delete deactivates too: `stop` (and the undoing of a failed
  attempt) gives deactivation at most DEACTIVATE_WAIT seconds and then deletes the profile whatever happened,
  even when the stop itself is cancelled (the deletion is shielded: `_remove`).
- Activating the joined network on the Wi-Fi device ends the hotspot on it: a device has one connection.

Polling (every POLL_INTERVAL) decides every outcome; signals only add the failure reason, because a signal can
be missed between an activation and a subscription made after it.
"""
import asyncio
from typing import Any, Dict, List, Optional, Tuple, Union

from dbus_fast import BusType, Message, MessageType, Variant
from dbus_fast.aio import MessageBus

from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm_dbus import (
    AC_ACTIVATED, AC_DEACTIVATED, AC_DEACTIVATING, BUS_NAME, BUS_PATH, DEVICE_FAILED, DEVICE_NEED_AUTH,
    DEVICE_TYPE_WIFI, GONE, HOTSPOT_CONNECTION_ID, IF_ACTIVE, IF_AP, IF_CONNECTION, IF_DEVICE, IF_NM, IF_PROPERTIES,
    IF_SETTINGS, IF_WIRELESS, KEY_MGMT, MAX_ACCESS_POINTS, NM_NAME, NM_PATH, NO_SERVICE, PASSWORD_REASONS,
    REASON_SSID_NOT_FOUND, SCAN_REFUSALS, SETTINGS_PATH, SHARED_ADDRESS, WIFI_CAPABILITY_AP, AccessPoint, DeviceWatch,
    Profile, WifiDevice, access_point_settings, encode_ssid, has_ap_isolation, join_settings, merge_access_points,
    scrub, security_word, ssid_bytes, ssid_text, unwrap, valid_wep_key, valid_wpa_psk)
from ovos_PHAL_plugin_wifi_setup.readable import duration, quoted

POLL_INTERVAL = 0.2        # seconds between two reads of an activation's or a scan's progress
CALL_TIMEOUT = 25.0        # seconds to wait for one answer (D-Bus's own default)
MAX_AP_OBJECTS = 1000      # access point objects read at most (one network may have several)
DEACTIVATE_WAIT = 5.0      # seconds a stop waits for DeactivateConnection before it deletes the profile anyway

JOIN_REASONS = ("wrong_password", "out_of_reach", "timeout", "failed")
_REASON_WORDS = {
    "wrong_password": "the password was not accepted",
    "out_of_reach": "the network is out of reach",
    "timeout": "the network did not answer in time",
    "failed": "NetworkManager could not connect",
}

__all__ = ["HOTSPOT_CONNECTION_ID", "JOIN_REASONS", "MAX_ACCESS_POINTS", "SHARED_ADDRESS", "AccessPoint",
           "AccessPointFailed", "JoinFailed", "NMUnavailable", "NetworkManager", "Profile", "WifiDevice",
           "merge_access_points"]


class NMUnavailable(Exception):
    """No system bus, NetworkManager not running, or no AP-capable managed Wi-Fi device."""


class AccessPointFailed(NMUnavailable):
    """NetworkManager took the access point profile but could not bring it up (it has been deleted again)."""


class ScanRefused(Exception):
    """A scan asked with `strict` was refused (NetworkManager refuses one on a device that is an access point)."""


class JoinFailed(Exception):
    """Joining a network did not work; the profile made for it has been deleted. str() never has the password."""

    def __init__(self, reason: str, ssid: str, detail: str = ""):
        self.reason = reason if reason in JOIN_REASONS else "failed"
        self.ssid = ssid
        self.detail = detail
        text = f"could not join {quoted(ssid)}: {_REASON_WORDS[self.reason]}"
        super().__init__(f"{text} ({detail})" if detail else text)


class _CallError(Exception):
    """A D-Bus error answer: its name and (secret-free) text."""

    def __init__(self, name: str, text: str):
        super().__init__(f"{name}: {text}")
        self.name = name
        self.text = text

    @property
    def gone(self) -> bool:
        """The object asked for is not there (any more)."""
        return self.name in GONE


class NetworkManager:
    """NetworkManager on the system bus (or `bus_address`), through dbus-fast's low-level calls on one event loop.

    Every method raises NMUnavailable when the bus or NetworkManager goes away; none logs a password.
    """

    def __init__(self, bus_address: Optional[str] = None, call_timeout: Optional[float] = None):
        self.bus_address = bus_address  # None: the system bus (dbus-fast honours DBUS_SYSTEM_BUS_ADDRESS)
        self.call_timeout = CALL_TIMEOUT if call_timeout is None else call_timeout
        self._bus: Optional[MessageBus] = None

    async def __aenter__(self) -> "NetworkManager":
        await self.open()
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.close()

    async def open(self) -> None:
        """Connect to the bus and check that NetworkManager is on it; raise NMUnavailable otherwise."""
        if self._bus is not None and self._bus.connected:
            return
        try:
            bus = MessageBus(bus_address=self.bus_address, bus_type=BusType.SYSTEM)
            await asyncio.wait_for(bus.connect(), self.call_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # OSError, AuthError, InvalidAddressError, TimeoutError, ...
            raise NMUnavailable(f"no system bus: {type(error).__name__}: {error}") from None
        self._bus = bus
        try:
            (owned,) = await self._call(BUS_PATH, BUS_NAME, "NameHasOwner", "s", [NM_NAME], destination=BUS_NAME)
        except _CallError as error:
            await self.close()
            raise NMUnavailable(f"the bus did not answer: {error.name}") from None
        except BaseException:
            await self.close()
            raise
        if not owned:
            await self.close()
            raise NMUnavailable("NetworkManager is not running")

    async def close(self) -> None:
        """Disconnect from the bus (idempotent)."""
        bus, self._bus = self._bus, None
        if bus is not None:
            bus.disconnect()
            try:
                await asyncio.wait_for(bus.wait_for_disconnect(), 5.0)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: S110 - already going away: the socket error or timeout says nothing new
                pass

    # -- low level ---------------------------------------------------------------------------------------

    async def _call(self, path: str, interface: str, member: str, signature: str = "",
                    body: Optional[List[Any]] = None, destination: str = NM_NAME) -> List[Any]:
        """One method call; its answer's body. _CallError for an error answer, NMUnavailable when the bus or
        NetworkManager is not there."""
        bus = self._bus
        if bus is None or not bus.connected:
            raise NMUnavailable("not connected to the system bus")
        message = Message(destination=destination, path=path, interface=interface, member=member,
                          signature=signature, body=body or [])
        try:
            reply = await asyncio.wait_for(bus.call(message), self.call_timeout)
        except asyncio.CancelledError:
            raise
        except asyncio.TimeoutError:
            raise NMUnavailable(f"NetworkManager did not answer {member} in {duration(self.call_timeout)} s") from None
        except Exception as error:  # the connection broke
            raise NMUnavailable(f"the system bus went away: {type(error).__name__}") from None
        if reply is None:
            raise NMUnavailable("the system bus went away")
        if reply.message_type == MessageType.ERROR:
            name = reply.error_name or "unknown"
            text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
            if name in NO_SERVICE:
                raise NMUnavailable(f"NetworkManager is not running ({name})")
            raise _CallError(name, text)
        return list(reply.body)

    async def _get(self, path: str, interface: str, name: str) -> Any:
        """One property's value."""
        (value,) = await self._call(path, IF_PROPERTIES, "Get", "ss", [interface, name])
        return unwrap(value)

    async def _get_all(self, path: str, interface: str) -> Dict[str, Any]:
        """Every property of one interface, unwrapped."""
        (values,) = await self._call(path, IF_PROPERTIES, "GetAll", "s", [interface])
        return {key: unwrap(value) for key, value in values.items()}

    async def _optional(self, path: str, interface: str, name: str) -> Optional[Any]:
        """A property that older NetworkManager versions lack: None where it is absent."""
        try:
            return await self._get(path, interface, name)
        except _CallError:
            return None

    # -- the device ----------------------------------------------------------------------------------------

    async def wifi_device(self) -> WifiDevice:
        """The first managed Wi-Fi device that can be an access point; NMUnavailable if there is none."""
        try:
            (paths,) = await self._call(NM_PATH, IF_NM, "GetDevices")
        except _CallError as error:
            raise NMUnavailable(f"NetworkManager did not list its devices: {error.name}") from None
        for path in paths:
            try:
                device = await self._get_all(path, IF_DEVICE)
                if int(device.get("DeviceType", 0)) != DEVICE_TYPE_WIFI or not device.get("Managed", False):
                    continue
                wireless = await self._get_all(path, IF_WIRELESS)
            except _CallError:
                continue  # unplugged while we looked
            if not int(wireless.get("WirelessCapabilities", 0)) & WIFI_CAPABILITY_AP:
                LOG.info(f"Wi-Fi device {quoted(device.get('Interface', path))} cannot be an access point")
                continue
            hw_address = wireless.get("HwAddress") or device.get("HwAddress") or ""
            return WifiDevice(path=str(path), interface=str(device.get("Interface", "")), hw_address=str(hw_address))
        raise NMUnavailable("no managed Wi-Fi device that can be an access point")

    # -- scanning ------------------------------------------------------------------------------------------

    async def scan(self, device: WifiDevice, wait: float = 10.0, strict: bool = False) -> List[AccessPoint]:
        """Ask for a fresh scan, wait (at most `wait` seconds) for it to finish, and list the networks seen:
        merged by SSID, hidden ones left out, strongest first, at most MAX_ACCESS_POINTS. A refused request reads
        the last results, or with `strict` raises ScanRefused."""
        last_scan = await self._optional(device.path, IF_WIRELESS, "LastScan")
        requested = True
        try:
            await self._call(device.path, IF_WIRELESS, "RequestScan", "a{sv}", [{}])
        except _CallError as error:
            # Refused ("not allowed" right after another scan or while busy, or by policy): the last scan's
            # results stand.
            if strict and error.name in SCAN_REFUSALS:
                raise ScanRefused(error.name) from None
            if error.name in SCAN_REFUSALS:
                LOG.debug(f"scan request refused ({quoted(error.name)}); reading the last results")
            else:
                LOG.warning(f"scan request failed ({quoted(error.name)}); reading the last results")
            requested = False
        if requested and last_scan is not None:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + max(0.0, wait)
            while loop.time() < deadline:
                await asyncio.sleep(min(POLL_INTERVAL, max(0.0, deadline - loop.time())))
                if await self._optional(device.path, IF_WIRELESS, "LastScan") != last_scan:
                    break
        try:
            paths = await self._get(device.path, IF_WIRELESS, "AccessPoints")
        except _CallError as error:
            raise NMUnavailable(f"the Wi-Fi device did not list access points: {error.name}") from None
        found = await asyncio.gather(*(self._read_access_point(path) for path in list(paths)[:MAX_AP_OBJECTS]))
        networks = merge_access_points([ap for ap in found if ap is not None])
        LOG.debug(f"scan: {len(paths)} access points, {len(networks)} networks")
        return networks

    async def _read_access_point(self, path: str) -> Optional[AccessPoint]:
        """One access point object as an AccessPoint; None if it vanished (NetworkManager drops stale ones
        at any time) or is hidden."""
        try:
            props = await self._get_all(path, IF_AP)
            data = ssid_bytes(props.get("Ssid", b""))
            security = security_word(int(props.get("Flags", 0)), int(props.get("WpaFlags", 0)),
                                     int(props.get("RsnFlags", 0)))
            strength = max(0, min(100, int(props.get("Strength", 0))))
        except (_CallError, TypeError, ValueError):
            return None
        if not data:
            return None
        text = ssid_text(data)
        raw = b"" if text.encode("utf-8") == data else data
        return AccessPoint(ssid=text, security=security, strength=strength, raw=raw)

    # -- profiles and activation ---------------------------------------------------------------------------

    async def _add_connection(self, settings: Dict[str, Dict[str, Variant]]) -> str:
        """Settings.AddConnection (saved to disk); the new profile's path."""
        (path,) = await self._call(SETTINGS_PATH, IF_SETTINGS, "AddConnection", "a{sa{sv}}", [settings])
        return str(path)

    async def _activate(self, connection: str, device: WifiDevice) -> str:
        """ActivateConnection on the device (NetworkManager picks the access point); the active connection."""
        (active,) = await self._call(NM_PATH, IF_NM, "ActivateConnection", "ooo", [connection, device.path, "/"])
        return str(active)

    async def _deactivate(self, active: Optional[str]) -> None:
        """DeactivateConnection, tolerant of one already gone."""
        if not active or active == "/":
            return
        try:
            await self._call(NM_PATH, IF_NM, "DeactivateConnection", "o", [active])
        except _CallError as error:
            if not error.gone:
                LOG.warning(f"could not deactivate {active}: {quoted(error.name)}")

    async def _delete(self, connection: Optional[str]) -> None:
        """Delete a saved profile (which also deactivates it), tolerant of one already gone."""
        if not connection or connection == "/":
            return
        try:
            await self._call(connection, IF_CONNECTION, "Delete")
        except _CallError as error:
            if not error.gone:
                LOG.warning(f"could not delete profile {connection}: {quoted(error.name)}")

    async def _discard(self, connection: Optional[str], active: Optional[str]) -> None:
        """Best-effort undo of an attempt: deactivate, delete (as `_remove` does); never raises (NetworkManager
        may be gone)."""
        try:
            await self._remove(connection, active)
        except NMUnavailable as error:
            LOG.warning(f"could not remove profile {connection}: {error}")

    async def _remove(self, connection: Optional[str], active: Optional[str]) -> None:
        """Deactivate, for at most DEACTIVATE_WAIT seconds, then delete whatever the deactivation did; the
        deletion goes on, shielded, when this is cancelled, and the cancellation is raised once it is done."""
        try:
            await asyncio.wait_for(self._deactivate(active), min(DEACTIVATE_WAIT, self.call_timeout))
        except (asyncio.TimeoutError, NMUnavailable) as error:
            LOG.warning(f"deactivating {active} did not finish ({type(error).__name__}): deleting the profile "
                        "all the same")
        finally:
            deletion = asyncio.ensure_future(self._delete(connection))
            try:
                await asyncio.shield(deletion)
            except asyncio.CancelledError:
                # Cancelled here: the deletion goes on, and is waited for (a wait, unlike a gather, leaves it
                # running if this is cancelled once more) so that the bus is not closed under it.
                await asyncio.wait({deletion})
                raise

    async def _active_state(self, active: str) -> Optional[int]:
        """The active connection's State; None once the object is gone."""
        try:
            return int(await self._get(active, IF_ACTIVE, "State"))
        except _CallError:
            return None

    async def _device_state(self, device: WifiDevice) -> Tuple[int, int]:
        """The device's (state, reason) as StateReason has them now ((0, 0) when unreadable)."""
        try:
            state, reason = await self._get(device.path, IF_DEVICE, "StateReason")
            return int(state), int(reason)
        except (_CallError, ValueError, TypeError):
            return 0, 0

    async def _wait_activated(self, active: str, device: WifiDevice, watch: DeviceWatch,
                              timeout: float) -> str:
        """Poll until the active connection is ACTIVATED ("activated"), DEACTIVATING/DEACTIVATED or gone
        ("failed"), or `timeout` passes ("timeout"). Failure reasons seen by polling go to `watch`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            state = await self._active_state(active)
            dev_state, dev_reason = await self._device_state(device)
            if dev_state == DEVICE_NEED_AUTH:
                watch.needed_auth = True
            if dev_state == DEVICE_FAILED and watch.failed_reason is None:
                watch.failed_reason = dev_reason
            if state == AC_ACTIVATED:
                return "activated"
            if state is None or state in (AC_DEACTIVATING, AC_DEACTIVATED):
                return "failed"
            if loop.time() >= deadline:
                return "timeout"
            await asyncio.sleep(min(POLL_INTERVAL, max(0.0, deadline - loop.time())))

    async def _watch_device(self, device: WifiDevice) -> DeviceWatch:
        """A watch on the device for one activation, subscribed to its StateChanged before the activation starts
        (where the bus refuses the subscription, the watch has what polling sees only)."""
        watch = DeviceWatch(path=device.path)
        bus = self._bus
        if bus is None:
            return watch
        rule = (f"type='signal',sender='{NM_NAME}',path='{device.path}',interface='{IF_DEVICE}',"
                "member='StateChanged'")
        try:
            (owner,) = await self._call(BUS_PATH, BUS_NAME, "GetNameOwner", "s", [NM_NAME], destination=BUS_NAME)
            watch.sender = str(owner)
            bus.add_message_handler(watch.feed)
            await self._call(BUS_PATH, BUS_NAME, "AddMatch", "s", [rule], destination=BUS_NAME)
            watch.rule = rule
        except _CallError as error:
            bus.remove_message_handler(watch.feed)
            LOG.debug(f"no StateChanged subscription ({quoted(error.name)}): failure reasons from polling only")
        return watch

    async def _unwatch(self, watch: DeviceWatch) -> None:
        """Undo _watch_device; never raises."""
        bus = self._bus
        if bus is None:
            return
        bus.remove_message_handler(watch.feed)
        if watch.rule:
            try:
                await self._call(BUS_PATH, BUS_NAME, "RemoveMatch", "s", [watch.rule], destination=BUS_NAME)
            except (_CallError, NMUnavailable):
                pass
            watch.rule = ""

    # -- the access point ----------------------------------------------------------------------------------

    async def remove_stale_hotspots(self) -> int:
        """Delete every saved profile named HOTSPOT_CONNECTION_ID (a crash leaves one behind); how many went."""
        try:
            (paths,) = await self._call(SETTINGS_PATH, IF_SETTINGS, "ListConnections")
        except _CallError as error:
            raise NMUnavailable(f"NetworkManager did not list its profiles: {error.name}") from None
        removed = 0
        for path in paths:
            try:
                (settings,) = await self._call(path, IF_CONNECTION, "GetSettings")
            except _CallError:
                continue
            connection = settings.get("connection", {})
            if unwrap(connection.get("id")) == HOTSPOT_CONNECTION_ID:
                LOG.info(f"removing a stale hotspot profile {path}")
                await self._delete(str(path))
                removed += 1
        return removed

    async def start_access_point(self, device: WifiDevice, ssid: str, passphrase: str = "",
                                 address: str = SHARED_ADDRESS, timeout: float = 30.0) -> Profile:
        """Open the setup access point: WPA2-PSK when `passphrase` is given, open otherwise; the device gets
        `address`/24 and shares it (NetworkManager's DHCP for the phones). Stale hotspot profiles go first.

        ValueError for an SSID, passphrase or address that cannot be one (nothing is changed then);
        AccessPointFailed (an NMUnavailable) when NetworkManager cannot bring it up within `timeout` seconds:
        the profile is deleted again. Where NetworkManager has it (1.28 on), the stations cannot reach each other.
        """
        access_point_settings(device.interface, ssid, passphrase, address)  # bad input: a ValueError, nothing asked
        version = await self._optional(NM_PATH, IF_NM, "Version")
        isolate = has_ap_isolation(version)
        if not isolate:
            LOG.warning(f"NetworkManager {quoted(str(version))} cannot keep the setup network's stations apart "
                        "(ap-isolation, 1.28 and later): a station on it can reach the others")
        settings = access_point_settings(device.interface, ssid, passphrase, address, isolate=isolate)
        await self.remove_stale_hotspots()
        watch = await self._watch_device(device)
        connection: Optional[str] = None
        active: Optional[str] = None
        try:
            connection = await self._add_connection(settings)
            active = await self._activate(connection, device)
            outcome = await self._wait_activated(active, device, watch, timeout)
            if outcome != "activated":
                reason = "unknown" if watch.failed_reason is None else watch.failed_reason
                await self._discard(connection, active)
                raise AccessPointFailed(f"the access point did not start ({outcome}; device reason {reason})")
        except AccessPointFailed:
            raise
        except _CallError as error:
            await self._discard(connection, active)
            raise AccessPointFailed(f"NetworkManager refused the access point: {quoted(error.name)}: "
                                    f"{quoted(scrub(error.text, passphrase))}") from None
        except BaseException:
            await self._discard(connection, active)
            raise
        finally:
            await self._unwatch(watch)
        LOG.info(f"access point {quoted(ssid)} is up on {quoted(device.interface)} at {address}")
        return Profile(connection=connection, active=active)

    async def stop(self, profile: Optional[Profile]) -> None:
        """Deactivate (if active) and delete a profile; either already gone is fine. Deactivation gets at most
        DEACTIVATE_WAIT seconds; the deletion happens whatever it did, even when this stop is cancelled
        (`_remove`)."""
        if profile is None:
            return
        await self._remove(profile.connection, profile.active)
        LOG.info(f"profile {profile.connection} removed")

    # -- joining -------------------------------------------------------------------------------------------

    async def join(self, device: WifiDevice, ssid: Union[str, bytes], password: str, security: str,
                   timeout: float, hidden: bool = False) -> Profile:
        """Save a profile for the network (`ssid` its text, or its bytes where they are not UTF-8) and activate it
        on the device; wait until it is up.

        `security` is the scan's word ("", "OWE", "WEP", "WPA", "WPA2", "WPA3": what merge_access_points chose, the
        strongest any access point of the SSID advertised; WPA2 is joined with proto rsn only, OWE with no
        password; `hidden` saves the profile with 802-11-wireless.hidden, for a network that does not broadcast its
        name). JoinFailed (reason "wrong_password", "out_of_reach", "timeout" or "failed") when it does not come
        up: the profile is deleted again. ValueError for an SSID or security that cannot be joined (802.1X needs an
        account); nothing is changed. The page's backend checks all of it before the access point goes down
        (choice.py); these checks stand for any other caller.
        """
        ssid_data = encode_ssid(ssid)  # a bad SSID is a ValueError before a bad key is a JoinFailed
        name = ssid_text(ssid_data)
        if security not in KEY_MGMT:
            raise ValueError(f"cannot join a network secured with {security!r}")
        if not isinstance(password, str):
            raise ValueError("a password is text")
        key_mgmt = KEY_MGMT[security]
        secured = bool(key_mgmt)
        if (key_mgmt == "wpa-psk" and not valid_wpa_psk(password)) or (key_mgmt == "none"
                                                                       and not valid_wep_key(password)) \
                or (key_mgmt == "sae" and not password):
            raise JoinFailed("wrong_password", name, "not a key this network can take")
        settings = join_settings(ssid_data, password, key_mgmt, rsn_only=security == "WPA2", hidden=hidden)
        LOG.info(f"joining {quoted(name)} ({security or 'open'}) on {quoted(device.interface)}")
        watch = await self._watch_device(device)
        connection: Optional[str] = None
        active: Optional[str] = None
        try:
            try:
                connection = await self._add_connection(settings)
                active = await self._activate(connection, device)
            except _CallError as error:
                reason = "out_of_reach" if error.name.endswith(".ConnectionNotAvailable") else "failed"
                LOG.info(f"joining {quoted(name)} refused: {quoted(error.name)}: "
                         f"{quoted(scrub(error.text, password))}")
                await self._discard(connection, active)
                raise JoinFailed(reason, name, error.name) from None
            outcome = await self._wait_activated(active, device, watch, timeout)
            if outcome != "activated":
                reason, detail = self._join_reason(outcome, watch, secured)
                await self._discard(connection, active)
                LOG.info(f"joining {quoted(name)} failed: {reason} ({detail})")
                raise JoinFailed(reason, name, detail)
        except JoinFailed:
            raise
        except BaseException:  # NetworkManager gone or slow, or cancelled: the half-made attempt must not stay
            await self._discard(connection, active)
            raise
        finally:
            await self._unwatch(watch)
        LOG.info(f"joined {quoted(name)} on {quoted(device.interface)}")
        return Profile(connection=connection, active=active)

    @staticmethod
    def _join_reason(outcome: str, watch: DeviceWatch, secured: bool) -> Tuple[str, str]:
        """The JoinFailed reason (and a detail) for an attempt that ended with `outcome`."""
        if outcome == "timeout":
            return "timeout", "still activating"
        reason = watch.failed_reason
        if reason is None:
            if secured and watch.needed_auth:
                return "wrong_password", "asked for authentication, then failed"
            return "failed", "device reason unknown"
        if reason in PASSWORD_REASONS:
            return ("wrong_password" if secured else "failed"), f"device reason {reason}"
        if reason == REASON_SSID_NOT_FOUND:
            return "out_of_reach", f"device reason {reason}"
        return "failed", f"device reason {reason}"
