"""NetworkManager's D-Bus vocabulary as nm.py needs it, in plain code without a bus: its names and numbers, the values
nm.py returns (AccessPoint, WifiDevice, Profile), the reading of SSIDs, security flags and a device's StateChanged
signals, and the settings of the two profiles nm.py saves (the setup access point, the user's network).

The quirks of NetworkManager that this module handles are named in nm.py's docstring with the others.
"""
import ipaddress
import string
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from dbus_fast import Message, MessageType, Variant

from ovos_PHAL_plugin_wifi_setup.readable import visible

HOTSPOT_CONNECTION_ID = "OVOS Wi-Fi setup hotspot"  # the AP profile's connection.id (stale ones are removed)
# The AP's address, set explicitly (it is NetworkManager's own default for shared mode). Shared mode also runs
# NetworkManager's dnsmasq for the phones' DHCP, and that dnsmasq answers DNS on this address, port 53.
SHARED_ADDRESS = "10.42.0.1"

MAX_ACCESS_POINTS = 200    # networks a scan returns at most
MAX_SSID_BYTES = 32

NM_NAME = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
# The first NetworkManager whose access points can keep their stations apart (802-11-wireless.ap-isolation).
AP_ISOLATION_SINCE = (1, 28)
SETTINGS_PATH = "/org/freedesktop/NetworkManager/Settings"
IF_NM = "org.freedesktop.NetworkManager"
IF_SETTINGS = "org.freedesktop.NetworkManager.Settings"
IF_CONNECTION = "org.freedesktop.NetworkManager.Settings.Connection"
IF_DEVICE = "org.freedesktop.NetworkManager.Device"
IF_WIRELESS = "org.freedesktop.NetworkManager.Device.Wireless"
IF_AP = "org.freedesktop.NetworkManager.AccessPoint"
IF_ACTIVE = "org.freedesktop.NetworkManager.Connection.Active"
IF_PROPERTIES = "org.freedesktop.DBus.Properties"
BUS_NAME = "org.freedesktop.DBus"
BUS_PATH = "/org/freedesktop/DBus"

DEVICE_TYPE_WIFI = 2
WIFI_CAPABILITY_AP = 0x40

# NMActiveConnectionState
AC_ACTIVATED = 2
AC_DEACTIVATING = 3
AC_DEACTIVATED = 4

# NMDeviceState
DEVICE_NEED_AUTH = 60
DEVICE_FAILED = 120

# NMDeviceStateReason: 7 NO_SECRETS, 8 SUPPLICANT_DISCONNECT, 9 SUPPLICANT_CONFIG_FAILED, 10 SUPPLICANT_FAILED,
# 11 SUPPLICANT_TIMEOUT; 53 SSID_NOT_FOUND.
PASSWORD_REASONS = frozenset({7, 8, 9, 10, 11})
REASON_SSID_NOT_FOUND = 53

# NM80211ApFlags / NM80211ApSecurityFlags
AP_FLAG_PRIVACY = 0x1
SEC_KEY_MGMT_PSK = 0x100
SEC_KEY_MGMT_802_1X = 0x200
SEC_KEY_MGMT_SAE = 0x400
SEC_KEY_MGMT_EAP_SUITE_B_192 = 0x2000

# D-Bus error names: the object is not there (any more), the service is not there, a property is unknown.
GONE = ("org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.UnknownMethod",
        "org.freedesktop.DBus.Error.UnknownInterface", "org.freedesktop.NetworkManager.UnknownConnection",
        "org.freedesktop.NetworkManager.ConnectionNotActive")
NO_SERVICE = ("org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
              "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Disconnected",
              "org.freedesktop.DBus.Error.Spawn.ServiceNotFound")
SCAN_REFUSALS = ("org.freedesktop.NetworkManager.Device.NotAllowed",
                 "org.freedesktop.NetworkManager.PermissionDenied", "org.freedesktop.DBus.Error.AccessDenied")

