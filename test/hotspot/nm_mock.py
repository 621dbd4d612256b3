"""A stand-in for NetworkManager: python-dbusmock's `networkmanager` template in its own process, on a private
system bus daemon of its own, with what the template lacks added through dbusmock's own means.

The template activates every connection at once (ACTIVATED) and knows no failed join, and saves any profile.
AddConnection is replaced so that it verifies a profile's wireless security first, as NetworkManager does
(_ADD_CONNECTION_CODE). MockNetworkManager
replaces the manager's ActivateConnection (dbusmock's AddMethod) so that a planned activation is created in
state ACTIVATING (the template's AddActiveConnection), and then, from a driver thread in this process, moves
the device and the active connection the way real NetworkManager does (the mock's UpdateProperties, EmitSignal
and the template's RemoveActiveConnection): see fail_next_join, hang_next_join and fail_next_access_point.
It also gives the Wi-Fi device a LastScan property that RequestScan moves on (NetworkManager 1.12 and later).

Use `with MockNetworkManager() as nm:` or start()/stop(). While it runs, DBUS_SYSTEM_BUS_ADDRESS in os.environ
points at the private bus (restored by stop()); `.address` is that address, for a subprocess's environment.
start() skips the test (with the install command) where dbus-daemon, dbus-python or python-dbusmock is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import pytest

NEEDS_DBUS_DAEMON = "needs dbus-daemon: apt-get install dbus"
NEEDS_DBUSMOCK = ("needs dbus-python and python-dbusmock: pip install dbus-python python-dbusmock "
                  "(dbus-python builds against apt-get install libdbus-1-dev libglib2.0-dev)")

NM_NAME = "org.freedesktop.NetworkManager"
MAIN_PATH = "/org/freedesktop"
MANAGER_PATH = "/org/freedesktop/NetworkManager"
# The version the stand-in says it is (its Version property): Debian 12's NetworkManager.
NM_VERSION = "1.42.4"
SETTINGS_PATH = "/org/freedesktop/NetworkManager/Settings"
IF_NM = "org.freedesktop.NetworkManager"
IF_SETTINGS = "org.freedesktop.NetworkManager.Settings"
IF_CONNECTION = "org.freedesktop.NetworkManager.Settings.Connection"
IF_DEVICE = "org.freedesktop.NetworkManager.Device"
IF_WIRELESS = "org.freedesktop.NetworkManager.Device.Wireless"
IF_AP = "org.freedesktop.NetworkManager.AccessPoint"
IF_ACTIVE = "org.freedesktop.NetworkManager.Connection.Active"
IF_MOCK = "org.freedesktop.DBus.Mock"
IF_PROPERTIES = "org.freedesktop.DBus.Properties"

# NMDeviceState and NMDeviceStateReason values the scripts use.
DEVICE_DISCONNECTED, DEVICE_CONFIG, DEVICE_NEED_AUTH, DEVICE_FAILED = 30, 50, 60, 120
REASON_NONE, REASON_NO_SECRETS, REASON_SUPPLICANT_DISCONNECT = 0, 7, 8
REASON_SHARED_START_FAILED, REASON_SSID_NOT_FOUND = 41, 53
AC_DEACTIVATED = 4                   # NMActiveConnectionState (1 ACTIVATING, 2 ACTIVATED)
AC_REASON_DEVICE_DISCONNECTED = 3    # NMActiveConnectionStateReason

# (Flags, WpaFlags, RsnFlags) of an access point by the kind of security it offers (NM80211ApSecurityFlags:
# 0x4/0x40 TKIP, 0x8/0x80 CCMP, 0x100 PSK, 0x200 802.1X, 0x400 SAE, 0x800 OWE, 0x1000 OWE_TM). An OWE access point
# is privacy-flagged with RSN CCMP and key management OWE; the open half of an OWE transition pair is unflagged and
# carries OWE_TM only (NetworkManager sets it from the transition element in its beacon).
AP_SECURITY: Dict[str, Tuple[int, int, int]] = {
    "open": (0, 0, 0),
    "wep": (1, 0, 0),
    "wpa": (1, 0x144, 0),
    "wpa2": (1, 0, 0x188),
    "wpa3": (1, 0, 0x488),
    "wpa2-wpa3": (1, 0, 0x588),
    "enterprise": (1, 0, 0x288),
    "owe": (1, 0, 0x888),
    "owe-transition": (0, 0, 0x1000),
}

STEP = 0.3  # seconds between two steps of a scripted activation (what a poller must not miss is kept longer)

# The manager's ActivateConnection, replaced (AddMethod runs this in the mock with self, args and objects).
# A planned activation for the connection's mode is created ACTIVATING, with the device in CONFIG; every other
# activation is the template's own (ACTIVATED at once). No comprehensions: exec'd code keeps its names local.
_ACTIVATE_CODE = """
_settings = objects[str(args[0])].settings
_mode = str(_settings.get("802-11-wireless", {}).get("mode", "infrastructure"))
_plan = None
for _candidate in getattr(self, "activation_plans", []):
    if _candidate[0] == _mode:
        _plan = _candidate
        break
