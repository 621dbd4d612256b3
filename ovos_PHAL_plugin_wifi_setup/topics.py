"""The wire contract of docs/PROTOCOL.md as constants: every topic and key in one place."""
from typing import Final

PLUGIN_ID: Final = "ovos-PHAL-plugin-wifi-setup"
# The version of docs/PROTOCOL.md this code keeps (status.response's `protocol`).
PROTOCOL_VERSION: Final = "2.1"
NAMESPACE: Final = "ovos.phal.wifi.plugin"
# The words of the mode settings ("gui", "screen_client", "hotspot_client"), the manager's and the methods' alike.
MODES: Final = ("auto", "always", "never")


def _t(suffix: str) -> str:
    """Return a topic in the plugin's namespace."""
    return f"{NAMESPACE}.{suffix}"


# Requests the plugin answers.
REGISTER_CLIENT: Final = _t("register.client")
DEREGISTER_CLIENT: Final = _t("deregister.client")
SET_ACTIVE_CLIENT: Final = _t("set.active.client")
REMOVE_ACTIVE_CLIENT: Final = _t("remove.active.client")
CLIENT_SETUP_FAILURE: Final = _t("client.setup.failure")
CLIENT_SELECT: Final = _t("client.select")
SKIP_SETUP: Final = _t("skip.setup")
# Inbound "never connect" is dotted; the outbound announcement is underscored (FULLY_OFFLINE_OUT).
FULLY_OFFLINE_IN: Final = _t("fully.offline")
USER_ACTIVATED: Final = _t("user.activated")
SELECT_PAGE_REMOVED: Final = _t("client.select.page.removed")
STATUS: Final = _t("status")
STATUS_RESPONSE: Final = _t("status.response")
GET_REGISTERED_CLIENTS: Final = _t("get.registered.clients")

# Replies and announcements the plugin sends.
CLIENT_REGISTERED: Final = _t("client.registered")
REGISTRATION_FAILURE: Final = _t("client.registration.failure")
CLIENT_DEREGISTERED: Final = _t("client.deregistered")
DEREGISTRATION_FAILURE: Final = _t("client.deregistration.failure")
ACTIVATION_FAILURE: Final = _t("client.activation.failure")
# The outcome of set.active.client for the client already in session (nothing else changes).
CLIENT_ALREADY_ACTIVE: Final = _t("client.already.active")
REGISTERED_CLIENTS: Final = _t("registered.clients")
ALIVE: Final = _t("alive")
SETUP_LAUNCHED: Final = _t("setup.launched")
STOP_SETUP: Final = _t("stop.setup.event")
SETUP_FAILED: Final = _t("setup.failed")
FULLY_OFFLINE_OUT: Final = _t("fully_offline")


def activate_topic(client_id: str) -> str:
    """Return the topic that tells one client to start its setup session."""
    return _t(f"activate.{client_id}")


def deactivate_topic(client_id: str) -> str:
    """Return the topic that tells one client to end its setup session."""
    return _t(f"deactivate.{client_id}")


# Generic OVOS messages.
INTERNET_CONNECTED: Final = "mycroft.internet.connected"
INTERNET_DISCONNECTED: Final = "mycroft.internet.disconnected"
INTERNET_STATE: Final = "mycroft.internet.state"
NETWORK_STATE: Final = "mycroft.network.state"
IS_READY: Final = "mycroft.internet.is_ready"
# ovos-PHAL-plugin-connectivity-events answers this with {internet_connected, network_connected}.
INTERNET_CHECK: Final = "ovos.PHAL.internet_check"
INTERNET_CHECK_RESPONSE: Final = "ovos.PHAL.internet_check.response"
NOTIFY_NO_INTERNET: Final = "enclosure.notify.no_internet"
NTP_SYNC: Final = "system.ntp.sync"
WIFI_SETUP_COMPLETED: Final = "ovos.wifi.setup.completed"
# ovos-shell's network status indicator waits for this one when a round opens.
WIFI_SETUP_STARTED: Final = "ovos.wifi.setup.started"
SPEAK: Final = "speak"
# ovos-config sends it when mycroft.conf changed (the device's language, for one).
CONFIG_UPDATED: Final = "configuration.updated"
SHELL_STATUS_OK: Final = "ovos.shell.status.ok"

# The context key that marks a notice (no_internet, setup completed, shell status) as the plugin's own.
NOTICE_MARK: Final = "wifi_setup_notice"

# What the GUI service says about connected screens.
GUI_STATUS_REQUEST: Final = "gui.status.request"
GUI_STATUS_RESPONSE: Final = "gui.status.request.response"
GUI_CONNECTED: Final = "mycroft.gui.connected"

# Payload keys: the short spelling the clients in the field send, and the long
# spelling of the published event documentation.
K_CLIENT: Final = "client"
K_TYPE: Final = "type"
K_TYPE_LONG: Final = "client_plugin_type"
K_DISPLAY_TEXT: Final = "display_text"
K_DISPLAY_TEXT_LONG: Final = "client_plugin_display_text"
K_HAS_GUI: Final = "has_gui"
K_HAS_GUI_LONG: Final = "client_plugin_has_gui"
K_REQUIRES_INPUT: Final = "requires_input"
K_REQUIRES_INPUT_LONG: Final = "client_plugin_requires_input"
K_ID: Final = "id"
K_ID_LONG: Final = "client_id"
K_REQ_CLIENT: Final = "user_requested_client"
K_REQ_ID: Final = "user_requested_id"
K_ERROR: Final = "error"

