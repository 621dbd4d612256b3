"""The Wi-Fi environment the stand-in nmcli plays in the real-stack tests (nmcli_bin/nmcli reads it as JSON).

The access points are in nmcli's order (strongest signal first), so the list network-manager 1.3.5 sends is
one entry per line of `nmcli --terse --fields SSID,SECURITY device wifi list`, in this order.
"""
import copy
from typing import Any, Dict, List

HOME = "Home"
HOME_PASSWORD = "correct horse battery staple"  # noqa: S105 - a made-up password of the simulated networks
# 8 to 63 characters: nmcli takes it and the network refuses it
WRONG_PASSWORD = "wrong-horse-battery"  # noqa: S105 - a made-up password of the simulated networks
CAFE = "Café Ü"                        # open, non-ASCII
STUDIO = "Studio WPA3"
STUDIO_PASSWORD = "studio-sae-secret"  # noqa: S105 - a made-up password of the simulated networks
LEGACY = "Legacy"                      # WPA1 and WPA2 (nmcli says "WPA1 WPA2")
LEGACY_PASSWORD = "legacy-tkip-ccmp"  # noqa: S105 - a made-up password of the simulated networks
HIDDEN = "Back Office"                 # hidden: its beacons carry an empty SSID
HIDDEN_PASSWORD = "back-office-key"  # noqa: S105 - a made-up password of the simulated networks
ATTIC = "📶 Attic"                      # an emoji: 4 bytes of UTF-8
ATTIC_PASSWORD = "attic-password"  # noqa: S105 - a made-up password of the simulated networks
COLON = "Lab:Guest"                    # nmcli's terse output escapes the colon: "Lab\:Guest"
COLON_PASSWORD = "lab-guest-pass"  # noqa: S105 - a made-up password of the simulated networks
FAR = "Far Away"                       # seen by the scan, but too weak to join
FAR_PASSWORD = "far-away-pass"  # noqa: S105 - a made-up password of the simulated networks

ACCESS_POINTS: List[Dict[str, Any]] = [
    {"ssid": HOME, "bssid": "02:00:00:00:01:01", "security": "WPA2", "signal": 92, "channel": 6,
     "password": HOME_PASSWORD},
    {"ssid": CAFE, "bssid": "02:00:00:00:02:01", "security": "", "signal": 81, "channel": 1},
    # The same network through a second access point (another BSSID): nmcli lists it twice.
    {"ssid": HOME, "bssid": "02:00:00:00:01:02", "security": "WPA2", "signal": 74, "channel": 36,
     "password": HOME_PASSWORD},
    {"ssid": STUDIO, "bssid": "02:00:00:00:03:01", "security": "WPA3", "signal": 70, "channel": 44,
     "password": STUDIO_PASSWORD},
    {"ssid": LEGACY, "bssid": "02:00:00:00:04:01", "security": "WPA1 WPA2", "signal": 63, "channel": 11,
     "password": LEGACY_PASSWORD},
    {"ssid": "", "hidden_ssid": HIDDEN, "bssid": "02:00:00:00:05:01", "security": "WPA2", "signal": 58,
     "channel": 6, "password": HIDDEN_PASSWORD},
    {"ssid": ATTIC, "bssid": "02:00:00:00:06:01", "security": "WPA2", "signal": 47, "channel": 1,
     "password": ATTIC_PASSWORD},
    {"ssid": COLON, "bssid": "02:00:00:00:07:01", "security": "WPA2", "signal": 40, "channel": 11,
     "password": COLON_PASSWORD},
    {"ssid": FAR, "bssid": "02:00:00:00:08:01", "security": "WPA2", "signal": 12, "channel": 149,
     "password": FAR_PASSWORD, "reachable": False},
]

# Every password of the fixture: none may show up outside nmcli's own argv and network-manager's request.
PASSWORDS = (HOME_PASSWORD, WRONG_PASSWORD, STUDIO_PASSWORD, LEGACY_PASSWORD, HIDDEN_PASSWORD, ATTIC_PASSWORD,
             COLON_PASSWORD, FAR_PASSWORD)

# What network-manager 1.3.5 sends for this environment: each terse line split on every ':' (it ignores
# nmcli's escaping), the first part as ssid, the second as security.
NM_SCAN_NETWORKS: List[Dict[str, str]] = [
    {"ssid": HOME, "security": "WPA2"},
    {"ssid": CAFE, "security": ""},
    {"ssid": HOME, "security": "WPA2"},
    {"ssid": STUDIO, "security": "WPA3"},
    {"ssid": LEGACY, "security": "WPA1 WPA2"},
    {"ssid": "", "security": "WPA2"},
    {"ssid": ATTIC, "security": "WPA2"},
    {"ssid": "Lab\\", "security": "Guest"},
    {"ssid": FAR, "security": "WPA2"},
]


# Names nmcli's terse output escapes: an open one with a ':', one with a '\\', and one with two ':' (1.3.5 keeps
# only the first two pieces of its line, so the end of that name is lost).
CAFE_COLON = "Cafe: Free"              # "Cafe\: Free:" in the terse list
BACKSLASH = "Back\\Slash"              # "Back\\Slash:WPA2"
BACKSLASH_PASSWORD = "back-slash-pass"  # noqa: S105 - a made-up password of the simulated networks
TWO_COLONS = "a:b:c"                   # "a\:b\:c:WPA2"
ESCAPED_ACCESS_POINTS: List[Dict[str, Any]] = [
    {"ssid": CAFE_COLON, "bssid": "02:00:00:00:0a:01", "security": "", "signal": 38, "channel": 6},
    {"ssid": BACKSLASH, "bssid": "02:00:00:00:0b:01", "security": "WPA2", "signal": 36, "channel": 1,
     "password": BACKSLASH_PASSWORD},
    {"ssid": TWO_COLONS, "bssid": "02:00:00:00:0c:01", "security": "WPA2", "signal": 34, "channel": 11,
     "password": "two-colons-pass"},
]
# What network-manager 1.3.5 sends for them.
NM_SCAN_ESCAPED: List[Dict[str, str]] = [
    {"ssid": "Cafe\\", "security": " Free"},
    {"ssid": "Back\\\\Slash", "security": "WPA2"},
    {"ssid": "a\\", "security": "b\\"},
]


def environment(**flags: Any) -> Dict[str, Any]:
    """The fixture for the stand-in nmcli, with flags (hang_connect, join_seconds, scan_seconds, or the
    access_points themselves) on top."""
    fixture: Dict[str, Any] = {"device": "wlan0", "hang_connect": False, "scan_seconds": 0,
                               "access_points": copy.deepcopy(ACCESS_POINTS)}
    fixture.update(flags)
    return fixture
