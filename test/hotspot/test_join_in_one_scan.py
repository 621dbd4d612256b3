"""Join in one scan: the hotspot method with the manager on FakeBus and a screen, NetworkManager stood in for by
python-dbusmock, the page and DNS on 127.0.0.1. The page the device's screen shows is rendered by the QML test
harness (Qt5 and Qt6), its screenshot's QR code read with zxing-cpp, and what it says is what NetworkManager's
access point holds, a name with a ';' and a '"' and a passphrase with every escaped character included."""
import socket
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as t

from helpers import NS, send, wait_until
from stack import free_port
from hotspot.conftest import LogLines
from hotspot.nm_mock import MockNetworkManager
from hotspot.phone import Phone
from wifi_qr import parse_wifi, read_qr_codes, render_page

pytest.importorskip("dbus_fast", reason="needs the hotspot extra: pip install -e '.[hotspot]'")

HOTSPOT = t.HOTSPOT_CLIENT_NAME
SSID = 'Kitchen;"Speaker"'
PASSPHRASE = 'pa;ss,wo"rd:\\42'  # noqa: S105 - made up for the test
RIGHT = "correct horse battery"  # noqa: S105 - the mock's Home network's password, made up
WAIT = 20.0


def join_data(recorder: Any) -> Dict[str, Any]:
    """The hotspot's session data as ovos-gui holds it (every gui.value.set of its namespace, in order)."""
    merged: Dict[str, Any] = {}
    for data in recorder.of("gui.value.set"):
        if data.get("__from") == HOTSPOT:
            merged.update({k: v for k, v in data.items() if not k.startswith("__")})
    return merged


def texts(snap: Dict[str, Any], name: str) -> list:
    return [x["text"] for x in snap["texts"][name]]


@pytest.mark.parametrize("framework", ("qt5", "qt6"))
def test_the_phone_joins_the_setup_network_with_what_the_screen_shows(
        framework: str, bus: Any, recorder: Any, nm_mock: MockNetworkManager, make_plugin: Callable[..., Any],
        tmp_path: Path, logs: LogLines) -> None:
    """The user picks "Connect from your phone" on the selection page: the screen shows the join page; its QR code,
    read off the rendered screenshot and unescaped, is the access point's SSID and WPA2 passphrase in
    NetworkManager; its words say the same and the address the phone then opens; the page goes when the session
    ends; no log line has the passphrase."""
    phone = Phone(free_port(), free_port(socket.SOCK_DGRAM))
    make_plugin(gui="always", hotspot_client="auto", hotspot_address="127.0.0.1", hotspot_http_port=phone.http_port,
                hotspot_dns_port=phone.dns_port, hotspot_join_timeout=10, hotspot_ssid=SSID,
                hotspot_passphrase=PASSPHRASE)
    record = wait_until(lambda: [d for d in recorder.of(NS + "client.registered") if d["client"] == HOTSPOT], WAIT)
    assert record, "the hotspot method never registered"
    send(bus, "user.activated")
    send(bus, NS + "client.select", {"client": HOTSPOT, "id": record[-1]["id"]})
    wait_until(phone.up, WAIT) or pytest.fail("the setup page never came up")
    wait_until(lambda: join_data(recorder).get("join_qr"), WAIT) or pytest.fail("the screen showed no join page")
    assert [d["page_names"] for d in recorder.of("gui.page.show") if d.get("__from") == HOTSPOT]

    png = tmp_path / "join.png"
    snap = render_page(framework, join_data(recorder), png)
    read = read_qr_codes(png)
    assert len(read) == 1, read
    fields = parse_wifi(read[0])
    (ap,) = [c for c in nm_mock.connections() if c["mode"] == "ap"]
    assert (fields["T"], fields["S"], fields["P"]) == ("WPA", ap["ssid"], ap["psk"]) == ("WPA", SSID, PASSPHRASE)
    assert ap["key_mgmt"] == "wpa-psk"

    # The words on the screen: the same name and passphrase, and the address that answers the phone.
    assert texts(snap, "joinSsid") == [SSID]
    assert "".join(texts(snap, "joinSecretGroup")) == PASSPHRASE
    (url,) = texts(snap, "joinUrl")
    assert url == f"http://127.0.0.1:{phone.http_port}/"
    code, _, page = phone.request("GET", "/")
    assert code == 200 and "Home" in page

    # The phone joins the home network: the session ends, the screen's page is released with its data.
    assert phone.connect("Home", RIGHT)[0] == 202
    wait_until(lambda: {"skill_id": HOTSPOT} in recorder.of("mycroft.gui.screen.close"), WAIT) \
        or pytest.fail("the join page stayed on the screen after the session")
    assert {"__from": HOTSPOT} in recorder.of(t.GUI_CLEAR_NAMESPACE)
    for secret in (PASSPHRASE, RIGHT):
        assert not [line for line in logs.lines if secret in line]
