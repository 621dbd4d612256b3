"""The hotspot's page on the device's own screen: the setup network's name and passphrase (or the open network's
code) as text and as a Wi-Fi QR code, and the setup page's address, so that a phone joins in one scan.

The page is `WifiSetupLoader` with page type "HotspotJoin", under the hotspot method's own GUI namespace. The QR
code goes to the page as its module matrix (one string of "0" and "1" per row, no quiet zone: the page draws the
white border of 4 modules), so no image file is written and Qt5 and Qt6 draw it alike.

The passphrase and the matrix (which holds it too) travel in the GUI's session data on the bus, as the page needs
them, and nowhere else: not in a log line (GUIInterface logs the session data it sends with a page: they are
set only after the page went out) and not in a repr.
"""
import threading
from typing import Any, Callable, Dict, List, Optional

import segno
from ovos_bus_client.message import Message

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.pages import LazyGUI
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.presence import CODE_GROUP, PASSPHRASE_GROUP

PAGE_TYPE = t.PAGE_TYPE_HOTSPOT_JOIN
# The characters the Wi-Fi QR format (the ZXing "WIFI:" syntax phones read) makes special in a field's value.
SPECIAL = '\\;,":'
# The QR code's error correction: "M" still reads with a smudge or a glare on the screen at a modest size.
ERROR_LEVEL = "m"

# The session data keys of the page (besides page_type and texts).
K_SSID = "join_ssid"
K_PASSPHRASE = "join_passphrase"  # noqa: S105 - a session data key, not a secret
K_CODE = "join_code"
K_URL = "join_url"
K_QR = "join_qr"
SECRET_KEYS = (K_PASSPHRASE, K_CODE, K_QR)


def escape(value: str) -> str:
    """A value for a field of the WIFI: format: each of \\ ; , " : behind a backslash."""
    return "".join("\\" + c if c in SPECIAL else c for c in value)


def wifi_text(ssid: str, passphrase: str) -> str:
    """What the QR code says: a WPA network with its passphrase, or an open one (`nopass`) without."""
    if passphrase:
        return f"WIFI:T:WPA;S:{escape(ssid)};P:{escape(passphrase)};;"
    return f"WIFI:T:nopass;S:{escape(ssid)};;"


def qr_rows(text: str) -> List[str]:
    """The QR code of a text as rows of "1" (dark) and "0" (light) modules, without the quiet zone."""
    # UTF-8 whatever the text: segno would pick ISO 8859-1 for a text it fits, which phones read back as UTF-8
    # and get wrong for a name such as "Café".
    code = segno.make_qr(text, error=ERROR_LEVEL, encoding="utf-8")
    return ["".join("1" if module else "0" for module in row) for row in code.matrix]


def groups(value: str, size: int) -> List[str]:
    """A secret cut into groups of `size` for reading; one with a space of its own is shown as it is (a group
    boundary inside "correct horse" would read as another space)."""
    if not value or any(c.isspace() for c in value):
        return [value] if value else []
    return [value[i:i + size] for i in range(0, len(value), size)]


class JoinPage:
    """Shows the page while a hotspot session is open and takes it down when the session ends.

    ``gui_mode`` is the manager's "gui" setting. With "auto" the page goes up only once a GUI is known to be
    connected (ovos-gui's answer to gui.status.request, or mycroft.gui.connected, also one that comes later in the
    session): ovos-gui would keep a page for a screen that connects later, but on a device without a screen the
    passphrase would then cross the bus for nobody, and a fixed passphrase (a printed label) is never put on the
    bus otherwise. "always" shows it at once, "never" never. Bus handlers run on bus threads and show() and
    hide() on the hotspot's loop: the state changes under one lock.
    """

    def __init__(self, bus: Any, catalogue: Callable[[], Catalogue], gui_mode: str = "auto") -> None:
        """Nothing is shown or listened to until start()."""
        self.bus = bus
        self.gui_mode = gui_mode
        self._catalogue = catalogue
        self._pages = LazyGUI(t.HOTSPOT_CLIENT_NAME, bus)
        self._lock = threading.RLock()
        self._gui_connected = False
        self._started = False
        self._wanted: Optional[Dict[str, Any]] = None  # what show() asked for, while the session lasts
        self._shown = False

    def __repr__(self) -> str:
        """The page's state, never what it shows."""
        return f"JoinPage(gui_mode={self.gui_mode!r}, wanted={self._wanted is not None}, shown={self._shown})"

    def start(self) -> None:
        """Listen for a GUI's presence."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self.bus.on(t.GUI_CONNECTED, self.handle_gui_connected)
        self.bus.on(t.GUI_STATUS_RESPONSE, self.handle_gui_status)

    def stop(self) -> None:
        """Take the page down and stop listening."""
        with self._lock:
            if not self._started:
                return
            self._started = False
        self.bus.remove(t.GUI_CONNECTED, self.handle_gui_connected)
        self.bus.remove(t.GUI_STATUS_RESPONSE, self.handle_gui_status)
        self.hide()

    @property
    def shown(self) -> bool:
        """True while the page is up."""
        return self._shown

    def show(self, ssid: str, passphrase: str = "", code: str = "", url: str = "") -> None:
        """The session's network is up: put the page up now, or as soon as a GUI is known to be there."""
        public = {t.SESSION_PAGE_TYPE: PAGE_TYPE, K_SSID: ssid, K_URL: url}
        secret = {K_PASSPHRASE: groups(passphrase, PASSPHRASE_GROUP),
                  K_CODE: groups("" if passphrase else code, CODE_GROUP),
                  K_QR: qr_rows(wifi_text(ssid, passphrase))}
        with self._lock:
            if self.gui_mode == "never":
                return
            self._wanted = {"public": public, "secret": secret}
            ready = self.gui_mode == "always" or self._gui_connected
        if ready:
            self._put_up()
        else:
            # ovos-gui answers with whether a GUI is connected; the page goes up with the answer if it is.
            self.bus.emit(Message(t.GUI_STATUS_REQUEST, {}, {"source": t.HOTSPOT_CLIENT_NAME}))

    def hide(self) -> None:
        """The session ended: the page goes, with its data (the passphrase too)."""
        with self._lock:
            self._wanted = None
            shown, self._shown = self._shown, False
        gui = self._pages.made
        if not shown or gui is None:
            return
        try:
            gui.release()
        except Exception:  # ovos-bus-client's code; the session ends all the same
            LOG.exception("the hotspot's page could not be taken down")

    def handle_gui_connected(self, message: Message) -> None:
        """mycroft.gui.connected: a GUI is there; a page that waited for one goes up."""
        with self._lock:
            self._gui_connected = True
            waiting = self._wanted is not None and not self._shown
        if waiting:
            self._put_up()

    def handle_gui_status(self, message: Message) -> None:
        """gui.status.request.response {connected}: whether a GUI is there."""
        data = message.data if isinstance(message.data, dict) else {}
        if data.get("connected") is True:
            self.handle_gui_connected(message)

    def _put_up(self) -> None:
        """Show the page: its public data with it, then the secret data (GUIInterface logs what goes with a page)."""
        with self._lock:
            wanted = self._wanted
            if wanted is None or self._shown:
                return
            self._shown = True
        gui = self._pages.get()
        # release() at the last hide() cleared the data: nothing secret goes out with the page (nor into its log).
        for key, value in wanted["public"].items():
            gui[key] = value
        gui[t.SESSION_TEXTS] = self._catalogue().gui_texts()
        gui.show_page(t.GUI_PAGE, override_idle=True, override_animations=True)
        for key, value in wanted["secret"].items():
            gui[key] = value