# Inbound aliases, first found wins.
CLIENT_ALIASES: Final = (K_CLIENT,)
TYPE_ALIASES: Final = (K_TYPE, K_TYPE_LONG)
DISPLAY_TEXT_ALIASES: Final = (K_DISPLAY_TEXT, K_DISPLAY_TEXT_LONG)
HAS_GUI_ALIASES: Final = (K_HAS_GUI, K_HAS_GUI_LONG)
REQUIRES_INPUT_ALIASES: Final = (K_REQUIRES_INPUT, K_REQUIRES_INPUT_LONG)
# Deregistration and reports name a client by id with either spelling.
ID_ALIASES: Final = (K_ID_LONG, K_ID)
# Activation requests: the documented long keys first, then the short ones.
REQ_CLIENT_ALIASES: Final = (K_REQ_CLIENT, K_CLIENT)
REQ_ID_ALIASES: Final = (K_REQ_ID, K_ID, K_ID_LONG)

# ovos-PHAL-plugin-balena-wifi 1.2.x registers under its class name (ovos-workshop renames the plugin)
# but names itself by its plugin name when it asks to be removed: both names are the same client.
BALENA_PLUGIN_NAME: Final = "ovos-PHAL-plugin-balena-wifi"
BALENA_REGISTERED_NAME: Final = "BalenaWifiSetupPlugin"
CLIENT_NAME_QUIRKS: Final = {BALENA_PLUGIN_NAME: BALENA_REGISTERED_NAME}

# The GUISetup client of ovos-PHAL-plugin-network-manager 1.3.x drops its activate/deactivate handlers on
# every client.deregistered, whoever left; the plugin tells it its record again after someone else leaves.
GUI_NETWORK_CLIENT_NAME: Final = "ovos-PHAL-plugin-gui-network-client"
DEAF_AFTER_ANY_DEREGISTRATION: Final = frozenset({GUI_NETWORK_CLIENT_NAME})

# Client types with their own icon; others are accepted and shown generic.
TYPE_ON_DEVICE: Final = "onDevice"
TYPE_REMOTE: Final = "Remote"
KNOWN_TYPES: Final = (TYPE_ON_DEVICE, TYPE_REMOTE)

# Field caps from the client record table.
MAX_CLIENT_LEN: Final = 128
MAX_DISPLAY_TEXT_LEN: Final = 128
MAX_TYPE_LEN: Final = 64

# The built-in on-screen Wi-Fi method: a client like any other, and the topics its page sends.
SCREEN_CLIENT_NAME: Final = "ovos-PHAL-plugin-wifi-setup-screen"
SCREEN_SCAN: Final = _t("screen.scan")
SCREEN_CONNECT: Final = _t("screen.connect")
SCREEN_BACK: Final = _t("screen.back")
PAGE_TYPE_NETWORKS: Final = "NetworkSetup"

# The built-in "connect from your phone" method (the `hotspot` extra): a client like any other.
HOTSPOT_CLIENT_NAME: Final = "ovos-PHAL-plugin-wifi-setup-hotspot"
# Say the setup network's passphrase (or the open network's code) again; the voice sentence "repeat the password"
# sends it too.
HOTSPOT_REPEAT: Final = _t("hotspot.repeat")
# Its page on the device's own screen, where there is one: how to join the setup network (and a QR code of it).
PAGE_TYPE_HOTSPOT_JOIN: Final = "HotspotJoin"
# The built-in methods clean up before they answer a deactivate: no stop_settle applies to them.
BUILTIN_CLIENT_NAMES: Final = frozenset({SCREEN_CLIENT_NAME, HOTSPOT_CLIENT_NAME})

# ovos-PHAL-plugin-network-manager 1.3.5's bus API (its replies carry no request id).
NM_SCAN: Final = "ovos.phal.nm.scan"
NM_SCAN_COMPLETE: Final = "ovos.phal.nm.scan.complete"
NM_CONNECT: Final = "ovos.phal.nm.connect"
NM_CONNECT_OPEN: Final = "ovos.phal.nm.connect.open.network"
NM_CONNECTED_OK: Final = "ovos.phal.nm.connection.successful"
NM_CONNECT_FAILED: Final = "ovos.phal.nm.connection.failure"
NM_GET_CONNECTED: Final = "ovos.phal.nm.get.connected"
NM_IS_CONNECTED: Final = "ovos.phal.nm.is.connected"
NM_IS_NOT_CONNECTED: Final = "ovos.phal.nm.is.not.connected"

# The selection screen.
GUI_PAGE: Final = "WifiSetupLoader"
PAGE_TYPE_SELECT: Final = "ClientSelection"
SESSION_PAGE_TYPE: Final = "page_type"
SESSION_CLIENTS: Final = "clients_model"
# A number per selection page put up; the page names it in client.select.page.removed.
SESSION_PAGE_SERIAL: Final = "page_serial"
K_PAGE_SERIAL: Final = SESSION_PAGE_SERIAL
# Every text the pages show, in the device's language (key → text; `{ssid}` is filled in by the page).
SESSION_TEXTS: Final = "texts"
# The selection page's subtitle: a note ("Starting ...", "joined but no internet") stands in its place.
TEXT_SUBTITLE: Final = "select_subtitle"
# ovos-gui's message that drops a namespace's pages and data ({"__from": namespace}).
GUI_CLEAR_NAMESPACE: Final = "gui.clear.namespace"
