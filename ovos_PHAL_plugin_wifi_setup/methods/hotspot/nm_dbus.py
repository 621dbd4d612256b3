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
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

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
SEC_KEY_MGMT_OWE = 0x800         # Opportunistic Wireless Encryption ("enhanced open", NetworkManager 1.20 on)
SEC_KEY_MGMT_OWE_TM = 0x1000     # the open half of an OWE transition pair, pointing at its OWE twin (1.26 on)
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
KEY_MGMT = {"": "", "OWE": "owe", "WEP": "none", "WPA": "wpa-psk", "WPA2": "wpa-psk", "WPA3": "sae"}
# Security words from the weakest to the strongest: a network is joined with the strongest any of its access points
# advertised (802.1X is not joined from the page at all, so a beacon claiming it can only make a network unjoinable;
# OWE over open, so that a network seen both ways is joined encrypted).
STRENGTH_ORDER = ("", "OWE", "WEP", "WPA", "WPA2", "WPA3", "802.1X")
# The words of a network joined without a password: open and OWE ("enhanced open": encrypted, no password).
PASSWORDLESS = ("", "OWE")
ENTERPRISE = "802.1X"  # an account's sign-in (wpa-eap), which the page cannot do: listed, never joined
# The security of a network seen both as WEP and as open: never joined open, and WEP only where every access point
# is WEP, so it is not joined at all (not in KEY_MGMT: join() refuses it).
WEP_AND_OPEN = "WEP Open"
OPEN_WORD = "Open"  # the page's word for "" in a mixed network's list of words
# The networks listed but never joined, and the page's note for each (its text: hotspot_note_<note>).
UNJOINABLE = {ENTERPRISE: "sign_in", WEP_AND_OPEN: "mixed"}
RAW_ID_PREFIX = "ssid-bytes:"  # a non-UTF-8 SSID's name on the page (raw_id)


@dataclass(frozen=True)
class AccessPoint:
    """A network as the page lists it: one entry per SSID."""

    ssid: str       # the SSID's UTF-8 text; for one that is not UTF-8, its display form (ssid_text)
    security: str   # what joining uses: "" (open), "OWE", "WEP", "WPA", "WPA2", "WPA3", "802.1X", or WEP_AND_OPEN
    strength: int   # 0..100
    advertised: Tuple[str, ...] = ()
    """Where its access points disagree: every security word they advertised, strongest first ("" for open);
    empty where all advertise `security`."""
    raw: bytes = b""
    """The SSID's bytes where they are not UTF-8 (it is joined by them); empty for a UTF-8 SSID."""
    hidden: bool = False
    """A network the user named ("Other network"), not one of the scan: joined with 802-11-wireless.hidden."""

    @property
    def secured(self) -> bool:
        """True when joining needs a password (or, for 802.1X, an account); not for open and OWE networks."""
        return self.security not in PASSWORDLESS

    @property
    def ssid_bytes(self) -> bytes:
        """The SSID as the radio has it: `raw`, or the text's UTF-8."""
        return self.raw or self.ssid.encode("utf-8")

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


def ssid_bytes(raw: Any) -> bytes:
    """An SSID property's bytes, b"" for a hidden network (NetworkManager shows an empty or NUL-padded SSID for
    those)."""
    data = bytes(raw) if isinstance(raw, (bytes, bytearray, list)) else b""
    return data if data.strip(b"\x00") else b""


def ssid_text(data: bytes) -> str:
    """An SSID's bytes as text: its UTF-8, or where they are not UTF-8 a display form in which every byte that is
    not is written \\xNN and the rest as readable.visible writes it (so it can be no UTF-8 SSID's display form:
    visible writes a backslash as two)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", errors="surrogateescape")
    return "".join(f"\\x{ord(char) - 0xDC00:02x}" if 0xDC80 <= ord(char) <= 0xDCFF else visible(char)
                   for char in escaped)


def decode_ssid(raw: Any) -> str:
    """An SSID's text (ssid_text), "" for a hidden network."""
    data = ssid_bytes(raw)
    return ssid_text(data) if data else ""