# Security as the page shows it -> 802-11-wireless-security.key-mgmt to join with ("" for none).
KEY_MGMT = {"": "", "WEP": "none", "WPA": "wpa-psk", "WPA2": "wpa-psk", "WPA3": "sae"}
# Security words from the weakest to the strongest: a network is joined with the strongest any of its access points
# advertised (802.1X is not joined from the page at all, so a beacon claiming it can only make a network unjoinable).
STRENGTH_ORDER = ("", "WEP", "WPA", "WPA2", "WPA3", "802.1X")
# The security of a network seen both as WEP and as open: never joined open, and WEP only where every access point
# is WEP, so it is not joined at all (not in KEY_MGMT: join() refuses it).
WEP_AND_OPEN = "WEP Open"
OPEN_WORD = "Open"  # the page's word for "" in a mixed network's list of words


@dataclass(frozen=True)
class AccessPoint:
    """A network as the page lists it: one entry per SSID."""

    ssid: str       # decoded UTF-8 (errors="replace"); hidden (empty / all-NUL) ones are never returned
    security: str   # what joining uses: "" (open), "WEP", "WPA", "WPA2", "WPA3", "802.1X", or WEP_AND_OPEN
    strength: int   # 0..100
    advertised: Tuple[str, ...] = ()
    """Where its access points disagree: every security word they advertised, strongest first ("" for open);
    empty where all advertise `security`."""

    @property
    def secured(self) -> bool:
        """True when joining needs a password (or, for 802.1X, an account)."""
        return self.security != ""

    @property
    def words(self) -> str:
        """The page's security words: `security`, or for a mixed network all it advertised, strongest first and
        space-separated ("WPA3 WPA2", "WPA2 Open")."""
        if not self.advertised:
            return self.security
        return " ".join(word or OPEN_WORD for word in self.advertised)


@dataclass(frozen=True)
class WifiDevice:
    """The Wi-Fi device the hotspot and the join use."""

    path: str
    interface: str
    hw_address: str


@dataclass(frozen=True)
class Profile:
    """A saved connection profile and, while it is up, its active connection."""

    connection: str           # settings path
    active: Optional[str]     # active-connection path, or None


@dataclass
class DeviceWatch:
    """What the device showed during one activation, from its StateChanged signals (when subscribed) and from
    polling: the failure's reason, and whether it asked for authentication (NEED_AUTH)."""

    path: str
    sender: str = ""
    failed_reason: Optional[int] = None
    needed_auth: bool = False
    rule: str = ""      # the match rule, while subscribed

    def feed(self, message: Message) -> None:
        """Take one incoming message; only the device's own StateChanged from NetworkManager counts."""
        if (message.message_type != MessageType.SIGNAL or message.path != self.path
                or message.interface != IF_DEVICE or message.member != "StateChanged"
                or message.sender != self.sender or message.signature != "uuu"):
            return
        new, _old, reason = (int(value) for value in message.body)
        if new == DEVICE_NEED_AUTH:
            self.needed_auth = True
        if new == DEVICE_FAILED:
            self.failed_reason = reason


def scrub(text: str, secret: str, limit: int = 200) -> str:
    """`text` with every occurrence of `secret` blanked (an answer could quote what it was sent), then cut to
    `limit` characters."""
    return (text.replace(secret, "***") if secret else text)[:limit]


def decode_ssid(raw: Any) -> str:
    """An SSID's text, "" for a hidden network (NetworkManager shows an empty or NUL-padded SSID for those)."""
    data = bytes(raw) if isinstance(raw, (bytes, bytearray, list)) else b""
    if not data.strip(b"\x00"):
        return ""
    return data.decode("utf-8", errors="replace")


def security_word(flags: int, wpa: int, rsn: int) -> str:
    """The page's word for an access point's security, from its Flags, WpaFlags and RsnFlags.

    A WPA2/WPA3 transition network (PSK and SAE both offered) is "WPA2": wpa-psk joins it with any supplicant.
    """
    key_mgmt = wpa | rsn
    if key_mgmt & (SEC_KEY_MGMT_802_1X | SEC_KEY_MGMT_EAP_SUITE_B_192):
        return "802.1X"
    if rsn & SEC_KEY_MGMT_PSK:
        return "WPA2"
    if rsn & SEC_KEY_MGMT_SAE:
        return "WPA3"
    if wpa & SEC_KEY_MGMT_PSK:
        return "WPA"
    if flags & AP_FLAG_PRIVACY and not key_mgmt:
        return "WEP"
    return ""  # open (an OWE "enhanced open" network reads as open here too)