if _plan is None:
    ret = self.activate_connection(self, args[0], args[1], args[2])
else:
    self.activation_plans.remove(_plan)
    if _plan[1].startswith("not_available"):
        raise dbus.exceptions.DBusException("No suitable device found for this connection.",
                                            name="org.freedesktop.NetworkManager.ConnectionNotAvailable")
    self.staged_count = getattr(self, "staged_count", 0) + 1
    ret = dbus.ObjectPath(self.AddActiveConnection([], args[0], args[2], "Staged%d" % self.staged_count,
                                                   dbus.UInt32(1)))
    objects[str(ret)].UpdateProperties("org.freedesktop.NetworkManager.Connection.Active",
                                       {"Devices": dbus.Array([args[1]], signature="o")})
    _device = objects[str(args[1])]
    _old = _device.Get("org.freedesktop.NetworkManager.Device", "State")
    # Set, not UpdateProperties, for the path: dbusmock 0.38's UpdateProperties cannot wrap an ObjectPath.
    _device.Set("org.freedesktop.NetworkManager.Device", "ActiveConnection", ret)
    _device.UpdateProperties("org.freedesktop.NetworkManager.Device", {
        "State": dbus.UInt32(50), "StateReason": dbus.Struct((dbus.UInt32(50), dbus.UInt32(0)), signature="uu")})
    _device.EmitSignal("org.freedesktop.NetworkManager.Device", "StateChanged", "uuu",
                       [dbus.UInt32(50), _old, dbus.UInt32(0)])
    self.staged = getattr(self, "staged", []) + [(str(ret), str(args[1]), _plan[1])]
"""
_PLAN_CODE = "self.activation_plans = getattr(self, 'activation_plans', []) + [(args[0], args[1])]"
_TAKE_CODE = "ret = getattr(self, 'staged', [])\nself.staged = []"

# The Wi-Fi device's RequestScan, replaced: "complete" moves LastScan on (a scan that finishes at once),
# "hold" accepts and finishes nothing, "refuse" answers NotAllowed (as NetworkManager does right after a scan).
# Whatever the mode, a device that is an access point (an active connection of mode "ap" on it) answers NotAllowed,
# as NetworkManager does (nm-device-wifi refuses a scan request in AP mode).
_SCAN_CODE = """
_mode = getattr(self, "scan_mode", "complete")
for _path in objects["/org/freedesktop/NetworkManager"].Get("org.freedesktop.NetworkManager", "ActiveConnections"):
    _active = objects.get(str(_path))
    if _active is None:
        continue
    _props = _active.props["org.freedesktop.NetworkManager.Connection.Active"]
    _devices = []
    for _d in _props["Devices"]:
        _devices.append(str(_d))
    _connection = objects.get(str(_props["Connection"]))
    _wireless = _connection.settings.get("802-11-wireless", {}) if _connection is not None else {}
    if str(self.__dbus_object_path__) in _devices and str(_wireless.get("mode", "")) == "ap":
        raise dbus.exceptions.DBusException("Scanning not allowed while in AP mode",
                                            name="org.freedesktop.NetworkManager.Device.NotAllowed")
if _mode == "refuse":
    raise dbus.exceptions.DBusException("Scanning not allowed immediately following previous scan",
                                        name="org.freedesktop.NetworkManager.Device.NotAllowed")
_props = self.props["org.freedesktop.NetworkManager.Device.Wireless"]
if _mode == "complete" and "LastScan" in _props:
    self.UpdateProperties("org.freedesktop.NetworkManager.Device.Wireless",
                          {"LastScan": dbus.Int64(int(_props["LastScan"]) + 1000)})
