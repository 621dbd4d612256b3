"""Run WifiSetupPlugin on a real messagebus until terminated (a child process for the ovos-gui test).

    python test/qml/plugin_on_bus.py PORT

The GUI is always on and the watchdog off, so setup starts only when asked
(`user.activated`). Prints "plugin ready" once it is connected and has said `alive`.
"""
from __future__ import annotations

import signal
import sys
import threading


def main(port: int) -> int:
    """Connect to 127.0.0.1:port, start the plugin, and stop it on SIGTERM or SIGINT."""
    from ovos_bus_client import MessageBusClient

    from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin

    bus = MessageBusClient(host="127.0.0.1", port=port)
    bus.run_in_thread()
    if not bus.connected_event.wait(30):
        print("could not reach the messagebus", flush=True)
        return 1
    plugin = WifiSetupPlugin(bus=bus, config={"gui": "always", "enable_watchdog": False})
    plugin.started.wait(30)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("plugin ready", flush=True)
    stop.wait()
    plugin.shutdown()
    bus.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
