"""The hotspot's join page module on FakeBus: the WIFI: text and its escapes, the QR matrix (read back by zxing-cpp
from an image drawn from it), when the page goes up and down, and that its secret reaches no log line or repr."""
from typing import Any, Dict, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue

from wifi_qr import parse_wifi

jp = pytest.importorskip("ovos_PHAL_plugin_wifi_setup.methods.hotspot.join_page",
                         reason="needs the hotspot extra: pip install -e '.[hotspot]'")

PASSPHRASE = "482913057736"  # noqa: S105 - made up for the tests
SSID = 'Kitchen;"Speaker"'
URL = "http://10.42.0.1/"
SET = "gui.value.set"
SHOW = "gui.page.show"
CLOSE = "mycroft.gui.screen.close"
CLEAR = "gui.clear.namespace"


@pytest.mark.parametrize("char", list('\\;,":'))
def test_each_special_character_is_escaped_with_a_backslash(char: str) -> None:
    """Each of \\ ; , " : in the SSID and in the passphrase goes behind a backslash, and parses back as it was."""
    ssid, passphrase = f"a{char}b", f"pass{char}word"
    text = jp.wifi_text(ssid, passphrase)
    assert text == f"WIFI:T:WPA;S:a\\{char}b;P:pass\\{char}word;;"
    assert parse_wifi(text) == {"T": "WPA", "S": ssid, "P": passphrase}


def test_other_characters_are_left_as_they_are() -> None:
    """Spaces, '=', non-ASCII letters and an apostrophe need no escape."""
    assert jp.wifi_text("Café Olé's = 1", "x y=z") == "WIFI:T:WPA;S:Café Olé's = 1;P:x y=z;;"


def test_an_open_network_is_nopass_without_a_password_field() -> None:
    """No passphrase: T:nopass and no P field."""
    assert jp.wifi_text("OVOS-Setup-AB12", "") == "WIFI:T:nopass;S:OVOS-Setup-AB12;;"
    assert parse_wifi(jp.wifi_text("a;b", "")) == {"T": "nopass", "S": "a;b"}


def test_the_parser_refuses_what_is_not_a_wifi_text() -> None:
    """The tests' parser is strict: a missing end, a dangling escape, a field without a name."""
    for bad in ("WIFI:T:WPA;S:x;", "WIFI:S:x\\;;", "WIFI:x;;", "MECARD:N:x;;"):
        with pytest.raises(ValueError):
            parse_wifi(bad)


def matrix_image(rows: List[str], scale: int = 6, quiet: int = 4) -> Any:
    """A grey image of a module matrix, as the page draws it: dark on white, a quiet zone around."""
    image = pytest.importorskip("PIL.Image", reason="needs Pillow: pip install -e '.[test]'")
    size = (len(rows) + 2 * quiet) * scale
    picture = image.new("L", (size, size), 255)
    for y, row in enumerate(rows):
        for x, module in enumerate(row):
            if module == "1":
                left, top = (x + quiet) * scale, (y + quiet) * scale
                picture.paste(0, (left, top, left + scale, top + scale))
    return picture


@pytest.mark.parametrize("ssid,passphrase", [
    (SSID, PASSPHRASE), ("Café Olé", "correct horse battery"), ('\\;,":' * 6 + "ab", '\\;,":x' * 10 + "abc"),
    ("OVOS-Setup-AB12", "")])
def test_the_matrix_reads_back_as_the_wifi_text(ssid: str, passphrase: str) -> None:
    """Rows of "0"/"1", square, of a QR version's size (21 + 4n); drawn, zxing-cpp reads the exact WIFI: text (a
    name outside ASCII too: the bytes are UTF-8)."""
    zxingcpp = pytest.importorskip("zxingcpp", reason="needs zxing-cpp: pip install -e '.[test]'")
    rows = jp.qr_rows(jp.wifi_text(ssid, passphrase))
    assert len(rows) in range(21, 178, 4) and all(len(r) == len(rows) and set(r) <= {"0", "1"} for r in rows)
    found = zxingcpp.read_barcodes(matrix_image(rows), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in found] == [jp.wifi_text(ssid, passphrase)]


