"""`ovos-wifi-setup demo`: four setup rounds on a private messagebus, printed as a timeline.

Round 3 joins a Wi-Fi network through the built-in on-screen method. No real network-manager runs in the demo:
a stand-in answers ovos-PHAL-plugin-network-manager 1.3.5's topics from a made-up scan, and no Wi-Fi is touched.
Round 4 joins one through the built-in hotspot method, the demo playing the phone: its setup page and DNS
responder listen on 127.0.0.1, and a stand-in plays NetworkManager (no access point opens, no D-Bus is used).
Round 4 needs the package's hotspot extra (dbus-fast, dnslib): without it the demo says so and plays the other three.
The passwords the demo's user types are made up too, and the timeline prints every secret-like field masked.

Its parts: run.py plays it (run_demo); messagebus.py starts its own ovos-messagebus; timeline.py prints what passes;
rounds.py holds the four rounds, written in the steps of steps.py; standins.py plays network-manager, NetworkManager
and two sample clients; phone.py plays the phone of round 4; scene.py names what they all share.
"""
from ovos_PHAL_plugin_wifi_setup.tools.demo.rounds import Demo
from ovos_PHAL_plugin_wifi_setup.tools.demo.run import run_demo
from ovos_PHAL_plugin_wifi_setup.tools.demo.scene import STEP_TIMEOUT, StepMissed
from ovos_PHAL_plugin_wifi_setup.tools.demo.timeline import Timeline

__all__ = ["STEP_TIMEOUT", "Demo", "StepMissed", "Timeline", "run_demo"]
