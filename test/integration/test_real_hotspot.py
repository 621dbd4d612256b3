"""The hotspot method on the real stack: ovos_PHAL loads our plugin by its entry point on a real ovos-messagebus,
headless; NetworkManager is python-dbusmock's template on a private system bus (test/hotspot/nm_mock.py), which
ovos_PHAL reaches through DBUS_SYSTEM_BUS_ADDRESS as it would reach the device's own. The setup page and the
catch-all DNS listen on 127.0.0.1, high ports; the test plays the user's phone over HTTP and sends
mycroft.internet.connected itself, as connectivity-events would once the device is online.
"""
import json
import re
import socket
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T

from .harness import EVENT_TIMEOUT, START_TIMEOUT, RealStack
from stack import BIN_DIR, BusRecorder, ManagedProcess, Messagebus, StackHome, free_port, wait_until

pytest.importorskip("dbus_fast", reason="needs the hotspot extra: pip install -e '.[hotspot]'")
from hotspot.nm_mock import AssociationFailed, MockNetworkManager, add_standard_scene  # noqa: E402 - after the skip
from hotspot.phone import Phone  # noqa: E402

pytestmark = pytest.mark.integration

HOTSPOT = T.HOTSPOT_CLIENT_NAME
PASSWORD = "real-stack-home-key"  # noqa: S105 - made up for the test


@pytest.fixture
def networkmanager() -> Iterator[MockNetworkManager]:
    """NetworkManager's stand-in with wlan0 and the standard networks; started before the stack, so that the
    processes the stack starts inherit its DBUS_SYSTEM_BUS_ADDRESS."""
    mock = MockNetworkManager().start()
    try:
        add_standard_scene(mock)
        yield mock
    finally:
        mock.stop()


def _files_holding(root: Path, secret: str) -> List[str]:
    """Every file below ``root`` whose bytes hold ``secret``."""
    return [str(p.relative_to(root)) for p in sorted(root.rglob("*"))
            if p.is_file() and secret.encode("utf-8") in p.read_bytes()]


def spoken_passphrase(utterance: str) -> str:
    """The passphrase as the user types it, from what the device said: three groups of four digits, each digit
    apart ("4 8 2 1, 0 9 3 7, 5 5 1 2" → "482109375512")."""
    found = re.search(r"\d \d \d \d, \d \d \d \d, \d \d \d \d", utterance)
    assert found, f"no passphrase said in {utterance!r}"
    return re.sub(r"\D", "", found.group(0))


def test_headless_user_joins_the_home_network_from_a_phone_and_the_round_completes(
        networkmanager: MockNetworkManager, real_stack: Callable[..., RealStack]) -> None:
    """The default settings (no passphrase configured): user.activated → the hotspot method is activated → a WPA2
    access point is active in NetworkManager → the device says its passphrase (`speak`) → the phone joins the setup
    network with what it heard → the page lists its networks → the phone posts the password → an infrastructure
    profile with that SSID and secret is active, the access point gone → mycroft.internet.connected completes the
    round. The password is in NetworkManager's profile only: on no bus message, in no log line, in no file of the
    stack; the passphrase as typed is in no file either."""
    web_port, dns_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    stack = real_stack(gui="never", voice=False, hotspot_client="auto", hotspot_address="127.0.0.1",
                       hotspot_http_port=web_port, hotspot_dns_port=dns_port)
    # Every service logs at DEBUG here, so that "in no log line" covers the debug lines too.
    stack.set_core_config(logging={"log_level": "DEBUG", "logs": {"path": "stdout"}})
    stack.start_bus()
    started = stack.probe.mark()
    stack.start_phal()
    probe = stack.probe
    record = stack.wait_registered(HOTSPOT, since=started)
    assert (record["type"], record["has_gui"], record["requires_input"]) == ("Remote", False, False)
    client_id = record["id"]

    # The user asks for setup: headless, the manager hands the session to the method that needs no input.
    asked = probe.mark()
    probe.emit(T.USER_ACTIVATED)
    probe.wait_for(T.activate_topic(client_id), EVENT_TIMEOUT, since=asked)
    phone = Phone(web_port, dns_port)
    wait_until(phone.up, EVENT_TIMEOUT, interval=0.1, what="the setup page")
    hotspots = [c for c in networkmanager.connections() if c["mode"] == "ap"]
    assert [(c["ssid"], c["ipv4_method"], c["key_mgmt"]) for c in hotspots] == [
        ("OVOS-Setup-0001", "shared", "wpa-psk")]
    assert hotspots[0]["id"] in [a["id"] for a in networkmanager.active_connections()]
    spoken = probe.wait_for(T.SPEAK, EVENT_TIMEOUT, since=asked)
    assert "OVOS-Setup-0001" in spoken.data["utterance"]

    # The user listens and types what the device said: the phone joins the WPA2 setup network with it (the stand-in
    # checks it against the access point's psk, as association would; a wrong one fails).
    passphrase = spoken_passphrase(spoken.data["utterance"])
    with pytest.raises(AssociationFailed):
        phone.join(networkmanager, "OVOS-Setup-0001", passphrase[:-1] + str((int(passphrase[-1]) + 1) % 10))
    phone.join(networkmanager, "OVOS-Setup-0001", passphrase)

    # The phone: the list is NetworkManager's scan, each network once, strongest first, the hidden one left out.
    code, _, body = phone.request("GET", "/api/networks")
    assert code == 200
    assert [(n["ssid"], n["security"], n["strength"]) for n in json.loads(body)["networks"]] == [
        ("Home", "WPA2", 80), ("Café Ü", "", 55), ("Studio", "WPA3", 40)]
    assert phone.connect("Home", PASSWORD) == (202, {"state": "connecting", "ssid": "Home"})

    # The device joins Home: the method ends its session, the access point is gone, the profile holds the secret.
    removal = probe.wait_for(T.REMOVE_ACTIVE_CLIENT, EVENT_TIMEOUT, since=asked)
    assert removal.data[T.K_CLIENT] == HOTSPOT
    probe.wait_for(T.deactivate_topic(client_id), EVENT_TIMEOUT, since=asked)
    wait_until(lambda: not [c for c in networkmanager.connections() if c["mode"] == "ap"], EVENT_TIMEOUT,
               interval=0.1, what="the access point's profile deleted")
    profiles = networkmanager.connections()
    assert [(c["mode"], c["ssid"], c["key_mgmt"], c["psk"]) for c in profiles] == [
        ("infrastructure", "Home", "wpa-psk", PASSWORD)]
    assert [a["connection"] for a in networkmanager.active_connections()] == [profiles[0]["path"]]
    assert stack.status()["active_client"] is None

    # connectivity-events would say this once the device is online: the round completes, once.
    stack.complete_round_once(since=started)

    # ovos_PHAL stops as a service manager stops it; nothing of the session stays in NetworkManager but the
    # user's network.
    stack.stop_phal()
    assert [c["ssid"] for c in networkmanager.connections()] == ["Home"]

    # The password went from the page to NetworkManager over D-Bus, and nowhere else.
    assert not [m.msg_type for m in probe.messages() if PASSWORD in m.serialize()], "bus messages"
    assert _files_holding(stack.root, PASSWORD) == [], "logs, state, config of the stack"
    assert _files_holding(stack.root, passphrase) == [], "the passphrase as typed: logs, state, config of the stack"