def security_word(flags: int, wpa: int, rsn: int) -> str:
    """The page's word for an access point's security, from its Flags, WpaFlags and RsnFlags.

    A WPA2/WPA3 transition network (PSK and SAE both offered) is "WPA2": wpa-psk joins it with any supplicant. An
    OWE network, or the open half of an OWE transition pair, is "OWE" (joined with key-mgmt owe, no password).
    """
    key_mgmt = wpa | rsn
    if key_mgmt & (SEC_KEY_MGMT_802_1X | SEC_KEY_MGMT_EAP_SUITE_B_192):
        return ENTERPRISE
    if rsn & SEC_KEY_MGMT_PSK:
        return "WPA2"
    if rsn & SEC_KEY_MGMT_SAE:
        return "WPA3"
    if wpa & SEC_KEY_MGMT_PSK:
        return "WPA"
    if rsn & (SEC_KEY_MGMT_OWE | SEC_KEY_MGMT_OWE_TM):
        return "OWE"
    if flags & AP_FLAG_PRIVACY and not key_mgmt:
        return "WEP"
    return ""  # open


def merge_access_points(found: Sequence[AccessPoint]) -> List[AccessPoint]:
    """One entry per SSID, hidden ones left out, strongest first (then by name), at most MAX_ACCESS_POINTS.

    An entry has its strongest signal and the strongest security any of its access points advertised, never the
    strongest access point's: a neighbour's louder beacon of the same name cannot make a WPA3 network be joined
    as WPA2 or a WPA2 one as WEP. Secured if any access point is; WEP only where every one is (WEP_AND_OPEN where
    the others are open). `advertised` lists the words where they differ.
    """
    # By the SSID's bytes: two non-UTF-8 SSIDs are two networks even where their display forms were alike.
    strength: Dict[bytes, int] = {}
    seen: Dict[bytes, Set[str]] = {}
    first: Dict[bytes, AccessPoint] = {}
    for ap in found:
        if not ap.ssid:
            continue
        key = ap.ssid_bytes
        first.setdefault(key, ap)
        strength[key] = max(strength.get(key, 0), ap.strength)
        seen.setdefault(key, set()).update(ap.advertised or (ap.security,))
    merged = []
    for key, words in seen.items():
        ordered = tuple(sorted(words, key=_rank, reverse=True))
        security = ordered[0]
        if security == "WEP" and len(ordered) > 1:
            security = WEP_AND_OPEN  # WEP and open only: WEP is not every access point's, open is never used
        merged.append(AccessPoint(ssid=first[key].ssid, security=security, strength=strength[key],
                                  advertised=ordered if len(ordered) > 1 else (), raw=first[key].raw))
    merged.sort(key=lambda ap: (-ap.strength, ap.ssid.casefold(), ap.ssid))
    return merged[:MAX_ACCESS_POINTS]


def _rank(word: str) -> int:
    """Where a security word stands in STRENGTH_ORDER (an unknown one above all: it is never joined)."""
    return STRENGTH_ORDER.index(word) if word in STRENGTH_ORDER else len(STRENGTH_ORDER)


def _skeleton(ssid: str) -> str:
    """What an SSID looks like, nearly: compatibility forms folded (NFKC), case folded, unseen characters dropped."""
    return "".join(char for char in unicodedata.normalize("NFKC", ssid).casefold() if char.isprintable())


def raw_id(data: bytes) -> str:
    """The page's name for a network whose SSID is not UTF-8: RAW_ID_PREFIX and the bytes in hex, padded with '.'
    to a length no SSID can have (over 32 bytes), so that no network's name can ever be another's id."""
    return RAW_ID_PREFIX + data.hex().ljust(2 * MAX_SSID_BYTES, ".")


def raw_id_bytes(value: str) -> Optional[bytes]:
    """The SSID bytes a raw_id names; None for anything that is not one."""
    if not value.startswith(RAW_ID_PREFIX) or len(value) != len(RAW_ID_PREFIX) + 2 * MAX_SSID_BYTES:
        return None
    digits = value[len(RAW_ID_PREFIX):].rstrip(".")
    if "." in digits or not digits or len(digits) % 2 or not all(c in string.hexdigits for c in digits):
        return None
    return bytes.fromhex(digits)


