"""The plugin's own internet check: plain sockets, one hard deadline for the whole check (name lookup included),
cancellable from another thread.

Names are resolved here rather than by socket.getaddrinfo, which can neither be bounded nor interrupted: an IP
literal needs no lookup, a name in the hosts file is answered from it, and any other name is asked of the
nameservers in resolv.conf over UDP (A and AAAA), every wait bounded by the check's deadline.
"""
import os
import secrets
import socket
import ssl
import stat
import time
from enum import Enum
from threading import Event, Lock
from typing import Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple
from urllib.parse import urlsplit

from ovos_PHAL_plugin_wifi_setup.log import LOG

MAX_RESPONSE = 16384

# Where names come from. Read at every check (resolv.conf changes when a network comes up), never cached.
HOSTS_FILE = "/etc/hosts"
RESOLV_CONF = "/etc/resolv.conf"
DNS_PORT = 53  # the port of every nameserver named in resolv.conf

MAX_CONFIG_FILE = 1 << 20  # bytes of a hosts file or resolv.conf read; the rest is ignored
MAX_NAMESERVERS = 3  # as many as the C library uses
DNS_ATTEMPTS = 2  # queries sent to each nameserver, spread over the time left
ANSWER_GRACE = 0.25  # seconds the other address family may still take once one family gave addresses
MAX_DATAGRAM = 4096
MAX_RECORDS = 64  # answer records in one reply; more is treated as malformed
MAX_POINTERS = 16  # compression pointers followed within one name
MAX_CNAMES = 8  # aliases followed from the asked name
MAX_ADDRESSES = 8  # addresses of one name tried

TYPE_A = 1
TYPE_CNAME = 5
TYPE_AAAA = 28
CLASS_IN = 1
RCODE_NOERROR = 0
RCODE_NXDOMAIN = 3

Labels = Tuple[bytes, ...]
Server = Tuple[str, int]


class Cancel:
    """Lets shutdown() end a check in flight: closing its socket wakes a blocked connect, read or lookup at once."""

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


class _Sources(NamedTuple):
    """Where one check looks names up; None means the module default, read at call time."""

    hosts_file: Optional[str]
    resolv_conf: Optional[str]
    nameservers: Optional[Sequence[Server]]


class _Malformed(ValueError):
    """A DNS reply that does not parse; it is dropped."""


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
    sources = _Sources(hosts_file, resolv_conf, nameservers)
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
                _Sources(hosts_file, resolv_conf, nameservers)) is Reach.ONLINE


def resolve(host: str, timeout: float, cancel: Optional[Cancel] = None, *, hosts_file: Optional[str] = None,
            resolv_conf: Optional[str] = None, nameservers: Optional[Sequence[Server]] = None) -> List[str]:
    """The addresses of host (IPv4 first), or [] when it cannot be resolved within timeout; never an exception.

    hosts_file and resolv_conf default to HOSTS_FILE and RESOLV_CONF (whose nameservers are asked on DNS_PORT);
    nameservers, as (address, port) pairs, replaces resolv.conf's list. resolv.conf's search domains are not
    applied: the network_tests urls name hosts in full.
    """
    return _resolve(host, time.monotonic() + timeout, cancel, _Sources(hosts_file, resolv_conf, nameservers))


# ---------------------------------------------------------------------- the request
def _get(url: str, deadline: float, expect_text: Optional[str], cancel: Optional[Cancel],
         sources: _Sources) -> Reach:
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
        addresses = _resolve(host, deadline, cancel, sources)
        if not addresses:
            LOG.debug(f"network test {url}: {host} did not resolve in time")
            return Reach.OFFLINE
        sock = _connect(addresses, port, deadline, cancel)
        if sock is None:
            LOG.debug(f"network test {url}: no address of {host} took the connection in time")
            return Reach.OFFLINE
        if parts.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host,
                                                            do_handshake_on_connect=False)
            _attach(cancel, sock)  # the TLS socket owns the descriptor now
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
        _attach(cancel, None)
        if sock is not None:
            _close(sock)


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
        target = _numeric(address, port, socket.SOCK_STREAM)
        if target is None:
            continue
        family, sockaddr = target
        sock: Optional[socket.socket] = None
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
            _attach(cancel, sock)
            sock.settimeout((deadline - now) / (len(addresses) - index))
            sock.connect(sockaddr)
            return sock
        except OSError as e:
            LOG.debug(f"network test: connect to {address} port {port} failed: {e}")
            _attach(cancel, None)
            if sock is not None:
                _close(sock)
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


