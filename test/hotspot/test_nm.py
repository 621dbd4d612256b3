"""hotspot/nm.py against NetworkManager stood in for by python-dbusmock (hotspot/nm_mock.py) on a private bus."""
import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, List, Optional, TypeVar, Union

import pytest

pytest.importorskip("dbus_fast", reason="needs dbus-fast: pip install dbus-fast")

from hotspot.nm_mock import MockNetworkManager  # noqa: E402
from ovos_PHAL_plugin_wifi_setup.methods.hotspot import nm as nm_module  # noqa: E402
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm import (  # noqa: E402
    HOTSPOT_CONNECTION_ID, MAX_ACCESS_POINTS, SHARED_ADDRESS, AccessPoint, AccessPointFailed, JoinFailed,
    NetworkManager, NMUnavailable, Profile, WifiDevice, merge_access_points)
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm_dbus import WEP_AND_OPEN, page_entries  # noqa: E402

T = TypeVar("T")
HOTSPOT_SSID = "OVOS-Setup-AB12"
HOTSPOT_PASSPHRASE = "setup-pass-4711"  # noqa: S105 - the test's own
STANDARD_SCAN = [AccessPoint("Home", "WPA2", 80), AccessPoint("Café Ü", "", 55), AccessPoint("Studio", "WPA3", 40)]


def run(coroutine: Awaitable[T], timeout: float = 60.0) -> T:
    """Run one coroutine on a fresh event loop, bounded so that a hang fails the test instead of stalling it."""
    return asyncio.run(asyncio.wait_for(coroutine, timeout))  # type: ignore[arg-type]


def with_nm(mock: MockNetworkManager, body: Callable[[NetworkManager], Awaitable[T]]) -> T:
    """Open a NetworkManager on the mock's bus, run `body` with it, close it."""
    async def main() -> T:
        async with NetworkManager(mock.address) as nm:
            return await body(nm)
    return run(main())