def test_stopping_ovos_phal_mid_session_takes_the_access_point_down_and_a_crash_leaves_none_for_long(
        networkmanager: MockNetworkManager, real_stack: Callable[..., RealStack]) -> None:
    """ovos_PHAL stopped as a service manager stops it (SIGTERM; 0.2.12 calls no plugin's shutdown()) while the
    access point is up: the interpreter's exit takes it down. One killed outright (SIGKILL) leaves it up; the
    next start takes it down before anything else."""
    web_port = free_port(socket.SOCK_STREAM)
    stack = real_stack(gui="never", voice=False, hotspot_client="auto", hotspot_address="127.0.0.1",
                       hotspot_http_port=web_port, hotspot_dns_port=0)
    stack.start_bus()

    def open_hotspot() -> None:
        since = stack.probe.mark()
        stack.start_phal()
        client_id = stack.wait_registered(HOTSPOT, since=since)["id"]
        stack.probe.emit(T.USER_ACTIVATED)
        stack.probe.wait_for(T.activate_topic(client_id), EVENT_TIMEOUT, since=since)
        wait_until(Phone(web_port, 0).up, EVENT_TIMEOUT, interval=0.1, what="the setup page")
        assert [c["mode"] for c in networkmanager.connections()] == ["ap"]

    def hotspots() -> List[Dict[str, Any]]:
        return [c for c in networkmanager.connections() if c["mode"] == "ap"]

    open_hotspot()
    assert stack.stop_phal() == "SIGTERM"
    assert hotspots() == [] and networkmanager.active_connections() == [], "the access point stayed up"

    open_hotspot()
    stack.phal.kill()
    assert len(hotspots()) == 1, "SIGKILL runs no exit handler: the access point stays up"
    since = stack.probe.mark()
    stack.start_phal()
    stack.wait_registered(HOTSPOT, since=since)
    wait_until(lambda: not hotspots(), EVENT_TIMEOUT, interval=0.1, what="the stale access point taken down")
    assert networkmanager.active_connections() == []


def test_the_admin_phal_runs_it_where_the_device_maker_enables_it_there(
        networkmanager: MockNetworkManager, tmp_path: Path) -> None:
    """The recommended set-up for the hotspot's privileges: enabled under PHAL → admin, ovos-PHAL's admin service
    (root on a device) loads the plugin through its opm.phal.admin entry point and the hotspot method registers;
    ovos_PHAL, beside it, leaves the plugin to the admin service."""
    ours = {"enabled": True, "gui": "never", "enable_watchdog": False, "voice": False, "hotspot_client": "auto",
            "hotspot_address": "127.0.0.1", "hotspot_http_port": free_port(socket.SOCK_STREAM),
            "hotspot_dns_port": 0}
    home = StackHome.create(tmp_path / "stack", phal={"admin": {T.PLUGIN_ID: ours}})
    bus = Messagebus(home)
    admin = ManagedProcess("ovos_PHAL_admin", [str(BIN_DIR / "ovos_PHAL_admin")], home.env(),
                           home.logs / "ovos_PHAL_admin.log")
    user = ManagedProcess("ovos_PHAL", [str(BIN_DIR / "ovos_PHAL")], home.env(), home.logs / "ovos_PHAL.log")
    probe = BusRecorder(home.port)
    bus.start(START_TIMEOUT)
    try:
        probe.connect(START_TIMEOUT)
        with admin, user:
            admin.wait_for_log(f"PHAL Admin plugin loaded: {T.PLUGIN_ID}", START_TIMEOUT)
            record = probe.wait_for(T.CLIENT_REGISTERED, EVENT_TIMEOUT,
                                    where=lambda m: m.data.get(T.K_CLIENT) == HOTSPOT)
            assert record.data["type"] == "Remote"
            user.wait_for_log("PHAL is ready", START_TIMEOUT)
            assert admin.stop() == "SIGTERM"
            assert user.stop() == "SIGTERM"
    finally:
        probe.close()
        bus.stop()
    assert f"PHAL plugin loaded: {T.PLUGIN_ID}" not in user.log_text()
    assert probe.count(T.ALIVE) == 1, "one instance of the plugin: the admin service's"