def _attach(cancel: Optional[Cancel], sock: Optional[socket.socket]) -> None:
    """Hand the socket in use to cancel, when there is one."""
    if cancel is not None:
        cancel.attach(sock)


def _close(sock: socket.socket) -> None:
    """Close a socket, waking any thread blocked on it (shutdown wakes even an unconnected UDP socket's reader)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


# ---------------------------------------------------------------------- name lookup
def _resolve(host: str, deadline: float, cancel: Optional[Cancel], sources: _Sources) -> List[str]:
    """The addresses of host, IPv4 first: a literal as is, else the hosts file's, else the nameservers'."""
    try:
        name = host.rstrip(".").lower()
        if _numeric(name, 0, socket.SOCK_STREAM) is not None:
            return [name]
        hosts_file = sources.hosts_file if sources.hosts_file is not None else HOSTS_FILE
        listed = _from_hosts_file(hosts_file, name)
        if listed:
            return _ordered(listed)
        labels = _labels(name)
        if sources.nameservers is not None:
            servers = list(sources.nameservers)[:MAX_NAMESERVERS]
        else:
            resolv_conf = sources.resolv_conf if sources.resolv_conf is not None else RESOLV_CONF
            servers = _nameservers(resolv_conf)
        if not servers:
            LOG.debug(f"network test: no nameserver to ask for {name}")
            return []
        return _ordered(_ask(labels, servers, deadline, cancel))
    except (OSError, ValueError) as e:
        LOG.debug(f"network test: {host!r} not resolved: {e}")
        return []


def _ordered(addresses: Iterable[str]) -> List[str]:
    """IPv4 addresses before IPv6 ones, each in the order given, without repeats, at most MAX_ADDRESSES."""
    unique = list(dict.fromkeys(addresses))
    return ([a for a in unique if ":" not in a] + [a for a in unique if ":" in a])[:MAX_ADDRESSES]


def _numeric(address: str, port: int, kind: int) -> Optional[Tuple[int, tuple]]:
    """(family, sockaddr) for an IP literal (an IPv6 one may carry a %zone), or None; never a lookup."""
    if not address or len(address) > 64:
        return None
    try:
        infos = socket.getaddrinfo(address, port, type=kind,
                                   flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV)
    except (OSError, ValueError, OverflowError, TypeError):  # not a literal, or a port out of range
        return None
    for family, _, _, _, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            return family, sockaddr
    return None


def _read_config(path: str) -> str:
    """The start of a small local text file, or "" when it is missing or not a regular file."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return ""
        with open(path, "rb") as f:
            return f.read(MAX_CONFIG_FILE).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _from_hosts_file(path: str, name: str) -> List[str]:
    """Every address the hosts file gives name (names compared case-insensitively), in file order."""
    found = []
    for line in _read_config(path).splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and name in (alias.rstrip(".").lower() for alias in fields[1:]):
            address = fields[0]
            if _numeric(address, 0, socket.SOCK_STREAM) is not None:
                found.append(address)
    return found


def _nameservers(path: str) -> List[Server]:
    """The first MAX_NAMESERVERS nameserver lines of a resolv.conf, each asked on DNS_PORT."""
    servers: List[Server] = []
    for line in _read_config(path).splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "nameserver" and _numeric(fields[1], 0, socket.SOCK_DGRAM):
            servers.append((fields[1], DNS_PORT))
            if len(servers) == MAX_NAMESERVERS:
                break
    return servers


def _labels(name: str) -> Labels:
    """The DNS labels of a host name (IDNA for non-ASCII); ValueError for one that cannot be asked."""
    encoded = name.encode("idna")  # UnicodeError (a ValueError) for an empty or over-long label
    labels = tuple(encoded.split(b"."))
    if not labels or len(encoded) > 253 or any(not 0 < len(label) < 64 for label in labels):
        raise ValueError(f"{name!r} is not a host name")
    return labels


