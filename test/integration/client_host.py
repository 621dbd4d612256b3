"""Host released network-client plugins in their own process with their own bus connection, as ovos_PHAL would.

Run as ``python client_host.py --port PORT --client balena --client gui-network``. The plugins are the
released code, unmodified, constructed the way ovos_PHAL constructs them (``cls(bus=bus, config={})``)
on one shared MessageBusClient. GUISetup ("gui-network") comes from ovos-PHAL-plugin-network-manager 1.3.4,
the last release that has it, which lives in a folder of its own (guisetup_134.py): that folder goes first
on this process's sys.path, so here ``ovos_PHAL_plugin_network_manager`` is 1.3.4 (the venv holds 1.3.5).
The process prints ``client host ready`` once every plugin is built, and answers ``test.client_host.ping``
with ``test.client_host.pong`` (so a test can tell the process is on the bus, e.g. after a bus restart).

It stops as ovos_PHAL 0.2.12 stops: on SIGTERM or SIGINT it stops waiting, calls no plugin's shutdown()
and returns, and the interpreter then waits for the bus client's handler threads, which are not daemon
threads. A handler that never returns (balena-wifi's activation loop, which reads wifi-connect until its
session is ended) therefore keeps the process up until the SIGKILL a service manager sends after its
stop timeout (``stack.ManagedProcess.stop``). When that kill closes the terminal balena runs wifi-connect
in, the kernel hangs it up, and the stand-in wifi-connect ends on that SIGHUP.
"""
import argparse
import importlib
import os
import signal
import sys
import threading
from typing import Any, Dict, List, Optional, Tuple

from guisetup_134 import guisetup_dir

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
    if name == "gui-network":
        # network-manager 1.3.4 first on the path: the venv's 1.3.5 has no GUISetup.
        folder = str(guisetup_dir())
        if folder not in sys.path:
            sys.path.insert(0, folder)
    module = importlib.import_module(module_name)
    if name == "gui-network" and not str(module.__file__).startswith(str(guisetup_dir())):
        raise ImportError(f"GUISetup was imported from {module.__file__}, not from {guisetup_dir()}")
    plugin_class = getattr(module, class_name)
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
    # ovos_PHAL 0.2.12 does no more than this on SIGTERM: its PHAL.shutdown() only marks the
    # service as stopping, and no plugin's shutdown() runs.
    print(f"client host stopping; shutdown() of {len(plugins)} plugin(s) not called, as in ovos_PHAL", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