def test_the_secret_is_cut_into_groups_for_reading() -> None:
    """Groups of four (the last may be shorter), of three for a code; one with a space of its own stays whole."""
    assert jp.groups(PASSPHRASE, 4) == ["4829", "1305", "7736"]
    assert jp.groups("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert jp.groups("123456", 3) == ["123", "456"]
    assert jp.groups("correct horse", 4) == ["correct horse"]
    assert jp.groups("", 4) == []


class Gui:
    """What the hotspot's namespace sent to the GUI, in order."""

    def __init__(self, bus: Any) -> None:
        self.sent: List[Any] = []
        for topic in (SET, SHOW, CLOSE, CLEAR, t.GUI_STATUS_REQUEST):
            bus.on(topic, self.sent.append)

    def topics(self) -> List[str]:
        return [m.msg_type for m in self.sent]

    def data(self) -> Dict[str, Any]:
        """The session data as ovos-gui holds it (every gui.value.set applied in order)."""
        merged: Dict[str, Any] = {}
        for message in self.sent:
            if message.msg_type == SET and message.data.get("__from") == t.HOTSPOT_CLIENT_NAME:
                merged.update(message.data)
        return merged


def make_page(bus: Any, gui_mode: str) -> Any:
    page = jp.JoinPage(bus, lambda: Catalogue("en-us"), gui_mode=gui_mode)
    page.start()
    return page


def test_always_shows_the_page_with_its_data_and_releases_it_at_the_end(bus: Any) -> None:
    """gui "always": WifiSetupLoader under the hotspot's namespace with page_type HotspotJoin, the name, the
    passphrase in groups, the address, the texts and the QR matrix; hide() releases it (the data cleared)."""
    gui = Gui(bus)
    page = make_page(bus, "always")
    page.show(ssid=SSID, passphrase=PASSPHRASE, url=URL)
    assert page.shown
    shows = [m for m in gui.sent if m.msg_type == SHOW]
    assert len(shows) == 1 and shows[0].data["__from"] == t.HOTSPOT_CLIENT_NAME
    assert [p.rsplit("/", 1)[-1] for p in shows[0].data["page_names"]] in (["WifiSetupLoader"],
                                                                           ["WifiSetupLoader.qml"])
    data = gui.data()
    assert data[t.SESSION_PAGE_TYPE] == t.PAGE_TYPE_HOTSPOT_JOIN == "HotspotJoin"
    assert (data[jp.K_SSID], data[jp.K_URL]) == (SSID, URL)
    assert list(data[jp.K_PASSPHRASE]) == ["4829", "1305", "7736"] and list(data[jp.K_CODE]) == []
    assert list(data[jp.K_QR]) == jp.qr_rows(jp.wifi_text(SSID, PASSPHRASE))
    assert data[t.SESSION_TEXTS]["join_title"] == "Join this device's setup network"
    before = len(gui.sent)
    page.hide()
    assert not page.shown
    assert gui.topics()[before:] == [CLEAR, CLOSE]
    assert gui.sent[-1].data == {"skill_id": t.HOTSPOT_CLIENT_NAME}
    page.hide()  # twice: nothing more
    assert len(gui.sent) == before + 2
    page.stop()


def test_the_page_goes_out_before_its_secret_data(bus: Any) -> None:
    """The gui.value.set that goes with gui.page.show (the one GUIInterface logs) carries no passphrase, code or
    matrix; they follow in their own."""
    gui = Gui(bus)
    page = make_page(bus, "always")
    page.show(ssid=SSID, passphrase=PASSPHRASE, url=URL)
    show_at = gui.topics().index(SHOW)
    with_page = gui.sent[show_at - 1]
    assert with_page.msg_type == SET
    assert not set(jp.SECRET_KEYS) & set(with_page.data)
    assert PASSPHRASE[:4] not in repr(with_page.data)
    assert set(jp.SECRET_KEYS) <= {k for m in gui.sent[show_at:] if m.msg_type == SET for k in m.data}
    page.stop()


def test_an_open_network_shows_its_code_and_a_nopass_code(bus: Any) -> None:
    """No passphrase and a code: the code in groups of three, the QR code of an open network."""
    gui = Gui(bus)
    page = make_page(bus, "always")
    page.show(ssid="OVOS-Setup-AB12", passphrase="", code="123456", url=URL)
    data = gui.data()
    assert list(data[jp.K_PASSPHRASE]) == [] and list(data[jp.K_CODE]) == ["123", "456"]
    assert list(data[jp.K_QR]) == jp.qr_rows("WIFI:T:nopass;S:OVOS-Setup-AB12;;")
    page.stop()


def test_never_shows_nothing(bus: Any) -> None:
    """gui "never": no page, no data, not even a question about the GUI."""
    gui = Gui(bus)
    page = make_page(bus, "never")
    page.show(ssid=SSID, passphrase=PASSPHRASE, url=URL)
    page.hide()
    assert gui.sent == [] and not page.shown
    page.stop()


def test_auto_asks_for_the_gui_and_shows_the_page_once_one_is_connected(bus: Any) -> None:
    """gui "auto" with no GUI known: gui.status.request and no page; "not connected" changes nothing; the page goes
    up when ovos-gui answers "connected" (or a GUI connects later in the session)."""
    from ovos_bus_client.message import Message

    gui = Gui(bus)
    page = make_page(bus, "auto")
    page.show(ssid=SSID, passphrase=PASSPHRASE, url=URL)
    assert gui.topics() == [t.GUI_STATUS_REQUEST] and not page.shown
    bus.emit(Message(t.GUI_STATUS_RESPONSE, {"connected": False}))
    assert gui.topics() == [t.GUI_STATUS_REQUEST] and not page.shown
    bus.emit(Message(t.GUI_STATUS_RESPONSE, {"connected": True}))
    assert page.shown and SHOW in gui.topics()
    bus.emit(Message(t.GUI_CONNECTED, {}))  # once is enough
    assert gui.topics().count(SHOW) == 1
    page.hide()
    # The next session: a GUI is known, the page goes up at once.
    page.show(ssid=SSID, passphrase=PASSPHRASE, url=URL)
    assert gui.topics().count(SHOW) == 2 and gui.topics().count(t.GUI_STATUS_REQUEST) == 1
    page.stop()


def test_auto_shows_the_page_when_a_gui_connects_later_in_the_session(bus: Any) -> None:
    """mycroft.gui.connected while the session is open puts the page up; after the session's end it does not."""
    from ovos_bus_client.message import Message

    gui = Gui(bus)
    page = make_page(bus, "auto")
    page.show(ssid=SSID, passphrase=PASSPHRASE, url=URL)
    page.hide()
    bus.emit(Message(t.GUI_CONNECTED, {}))
    assert SHOW not in gui.topics()
    page.show(ssid=SSID, passphrase=PASSPHRASE, url=URL)
    assert SHOW in gui.topics()
    page.stop()


def test_stop_takes_the_page_down_and_stops_listening(bus: Any) -> None:
    """stop() releases a page that is up; a GUI connecting afterwards shows nothing."""
    from ovos_bus_client.message import Message

    gui = Gui(bus)
    page = make_page(bus, "auto")
    bus.emit(Message(t.GUI_CONNECTED, {}))
    page.show(ssid=SSID, passphrase=PASSPHRASE, url=URL)
    page.stop()
    assert gui.topics()[-2:] == [CLEAR, CLOSE]
    count = len(gui.sent)
    bus.emit(Message(t.GUI_CONNECTED, {}))
    assert len(gui.sent) == count


def test_no_log_line_or_repr_has_the_passphrase(bus: Any, monkeypatch: pytest.MonkeyPatch, logs: Any) -> None:
    """Every line the package and ovos-bus-client's GUIInterface log (at debug too) while the page goes up and
    down, and the page's repr, leave out the passphrase, its groups and the matrix."""
    from ovos_bus_client.apis import gui as gui_api

    from helpers import LogRecorder

    recorded = LogRecorder()
    monkeypatch.setattr(gui_api, "LOG", recorded)
    page = make_page(bus, "always")
    page.show(ssid=SSID, passphrase=PASSPHRASE, url=URL)
    text = repr(page) + "\n".join(m for _, m in recorded.records) + "\n".join(logs.lines)
    assert any("Updating gui data" in m for _, m in recorded.records), "GUIInterface logged no data: test is blind"
    for secret in (PASSPHRASE, "4829", "1305", jp.qr_rows(jp.wifi_text(SSID, PASSPHRASE))[0]):
        assert secret not in text
    page.stop()