class _Lookup:
    """One lookup in flight: the queries sent (by id) and the answers so far, by record type."""

    def __init__(self, labels: Labels):
        self.labels = labels
        self.sent: Dict[int, Tuple[int, tuple]] = {}  # query id -> (record type, nameserver address)
        self.answered: Dict[int, List[str]] = {}  # record type -> addresses (possibly none)

    def query(self, qtype: int) -> Tuple[int, bytes]:
        """A fresh random id and the query datagram asking for qtype."""
        qid = secrets.randbits(16)
        while qid in self.sent:
            qid = secrets.randbits(16)
        header = qid.to_bytes(2, "big") + b"\x01\x00" + b"\x00\x01" + b"\x00\x00" * 3  # recursion desired
        question = b"".join(bytes([len(label)]) + label for label in self.labels) + b"\x00"
        return qid, header + question + qtype.to_bytes(2, "big") + CLASS_IN.to_bytes(2, "big")

    @property
    def done(self) -> bool:
        """True once both record types have a final answer."""
        return TYPE_A in self.answered and TYPE_AAAA in self.answered

    @property
    def addresses(self) -> List[str]:
        """What the answers so far give, IPv4 first."""
        return self.answered.get(TYPE_A, []) + self.answered.get(TYPE_AAAA, [])

    def take(self, packet: bytes, source: tuple) -> None:
        """Use a reply if it answers a query sent to the nameserver it came from; drop anything else."""
        if len(packet) < 2:
            return
        sent = self.sent.get(int.from_bytes(packet[:2], "big"))
        if sent is None or tuple(source[:2]) != tuple(sent[1][:2]):
            return  # not ours: a late reply to nothing we asked, or from a host we did not ask
        qtype = sent[0]
        if qtype in self.answered:
            return
        try:
            reply = _parse_reply(packet, self.labels, qtype)
        except _Malformed as e:
            LOG.debug(f"network test: DNS reply dropped: {e}")
            return
        if reply is None:
            return
        rcode, addresses = reply
        self.answered[qtype] = addresses
        if rcode == RCODE_NXDOMAIN:  # the name does not exist: the other type has nothing either
            self.answered.setdefault(TYPE_A, [])
            self.answered.setdefault(TYPE_AAAA, [])


def _ask(labels: Labels, servers: Sequence[Server], deadline: float, cancel: Optional[Cancel]) -> List[str]:
    """Ask the nameservers for A and AAAA records, in turn, until both are answered or the deadline.

    Each nameserver is asked DNS_ATTEMPTS times, the sends spread evenly over the time left; a reply from any
    nameserver already asked still counts. One UDP socket at a time is in use, held by cancel.
    """
    lookup = _Lookup(labels)
    targets = [target for target in (_numeric(address, port, socket.SOCK_DGRAM) for address, port in servers)
               if target is not None]
    plan = [target for _ in range(DNS_ATTEMPTS) for target in targets]
    sock: Optional[socket.socket] = None
    family = None
    grace_end: Optional[float] = None
    next_send = time.monotonic()
    try:
        while not lookup.done:
            if cancel is not None and cancel.cancelled:
                return []
            now = time.monotonic()
            if grace_end is None and lookup.addresses:
                grace_end = now + ANSWER_GRACE
            stop_at = deadline if grace_end is None else min(deadline, grace_end)
            if now >= stop_at or (not plan and not lookup.sent):
                break  # out of time, or every send failed
            if plan and now >= next_send:
                target_family, sockaddr = plan.pop(0)
                next_send = now + (deadline - now) / (len(plan) + 1)
                if sock is None or target_family != family:  # the other family: earlier servers cannot reply
                    if sock is not None:
                        _attach(cancel, None)
                        _close(sock)
                        sock, family = None, None
                        lookup.sent.clear()
                    try:
                        sock = socket.socket(target_family, socket.SOCK_DGRAM)
                    except OSError as e:  # no IPv6 on this device, say
                        LOG.debug(f"network test: no socket for a nameserver: {e}")
                        next_send = now
                        continue
                    family = target_family
                    _attach(cancel, sock)
                _send(sock, lookup, sockaddr)
                continue
            if sock is None:
                break
            sock.settimeout(min(stop_at, next_send) - now if plan else stop_at - now)
            try:
                packet, source = sock.recvfrom(MAX_DATAGRAM)
            except socket.timeout:
                continue
            if packet and source:
                lookup.take(packet, source)
        return lookup.addresses
    finally:
        _attach(cancel, None)
        if sock is not None:
            _close(sock)


def _send(sock: socket.socket, lookup: _Lookup, server: tuple) -> None:
    """Send the A and AAAA queries not yet answered to one nameserver; a send that fails is skipped."""
    for qtype in (TYPE_A, TYPE_AAAA):
        if qtype in lookup.answered:
            continue
        qid, datagram = lookup.query(qtype)
        try:
            sock.sendto(datagram, server)
        except OSError as e:  # no route, say: the other nameservers may still be reachable
            LOG.debug(f"network test: DNS query to {server[0]} not sent: {e}")
            continue
        lookup.sent[qid] = (qtype, server)


