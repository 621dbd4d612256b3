"""Host released network-client plugins in their own process with their own bus connection, as ovos_PHAL would.

Run as ``python client_host.py --port PORT --client balena --client gui-network``. The plugins are the
released code, unmodified, constructed the way ovos_PHAL constructs them (``cls(bus=bus, config={})``)
on one shared MessageBusClient. The process prints ``client host ready`` once every plugin is built,
answers ``test.client_host.ping`` with ``test.client_host.pong`` (so a test can tell the process is
on the bus, e.g. after a bus restart), and shuts the plugins down on SIGTERM or SIGINT.
"""
import argparse
import importlib
import os
import signal
import sys
import threading
from typing import Any, Dict, List, Optional, Tuple

# Short names the tests use, mapped to (module, class) of the released plugin.
CLIENTS: Dict[str, Tuple[str, str]] = {
    "balena": ("ovos_PHAL_plugin_balena_wifi", "BalenaWifiSetupPlugin"),
    "gui-network": ("ovos_PHAL_plugin_network_manager.gui", "GUISetup"),
}

PING = "test.client_host.ping"
PONG = "test.client_host.pong"


def build(name: str, bus: Any) -> Any:
    """Construct one client plugin on ``bus`` as ovos_PHAL would."""
    module_name, class_name = CLIENTS[name]
    plugin_class = getattr(importlib.import_module(module_name), class_name)
    return plugin_class(bus=bus, config={})


def main(argv: Optional[List[str]] = None) -> int:
    """Connect, build the requested clients, and keep them running until told to stop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client", action="append", choices=sorted(CLIENTS), required=True)
    args = parser.parse_args(argv)

    from ovos_bus_client import MessageBusClient

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    bus = MessageBusClient(host=args.host, port=args.port)
    bus.run_in_thread()
    if not bus.connected_event.wait(60):
        print("client host: no bus connection", flush=True)
        return 1
    plugins = [build(name, bus) for name in args.client]
    # Test plumbing, not part of any client: lets a test tell that this process is back on the bus.
    bus.on(PING, lambda message: bus.emit(message.reply(PONG, {"pid": os.getpid()})))
    print(f"client host ready: {', '.join(args.client)} (pid {os.getpid()})", flush=True)
    stop.wait()

    for plugin in plugins:
        try:
            plugin.shutdown()
        except Exception as error:  # noqa: BLE001 - third-party shutdown; report and go on
            print(f"client host: shutdown of {type(plugin).__name__} failed: {error!r}", flush=True)
    bus.close()
    print("client host stopped", flush=True)
    sys.stdout.flush()
    # A released client may still block a bus worker thread (balena reads wifi-connect in a
    # loop); exiting without joining those threads ends the process now, as a service stop would.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