"""

# Settings.AddConnection, replaced: NetworkManager verifies a profile before it saves it (libnm's verify and
# verify_secrets for 802-11-wireless-security), then the template's own. A key management it does not know, an
# 802.1X one without an 802-1x setting, a psk that is not 8 to 63 bytes nor 64 hex (but for sae, which has no length
# rule), a WEP key of type 1 that is not 5/13 ASCII nor 10/26 hex: refused, nothing saved.
_ADD_CONNECTION_CODE = """
_security = args[0].get("802-11-wireless-security", {})
_error = None
_key_mgmt = str(_security.get("key-mgmt", "")) if _security else None
_psk = _security.get("psk") if _security else None
_hex = "0123456789abcdefABCDEF"
if _key_mgmt is not None and _key_mgmt not in ("none", "ieee8021x", "wpa-psk", "wpa-eap", "wpa-eap-suite-b-192",
                                               "sae", "owe"):
    _error = ("InvalidProperty", "802-11-wireless-security.key-mgmt: not a valid value for the property")
elif _key_mgmt in ("ieee8021x", "wpa-eap", "wpa-eap-suite-b-192") and "802-1x" not in args[0]:
    _error = ("MissingSetting", "802-1x: security requires 802-1x setting presence")
elif _psk is not None and _key_mgmt != "sae":
    _length = len(str(_psk).encode("utf-8"))
    if _length < 8 or _length > 64 or (_length == 64 and str(_psk).strip(_hex)):
        _error = ("InvalidProperty", "802-11-wireless-security.psk: property is invalid")
if _error is None and _key_mgmt == "none" and int(_security.get("wep-key-type", 0)) == 1:
    _key = str(_security.get("wep-key0", ""))
    if not ((len(_key) in (10, 26) and not _key.strip(_hex)) or (len(_key) in (5, 13) and _key.isascii())):
        _error = ("InvalidProperty", "802-11-wireless-security.wep-key0: property is invalid")
if _error is not None:
    raise dbus.exceptions.DBusException(_error[1],
                                        name="org.freedesktop.NetworkManager.Settings.Connection." + _error[0])
ret = self.SettingsAddConnection(args[0])
"""

# The manager's DeactivateConnection, slowed (slow_deactivations): sleeps, then the template's own.
_SLOW_DEACTIVATE_CODE = "import time\ntime.sleep(%r)\nself.deactivate_connection(self, args[0])"


def require() -> None:
    """Skip the calling test where the bus daemon or the Python D-Bus modules are missing."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip(NEEDS_DBUS_DAEMON)
    try:
        import dbus  # noqa: F401
        import dbusmock  # noqa: F401
    except ImportError:
        pytest.skip(NEEDS_DBUSMOCK)