def merge_access_points(found: Sequence[AccessPoint]) -> List[AccessPoint]:
    """One entry per SSID, hidden ones left out, strongest first (then by name), at most MAX_ACCESS_POINTS.

    An entry has its strongest signal and the strongest security any of its access points advertised, never the
    strongest access point's: a neighbour's louder beacon of the same name cannot make a WPA3 network be joined
    as WPA2 or a WPA2 one as WEP. Secured if any access point is; WEP only where every one is (WEP_AND_OPEN where
    the others are open). `advertised` lists the words where they differ.
    """
    strength: Dict[str, int] = {}
    seen: Dict[str, Set[str]] = {}
    for ap in found:
        if not ap.ssid:
            continue
        strength[ap.ssid] = max(strength.get(ap.ssid, 0), ap.strength)
        seen.setdefault(ap.ssid, set()).update(ap.advertised or (ap.security,))
    merged = []
    for ssid, words in seen.items():
        ordered = tuple(sorted(words, key=_rank, reverse=True))
        security = ordered[0]
        if security == "WEP" and len(ordered) > 1:
            security = WEP_AND_OPEN  # WEP and open only: WEP is not every access point's, open is never used
        merged.append(AccessPoint(ssid=ssid, security=security, strength=strength[ssid],
                                  advertised=ordered if len(ordered) > 1 else ()))
    merged.sort(key=lambda ap: (-ap.strength, ap.ssid.casefold(), ap.ssid))
    return merged[:MAX_ACCESS_POINTS]


def _rank(word: str) -> int:
    """Where a security word stands in STRENGTH_ORDER (an unknown one above all: it is never joined)."""
    return STRENGTH_ORDER.index(word) if word in STRENGTH_ORDER else len(STRENGTH_ORDER)


def _skeleton(ssid: str) -> str:
    """What an SSID looks like, nearly: compatibility forms folded (NFKC), case folded, unseen characters dropped."""
    return "".join(char for char in unicodedata.normalize("NFKC", ssid).casefold() if char.isprintable())


def page_entries(networks: Sequence[AccessPoint]) -> List[Dict[str, Any]]:
    """The networks as the page's list has them: `ssid` (exact, what a connect names), `security` (the words, see
    AccessPoint.words), `strength`, `display` (the SSID with every unseen character escaped, readable.visible) and
    `lookalike` (True where its display differs from its SSID, or another listed SSID looks the same once
    compatibility forms, case and unseen characters are set aside: "Home\u200b" beside "Home" flags both)."""
    skeletons: Dict[str, int] = {}
    for network in networks:
        skeletons[_skeleton(network.ssid)] = skeletons.get(_skeleton(network.ssid), 0) + 1
    return [{"ssid": n.ssid, "security": n.words, "strength": n.strength, "display": visible(n.ssid),
             "lookalike": visible(n.ssid) != n.ssid or skeletons[_skeleton(n.ssid)] > 1} for n in networks]


def encode_ssid(ssid: Any) -> bytes:
    """The SSID to put in a profile; ValueError when it cannot be one (1 to 32 bytes of UTF-8)."""
    if not isinstance(ssid, str) or not ssid:
        raise ValueError("an SSID must be non-empty text")
    data = ssid.encode("utf-8")
    if len(data) > MAX_SSID_BYTES:
        raise ValueError(f"an SSID is at most {MAX_SSID_BYTES} bytes of UTF-8")
    return data


def valid_wpa_psk(password: str) -> bool:
    """What NetworkManager accepts as a WPA/WPA2 pre-shared key: 8 to 63 printable ASCII characters, or 64 hex."""
    if len(password) == 64:
        return all(c in string.hexdigits for c in password)
    return 8 <= len(password) <= 63 and all(" " <= c <= "~" for c in password)


def wep_key_type(password: str) -> int:
    """802-11-wireless-security.wep-key-type: 1 for a key (5 or 13 characters, 10 or 26 hex), 2 for a passphrase."""
    if len(password) in (5, 13) or (len(password) in (10, 26) and all(c in string.hexdigits for c in password)):
        return 1
    return 2


def unwrap(value: Any) -> Any:
    """A settings value from GetSettings, variants unwrapped."""
    return value.value if isinstance(value, Variant) else value


