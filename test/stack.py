"""A real OVOS stack on loopback for tests: config tree, ovos-messagebus, ovos_PHAL and a recording bus client.

Usage from any test folder (``test/`` on ``sys.path``, see ``pythonpath`` in pytest.ini)::

    from stack import StackHome, Messagebus, BusRecorder

    def test_something(tmp_path):
        home = StackHome.create(tmp_path)            # XDG tree + mycroft.conf, free port
        with Messagebus(home) as bus_service:        # real ovos-messagebus on 127.0.0.1:home.port
            with BusRecorder(home.port) as probe:    # MessageBusClient recording every message
                probe.emit("some.topic", {"a": 1})
                probe.wait_for("some.reply", timeout=30)

``home.env()`` is the environment a child process needs to use this stack (its own XDG tree,
HOME, the bus port through mycroft.conf). Every process started through ``ManagedProcess`` is
remembered; ``leftover_processes()`` names any that still runs, so a session teardown can check.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional

LOOPBACK = "127.0.0.1"
BIN_DIR = Path(sys.executable).parent
# How long a stopped process may take between SIGTERM and SIGKILL (systemd's TimeoutStopSec, shorter).
STOP_GRACE = 10.0

# Every pid started through ManagedProcess, so a teardown can prove none outlived its test.
_STARTED: List["ManagedProcess"] = []
# Pids of grandchildren (e.g. stand-in executables) that announce themselves through pid files.
_PID_FILE_DIRS: List[Path] = []


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """Return a TCP port (a UDP one with socket.SOCK_DGRAM) on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = LOOPBACK) -> bool:
    """Tell whether something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_until(condition: Callable[[], Any], timeout: float, interval: float = 0.05,
               what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy; raise TimeoutError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


def pid_running(pid: int) -> bool:
    """Tell whether a pid names a live process (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state letter follows the parenthesised command name, which may itself hold spaces.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def watch_pid_files(directory: Path) -> None:
    """Include the ``*.pid`` files of a folder in ``leftover_processes()`` (for grandchildren)."""
    _PID_FILE_DIRS.append(Path(directory))


def leftover_processes() -> List[str]:
    """Describe every process the tests started that still runs."""
    alive = [f"{proc.name} (pid {proc.pid})" for proc in _STARTED if proc.pid and pid_running(proc.pid)]
    for directory in _PID_FILE_DIRS:
        for pid_file in sorted(directory.glob("*.pid")):
            try:
                pid = int(pid_file.read_text().strip())
            except (OSError, ValueError):
                continue
            if pid_running(pid):
                alive.append(f"{pid_file.stem} (pid {pid})")
    return alive


def stop_leftovers(grace: float = STOP_GRACE) -> None:
    """Stop, by pid, every process that ``leftover_processes()`` would name: SIGTERM, SIGKILL after ``grace``."""
    for proc in _STARTED:
        proc.stop(grace)
    pids = []
    for directory in _PID_FILE_DIRS:
        for pid_file in directory.glob("*.pid"):
            try:
                pid = int(pid_file.read_text().strip())
            except (OSError, ValueError):
                continue
            if pid_running(pid):
                os.kill(pid, signal.SIGTERM)
                pids.append(pid)
    deadline = time.monotonic() + grace
    for pid in pids:
        while pid_running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_running(pid):
            os.kill(pid, signal.SIGKILL)


def network_tests_config(closed_port: int) -> Dict[str, str]:
    """Point every connectivity probe of ovos-utils at a closed loopback port (never a public host)."""
    url = f"http://{LOOPBACK}:{closed_port}/"
    return {
        "ip_url": url,
        "dns_primary": LOOPBACK,
        "dns_secondary": LOOPBACK,
        "web_url": url,
        "web_url_secondary": url,
        "captive_portal_url": url,
        "captive_portal_text": "never served",
    }


@dataclass
class StackHome:
    """A private home for one stack: XDG tree, mycroft.conf, bus port and log folder."""

    root: Path
    port: int
    phal: Dict[str, Any] = field(default_factory=dict)
    extra: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path, phal: Optional[Dict[str, Any]] = None,
               extra: Optional[Dict[str, Any]] = None, port: Optional[int] = None) -> "StackHome":
        """Make the tree below ``root`` and write mycroft.conf with ``phal`` as its PHAL section."""
        home = cls(Path(root), port or free_port(), dict(phal or {}), dict(extra or {}))
        for sub in ("config", "data", "state", "cache", "home", "logs"):
            (home.root / sub).mkdir(parents=True, exist_ok=True)
        home.write_config()
        return home

    @property
    def config_file(self) -> Path:
        """The mycroft.conf every process of this stack reads."""
        return self.root / "config" / "mycroft" / "mycroft.conf"

    @property
    def logs(self) -> Path:
        """Folder for the captured output of each process."""
        return self.root / "logs"

    def write_config(self) -> Path:
        """Write mycroft.conf: the bus on loopback, our PHAL section, probes on a closed port."""
        config: Dict[str, Any] = {
            "websocket": {"host": LOOPBACK, "port": self.port, "route": "/core", "ssl": False,
                          "shared_connection": True},
            "PHAL": self.phal,
            "network_tests": network_tests_config(free_port()),
            # stdout only: the fixtures capture it per process, nothing lands in a shared log folder.
            "logging": {"log_level": "INFO", "logs": {"path": "stdout"}},
        }
        config.update(self.extra)
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")
        return self.config_file

    def env(self, path_prepend: Iterable[Path] = (), **extra: str) -> Dict[str, str]:
        """Environment for a child process of this stack, with ``path_prepend`` first on PATH."""
        env = dict(os.environ)
        # Drop settings of an outer OVOS environment that would redirect config or logs.
        for key in list(env):
            if key.startswith(("OVOS_", "MYCROFT_")):
                del env[key]
        env.update({
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_STATE_HOME": str(self.root / "state"),
            "XDG_CACHE_HOME": str(self.root / "cache"),
            "HOME": str(self.root / "home"),
            "PYTHONUNBUFFERED": "1",
        })
        path = [str(p) for p in path_prepend] + [str(BIN_DIR), env.get("PATH", "/usr/bin:/bin")]
        env["PATH"] = os.pathsep.join(path)
        env.update(extra)
        return env


