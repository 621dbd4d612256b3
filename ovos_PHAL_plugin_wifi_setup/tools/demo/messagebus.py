"""The demo's own ovos-messagebus: a child process on 127.0.0.1 over a throwaway XDG tree and mycroft.conf."""
import json
import multiprocessing
import os
import signal
import socket
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

from ovos_PHAL_plugin_wifi_setup.tools.console import BusUnavailable, connect
from ovos_PHAL_plugin_wifi_setup.tools.demo.scene import LOOPBACK

BUS_START_TIMEOUT = 60.0


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A TCP port (a UDP one with socket.SOCK_DGRAM) on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def closed_port_probes() -> Dict[str, Any]:
    """Point ovos-utils' connectivity probes at a closed loopback port: no real network is touched."""
    url = f"http://{LOOPBACK}:{free_port()}/"
    return {"ip_url": url, "dns_primary": LOOPBACK, "dns_secondary": LOOPBACK, "web_url": url,
            "web_url_secondary": url, "captive_portal_url": url, "captive_portal_text": "never served"}


def xdg_env(root: Path) -> Dict[str, str]:
    """The XDG variables of a throwaway tree below root."""
    return {"XDG_CONFIG_HOME": str(root / "config"), "XDG_DATA_HOME": str(root / "data"),
            "XDG_STATE_HOME": str(root / "state"), "XDG_CACHE_HOME": str(root / "cache")}


def write_tree(root: Path, host: str, port: int) -> None:
    """Create the XDG tree and the mycroft.conf that both the bus and this process read."""
    for path in xdg_env(root).values():
        Path(path).mkdir(parents=True, exist_ok=True)
    conf = {
        "websocket": {"host": host, "port": port, "route": "/core", "ssl": False},
        "network_tests": closed_port_probes(),
        "logging": {"logs": {"path": "stdout"}},
    }
    conf_file = root / "config" / "mycroft" / "mycroft.conf"
    conf_file.parent.mkdir(parents=True, exist_ok=True)
    conf_file.write_text(json.dumps(conf, indent=2), encoding="utf-8")


def use_tree(root: Path) -> None:
    """Point this process's OVOS configuration at the tree; drop outer OVOS settings that would redirect it."""
    for key in [k for k in os.environ if k.startswith(("OVOS_", "MYCROFT_"))]:
        del os.environ[key]
    os.environ.update(xdg_env(root))


def _bus_main(root: str, log_file: str) -> None:
    """Child process: point XDG at the demo's tree, send output to a file, run ovos-messagebus."""
    use_tree(Path(root))
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    from ovos_messagebus.__main__ import main
    main()


class BusProcess:
    """The demo's own ovos-messagebus, started with multiprocessing and stopped by its pid."""

    def __init__(self, root: Path) -> None:
        """Prepare the child; the tree below root must already hold mycroft.conf."""
        self.log_file = root / "messagebus.log"
        self.process = multiprocessing.get_context("spawn").Process(
            target=_bus_main, args=(str(root), str(self.log_file)), name="demo-messagebus", daemon=True)

    def start(self) -> None:
        """Start the child."""
        self.process.start()

    @property
    def alive(self) -> bool:
        """True while the child runs."""
        return self.process.is_alive()

    def stop(self) -> None:
        """SIGTERM by pid (the service's own exit path), SIGKILL if it lingers."""
        pid = self.process.pid
        if pid is None:
            return
        if self.process.is_alive():
            os.kill(pid, signal.SIGTERM)
            self.process.join(10)
        if self.process.is_alive():
            os.kill(pid, signal.SIGKILL)
            self.process.join(5)

    def tail(self, lines: int = 15) -> str:
        """The end of the bus's log, for an error message."""
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def connect_when_up(host: str, port: int, bus_process: Optional[BusProcess],
                    start: float) -> Tuple[Any, Callable[[], None]]:
    """Connect once the bus accepts connections: a fresh bus needs a moment to start."""
    from pyee import EventEmitter

    deadline = start + BUS_START_TIMEOUT
    while True:
        try:
            # A synchronous emitter keeps the bus's order in the record; the stock pool would not.
            return connect(host, port, 5.0, emitter=EventEmitter())
        except BusUnavailable:
            if bus_process is None or time.monotonic() >= deadline:
                raise
            if not bus_process.alive:
                raise BusUnavailable(
                    f"ovos-messagebus exited before accepting connections on {host}:{port}") from None
            time.sleep(0.2)