async def poll(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait (on the loop) until `condition()` holds; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


# -- the device ------------------------------------------------------------------------------------------------


def test_the_wifi_device_is_found_on_the_system_bus(nm_mock: MockNetworkManager) -> None:
    """With no address, NetworkManager uses the system bus (DBUS_SYSTEM_BUS_ADDRESS, set by the mock); close()
    may be called twice."""
    assert os.environ["DBUS_SYSTEM_BUS_ADDRESS"] == nm_mock.address

    async def main() -> WifiDevice:
        nm = NetworkManager()
        await nm.open()
        device = await nm.wifi_device()
        await nm.close()
        await nm.close()
        return device

    assert run(main()) == WifiDevice(path=nm_mock.devices[0], interface="wlan0", hw_address="02:00:00:00:00:01")


def test_wired_unmanaged_and_non_ap_devices_are_passed_over(nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    mock = nm_mock_factory()
    mock.add_ethernet_device("eth0")
    mock.add_wifi_device("wlan0", ap=False)
    mock.add_wifi_device("wlan1", managed=False)
    wanted = mock.add_wifi_device("wlan2")
    device = with_nm(mock, lambda nm: nm.wifi_device())
    assert (device.path, device.interface) == (wanted, "wlan2")


@pytest.mark.parametrize("scene", ["nothing", "wired only", "no AP capability"])
def test_no_usable_wifi_device_is_nm_unavailable(nm_mock_factory: Callable[[], MockNetworkManager],
                                                 scene: str) -> None:
    mock = nm_mock_factory()
    if scene == "wired only":
        mock.add_ethernet_device("eth0")
    if scene == "no AP capability":
        mock.add_wifi_device("wlan0", ap=False)
    with pytest.raises(NMUnavailable, match="no managed Wi-Fi device that can be an access point"):
        with_nm(mock, lambda nm: nm.wifi_device())


def test_a_bus_without_network_manager_is_nm_unavailable(nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    mock = nm_mock_factory()
    mock.stop_service()
    with pytest.raises(NMUnavailable, match="NetworkManager is not running"):
        with_nm(mock, lambda nm: nm.wifi_device())


def test_network_manager_leaving_after_open_is_nm_unavailable(nm_mock: MockNetworkManager) -> None:
    async def body(nm: NetworkManager) -> None:
        await nm.wifi_device()
        nm_mock.stop_service()
        await nm.wifi_device()

    with pytest.raises(NMUnavailable, match="not running"):
        with_nm(nm_mock, body)


@pytest.mark.parametrize("address", ["socket", "env", "nonsense"])
def test_no_bus_at_all_is_nm_unavailable(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    absent = f"unix:path={tmp_path}/no-such-socket"
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", absent)  # never the machine's own system bus
    given = {"socket": absent, "env": None, "nonsense": "nonsense-transport:"}[address]
    nm = NetworkManager(given)
    with pytest.raises(NMUnavailable, match="no system bus"):
        run(nm.open())
    with pytest.raises(NMUnavailable, match="not connected"):
        run(nm.wifi_device())


def test_the_mock_restores_the_bus_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the fixture promises other tests: the variable points at the private bus only while it runs."""
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/before")
    with MockNetworkManager() as mock:
        assert os.environ["DBUS_SYSTEM_BUS_ADDRESS"] == mock.address != "unix:path=/nonexistent/before"
    assert os.environ["DBUS_SYSTEM_BUS_ADDRESS"] == "unix:path=/nonexistent/before"


# -- scanning --------------------------------------------------------------------------------------------------


def test_a_scan_lists_each_network_once_strongest_first(nm_mock: MockNetworkManager) -> None:
    """"Home" through two access points is one entry at its stronger signal; the hidden network is left out."""
    async def body(nm: NetworkManager) -> List[AccessPoint]:
        return await nm.scan(await nm.wifi_device())

    networks = with_nm(nm_mock, body)
    assert networks == STANDARD_SCAN
    assert [network.secured for network in networks] == [True, False, True]
    assert nm_mock.scan_requests() == 1


def test_a_scan_names_each_security_and_merges_secured_over_open(
        nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    mock = nm_mock_factory()
    mock.add_wifi_device("wlan0")
    mock.add_access_point("Mixed", 90, "open")
    mock.add_access_point("Mixed", 30, "wpa2")
    mock.add_access_point("Old", 50, "wpa")
    mock.add_access_point("Ancient", 45, "wep")
    mock.add_access_point("Office", 44, "enterprise")
    mock.add_access_point("Transition", 43, "wpa2-wpa3")
    mock.add_access_point(b"\x00\x00\x00\x00", 99, "open")    # hidden, NUL-padded
    mock.add_access_point(b"Caf\xe9", 20, "open")              # Latin-1, not UTF-8
    mock.add_access_point("beta", 10, "open")
    mock.add_access_point("Alpha", 10, "open")

    async def body(nm: NetworkManager) -> List[AccessPoint]:
        return await nm.scan(await nm.wifi_device())

    assert with_nm(mock, body) == [
        AccessPoint("Mixed", "WPA2", 90, ("WPA2", "")), AccessPoint("Old", "WPA", 50), AccessPoint("Ancient", "WEP", 45),
        AccessPoint("Office", "802.1X", 44), AccessPoint("Transition", "WPA2", 43),
        AccessPoint("Caf\\xe9", "", 20, raw=b"Caf\xe9"), AccessPoint("Alpha", "", 10), AccessPoint("beta", "", 10)]


def test_a_scan_waits_for_last_scan_to_move(nm_mock: MockNetworkManager) -> None:
    """A network that appears while the scan runs is listed: the results are read once LastScan changes."""
    nm_mock.hold_scans()

    async def body(nm: NetworkManager) -> List[AccessPoint]:
        scan = asyncio.ensure_future(nm.scan(await nm.wifi_device(), wait=30.0))
        await poll(lambda: nm_mock.scan_requests() == 1)
        await asyncio.sleep(0.3)  # the scan is waiting now; what follows is NetworkManager finishing it
        assert not scan.done()
        nm_mock.add_access_point("Late", 95, "wpa2")
        nm_mock.complete_scan()
        return await scan

    assert with_nm(nm_mock, body) == [AccessPoint("Late", "WPA2", 95)] + STANDARD_SCAN


def test_a_scan_that_never_finishes_is_read_after_wait(nm_mock: MockNetworkManager) -> None:
    nm_mock.hold_scans()

    async def body(nm: NetworkManager) -> List[AccessPoint]:
        return await nm.scan(await nm.wifi_device(), wait=0.5)

    assert with_nm(nm_mock, body) == STANDARD_SCAN


def test_a_refused_scan_reads_the_last_results_at_once(nm_mock: MockNetworkManager) -> None:
    """NotAllowed (right after another scan) is no error, and nothing is waited for (wait=600 would time out)."""
    nm_mock.refuse_scans()

    async def body(nm: NetworkManager) -> List[AccessPoint]:
        return await asyncio.wait_for(nm.scan(await nm.wifi_device(), wait=600.0), 20.0)

    assert with_nm(nm_mock, body) == STANDARD_SCAN
    assert nm_mock.scan_requests() == 1


def test_without_last_scan_the_results_are_read_at_once(nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    """NetworkManager before 1.12 has no LastScan: nothing to wait for."""
    mock = nm_mock_factory()
    mock.add_wifi_device("wlan0", last_scan=False)
    mock.add_access_point("Home", 70, "wpa2")

    async def body(nm: NetworkManager) -> List[AccessPoint]:
        return await asyncio.wait_for(nm.scan(await nm.wifi_device(), wait=600.0), 20.0)

    assert with_nm(mock, body) == [AccessPoint("Home", "WPA2", 70)]


def test_merging_keeps_at_most_the_strongest_200() -> None:
    found = [AccessPoint(f"net{i:03d}", "", i % 101) for i in range(300)] + [AccessPoint("", "WPA2", 100)]
    merged = merge_access_points(found)
    assert len(merged) == MAX_ACCESS_POINTS
    assert merged[0].strength == 100 and merged[0].ssid
    assert min(ap.strength for ap in merged) >= max(ap.strength for ap in found if ap.ssid and ap not in merged)


# -- the access point --------------------------------------------------------------------------------------------


def hotspot_profiles(mock: MockNetworkManager) -> List[dict]:
    return [c for c in mock.connections() if c["id"] == HOTSPOT_CONNECTION_ID]


def start_hotspot(mock: MockNetworkManager, passphrase: str = HOTSPOT_PASSPHRASE, **kwargs: Any) -> Profile:
    async def body(nm: NetworkManager) -> Profile:
        return await nm.start_access_point(await nm.wifi_device(), HOTSPOT_SSID, passphrase, **kwargs)
    return with_nm(mock, body)


def test_the_access_point_is_a_wpa2_shared_profile_and_active(nm_mock: MockNetworkManager) -> None:
    profile = start_hotspot(nm_mock)
    (saved,) = nm_mock.connections()
    assert saved["path"] == profile.connection
    assert (saved["id"], saved["type"], saved["mode"], saved["ssid"]) == (
        HOTSPOT_CONNECTION_ID, "802-11-wireless", "ap", HOTSPOT_SSID)
    assert saved["autoconnect"] is False and saved["interface_name"] == "wlan0"
    assert (saved["key_mgmt"], saved["psk"]) == ("wpa-psk", HOTSPOT_PASSPHRASE)
    security = saved["settings"]["802-11-wireless-security"]
    assert (security["proto"], security["pairwise"], security["group"]) == (["rsn"], ["ccmp"], ["ccmp"])
    assert saved["ipv4_method"] == "shared"
    assert saved["ipv4_address_data"] == [{"address": SHARED_ADDRESS, "prefix": 24}] == [
        {"address": "10.42.0.1", "prefix": 24}]
    assert saved["ipv6_method"] == "ignore"
    (active,) = nm_mock.active_connections()
    assert (active["path"], active["connection"], active["state"]) == (profile.active, profile.connection, 2)


def test_an_open_access_point_has_no_security(nm_mock: MockNetworkManager) -> None:
    profile = start_hotspot(nm_mock, passphrase="")
    (saved,) = nm_mock.connections()
    assert saved["mode"] == "ap" and saved["ssid"] == HOTSPOT_SSID
    assert "802-11-wireless-security" not in saved["settings"] and saved["psk"] is None
    assert "security" not in saved["settings"]["802-11-wireless"]
    assert [a["connection"] for a in nm_mock.active_connections()] == [profile.connection]


def test_the_stations_of_the_setup_network_cannot_reach_each_other(nm_mock: MockNetworkManager) -> None:
    """The station next to the phone on the setup network (a stranger who joined it) cannot talk to the phone: the
    access point keeps its stations apart (ap-isolation), on a NetworkManager that has it (1.28 on)."""
    start_hotspot(nm_mock)
    (saved,) = nm_mock.connections()
    assert saved["settings"]["802-11-wireless"]["ap-isolation"] == 1


def test_a_networkmanager_without_ap_isolation_gets_a_profile_it_takes_and_the_log_says_so(
        nm_mock: MockNetworkManager, caplog: pytest.LogCaptureFixture) -> None:
    """NetworkManager before 1.28 refuses a profile naming ap-isolation: it is left out, and the log says what that
    leaves open."""
    nm_mock.set_version("1.22.10")
    with caplog.at_level(logging.WARNING):
        start_hotspot(nm_mock)
    (saved,) = nm_mock.connections()
    assert "ap-isolation" not in saved["settings"]["802-11-wireless"]
    assert any("'1.22.10' cannot keep the setup network's stations apart" in r.getMessage() for r in caplog.records)


def test_a_stale_hotspot_profile_is_removed_first(nm_mock: MockNetworkManager) -> None:
    """A crash left the last run's hotspot saved (and up); the user's own profile is not touched."""
    stale = nm_mock.add_profile(HOTSPOT_CONNECTION_ID, "OVOS-Setup-OLD1", mode="ap")
    nm_mock.activate(stale)
    users = nm_mock.add_profile("Home", "Home", psk="correct horse")
    profile = start_hotspot(nm_mock)
    assert [(c["id"], c["ssid"]) for c in hotspot_profiles(nm_mock)] == [(HOTSPOT_CONNECTION_ID, HOTSPOT_SSID)]
    assert [c["path"] for c in nm_mock.connections() if c["id"] == "Home"] == [users]
    assert [a["connection"] for a in nm_mock.active_connections()] == [profile.connection]


@pytest.mark.parametrize("ssid, passphrase, address", [
    ("", HOTSPOT_PASSPHRASE, SHARED_ADDRESS),
    ("x" * 33, HOTSPOT_PASSPHRASE, SHARED_ADDRESS),
    ("ü" * 17, HOTSPOT_PASSPHRASE, SHARED_ADDRESS),      # 34 bytes of UTF-8
    (HOTSPOT_SSID, "short", SHARED_ADDRESS),
    (HOTSPOT_SSID, "x" * 64, SHARED_ADDRESS),
    (HOTSPOT_SSID, "pässphrase-with-ü", SHARED_ADDRESS),
    (HOTSPOT_SSID, HOTSPOT_PASSPHRASE, "10.42.0.300"),
])
def test_bad_access_point_input_changes_nothing(nm_mock: MockNetworkManager, ssid: str, passphrase: str,
                                                address: str) -> None:
    stale = nm_mock.add_profile(HOTSPOT_CONNECTION_ID, "OVOS-Setup-OLD1", mode="ap")

    async def body(nm: NetworkManager) -> Profile:
        return await nm.start_access_point(await nm.wifi_device(), ssid, passphrase, address=address)

    with pytest.raises(ValueError):
        with_nm(nm_mock, body)
    assert [c["path"] for c in nm_mock.connections()] == [stale]
    assert nm_mock.active_connections() == []


def test_an_access_point_that_fails_is_deleted(nm_mock: MockNetworkManager) -> None:
    """NetworkManager could not start shared mode (reason 41): the error says so and no profile stays."""
    nm_mock.fail_next_access_point(41)
    with pytest.raises(AccessPointFailed, match="device reason 41") as raised:
        start_hotspot(nm_mock)
    assert isinstance(raised.value, NMUnavailable)
    assert nm_mock.connections() == [] and nm_mock.active_connections() == []


def test_an_access_point_that_never_comes_up_times_out_and_is_deleted(nm_mock: MockNetworkManager) -> None:
    nm_mock.hang_next_access_point()
    with pytest.raises(AccessPointFailed, match="timeout"):
        start_hotspot(nm_mock, timeout=1.0)
    assert nm_mock.connections() == [] and nm_mock.active_connections() == []


# -- stopping ------------------------------------------------------------------------------------------------------


def test_stop_removes_the_active_connection_and_the_profile(nm_mock: MockNetworkManager) -> None:
    profile = start_hotspot(nm_mock)

    async def body(nm: NetworkManager) -> None:
        await nm.stop(profile)
        assert nm_mock.connections() == [] and nm_mock.active_connections() == []
        await nm.stop(profile)          # both already gone
        await nm.stop(None)

    with_nm(nm_mock, body)
    assert nm_mock.connections() == [] and nm_mock.active_connections() == []


def test_stop_deletes_a_profile_whose_active_connection_is_gone(nm_mock: MockNetworkManager) -> None:
    """Joining the user's network ends the hotspot's active connection; its profile must still go."""
    profile = start_hotspot(nm_mock)
    nm_mock.end_active_connection(profile.active or "")
    assert nm_mock.active_connections() == [] and len(nm_mock.connections()) == 1
    with_nm(nm_mock, lambda nm: nm.stop(profile))
    assert nm_mock.connections() == []


# -- joining -----------------------------------------------------------------------------------------------------


def join(mock: MockNetworkManager, ssid: Union[str, bytes], password: str, security: str, timeout: float = 20.0) -> Profile:
    async def body(nm: NetworkManager) -> Profile:
        return await nm.join(await nm.wifi_device(), ssid, password, security, timeout)
    return with_nm(mock, body)


@pytest.mark.parametrize("ssid, password, security, key_mgmt", [
    ("Home", "correct horse", "WPA2", "wpa-psk"),
    ("Studio", "studio-pass-3", "WPA3", "sae"),
    ("Café Ü", "", "", None),
])
def test_a_join_saves_an_infrastructure_profile_and_activates_it(
        nm_mock: MockNetworkManager, ssid: str, password: str, security: str, key_mgmt: Optional[str]) -> None:
    profile = join(nm_mock, ssid, password, security)
    (saved,) = nm_mock.connections()
    assert saved["path"] == profile.connection
    assert (saved["id"], saved["type"], saved["mode"], saved["ssid"]) == (ssid, "802-11-wireless",
                                                                          "infrastructure", ssid)
    assert (saved["key_mgmt"], saved["psk"]) == (key_mgmt, password or None)
    assert saved["autoconnect"] is None  # NetworkManager's default: yes
    assert (saved["ipv4_method"], saved["ipv6_method"]) == ("auto", "auto")
    (active,) = nm_mock.active_connections()
    assert (active["path"], active["connection"], active["state"]) == (profile.active, profile.connection, 2)


@pytest.mark.parametrize("ssid, password, security, failure, options, reason", [
    ("Home", "wrong horse", "WPA2", "wrong_password", {}, "wrong_password"),
    ("Home", "wrong horse", "WPA2", "wrong_password", {"device_reason": 8}, "wrong_password"),
    ("Home", "wrong horse", "WPA2", "wrong_password", {"linger": 1.0}, "wrong_password"),
    ("Studio", "wrong-sae-pass", "WPA3", "wrong_password", {}, "wrong_password"),
    ("Home", "correct horse", "WPA2", "out_of_reach", {}, "out_of_reach"),
    ("Home", "correct horse", "WPA2", "not_available", {}, "out_of_reach"),
    ("Home", "correct horse", "WPA2", "failed", {"device_reason": 5}, "failed"),
    ("Café Ü", "", "", "wrong_password", {}, "failed"),   # an open network has no password to be wrong
])
def test_a_failed_join_says_why_and_leaves_no_profile(nm_mock: MockNetworkManager, ssid: str, password: str,
                                                      security: str, failure: str, options: dict,
                                                      reason: str) -> None:
    nm_mock.fail_next_join(failure, **options)
    with pytest.raises(JoinFailed) as raised:
        join(nm_mock, ssid, password, security)
    assert (raised.value.reason, raised.value.ssid) == (reason, ssid)
    assert repr(ssid) in str(raised.value)
    if password:
        assert password not in str(raised.value) and password not in repr(raised.value)
    assert nm_mock.connections() == [] and nm_mock.active_connections() == []


def test_out_of_reach_comes_from_the_failure_signal(nm_mock: MockNetworkManager) -> None:
    """Once the join is over the device reads DISCONNECTED, reason NONE: the reason 53 came from StateChanged."""
    nm_mock.fail_next_join("out_of_reach")
    with pytest.raises(JoinFailed) as raised:
        join(nm_mock, "Home", "correct horse", "WPA2")
    assert raised.value.reason == "out_of_reach"
    assert nm_mock.device_state() == (30, 0)


def test_a_join_that_never_answers_times_out_and_leaves_no_profile(nm_mock: MockNetworkManager) -> None:
    nm_mock.hang_next_join()
    with pytest.raises(JoinFailed) as raised:
        join(nm_mock, "Home", "correct horse", "WPA2", timeout=1.0)
    assert raised.value.reason == "timeout"
    assert nm_mock.connections() == [] and nm_mock.active_connections() == []


def test_a_cancelled_join_leaves_no_profile(nm_mock: MockNetworkManager) -> None:
    nm_mock.hang_next_join()

    async def body(nm: NetworkManager) -> None:
        attempt = asyncio.ensure_future(nm.join(await nm.wifi_device(), "Home", "correct horse", "WPA2", 60.0))
        await poll(lambda: [a["state"] for a in nm_mock.active_connections()] == [1])
        attempt.cancel()
        with pytest.raises(asyncio.CancelledError):
            await attempt

    with_nm(nm_mock, body)
    assert nm_mock.connections() == [] and nm_mock.active_connections() == []


@pytest.mark.parametrize("ssid, password, security, error", [
    ("Office", "anything-at-all", "802.1X", ValueError),
    ("", "correct horse", "WPA2", ValueError),
    ("x" * 33, "correct horse", "WPA2", ValueError),
    ("Home", "short", "WPA2", JoinFailed),
    ("Home", "x" * 64, "WPA2", JoinFailed),      # 64 characters must be hex
    ("Studio", "", "WPA3", JoinFailed),
])
def test_a_join_that_cannot_be_made_changes_nothing(nm_mock: MockNetworkManager, ssid: str, password: str,
                                                    security: str, error: type) -> None:
    with pytest.raises(error) as raised:
        join(nm_mock, ssid, password, security)
    if error is JoinFailed:
        assert raised.value.reason == "wrong_password"
    assert nm_mock.connections() == [] and nm_mock.active_connections() == []


# -- the password ------------------------------------------------------------------------------------------------


class LogRecorder:
    """Stands where nm.py's LOG is: keeps every line at every level."""

    def __init__(self) -> None:
        self.lines: List[str] = []

    def __getattr__(self, level: str) -> Callable[..., None]:
        def record(message: Any, *args: Any, **_: Any) -> None:
            self.lines.append(f"{level}: {message % args if args else message}")
        return record


def test_passwords_reach_no_log_line_and_no_exception(nm_mock: MockNetworkManager, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    log = LogRecorder()
    monkeypatch.setattr(nm_module, "LOG", log)
    caplog.set_level(logging.DEBUG)
    secrets = ["hotspot-secret-1", "wrong-secret-22", "reach-secret-333", "hang-secret-4444", "refused-secret-5",
               "tiny-7x", "right-secret-666666", "ap-fail-secret-7"]
    raised: List[BaseException] = []

    async def attempt(coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        except (JoinFailed, NMUnavailable, ValueError) as error:
            raised.append(error)

    async def body(nm: NetworkManager) -> None:
        device = await nm.wifi_device()
        nm_mock.fail_next_access_point()
        await attempt(nm.start_access_point(device, HOTSPOT_SSID, secrets[7]))
        hotspot = await nm.start_access_point(device, HOTSPOT_SSID, secrets[0])
        nm_mock.fail_next_join("wrong_password")
        await attempt(nm.join(device, "Home", secrets[1], "WPA2", 20.0))
        nm_mock.fail_next_join("out_of_reach")
        await attempt(nm.join(device, "Home", secrets[2], "WPA2", 20.0))
        nm_mock.hang_next_join()
        await attempt(nm.join(device, "Home", secrets[3], "WPA2", 1.0))
        nm_mock.fail_next_join("not_available")
        await attempt(nm.join(device, "Home", secrets[4], "WPA2", 20.0))
        await attempt(nm.join(device, "Home", secrets[5], "WPA2", 20.0))
        await nm.join(device, "Home", secrets[6], "WPA2", 20.0)
        await nm.stop(hotspot)

    with_nm(nm_mock, body)
    assert [getattr(error, "reason", type(error).__name__) for error in raised] == [
        "AccessPointFailed", "wrong_password", "out_of_reach", "timeout", "out_of_reach", "wrong_password"]
    assert any("joining 'Home'" in line for line in log.lines) and any("joined" in line for line in log.lines)
    for secret in secrets:
        for error in raised:
            assert secret not in str(error) and secret not in repr(error)
        assert not [line for line in log.lines if secret in line]
        assert secret not in caplog.text


# -- a neighbour's beacons -----------------------------------------------------------------------------------------


def scan_and_join(mock: MockNetworkManager, ssid: str, password: str) -> List[AccessPoint]:
    """Scan, then join `ssid` with the security the scan chose for it (as the hotspot client does); the scan."""
    async def body(nm: NetworkManager) -> List[AccessPoint]:
        device = await nm.wifi_device()
        networks = await nm.scan(device)
        (network,) = [n for n in networks if n.ssid == ssid]
        await nm.join(device, ssid, password, network.security, 20.0)
        return networks
    return with_nm(mock, body)


def joined_security(mock: MockNetworkManager) -> dict:
    """The 802-11-wireless-security of the one profile NetworkManager was given."""
    (saved,) = mock.connections()
    return saved["settings"].get("802-11-wireless-security", {})


def test_a_lookalike_stronger_beacon_cannot_downgrade_wpa3_to_wpa2(
        nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    """A neighbour's louder "Home" advertising WPA2 beside the real WPA3 one: joined with SAE, listed as both."""
    mock = nm_mock_factory()
    mock.add_wifi_device("wlan0")
    mock.add_access_point("Home", 40, "wpa3")
    mock.add_access_point("Home", 95, "wpa2")
    networks = scan_and_join(mock, "Home", "correct horse")
    assert networks == [AccessPoint("Home", "WPA3", 95, ("WPA3", "WPA2"))]
    assert page_entries(networks)[0]["security"] == "WPA3 WPA2"
    assert joined_security(mock)["key-mgmt"] == "sae" and joined_security(mock)["psk"] == "correct horse"


def test_a_wep_beacon_cannot_get_the_wpa2_password_as_a_wep_key(
        nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    """A louder "Home" advertising WEP beside the real WPA2 one: joined as WPA2 (proto rsn), no WEP key at all."""
    mock = nm_mock_factory()
    mock.add_wifi_device("wlan0")
    mock.add_access_point("Home", 30, "wpa2")
    mock.add_access_point("Home", 99, "wep")
    mock.add_access_point("Home", 98, "open")
    networks = scan_and_join(mock, "Home", "correct horse")
    assert networks == [AccessPoint("Home", "WPA2", 99, ("WPA2", "WEP", ""))]
    assert page_entries(networks)[0]["security"] == "WPA2 WEP Open"
    security = joined_security(mock)
    assert (security["key-mgmt"], security["psk"], security["proto"]) == ("wpa-psk", "correct horse", ["rsn"])
    assert not [key for key in security if key.startswith("wep")]
    assert "correct horse" not in str(mock.connections()[0]["settings"].get("802-11-wireless", {}))


def test_wep_only_where_every_access_point_is_wep_and_never_open_where_one_is_secured(
        nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    """All WEP: joined as WEP. WEP beside open: not joined at all. Open beside WPA: secured, never joined open."""
    mock = nm_mock_factory()
    mock.add_wifi_device("wlan0")
    mock.add_access_point("Old", 50, "wep")
    mock.add_access_point("Old", 60, "wep")
    mock.add_access_point("Shaky", 50, "wep")
    mock.add_access_point("Shaky", 90, "open")
    mock.add_access_point("Cafe", 90, "open")
    mock.add_access_point("Cafe", 20, "wpa")

    async def body(nm: NetworkManager) -> List[AccessPoint]:
        return await nm.scan(await nm.wifi_device())

    networks = with_nm(mock, body)
    assert networks == [AccessPoint("Cafe", "WPA", 90, ("WPA", "")), AccessPoint("Shaky", WEP_AND_OPEN, 90,
                                                                                ("WEP", "")),
                        AccessPoint("Old", "WEP", 60)]
    assert all(network.secured for network in networks)
    with pytest.raises(ValueError):
        join(mock, "Shaky", "12345", WEP_AND_OPEN)
    assert mock.connections() == []
    join(mock, "Old", "12345", "WEP")
    assert (joined_security(mock)["key-mgmt"], joined_security(mock)["wep-key0"]) == ("none", "12345")


def test_a_lookalike_ssid_is_shown_apart_from_the_real_one(
        nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    """"Home\u200b" (a zero-width space) beside "Home": each keeps its exact SSID, the lookalike's display shows
    the escape, and both carry lookalike: true (the device cannot know which one is the user's)."""
    mock = nm_mock_factory()
    mock.add_wifi_device("wlan0")
    mock.add_access_point("Home", 60, "wpa2")
    mock.add_access_point("Home\u200b", 90, "open")
    mock.add_access_point("Studio", 40, "wpa3")

    async def body(nm: NetworkManager) -> List[AccessPoint]:
        return await nm.scan(await nm.wifi_device())

    entries = page_entries(with_nm(mock, body))
    assert entries == [
        {"ssid": "Home\u200b", "security": "", "strength": 90, "display": "Home\\u200b", "lookalike": True},
        {"ssid": "Home", "security": "WPA2", "strength": 60, "display": "Home", "lookalike": True},
        {"ssid": "Studio", "security": "WPA3", "strength": 40, "display": "Studio", "lookalike": False}]
    assert entries[0]["display"] != entries[1]["display"]


def test_a_crafted_ssid_cannot_forge_a_log_line(nm_mock_factory: Callable[[], MockNetworkManager],
                                                logs: Any) -> None:
    """An SSID with a newline, a carriage return and ANSI escapes: scanned, a failed join, a join; no log line
    of the package carries any control character."""
    crafted = "Evil\nINFO forged\r\x1b[31mX\x1b[0m"  # 27 bytes: an SSID may be 32
    mock = nm_mock_factory()
    mock.add_wifi_device("wlan0")
    mock.add_access_point(crafted, 80, "wpa2")

    async def body(nm: NetworkManager) -> None:
        device = await nm.wifi_device()
        (network,) = await nm.scan(device)
        assert network.ssid == crafted
        mock.fail_next_join("wrong_password")
        with pytest.raises(JoinFailed) as raised:
            await nm.join(device, crafted, "correct horse", network.security, 20.0)
        assert not [c for c in str(raised.value) if c in "\n\r\x1b"]
        await nm.join(device, crafted, "correct horse", network.security, 20.0)

    with_nm(mock, body)
    about = [line for line in logs.lines if "Evil" in line]
    assert len(about) >= 3
    assert not [line for line in logs.lines if any(ord(c) < 0x20 or ord(c) == 0x7F for c in line)]


@pytest.mark.parametrize("how", ["slow", "cancelled"])
def test_a_slow_teardown_still_removes_the_setup_network(nm_mock: MockNetworkManager,
                                                         monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """DeactivateConnection takes 2.7 s, longer than a call may (2 s): a stop that gives up on it after 1.5 s
    ("slow"), or that is cancelled while it waits ("cancelled"), still deletes the access point's profile (the
    stand-in answers one call at a time: the deletion is answered once the slow call is)."""
    profile = start_hotspot(nm_mock)
    nm_mock.slow_deactivations(2.7)
    monkeypatch.setattr(nm_module, "DEACTIVATE_WAIT", 1.5)

    async def main() -> None:
        async with NetworkManager(nm_mock.address, call_timeout=2.0) as nm:
            if how == "slow":
                await nm.stop(profile)
                return
            stop = asyncio.ensure_future(nm.stop(profile))
            await asyncio.sleep(1.0)  # the deletion then waits 1.7 s behind the slow call: within a call's 2 s
            stop.cancel()
            with pytest.raises(asyncio.CancelledError):
                await stop

    run(main())
    assert nm_mock.deactivations() == 1
    assert hotspot_profiles(nm_mock) == [] and nm_mock.active_connections() == []


# -- OWE and SSIDs that are not UTF-8 ------------------------------------------------------------------------------


def test_owe_networks_are_scanned_as_owe_and_joined_with_key_mgmt_owe(
        nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    """An OWE access point and the open half of a transition pair read as "OWE"; a join saves key-mgmt owe with no
    secret."""
    mock = nm_mock_factory()
    mock.add_wifi_device("wlan0")
    mock.add_access_point("Library", 60, "owe")
    mock.add_access_point("Station", 50, "owe-transition")

    async def body(nm: NetworkManager) -> List[AccessPoint]:
        return await nm.scan(await nm.wifi_device())

    assert with_nm(mock, body) == [AccessPoint("Library", "OWE", 60), AccessPoint("Station", "OWE", 50)]
    join(mock, "Library", "", "OWE")
    assert joined_security(mock) == {"key-mgmt": "owe"}


def test_a_non_utf8_ssid_is_scanned_with_its_bytes_and_joined_by_them(
        nm_mock_factory: Callable[[], MockNetworkManager]) -> None:
    """b"Caf\\xe9" (Latin-1): the scan keeps the bytes, the join's profile has them (not the display form's)."""
    mock = nm_mock_factory()
    mock.add_wifi_device("wlan0")
    mock.add_access_point(b"Caf\xe9", 60, "wpa2")

    async def body(nm: NetworkManager) -> List[AccessPoint]:
        return await nm.scan(await nm.wifi_device())

    (network,) = with_nm(mock, body)
    assert (network.ssid, network.raw) == ("Caf\\xe9", b"Caf\xe9")
    join(mock, network.raw, "correct horse", "WPA2")
    (saved,) = mock.connections()
    assert saved["settings"]["802-11-wireless"]["ssid"] == b"Caf\xe9" and saved["id"] == "Caf\\xe9"


def test_the_stand_in_verifies_a_profiles_security_as_networkmanager_does(nm_mock: MockNetworkManager) -> None:
    """The stand-in's AddConnection refuses a psk NetworkManager refuses (under 8 bytes, 64 that are not hex) and
    saves a 64-hex one: a check of ours that went missing would show as a refusal after the teardown."""
    import dbus
    for bad in ("short", "x" * 64):
        with pytest.raises(dbus.exceptions.DBusException) as refused:
            nm_mock.add_profile("Home", "Home", psk=bad)
        assert refused.value.get_dbus_name() == "org.freedesktop.NetworkManager.Settings.Connection.InvalidProperty"
    assert nm_mock.connections() == []
    nm_mock.add_profile("Home", "Home", psk="0123456789abcdef" * 4)
    assert [c["psk"] for c in nm_mock.connections()] == ["0123456789abcdef" * 4]