class ManagedProcess:
    """One child process of the tests: output captured to a file, stopped by its pid."""

    def __init__(self, name: str, argv: List[str], env: Dict[str, str], log_file: Path) -> None:
        """Describe the process; nothing runs until ``start()``."""
        self.name = name
        self.argv = argv
        self.env = env
        self.log_file = log_file
        self.popen: Optional[subprocess.Popen] = None
        self._log_handle: Optional[Any] = None
        self.stopped_by: Optional[str] = None

    @property
    def pid(self) -> Optional[int]:
        """The pid of the current run, if started."""
        return self.popen.pid if self.popen else None

    def start(self) -> "ManagedProcess":
        """Start the process, appending its output to the log file (restarts keep one log)."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log_handle = open(self.log_file, "ab")
        self.popen = subprocess.Popen(self.argv, env=self.env, stdout=self._log_handle,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _STARTED.append(self)
        return self

    @property
    def running(self) -> bool:
        """Tell whether the current run is still alive."""
        return self.popen is not None and self.popen.poll() is None

    def stop(self, grace: float = STOP_GRACE) -> Optional[str]:
        """Stop the process as a service manager does: SIGTERM, then SIGKILL by pid after ``grace`` seconds.

        Return how the run ended ("SIGTERM" when it exited within the grace, "SIGKILL" when it had
        to be killed, None when it had ended before), also kept in ``stopped_by``.
        """
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(grace)
                self.stopped_by = "SIGTERM"
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
                self.stopped_by = "SIGKILL"
        else:
            self.stopped_by = None
        self._close_log()
        return self.stopped_by

    def kill(self) -> None:
        """End the process at once by SIGKILL, as a crash would (not a service stop: see ``stop``)."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)
            self.stopped_by = "SIGKILL"
        self._close_log()

    def _close_log(self) -> None:
        """Close our handle on the log file."""
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def log_text(self) -> str:
        """Everything the process has written so far."""
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, text: str, timeout: float, start: int = 0) -> int:
        """Wait until ``text`` appears in the log after offset ``start``; return its offset."""
        def found() -> int:
            if not self.running and text not in self.log_text()[start:]:
                raise RuntimeError(f"{self.name} exited before logging {text!r}:\n{self.tail()}")
            return self.log_text().find(text, start) + 1

        return wait_until(found, timeout, what=f"{text!r} in the log of {self.name}") - 1

    def tail(self, lines: int = 60) -> str:
        """The last lines of the log, for failure messages."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    def __enter__(self) -> "ManagedProcess":
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop on leaving a ``with`` block, also when the block raised."""
        self.stop()


class Messagebus(ManagedProcess):
    """The real ``ovos-messagebus`` service on 127.0.0.1 and the port of a ``StackHome``."""

    def __init__(self, home: StackHome, name: str = "ovos-messagebus") -> None:
        """Prepare the service for ``home``."""
        super().__init__(name, [str(BIN_DIR / "ovos-messagebus")], home.env(), home.logs / f"{name}.log")
        self.port = home.port

    def start(self, timeout: float = 60.0) -> "Messagebus":
        """Start the service and wait until its port accepts connections."""
        super().start()
        wait_until(lambda: self._ready_or_dead(), timeout, what=f"{self.name} listening on {self.port}")
        return self

    def _ready_or_dead(self) -> bool:
        """True once the port answers; raise if the process died instead."""
        if not self.running:
            raise RuntimeError(f"{self.name} exited early:\n{self.tail()}")
        return port_open(self.port)