def _parse_reply(packet: bytes, labels: Labels, qtype: int) -> Optional[Tuple[int, List[str]]]:
    """(rcode, addresses) of a final reply to the question (labels, qtype); None for one that settles nothing
    (truncated, or a server failure: another nameserver may do better); _Malformed for one that does not parse.

    Only the question and answer sections are read; addresses are taken from records owned by the asked name
    or an alias reached from it through the reply's CNAME records.
    """
    if len(packet) < 12:
        raise _Malformed("shorter than a header")
    flags = int.from_bytes(packet[2:4], "big")
    qdcount, ancount = int.from_bytes(packet[4:6], "big"), int.from_bytes(packet[6:8], "big")
    if not flags & 0x8000 or (flags >> 11) & 0xF:
        raise _Malformed("not a reply to a standard query")
    if flags & 0x0200:
        return None  # truncated: no TCP fallback here
    rcode = flags & 0xF
    if qdcount != 1:
        raise _Malformed(f"{qdcount} questions")
    owner, offset = _read_name(packet, 12)
    if offset + 4 > len(packet):
        raise _Malformed("question cut short")
    if owner != _lower(labels) or _u16(packet, offset) != qtype or _u16(packet, offset + 2) != CLASS_IN:
        raise _Malformed("answers another question")
    offset += 4
    if rcode == RCODE_NXDOMAIN:
        return rcode, []
    if rcode != RCODE_NOERROR:
        return None
    if ancount > MAX_RECORDS:
        raise _Malformed(f"{ancount} answer records")
    aliases: Dict[Labels, Labels] = {}
    records: List[Tuple[Labels, str]] = []
    for _ in range(ancount):
        owner, offset = _read_name(packet, offset)
        if offset + 10 > len(packet):
            raise _Malformed("record cut short")
        rtype, rclass, rdlength = _u16(packet, offset), _u16(packet, offset + 2), _u16(packet, offset + 8)
        start, end = offset + 10, offset + 10 + rdlength
        if end > len(packet):
            raise _Malformed("record data cut short")
        if rclass == CLASS_IN and rtype == qtype:
            family, size = (socket.AF_INET, 4) if qtype == TYPE_A else (socket.AF_INET6, 16)
            if rdlength != size:
                raise _Malformed(f"address of {rdlength} bytes")
            records.append((owner, socket.inet_ntop(family, packet[start:end])))
        elif rclass == CLASS_IN and rtype == TYPE_CNAME:
            target, target_end = _read_name(packet, start)
            if target_end != end:
                raise _Malformed("alias does not fill its record")
            aliases[owner] = target
        offset = end
    names: Set[Labels] = set()
    name: Optional[Labels] = _lower(labels)
    while name is not None and name not in names and len(names) <= MAX_CNAMES:
        names.add(name)
        name = aliases.get(name)
    return rcode, [address for owner, address in records if owner in names]


def _u16(packet: bytes, offset: int) -> int:
    """The big-endian 16-bit number at offset (the caller checked the bounds)."""
    return int.from_bytes(packet[offset:offset + 2], "big")


def _lower(labels: Labels) -> Labels:
    """Labels compared as DNS does: ASCII case folded."""
    return tuple(label.lower() for label in labels)


def _read_name(packet: bytes, offset: int) -> Tuple[Labels, int]:
    """The (case-folded) name at offset and the offset just past it in place.

    A compression pointer must point before the part of the name being read, so every jump goes backwards and
    the walk ends; there are at most MAX_POINTERS of them and the name is at most 255 bytes.
    """
    labels: List[bytes] = []
    size = 0
    jumps = 0
    end: Optional[int] = None
    segment_start = position = offset
    while True:
        if position >= len(packet):
            raise _Malformed("name cut short")
        length = packet[position]
        if length & 0xC0 == 0xC0:
            if position + 1 >= len(packet):
                raise _Malformed("pointer cut short")
            target = ((length & 0x3F) << 8) | packet[position + 1]
            if target >= segment_start or jumps == MAX_POINTERS:
                raise _Malformed("compression pointer loops or points forward")
            if end is None:
                end = position + 2
            jumps += 1
            segment_start = position = target
            continue
        if length & 0xC0:
            raise _Malformed("unknown label type")
        position += 1
        if length == 0:
            break
        if position + length > len(packet):
            raise _Malformed("label cut short")
        size += length + 1
        if size > 255:
            raise _Malformed("name longer than 255 bytes")
        labels.append(packet[position:position + length].lower())
        position += length
    return tuple(labels), (position if end is None else end)