def has_ap_isolation(version: Any) -> bool:
    """Whether a NetworkManager of this version (its `Version` property, "1.42.4") takes 802-11-wireless's
    ap-isolation (1.28 and later; an older one refuses a profile that names it)."""
    try:
        major, minor = (int(part) for part in str(version).split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= AP_ISOLATION_SINCE


def access_point_settings(interface: str, ssid: str, passphrase: str, address: str,
                          isolate: bool = False) -> Dict[str, Dict[str, Variant]]:
    """The setup access point's profile (HOTSPOT_CONNECTION_ID, never autoconnected): WPA2-PSK when `passphrase` is
    given, open otherwise; `address`/24 shared (NetworkManager's DHCP for the phones); `isolate`: the stations on it
    cannot reach each other, only the device (ap-isolation). ValueError for an SSID, passphrase or address that
    cannot be one."""
    ssid_data = encode_ssid(ssid)
    if passphrase and not (8 <= len(passphrase) <= 63 and all(" " <= c <= "~" for c in passphrase)):
        raise ValueError("a WPA2 passphrase is 8 to 63 printable ASCII characters")
    try:
        ipv4 = ipaddress.IPv4Address(address)
    except (ipaddress.AddressValueError, ValueError):
        raise ValueError(f"not an IPv4 address: {address!r}") from None
    wireless: Dict[str, Variant] = {"ssid": Variant("ay", ssid_data), "mode": Variant("s", "ap"),
                                    "band": Variant("s", "bg")}
    if isolate:
        wireless["ap-isolation"] = Variant("i", 1)  # NetworkManager's ternary: -1 default, 0 off, 1 on
    settings: Dict[str, Dict[str, Variant]] = {
        "connection": {"id": Variant("s", HOTSPOT_CONNECTION_ID), "type": Variant("s", "802-11-wireless"),
                       "uuid": Variant("s", str(uuid.uuid4())), "autoconnect": Variant("b", False),
                       "interface-name": Variant("s", interface)},
        "802-11-wireless": wireless,
        "ipv4": {"method": Variant("s", "shared"),
                 "address-data": Variant("aa{sv}", [{"address": Variant("s", str(ipv4)),
                                                     "prefix": Variant("u", 24)}])},
        "ipv6": {"method": Variant("s", "ignore")},
    }
    if passphrase:
        wireless["security"] = Variant("s", "802-11-wireless-security")
        settings["802-11-wireless-security"] = {
            "key-mgmt": Variant("s", "wpa-psk"), "proto": Variant("as", ["rsn"]),
            "pairwise": Variant("as", ["ccmp"]), "group": Variant("as", ["ccmp"]),
            "psk": Variant("s", passphrase)}
    return settings


def join_settings(ssid: str, password: str, key_mgmt: str, rsn_only: bool = False) -> Dict[str, Dict[str, Variant]]:
    """The profile that joins the user's network: `key_mgmt` one of KEY_MGMT's values ("" for an open network),
    `password` one it can take (valid_wpa_psk for wpa-psk), `rsn_only` for WPA2 (proto rsn: never WPA's TKIP);
    ValueError for an SSID that cannot be one."""
    wireless: Dict[str, Variant] = {"ssid": Variant("ay", encode_ssid(ssid)), "mode": Variant("s", "infrastructure")}
    settings: Dict[str, Dict[str, Variant]] = {
        # autoconnect is left to NetworkManager's default (yes): the device rejoins after a restart.
        "connection": {"id": Variant("s", ssid), "type": Variant("s", "802-11-wireless"),
                       "uuid": Variant("s", str(uuid.uuid4()))},
        "802-11-wireless": wireless,
        "ipv4": {"method": Variant("s", "auto")},
        "ipv6": {"method": Variant("s", "auto")},
    }
    if key_mgmt == "none":
        wireless["security"] = Variant("s", "802-11-wireless-security")
        settings["802-11-wireless-security"] = {
            "key-mgmt": Variant("s", "none"), "wep-key0": Variant("s", password),
            "wep-key-type": Variant("u", wep_key_type(password))}
    elif key_mgmt:
        wireless["security"] = Variant("s", "802-11-wireless-security")
        settings["802-11-wireless-security"] = {"key-mgmt": Variant("s", key_mgmt), "psk": Variant("s", password)}
        if rsn_only:
            # WPA2 advertised: an access point of the same name offering only WPA (TKIP) is not joined.
            settings["802-11-wireless-security"]["proto"] = Variant("as", ["rsn"])
    return settings