def page_entries(networks: Sequence[AccessPoint]) -> List[Dict[str, Any]]:
    """The networks as the page's list has them: `ssid` (exact, what a connect names; for an SSID that is not UTF-8
    its raw_id), `security` (the words, see AccessPoint.words), `strength`, `display` (the SSID with every unseen
    character escaped, readable.visible, or a non-UTF-8 one's ssid_text) and `lookalike` (True where its display
    differs from its SSID, or another listed SSID looks the same once compatibility forms, case and unseen
    characters are set aside: "Home\u200b" beside "Home" flags both). An 802.1X network, and one seen both with WEP
    and open, has `joinable` false and the `note` saying why ("sign_in", "mixed"); a joinable one has no such
    keys."""
    skeletons: Dict[str, int] = {}
    for network in networks:
        skeletons[_skeleton(network.ssid)] = skeletons.get(_skeleton(network.ssid), 0) + 1
    entries = []
    for n in networks:
        display = n.ssid if n.raw else visible(n.ssid)
        entry: Dict[str, Any] = {"ssid": raw_id(n.raw) if n.raw else n.ssid, "security": n.words,
                                 "strength": n.strength, "display": display,
                                 "lookalike": bool(n.raw) or display != n.ssid or skeletons[_skeleton(n.ssid)] > 1}
        if n.security in UNJOINABLE:
            entry.update(joinable=False, note=UNJOINABLE[n.security])
        entries.append(entry)
    return entries


def encode_ssid(ssid: Any) -> bytes:
    """The SSID to put in a profile, from its text or its bytes; ValueError when it cannot be one (1 to 32 bytes, of
    UTF-8 for text)."""
    if isinstance(ssid, bytes) and ssid_bytes(ssid):
        data = ssid
    elif not isinstance(ssid, str) or not ssid:
        raise ValueError("an SSID must be non-empty text or bytes")
    else:
        data = ssid.encode("utf-8")
    if len(data) > MAX_SSID_BYTES:
        raise ValueError(f"an SSID is at most {MAX_SSID_BYTES} bytes of UTF-8")
    return data


def valid_wpa_psk(password: str) -> bool:
    """What NetworkManager accepts as a WPA/WPA2 pre-shared key: 8 to 63 printable ASCII characters, or 64 hex."""
    if len(password) == 64:
        return all(c in string.hexdigits for c in password)
    return 8 <= len(password) <= 63 and all(" " <= c <= "~" for c in password)


def valid_wep_key(password: str) -> bool:
    """A WEP key as the page takes one: 5 or 13 printable ASCII characters (WEP-40, WEP-104), or 10 or 26 hex."""
    if len(password) in (10, 26):
        return all(c in string.hexdigits for c in password)
    return len(password) in (5, 13) and all(" " <= c <= "~" for c in password)


def valid_sae_password(password: str) -> bool:
    """A WPA3-SAE password as NetworkManager takes one: any text that is not empty (SAE has no length rule of its
    own; the page's bound on a request's length stands) and has no NUL."""
    return bool(password) and "\x00" not in password


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


def join_settings(ssid: Union[str, bytes], password: str, key_mgmt: str,
                  rsn_only: bool = False, hidden: bool = False) -> Dict[str, Dict[str, Variant]]:
    """The profile that joins the user's network (`ssid` its text or, where that is not UTF-8, its bytes):
    `key_mgmt` one of KEY_MGMT's values ("" for an open network, "owe" for enhanced open: no password), `password`
    one it can take (valid_wpa_psk for wpa-psk), `rsn_only` for WPA2 (proto rsn: never WPA's TKIP); ValueError for
    an SSID that cannot be one; `hidden` for a network that does not broadcast its name (802-11-wireless.hidden: the
    device probes for it). The profile's id is the SSID's text (ssid_text for bytes)."""
    data = encode_ssid(ssid)
    wireless: Dict[str, Variant] = {"ssid": Variant("ay", data), "mode": Variant("s", "infrastructure")}
    if hidden:
        wireless["hidden"] = Variant("b", True)
    settings: Dict[str, Dict[str, Variant]] = {
        # autoconnect is left to NetworkManager's default (yes): the device rejoins after a restart.
        "connection": {"id": Variant("s", ssid_text(data)), "type": Variant("s", "802-11-wireless"),
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
    elif key_mgmt == "owe":
        wireless["security"] = Variant("s", "802-11-wireless-security")
        settings["802-11-wireless-security"] = {"key-mgmt": Variant("s", "owe")}
    elif key_mgmt:
        wireless["security"] = Variant("s", "802-11-wireless-security")
        settings["802-11-wireless-security"] = {"key-mgmt": Variant("s", key_mgmt), "psk": Variant("s", password)}
        if rsn_only:
            # WPA2 advertised: an access point of the same name offering only WPA (TKIP) is not joined.
            settings["802-11-wireless-security"]["proto"] = Variant("as", ["rsn"])
    return settings
