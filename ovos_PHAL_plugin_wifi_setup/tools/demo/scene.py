"""The demo's scene, shared by all its parts: the names it plays, the made-up Wi-Fi, what a missed step raises."""
from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.tools.console import DEMO_STEP_TIMEOUT

LOOPBACK = "127.0.0.1"
STEP_TIMEOUT = DEMO_STEP_TIMEOUT

# Rounds 1 and 2: two sample clients built on the kit.
ON_DEVICE_NAME = "demo-on-device"
REMOTE_NAME = "demo-remote"

# Round 3: the built-in on-screen method over a stand-in for ovos-PHAL-plugin-network-manager 1.3.5.
NM_NAME = "ovos-PHAL-plugin-network-manager"
SCREEN_NAME = topics.SCREEN_CLIENT_NAME
HOTSPOT_NAME = topics.HOTSPOT_CLIENT_NAME
NM_PREFIX = "ovos.phal.nm."
# The stand-in's made-up Wi-Fi, as `nmcli --terse --fields SSID,SECURITY device wifi list` lists it: one entry
# per access point (Home is seen through two), a hidden network with an empty SSID, an open one.
DEMO_SCAN = (("Home", "WPA2"), ("Café Ü", ""), ("", "WPA2"), ("Home", "WPA2"), ("Studio", "WPA3"))
DEMO_SSID = "Home"
# Round 4: the signal of each access point of DEMO_SCAN, in its order.
DEMO_STRENGTHS = (80, 55, 65, 60, 40)
# Made up for the demo and never printed: the timeline masks every secret-like field, a password among them.
DEMO_PASSWORD = "tulip-harbour-42"  # noqa: S105
DEMO_WRONG_PASSWORD = "tulip-harbor-42"  # noqa: S105
DEMO_PASSWORDS = {DEMO_SSID: DEMO_PASSWORD}
MASKED_FIELD = "password"
# The hotspot method's extra, which round 4 needs: the method's own modules import dbus-fast and dnslib.
HOTSPOT_EXTRA_INSTALL = "pip install -e '.[hotspot]'"


class StepMissed(Exception):
    """An expected message did not pass on the bus in time."""
