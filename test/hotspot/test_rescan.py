"""The page's rescan on the D-Bus stand-in, whose Wi-Fi device refuses a scan while it is an access point (as
NetworkManager does): POST /api/rescan is a 202, the access point goes down for the scan and comes back with the
same SSID and passphrase, and the new list is at /api/networks; one rescan per RESCAN_INTERVAL."""
import json
import time
from typing import Any, Callable, Dict, Tuple

import pytest

from helpers import send, wait_until
from hotspot.conftest import WAIT
from hotspot.nm_mock import MockNetworkManager
from hotspot.phone import Phone
from hotspot.test_checks import ap_is_up, session
from hotspot.test_client import aps

pytest.importorskip("dbus_fast", reason="needs the hotspot extra: pip install -e '.[hotspot]'")


def rescan(phone: Phone) -> Tuple[int, Dict[str, str], Dict[str, Any]]:
    """POST /api/rescan as the page does."""
    code, headers, text = phone.request("POST", "/api/rescan", {})
    return code, headers, json.loads(text)


def scanned(phone: Phone) -> bool:
    """The rescan is over: /api/status no longer says scanning."""
    return not phone.status().get("scanning")


def test_a_scan_request_on_a_device_in_ap_mode_is_refused_by_the_stand_in(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """The stand-in behaves as NetworkManager: RequestScan on the device while the setup AP is active is
    NotAllowed."""
    import dbus
    session(bus, recorder, hotspot)
    device = dbus.Interface(dbus.SystemBus().get_object("org.freedesktop.NetworkManager", nm_mock.devices[0]),
                            "org.freedesktop.NetworkManager.Device.Wireless")
    with pytest.raises(dbus.exceptions.DBusException, match="NotAllowed"):
        device.RequestScan({})


def test_rescan_refreshes_the_list(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """A network that came up after the session opened: not listed; after POST /api/rescan (202) it is."""
    phone = session(bus, recorder, hotspot)
    assert "Garden" not in [n["ssid"] for n in phone.networks()]
    nm_mock.add_access_point("Garden", 95, "wpa2")
    code, _, body = rescan(phone)
    assert (code, body) == (202, {"state": "scanning"})
    assert wait_until(lambda: scanned(phone) and "Garden" in [n["ssid"] for n in phone.networks()], WAIT)
    assert phone.networks()[0]["ssid"] == "Garden"


def test_rescan_on_an_ap_mode_device_cycles_the_ap_and_keeps_the_passphrase(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """The device cannot scan as an access point: the AP goes down (one deactivation), the scan runs, and the AP
    comes back with the same SSID and passphrase, so the phone rejoins it and the page answers again."""
    phone = session(bus, recorder, hotspot)
    (before,) = aps(nm_mock)
    scans = nm_mock.scan_requests()
    assert rescan(phone)[0] == 202
    assert wait_until(lambda: scanned(phone) and ap_is_up(nm_mock), WAIT)
    (after,) = aps(nm_mock)
    assert nm_mock.deactivations() == 1 and nm_mock.scan_requests() >= scans + 2  # refused, then the real one
    assert (after["ssid"], after["psk"]) == (before["ssid"], before["psk"]) and before["psk"]
    assert phone.up() and phone.status()["state"] == "waiting"


def test_rescan_is_rate_limited(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """A second rescan within 10 s of the first: 429 with Retry-After, in words; the AP was cycled once only."""
    phone = session(bus, recorder, hotspot)
    assert rescan(phone)[0] == 202
    code, headers, body = rescan(phone)
    assert (code, body["code"]) == (429, "error_rescan_too_soon") and 1 <= int(headers["retry-after"]) <= 10
    assert wait_until(lambda: scanned(phone) and ap_is_up(nm_mock), WAIT)
    code, _, _ = rescan(phone)
    assert code == 429 and nm_mock.deactivations() == 1


def test_a_session_that_ends_during_a_rescan_opens_no_access_point_again(
        bus: Any, recorder: Any, nm_mock: MockNetworkManager, hotspot: Callable[..., Any]) -> None:
    """The user skips while the AP is down for a rescan's scan: the rescan ends with the session, and no
    access point comes back afterwards."""
    phone = session(bus, recorder, hotspot)
    nm_mock.hold_scans()
    assert rescan(phone)[0] == 202
    assert wait_until(lambda: not aps(nm_mock), WAIT), "the access point never went down for the scan"
    send(bus, "skip.setup")
    assert wait_until(lambda: not phone.up(), WAIT)
    nm_mock.complete_scan()  # the held scan ends: a rescan left running would open the access point again now
    time.sleep(1.0)
    assert not aps(nm_mock) and not nm_mock.active_connections()
