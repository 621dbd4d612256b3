"""The manager's own internet check: plain sockets, one hard deadline for the whole check (name lookup included),
cancellable from another thread; names are looked up by resolver.py, within the same deadline.
"""
import socket
import time
from enum import Enum
from typing import Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.manager.watchdog import check_urls
from ovos_PHAL_plugin_wifi_setup.manager.resolver import Cancel, Server, Sources, attach, close, numeric, resolve_by

__all__ = ["Cancel", "Reach", "check_urls", "http_ok", "internet_reachable", "reach", "resolve"]

MAX_RESPONSE = 16384


class Reach(Enum):
    """What one own check found."""

    ONLINE = "online"
    """A target answered 2xx (with the expected text, where one is given)."""
    NETWORK = "network"
    """Something answered over HTTP, but not that: a network without the internet, as behind a captive portal."""
    OFFLINE = "offline"
    """Nothing answered: no name, no connection, no HTTP answer in time."""


def reach(targets: Iterable[Tuple[str, Optional[str]]], timeout: float, cancel: Optional[Cancel] = None, *,
          hosts_file: Optional[str] = None, resolv_conf: Optional[str] = None,
          nameservers: Optional[Sequence[Server]] = None) -> Reach:
    """How far the targets can be reached; all of it within timeout, the first ONLINE ending it.

    The targets share the time: each gets an equal part of what is left, so one that never answers cannot
    leave none for the next. The keyword arguments say where names are looked up (see resolve()).
    """
    sources = Sources(hosts_file, resolv_conf, nameservers)
    deadline = time.monotonic() + timeout
    pending = list(targets)
    found = Reach.OFFLINE
    while pending:
        url, expect = pending.pop(0)
        if cancel is not None and cancel.cancelled:
            return Reach.OFFLINE
        now = time.monotonic()
        if now >= deadline:
            break
        answer = _get(url, now + (deadline - now) / (len(pending) + 1), expect, cancel, sources)
        if answer is Reach.ONLINE:
            return answer
        if answer is Reach.NETWORK:
            found = answer
    return found


def internet_reachable(targets: Iterable[Tuple[str, Optional[str]]], timeout: float,
                       cancel: Optional[Cancel] = None, *, hosts_file: Optional[str] = None,
                       resolv_conf: Optional[str] = None,
                       nameservers: Optional[Sequence[Server]] = None) -> bool:
    """True when any target answers 2xx (with the expected text, where one is given); all of it within timeout."""
    return reach(targets, timeout, cancel, hosts_file=hosts_file, resolv_conf=resolv_conf,
                 nameservers=nameservers) is Reach.ONLINE


def http_ok(url: str, timeout: float, expect_text: Optional[str] = None, cancel: Optional[Cancel] = None, *,
            hosts_file: Optional[str] = None, resolv_conf: Optional[str] = None,
            nameservers: Optional[Sequence[Server]] = None) -> bool:
    """One GET, bounded by timeout from the name lookup to the last byte; any failure is False, never an exception."""
    return _get(url, time.monotonic() + timeout, expect_text, cancel,
                Sources(hosts_file, resolv_conf, nameservers)) is Reach.ONLINE


def resolve(host: str, timeout: float, cancel: Optional[Cancel] = None, *, hosts_file: Optional[str] = None,
            resolv_conf: Optional[str] = None, nameservers: Optional[Sequence[Server]] = None) -> List[str]:
    """The addresses of host (IPv4 first), or [] when it cannot be resolved within timeout; never an exception.

    hosts_file and resolv_conf default to resolver.HOSTS_FILE and RESOLV_CONF (nameservers asked on DNS_PORT);
    nameservers, as (address, port) pairs, replaces resolv.conf's list. resolv.conf's search domains are not
    applied: the network_tests urls name hosts in full.
    """
    return resolve_by(host, time.monotonic() + timeout, cancel, Sources(hosts_file, resolv_conf, nameservers))


# ---------------------------------------------------------------------- the request
def _get(url: str, deadline: float, expect_text: Optional[str], cancel: Optional[Cancel],
         sources: Sources) -> Reach:
    """One GET that ends by deadline, whatever blocks: what it reached, never an exception."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port that is not a number, or out of range
        parts, port = None, 0
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        LOG.warning(f"network test url {url!r} is not an http(s) url; skipped")
        return Reach.OFFLINE
    host = parts.hostname
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    sock: Optional[socket.socket] = None
    try:
        addresses = resolve_by(host, deadline, cancel, sources)
        if not addresses:
            LOG.debug(f"network test {url}: {host} did not resolve in time")
            return Reach.OFFLINE
        sock = _connect(addresses, port, deadline, cancel)
        if sock is None:
            LOG.debug(f"network test {url}: no address of {host} took the connection in time")
            return Reach.OFFLINE
        if parts.scheme == "https":
            import ssl  # only where a network test url asks for it: ssl costs a start its import
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host,
                                                            do_handshake_on_connect=False)
            attach(cancel, sock)  # the TLS socket owns the descriptor now
            sock.settimeout(_left(deadline))
            sock.do_handshake()
        request = (f"GET {path} HTTP/1.0\r\nHost: {host_header}\r\n"
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
        return _judge(response, expect_text)
    except (OSError, ValueError) as e:  # socket.timeout and ssl errors are OSErrors; a non-ASCII path a ValueError
        LOG.debug(f"network test {url} failed: {e}")
        return Reach.OFFLINE
    finally:
        attach(cancel, None)
        if sock is not None:
            close(sock)


def _connect(addresses: Sequence[str], port: int, deadline: float,
             cancel: Optional[Cancel]) -> Optional[socket.socket]:
    """A socket connected to the first address that takes the connection; each try gets an equal part of the
    time left, so addresses that never answer cannot use more than the deadline between them."""
    for index, address in enumerate(addresses):
        if cancel is not None and cancel.cancelled:
            return None
        now = time.monotonic()
        if now >= deadline:
            return None
        target = numeric(address, port, socket.SOCK_STREAM)
        if target is None:
            continue
        family, sockaddr = target
        sock: Optional[socket.socket] = None
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
            attach(cancel, sock)
            sock.settimeout((deadline - now) / (len(addresses) - index))
            sock.connect(sockaddr)
            return sock
        except OSError as e:
            LOG.debug(f"network test: connect to {address} port {port} failed: {e}")
            attach(cancel, None)
            if sock is not None:
                close(sock)
    return None


def _left(deadline: float) -> float:
    """Seconds left before the deadline; raise socket.timeout when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout("network test deadline reached")
    return left


def _judge(response: bytes, expect_text: Optional[str]) -> Reach:
    """ONLINE for a 2xx status line with, if asked, the expected text in the body; NETWORK for any other HTTP
    answer (a captive portal's redirect or login page); OFFLINE for no HTTP answer at all."""
    head, _, body = response.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/") or not status_line[1].isdigit():
        return Reach.OFFLINE
    if 200 <= int(status_line[1]) < 300 and (expect_text is None or expect_text.encode("utf-8") in body):
        return Reach.ONLINE
    return Reach.NETWORK