class PhalService(ManagedProcess):
    """The real ``ovos_PHAL`` service, loading every enabled plugin through OPM's entry points."""

    def __init__(self, home: StackHome, path_prepend: Iterable[Path] = (), name: str = "ovos_PHAL",
                 **extra_env: str) -> None:
        """Prepare the service for ``home``; ``path_prepend`` goes first on its PATH, ``extra_env`` is added."""
        super().__init__(name, [str(BIN_DIR / "ovos_PHAL")], home.env(path_prepend, **extra_env),
                         home.logs / f"{name}.log")


class BusRecorder:
    """A MessageBusClient on the test's side that records every message, in arrival order."""

    def __init__(self, port: int, host: str = LOOPBACK) -> None:
        """Prepare a client for ``host:port``; ``connect()`` (or ``with``) opens it."""
        from ovos_bus_client import MessageBusClient
        from pyee import EventEmitter

        # A synchronous emitter records in the order the bus delivered, which the
        # ordering assertions rely on; MessageBusClient's default pool would not.
        self.client = MessageBusClient(host=host, port=port, emitter=EventEmitter())
        self._lock = threading.Condition()
        self._messages: List[Any] = []
        self.client.on("message", self._record)

    def _record(self, raw: str) -> None:
        """Keep one serialized message from the bus."""
        from ovos_bus_client.message import Message

        message = Message.deserialize(raw)
        with self._lock:
            self._messages.append(message)
            self._lock.notify_all()

    def connect(self, timeout: float = 30.0) -> "BusRecorder":
        """Open the connection and wait until it is up."""
        self.client.run_in_thread()
        if not self.client.connected_event.wait(timeout):
            raise TimeoutError(f"no bus connection within {timeout} s")
        return self

    def close(self) -> None:
        """Close the connection."""
        self.client.close()

    def __enter__(self) -> "BusRecorder":
        """Connect on entering a ``with`` block."""
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        """Close on leaving a ``with`` block."""
        self.close()

    def emit(self, topic: str, data: Optional[Dict[str, Any]] = None,
             context: Optional[Dict[str, Any]] = None) -> None:
        """Send one message on the bus."""
        from ovos_bus_client.message import Message

        self.client.emit(Message(topic, data or {}, context or {}))

    def mark(self) -> int:
        """A position in the record; pass it as ``since`` to look only at later messages."""
        with self._lock:
            return len(self._messages)

    def messages(self, topic: Optional[str] = None, since: int = 0) -> List[Any]:
        """Recorded messages (of one topic, when given) from position ``since`` on."""
        with self._lock:
            found = self._messages[since:]
        return [m for m in found if topic is None or m.msg_type == topic]

    def topics(self, since: int = 0) -> List[str]:
        """The topics recorded from position ``since`` on, in order."""
        return [m.msg_type for m in self.messages(since=since)]

    def count(self, topic: str, since: int = 0) -> int:
        """How many messages of ``topic`` were recorded from ``since`` on."""
        return len(self.messages(topic, since))

    def wait_for(self, topic: str, timeout: float, since: int = 0,
                 where: Optional[Callable[[Any], bool]] = None) -> Any:
        """Wait for a message of ``topic`` (matching ``where``) recorded from ``since`` on."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for message in self._messages[since:]:
                    if message.msg_type == topic and (where is None or where(message)):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({m.msg_type for m in self._messages[since:]})
                    raise TimeoutError(f"no {topic!r} within {timeout} s; topics seen since: {seen}")
                self._lock.wait(remaining)

    def wait_service_ready(self, service: str, timeout: float, interval: float = 0.5) -> None:
        """Ask ``mycroft.<service>.is_ready`` until the service answers ready (its handlers are all on the bus).

        A service's port or first messages can come before its last handlers are registered (ovos-gui opens its
        websocket and answers ``mycroft.gui.connected`` with ``mycroft.gui.available`` before its namespace
        manager, which sends ``mycroft.gui.port``, exists): a test asks the service itself.
        """
        topic = f"mycroft.{service}.is_ready"
        deadline = time.monotonic() + timeout
        while True:
            since = self.mark()
            self.emit(topic)
            try:
                answer = self.wait_for(f"{topic}.response", min(interval, max(deadline - time.monotonic(), 0.01)),
                                       since=since)
                if answer.data.get("status"):
                    return
            except TimeoutError:
                pass
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{service} did not answer ready within {timeout} s")
            time.sleep(interval)

    def request(self, topic: str, reply_topic: str, data: Optional[Dict[str, Any]] = None,
                timeout: float = 30.0) -> Any:
        """Send ``topic`` and wait for ``reply_topic`` (matched by time: sent after the request)."""
        since = self.mark()
        self.emit(topic, data)
        return self.wait_for(reply_topic, timeout, since=since)