def _plain(value: Any) -> Any:
    """dbus-python's values as plain Python (bytes for `ay`)."""
    import dbus
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, dbus.Array) and value.signature == "y":
        return bytes(int(byte) for byte in value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def _props(values: Dict[str, Any]) -> Any:
    """A property map as D-Bus a{sv} (dbus-python would guess its signature from the first value)."""
    import dbus
    return dbus.Dictionary(values, signature="sv")


def _args(*values: Any) -> Any:
    """Signal arguments as D-Bus av."""
    import dbus
    return dbus.Array(values, signature="v")


def _text(value: Any) -> Optional[str]:
    """An SSID's bytes as text (None where there is none)."""
    if value is None:
        return None
    return bytes(value).decode("utf-8", errors="replace")


def terminate(process: Optional[subprocess.Popen], timeout: float = 5.0) -> None:
    """Stop a process as a service manager does: SIGTERM, then SIGKILL after `timeout` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


class _Driver(threading.Thread):
    """Moves planned activations on as NetworkManager would, on a bus connection of its own."""

    def __init__(self, address: str):
        super().__init__(name="nm-mock-driver", daemon=True)
        self.address = address
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.outstanding = 0      # scripted plans whose activation has not been taken yet
        self.errors: List[str] = []

    def expect(self) -> None:
        """One more scripted activation to watch for."""
        with self.lock:
            self.outstanding += 1

    def run(self) -> None:
        """Take each staged activation from the mock and play its script."""
        import dbus
        connection = dbus.bus.BusConnection(self.address)
        try:
            manager = dbus.Interface(connection.get_object(NM_NAME, MANAGER_PATH, introspect=False), IF_MOCK)
            while not self.stopping.wait(0.05):
                with self.lock:
                    if self.outstanding <= 0:
                        continue
                try:
                    staged = manager.TakeStaged()
                except dbus.exceptions.DBusException as error:
                    self.errors.append(str(error))
                    return  # the mock went away
                for active, device, plan in staged:
                    if plan.startswith("hang"):
                        continue
                    with self.lock:
                        self.outstanding -= 1
                    try:
                        self._play(connection, str(active), str(device), str(plan))
                    except dbus.exceptions.DBusException as error:
                        self.errors.append(str(error))  # the client removed it first: the script ends there
        finally:
            connection.close()

    def _play(self, connection: Any, active: str, device: str, plan: str) -> None:
        """One script: "wrong_password:<reason>:<linger>", "out_of_reach:...", "fail:..."."""
        import dbus
        kind, reason, linger = plan.split(":")
        dev = dbus.Interface(connection.get_object(NM_NAME, device, introspect=False), IF_MOCK)
        main = dbus.Interface(connection.get_object(NM_NAME, MAIN_PATH, introspect=False), IF_MOCK)

        def device_state(state: int, why: int, old: int) -> None:
            dev.UpdateProperties(IF_DEVICE, _props({"State": dbus.UInt32(state), "StateReason": dbus.Struct(
                (dbus.UInt32(state), dbus.UInt32(why)), signature="uu")}))
            dev.EmitSignal(IF_DEVICE, "StateChanged", "uuu", _args(dbus.UInt32(state), dbus.UInt32(old),
                                                                   dbus.UInt32(why)))

        if self.stopping.wait(STEP):
            return
        old = DEVICE_CONFIG
        if kind == "wrong_password":
            device_state(DEVICE_NEED_AUTH, REASON_SUPPLICANT_DISCONNECT, DEVICE_CONFIG)
            old = DEVICE_NEED_AUTH
            if self.stopping.wait(STEP):
                return
        elif kind == "out_of_reach" and self.stopping.wait(STEP):
            return
        device_state(DEVICE_FAILED, int(reason), old)
        ac = dbus.Interface(connection.get_object(NM_NAME, active, introspect=False), IF_MOCK)
        ac.UpdateProperties(IF_ACTIVE, _props({"State": dbus.UInt32(AC_DEACTIVATED)}))
        ac.EmitSignal(IF_ACTIVE, "StateChanged", "uu", _args(dbus.UInt32(AC_DEACTIVATED),
                                                             dbus.UInt32(AC_REASON_DEVICE_DISCONNECTED)))
        if float(linger) > 0 and self.stopping.wait(float(linger)):
            return
        # NetworkManager queues FAILED -> DISCONNECTED (reason NONE) at once and drops the active connection.
        device_state(DEVICE_DISCONNECTED, REASON_NONE, DEVICE_FAILED)
        main.RemoveActiveConnection(device, active)


class AssociationFailed(Exception):
    """A phone could not join an access point of the mock: none of that name is up, or the passphrase is not its."""


class MockNetworkManager:
    """NetworkManager (python-dbusmock's template) on a private system bus, with failing joins on demand."""

    def __init__(self) -> None:
        self.directory: Optional[Path] = None
        self._bus_daemon: Optional[subprocess.Popen] = None
        self._service: Optional[subprocess.Popen] = None
        self._address: Optional[str] = None
        self._saved_env: Optional[str] = None
        self._env_set = False
        self._conn: Any = None
        self._driver: Optional[_Driver] = None
        self._devices: List[str] = []
        self._access_points = 0

    # -- life cycle ----------------------------------------------------------------------------------------

    def __enter__(self) -> "MockNetworkManager":
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()

    @property
    def address(self) -> str:
        """The private system bus's address (for DBUS_SYSTEM_BUS_ADDRESS)."""
        if self._address is None:
            raise RuntimeError("the mock is not started")
        return self._address

    @property
    def log_path(self) -> Optional[Path]:
        """Where the mock logs every call it gets (passwords included: it is the test's own record)."""
        return self.directory / "mock.log" if self.directory else None

    def start(self) -> "MockNetworkManager":
        """Start the bus daemon and the mock on it; point DBUS_SYSTEM_BUS_ADDRESS at the bus."""
        require()
        import dbus
        self.directory = Path(tempfile.mkdtemp(prefix="nm-mock-"))
        try:
            self._start_bus()
            self._saved_env = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = self.address
            self._env_set = True
            self._conn = dbus.bus.BusConnection(self.address)
            self._start_service()
            self._install_overrides()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_bus(self) -> None:
        """A dbus-daemon of type system that lets anyone own and call anything, listening in our directory."""
        assert self.directory is not None
        socket_path = self.directory / "system_bus_socket"
        config = self.directory / "system-bus.conf"
        config.write_text(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <keep_umask/>
  <listen>unix:path={socket_path}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
""", encoding="utf-8")
        self._bus_daemon = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=open(self.directory / "bus.log", "wb"))  # noqa: SIM115
        assert self._bus_daemon.stdout is not None
        line = self._bus_daemon.stdout.readline().decode().strip()
        self._bus_daemon.stdout.close()
        if not line:
            raise RuntimeError(f"dbus-daemon did not start: {(self.directory / 'bus.log').read_text()}")
        self._address = line

    def _start_service(self) -> None:
        """The template in its own process, as NetworkManager is; wait until it owns its name."""
        assert self.directory is not None
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        self._service = subprocess.Popen(
            [sys.executable, "-m", "dbusmock", "--system", "--template", "networkmanager",
             "--parameters", json.dumps({"Version": NM_VERSION}), "--logfile", str(self.log_path)],
            env=env, stdout=subprocess.DEVNULL, stderr=open(self.directory / "mock.err", "wb"))  # noqa: SIM115
        deadline = time.monotonic() + 30.0
        while not self._conn.name_has_owner(NM_NAME):
            if self._service.poll() is not None:
                raise RuntimeError(f"the mock exited: {(self.directory / 'mock.err').read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError("the mock did not take its bus name in 30 s")
            time.sleep(0.05)

    def _install_overrides(self) -> None:
        """The planned-activation ActivateConnection and its two helpers, on the manager object; AddConnection that
        verifies a profile's security first, as NetworkManager does, on the settings object."""
        self._mock(SETTINGS_PATH).AddMethod(IF_SETTINGS, "AddConnection", "a{sa{sv}}", "o", _ADD_CONNECTION_CODE)
        manager = self._mock(MANAGER_PATH)
        manager.AddMethod(IF_NM, "ActivateConnection", "ooo", "o", _ACTIVATE_CODE)
        manager.AddMethod(IF_MOCK, "PlanActivation", "ss", "", _PLAN_CODE)
        manager.AddMethod(IF_MOCK, "TakeStaged", "", "a(sss)", _TAKE_CODE)

    def stop_service(self) -> None:
        """End the mock's process only (NetworkManager stopped; the bus stays)."""
        terminate(self._service)
        self._service = None

    def stop(self) -> None:
        """End the driver, the mock and the bus daemon; restore DBUS_SYSTEM_BUS_ADDRESS (idempotent)."""
        if self._driver is not None:
            self._driver.stopping.set()
            self._driver.join(timeout=10)
            self._driver = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        terminate(self._service)
        self._service = None
        terminate(self._bus_daemon)
        self._bus_daemon = None
        if self._env_set:
            if self._saved_env is None:
                os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = self._saved_env
            self._env_set = False
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
        self._address = None

    # -- plumbing ------------------------------------------------------------------------------------------

    def _object(self, path: str) -> Any:
        if self._conn is None:
            raise RuntimeError("the mock is not started")
        return self._conn.get_object(NM_NAME, path, introspect=False)

    def _mock(self, path: str) -> Any:
        import dbus
        return dbus.Interface(self._object(path), IF_MOCK)

    def _get(self, path: str, interface: str, name: str) -> Any:
        return self._object(path).Get(interface, name, dbus_interface=IF_PROPERTIES, byte_arrays=True)

    def set_version(self, version: str) -> None:
        """Say another NetworkManager version from now on (its Version property)."""
        self._mock(MANAGER_PATH).UpdateProperties(IF_NM, {"Version": version})

    # -- devices and access points -------------------------------------------------------------------------

    @property
    def devices(self) -> List[str]:
        """The device paths added so far, in order."""
        return list(self._devices)

    def add_wifi_device(self, iface: str = "wlan0", ap: bool = True, managed: bool = True,
                        last_scan: bool = True) -> str:
        """A disconnected Wi-Fi device; `ap`: it can be an access point (WirelessCapabilities 0x40),
        `last_scan`: it has LastScan (NetworkManager 1.12 and later). Returns its path."""
        import dbus
        path = str(self._mock(MAIN_PATH).AddWiFiDevice(iface, iface, dbus.Int32(DEVICE_DISCONNECTED)))
        self._devices.append(path)
        device = self._mock(path)
        hw_address = f"02:00:00:00:00:{len(self._devices):02x}"
        capabilities = 0xFF if ap else 0xFF & ~0x40
        device.UpdateProperties(IF_WIRELESS, _props({"HwAddress": hw_address, "PermHwAddress": hw_address,
                                                     "WirelessCapabilities": dbus.UInt32(capabilities)}))
        if not managed:
            device.UpdateProperties(IF_DEVICE, _props({"Managed": dbus.Boolean(False)}))
        if last_scan:
            device.AddProperty(IF_WIRELESS, "LastScan", dbus.Int64(1000))
        device.AddMethod(IF_WIRELESS, "RequestScan", "a{sv}", "", _SCAN_CODE)
        device.AddMethod(IF_MOCK, "SetScanMode", "s", "", "self.scan_mode = args[0]")
        return path

    def add_ethernet_device(self, iface: str = "eth0") -> str:
        """A wired device (never the hotspot's). Returns its path."""
        import dbus
        path = str(self._mock(MAIN_PATH).AddEthernetDevice(iface, iface, dbus.Int32(DEVICE_DISCONNECTED)))
        self._devices.append(path)
        return path

    def _wifi_device(self, device: Optional[str]) -> str:
        if device is not None:
            return device
        for path in self._devices:
            if str(self._get(path, IF_DEVICE, "DeviceType")) == "2":
                return path
        raise RuntimeError("add a Wi-Fi device first")

    def add_access_point(self, ssid: Union[str, bytes], strength: int = 70, security: str = "wpa2",
                         name: Optional[str] = None, device: Optional[str] = None) -> str:
        """An access point the (first) Wi-Fi device sees; `ssid` as text or raw bytes ("" or NULs: hidden),
        `security` one of AP_SECURITY. Returns its path."""
        import dbus
        flags, wpa, rsn = AP_SECURITY[security]
        self._access_points += 1
        name = name or f"ap{self._access_points}"
        hw_address = f"02:00:00:00:01:{self._access_points % 256:02x}"
        text = ssid if isinstance(ssid, str) else "placeholder"
        path = str(self._mock(MAIN_PATH).AddAccessPoint(
            self._wifi_device(device), name, text, hw_address, dbus.UInt32(2), dbus.UInt32(2412),
            dbus.UInt32(54000), dbus.Byte(strength), dbus.UInt32(0)))
        update: Dict[str, Any] = {"Flags": dbus.UInt32(flags), "WpaFlags": dbus.UInt32(wpa),
                                  "RsnFlags": dbus.UInt32(rsn)}
        if isinstance(ssid, bytes):
            update["Ssid"] = dbus.ByteArray(ssid)
        self._mock(path).UpdateProperties(IF_AP, _props(update))
        return path

    def remove_access_point(self, path: str, device: Optional[str] = None) -> None:
        """The access point goes out of sight."""
        self._mock(MAIN_PATH).RemoveAccessPoint(self._wifi_device(device), path)

    # -- scans -------------------------------------------------------------------------------------------

    def complete_scans(self, device: Optional[str] = None) -> None:
        """RequestScan finishes at once (LastScan moves on): the default."""
        self._mock(self._wifi_device(device)).SetScanMode("complete")

    def hold_scans(self, device: Optional[str] = None) -> None:
        """RequestScan is accepted but finishes only at complete_scan()."""
        self._mock(self._wifi_device(device)).SetScanMode("hold")

    def refuse_scans(self, device: Optional[str] = None) -> None:
        """RequestScan answers org.freedesktop.NetworkManager.Device.NotAllowed, as right after a scan."""
        self._mock(self._wifi_device(device)).SetScanMode("refuse")

    def complete_scan(self, device: Optional[str] = None) -> None:
        """The scan in progress finishes: LastScan moves on."""
        import dbus
        path = self._wifi_device(device)
        last = int(self._get(path, IF_WIRELESS, "LastScan"))
        self._mock(path).UpdateProperties(IF_WIRELESS, _props({"LastScan": dbus.Int64(last + 1000)}))

    def scan_requests(self, device: Optional[str] = None) -> int:
        """How many RequestScan calls the device got."""
        return len(self._mock(self._wifi_device(device)).GetMethodCalls("RequestScan"))

    # -- profiles and active connections -----------------------------------------------------------------

    def add_profile(self, connection_id: str, ssid: str, mode: str = "infrastructure",
                    psk: Optional[str] = None) -> str:
        """A saved Wi-Fi profile, as an earlier run (or the user) left it. Returns its settings path."""
        import dbus
        settings: Dict[str, Dict[str, Any]] = {
            "connection": {"id": connection_id, "type": "802-11-wireless", "autoconnect": False},
            "802-11-wireless": {"ssid": dbus.ByteArray(ssid.encode("utf-8")), "mode": mode},
            "ipv4": {"method": "shared" if mode == "ap" else "auto"},
        }
        if psk is not None:
            settings["802-11-wireless-security"] = {"key-mgmt": "wpa-psk", "psk": psk}
        settings_obj = self._object(SETTINGS_PATH)
        return str(settings_obj.AddConnection(dbus.Dictionary(settings, signature="sa{sv}"),
                                              dbus_interface=IF_SETTINGS))

    def activate(self, connection: str, device: Optional[str] = None) -> str:
        """Activate a saved profile on the (first) Wi-Fi device; the active connection's path."""
        return str(self._object(MANAGER_PATH).ActivateConnection(connection, self._wifi_device(device), "/",
                                                                 dbus_interface=IF_NM))

    def end_active_connection(self, active: str) -> None:
        """The active connection goes away (as when another profile took the device over)."""
        for path in self._devices:
            self._mock(MAIN_PATH).RemoveActiveConnection(path, active)

    def connections(self) -> List[Dict[str, Any]]:
        """Every saved profile with its secrets, as plain Python: path, id, type, autoconnect, interface_name,
        mode, ssid (text), key_mgmt, psk, ipv4_method, ipv4_address_data, ipv6_method, and all `settings`."""
        import dbus
        paths = self._object(SETTINGS_PATH).ListConnections(dbus_interface=IF_SETTINGS)
        found = []
        for path in paths:
            try:
                settings = _plain(self._object(path).GetSettings(dbus_interface=IF_CONNECTION, byte_arrays=True))
            except dbus.exceptions.DBusException:
                continue  # deleted between the listing and this read (the client may be taking it down right now)
            connection = settings.get("connection", {})
            wireless = settings.get("802-11-wireless", {})
            security = settings.get("802-11-wireless-security", {})
            ipv4, ipv6 = settings.get("ipv4", {}), settings.get("ipv6", {})
            found.append({
                "path": str(path), "id": connection.get("id"), "type": connection.get("type"),
                "autoconnect": connection.get("autoconnect"), "interface_name": connection.get("interface-name"),
                "mode": wireless.get("mode"), "ssid": _text(wireless.get("ssid")),
                "key_mgmt": security.get("key-mgmt"), "psk": security.get("psk"),
                "ipv4_method": ipv4.get("method"), "ipv4_address_data": ipv4.get("address-data", []),
                "ipv6_method": ipv6.get("method"), "settings": settings,
            })
        return found

    def active_connections(self) -> List[Dict[str, Any]]:
        """Every active connection: path, id, type, state (NMActiveConnectionState), connection (the settings
        path) and devices."""
        found = []
        for path in self._get(MANAGER_PATH, IF_NM, "ActiveConnections"):
            props = _plain(self._object(path).GetAll(IF_ACTIVE, dbus_interface=IF_PROPERTIES))
            found.append({"path": str(path), "id": props.get("Id"), "type": props.get("Type"),
                          "state": props.get("State"), "connection": props.get("Connection"),
                          "devices": props.get("Devices", [])})
        return found

    def device_state(self, device: Optional[str] = None) -> Tuple[int, int]:
        """The device's StateReason now: (state, reason)."""
        state, reason = self._get(self._wifi_device(device), IF_DEVICE, "StateReason")
        return int(state), int(reason)

    # -- failing activations -----------------------------------------------------------------------------

    def _plan(self, mode: str, plan: str, scripted: bool) -> None:
        if scripted:
            if self._driver is None:
                self._driver = _Driver(self.address)
                self._driver.start()
            self._driver.expect()
        self._mock(MANAGER_PATH).PlanActivation(mode, plan)

    def fail_next_join(self, reason: str = "wrong_password", device_reason: Optional[int] = None,
                       linger: float = 0.0) -> None:
        """Make the next infrastructure activation fail as NetworkManager's does. It starts ACTIVATING (device
        CONFIG), and then:

        - "wrong_password": the device goes NEED_AUTH (reason 8 SUPPLICANT_DISCONNECT: the 4-way handshake
          failed), then FAILED with reason 7 NO_SECRETS (no secret agent gave a new key; `device_reason` 8
          stands for NetworkManager versions that fail with SUPPLICANT_DISCONNECT itself);
        - "out_of_reach": the device stays in CONFIG a while (scanning for the SSID), then FAILED with reason 53
          SSID_NOT_FOUND;
        - "failed": FAILED with `device_reason` (default 1 UNKNOWN) straight away;
        - "not_available": ActivateConnection itself answers org.freedesktop.NetworkManager.ConnectionNotAvailable
          (some versions, for an SSID not in their scan list).

        On FAILED the active connection turns DEACTIVATED; `linger` seconds later (default at once, as
        NetworkManager does) the device goes DISCONNECTED with reason NONE and the active connection vanishes.
        """
        defaults = {"wrong_password": REASON_NO_SECRETS, "out_of_reach": REASON_SSID_NOT_FOUND, "failed": 1,
                    "not_available": 0}
        if reason not in defaults:
            raise ValueError(f"unknown failure {reason!r}")
        why = defaults[reason] if device_reason is None else device_reason
        self._plan("infrastructure", f"{reason}:{why}:{linger}", scripted=reason != "not_available")

    def hang_next_join(self) -> None:
        """The next infrastructure activation stays ACTIVATING (device CONFIG) for ever: a network that never
        answers (real NetworkManager gives up after its own 45 s or more)."""
        self._plan("infrastructure", "hang", scripted=False)

    def fail_next_access_point(self, device_reason: int = REASON_SHARED_START_FAILED) -> None:
        """The next access point activation fails (default reason 41 SHARED_START_FAILED: NetworkManager could
        not start dnsmasq for shared mode)."""
        self._plan("ap", f"fail:{device_reason}:0", scripted=True)

    def slow_deactivations(self, seconds: float) -> None:
        """DeactivateConnection answers only after `seconds` (then does what the template's does). The mock runs one
        call at a time, so every other call waits behind it too, as behind a NetworkManager that is busy."""
        self._mock(MANAGER_PATH).AddMethod(IF_NM, "DeactivateConnection", "o", "", _SLOW_DEACTIVATE_CODE % seconds)

    def deactivations(self) -> int:
        """How many DeactivateConnection calls the manager got."""
        return len(self._mock(MANAGER_PATH).GetMethodCalls("DeactivateConnection"))

    def changes(self) -> int:
        """How many calls that change something the manager and its settings got (AddConnection,
        ActivateConnection, AddAndActivateConnection, DeactivateConnection): a request that must start nothing
        leaves the count as it was."""
        manager, settings = self._mock(MANAGER_PATH), self._mock(SETTINGS_PATH)
        return sum(len(manager.GetMethodCalls(name))
                   for name in ("ActivateConnection", "AddAndActivateConnection", "DeactivateConnection")) + \
            len(settings.GetMethodCalls("AddConnection"))

    def associate(self, ssid: str, passphrase: str) -> None:
        """A phone joins the access point named `ssid` with `passphrase`, as association would judge it: there must
        be an active access-point profile of that name, and its 802-11-wireless-security psk must be the passphrase
        (an open one takes none). AssociationFailed otherwise."""
        active = {a["connection"] for a in self.active_connections()}
        ours = [c for c in self.connections() if c["mode"] == "ap" and c["ssid"] == ssid and c["path"] in active]
        if not ours:
            raise AssociationFailed(f"no access point {ssid!r} is up")
        psk = ours[0]["psk"] if ours[0]["key_mgmt"] == "wpa-psk" else ""
        if ours[0]["key_mgmt"] not in (None, "wpa-psk") or psk != passphrase:
            raise AssociationFailed(f"{ssid!r} refused the phone's passphrase (4-way handshake failed)")

    def hang_next_access_point(self) -> None:
        """The next access point activation stays ACTIVATING for ever (a driver that never starts the AP)."""
        self._plan("ap", "hang", scripted=False)


def add_standard_scene(nm: MockNetworkManager) -> str:
    """Wi-Fi device wlan0 and the networks around it: "Home" (WPA2) through two access points (60 and 80),
    "Café Ü" (open, 55), a hidden one (empty SSID), "Studio" (WPA3, 40). Returns the device's path."""
    device = nm.add_wifi_device("wlan0")
    nm.add_access_point("Home", 60, "wpa2")
    nm.add_access_point("Home", 80, "wpa2")
    nm.add_access_point("Café Ü", 55, "open")
    nm.add_access_point("", 65, "wpa2")
    nm.add_access_point("Studio", 40, "wpa3")
    return device
