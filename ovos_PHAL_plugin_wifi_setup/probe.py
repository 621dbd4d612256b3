"""The plugin's own internet check: plain sockets, a hard deadline per request, cancellable from another thread."""
import socket
import ssl
import time
from threading import Event, Lock
from typing import Iterable, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from ovos_PHAL_plugin_wifi_setup.log import LOG

MAX_RESPONSE = 16384


class Cancel:
    """Lets shutdown() end a check in flight: closing its socket wakes a blocked read at once."""

    def __init__(self) -> None:
        self._event = Event()
        self._lock = Lock()
        self._sock: Optional[socket.socket] = None

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called."""
        return self._event.is_set()

    def cancel(self) -> None:
        """Stop the check in flight, if any, and every later one."""
        self._event.set()
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            _close(sock)

    def attach(self, sock: Optional[socket.socket]) -> None:
        """Remember the socket in use (None when done); close it right away if already cancelled."""
        with self._lock:
            self._sock = sock
        if sock is not None and self._event.is_set():
            _close(sock)


def check_urls(network_tests: Mapping[str, object]) -> Tuple[Tuple[str, Optional[str]], ...]:
    """The (url, expected text) pairs to try, from mycroft.conf's network_tests section."""
    portal_url = network_tests.get("captive_portal_url")
    portal_text = network_tests.get("captive_portal_text")
    pairs = []
    for key in ("web_url", "web_url_secondary"):
        url = network_tests.get(key)
        if isinstance(url, str) and url:
            expect = portal_text if url == portal_url and isinstance(portal_text, str) and portal_text else None
            pairs.append((url, expect))
    return tuple(pairs)


def internet_reachable(targets: Iterable[Tuple[str, Optional[str]]], timeout: float,
                       cancel: Optional[Cancel] = None) -> bool:
    """True when any target answers 2xx (with the expected text, where one is given) within its timeout."""
    for url, expect in targets:
        if cancel is not None and cancel.cancelled:
            return False
        if http_ok(url, timeout, expect, cancel):
            return True
    return False


def http_ok(url: str, timeout: float, expect_text: Optional[str] = None, cancel: Optional[Cancel] = None) -> bool:
    """One GET, bounded by timeout from connect to the last byte; any failure is False, never an exception."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        LOG.warning(f"network test url {url!r} is not an http(s) url; skipped")
        return False
    deadline = time.monotonic() + timeout
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sock: Optional[socket.socket] = None
    try:
        sock = socket.create_connection((parts.hostname, port), timeout=timeout)
        if parts.scheme == "https":
            sock.settimeout(_left(deadline))
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname)
        if cancel is not None:
            cancel.attach(sock)
        request = (f"GET {path} HTTP/1.0\r\nHost: {parts.hostname}\r\n"
                   "User-Agent: ovos-PHAL-plugin-wifi-setup\r\nConnection: close\r\n\r\n")
        sock.settimeout(_left(deadline))
        sock.sendall(request.encode("ascii"))
        response = b""
        while len(response) < MAX_RESPONSE:
            sock.settimeout(_left(deadline))
            chunk = sock.recv(4096)
            if not chunk:
                break
            response += chunk
        return _answer_ok(response, expect_text)
    except (OSError, ValueError) as e:  # socket.timeout and ssl errors are OSErrors
        LOG.debug(f"network test {url} failed: {e}")
        return False
    finally:
        if cancel is not None:
            cancel.attach(None)
        if sock is not None:
            _close(sock)


def _left(deadline: float) -> float:
    """Seconds left before the deadline; raise socket.timeout when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout("network test deadline reached")
    return left


def _answer_ok(response: bytes, expect_text: Optional[str]) -> bool:
    """True for a 2xx status line and, if asked, the expected text in the body."""
    head, _, body = response.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/") or not status_line[1].isdigit():
        return False
    if not 200 <= int(status_line[1]) < 300:
        return False
    return expect_text is None or expect_text.encode("utf-8") in body


def _close(sock: socket.socket) -> None:
    """Close a socket, waking any thread blocked on it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
