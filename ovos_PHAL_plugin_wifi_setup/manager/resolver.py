"""Name lookup bounded by a deadline and cancellable from another thread, for the manager's own internet check.

socket.getaddrinfo can neither be bounded nor interrupted: an IP literal needs no lookup, a name in the hosts file
is answered from it, and any other name is asked of the nameservers in resolv.conf over UDP (A and AAAA), every
wait bounded by the check's deadline.
"""
import os
import secrets
import socket
import stat
import time
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.manager.cancel import Cancel, close

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


class Sources(NamedTuple):
    """Where one check looks names up; None means the module default, read at call time."""

    hosts_file: Optional[str]
    resolv_conf: Optional[str]
    nameservers: Optional[Sequence[Server]]


class _Malformed(ValueError):
    """A DNS reply that does not parse; it is dropped."""


def attach(cancel: Optional[Cancel], sock: Optional[socket.socket]) -> None:
    """Hand the socket in use to cancel, when there is one."""
    if cancel is not None:
        cancel.attach(sock)


# ---------------------------------------------------------------------- name lookup
def resolve_by(host: str, deadline: float, cancel: Optional[Cancel], sources: Sources) -> List[str]:
    """The addresses of host, IPv4 first: a literal as is, else the hosts file's, else the nameservers'."""
    try:
        name = host.rstrip(".").lower()
        if numeric(name, 0, socket.SOCK_STREAM) is not None:
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


def numeric(address: str, port: int, kind: int) -> Optional[Tuple[int, tuple]]:
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
            if numeric(address, 0, socket.SOCK_STREAM) is not None:
                found.append(address)
    return found


def _nameservers(path: str) -> List[Server]:
    """The first MAX_NAMESERVERS nameserver lines of a resolv.conf, each asked on DNS_PORT."""
    servers: List[Server] = []
    for line in _read_config(path).splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "nameserver" and numeric(fields[1], 0, socket.SOCK_DGRAM):
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
    targets = [target for target in (numeric(address, port, socket.SOCK_DGRAM) for address, port in servers)
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
                        attach(cancel, None)
                        close(sock)
                        sock, family = None, None
                        lookup.sent.clear()
                    try:
                        sock = socket.socket(target_family, socket.SOCK_DGRAM)
                    except OSError as e:  # no IPv6 on this device, say
                        LOG.debug(f"network test: no socket for a nameserver: {e}")
                        next_send = now
                        continue
                    family = target_family
                    attach(cancel, sock)
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
        attach(cancel, None)
        if sock is not None:
            close(sock)


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

