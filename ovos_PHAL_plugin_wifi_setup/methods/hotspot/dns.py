"""A catch-all DNS responder for the setup network: every name is the device (dnslib over asyncio UDP).

A phone that joins the setup network asks for its captive-portal check host and gets the device's own address,
which answers with the setup page. Every A query gets the answer address with a short TTL; AAAA and every other
type get an empty NOERROR answer (so that a phone falls back to IPv4 at once); answers are authoritative, carry
the question only and never exceed 512 bytes. Only datagrams from the setup network's own subnet are answered,
and only those shaped like a phone's query (see `question_end`) reach dnslib: its parser costs up to tens of
milliseconds on crafted datagrams (chains of compression pointers, many records); past the shape check the costliest
datagram is a query for a name of 127 one-byte labels (benchmarks/hotspot_dns.py).
"""
import asyncio
import ipaddress
import struct
from typing import Any, Optional, Tuple, Union

from dnslib import QTYPE, RCODE, RR, A, DNSHeader, DNSRecord

from ovos_PHAL_plugin_wifi_setup.log import LOG

TTL = 5                  # seconds: the answers stop mattering once the setup network is gone
MAX_QUERY_BYTES = 512    # plain DNS over UDP; a phone's query is far smaller
MAX_ANSWER_BYTES = 512   # plain DNS over UDP
MAX_NAME_BYTES = 255     # a name on the wire, root label included
MAX_LABEL_BYTES = 63     # larger length bytes are compression pointers or extended label types
MAX_EDNS_OPTIONS = 8     # a stub sends a cookie, a client subnet, padding: a few, never dozens
QUERY_OPCODE = 0
TYPE_OPT = 41
CLASS_IN, CLASS_ANY = 1, 255
HEADER = struct.Struct("!6H")    # id, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT
OPT_FIXED = struct.Struct("!BHHIH")  # root name, type, UDP size, extended rcode/version/flags, RDLENGTH
OPTION_HEAD = struct.Struct("!HH")   # option code, option length
FLAG_QR = 0x8000
Network = Union[str, ipaddress.IPv4Network]


def _name_end(datagram: bytes, offset: int) -> Optional[int]:
    """Where the uncompressed name at offset ends, or None when it is compressed, too long or cut off."""
    start = offset
    while offset - start < MAX_NAME_BYTES and offset < len(datagram):  # each label moves on >= 2 bytes: <= 128 turns
        length = datagram[offset]
        if length == 0:
            return offset + 1
        if length > MAX_LABEL_BYTES:
            return None  # a pointer: a query's only name has nothing before it to point at but the header
        offset += 1 + length
    return None


def _opt_fits(datagram: bytes, offset: int) -> bool:
    """True when datagram[offset:] is exactly one EDNS OPT record (root name) of at most MAX_EDNS_OPTIONS options."""
    if len(datagram) - offset < OPT_FIXED.size:
        return False
    name, rtype, _, _, rdlength = OPT_FIXED.unpack_from(datagram, offset)
    offset += OPT_FIXED.size
    if name != 0 or rtype != TYPE_OPT or offset + rdlength != len(datagram):
        return False
    for _ in range(MAX_EDNS_OPTIONS):
        if offset == len(datagram):
            return True
        if len(datagram) - offset < OPTION_HEAD.size:
            return False
        offset += OPTION_HEAD.size + OPTION_HEAD.unpack_from(datagram, offset)[1]
    return offset == len(datagram)


def question_end(datagram: bytes) -> Optional[int]:
    """Where the question ends in a datagram shaped as a phone's query, or None (checked in at most a few hundred
    steps, before dnslib parses anything).

    At most 512 bytes; the QR bit clear (a question, not an answer); one question and no answer or authority
    records; the question's name uncompressed, labels of at most 63 bytes and 255 bytes in all; then its type
    and class; then nothing, or (ARCOUNT 1) one EDNS OPT record with a handful of options, filling the datagram
    exactly. The opcode is not checked here: other opcodes get NOTIMP.
    """
    if not HEADER.size < len(datagram) <= MAX_QUERY_BYTES:
        return None
    _, flags, questions, answers, authorities, additionals = HEADER.unpack_from(datagram)
    if flags & FLAG_QR or questions != 1 or answers or authorities or additionals > 1:
        return None
    end = _name_end(datagram, HEADER.size)
    if end is None or end + 4 > len(datagram):
        return None
    end += 4  # type and class
    fits = end == len(datagram) if additionals == 0 else _opt_fits(datagram, end)
    return end if fits else None


def answer_for(query: bytes, address: str, ttl: int = TTL) -> Optional[bytes]:
    """The answer to one datagram, or None when it is not a well-formed DNS query."""
    end = question_end(query)
    if end is None:
        return None
    try:  # the header and the question only: the answer uses nothing of an EDNS record
        record = DNSRecord.parse(query[:10] + b"\x00\x00" + query[HEADER.size:end])
    except Exception:  # dnslib raises DNSError for a label that is not UTF-8, struct/index errors on others
        return None
    question = record.questions[0]
    header = DNSHeader(id=record.header.id, qr=1, aa=1, ra=0, rd=record.header.rd, opcode=record.header.opcode)
    reply = DNSRecord(header, q=question)
    if record.header.opcode != QUERY_OPCODE:
        reply.header.rcode = RCODE.NOTIMP
    elif question.qclass in (CLASS_IN, CLASS_ANY) and question.qtype in (QTYPE.A, QTYPE.ANY):
        reply.add_answer(RR(question.qname, QTYPE.A, rdata=A(address), ttl=ttl))
    try:
        packed = reply.pack()
    except Exception:  # dnslib's DNSLabelError, or a struct error, on a name it parsed but cannot write back
        return None
    # a 255-byte name makes at most 287 bytes (its answer points at the question); held here all the same
    return packed if len(packed) <= MAX_ANSWER_BYTES else None


class _Responder(asyncio.DatagramProtocol):
    """Answers each datagram as it arrives."""

    def __init__(self, address: str, network: ipaddress.IPv4Network):
        self.address = address
        self.network = network
        self.transport: Optional[asyncio.DatagramTransport] = None
        self.closed: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: Any) -> None:
        """Keep the socket to answer on."""
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Tuple[Any, ...]) -> None:
        """Answer a query from the setup network; drop anything else."""
        try:
            if ipaddress.IPv4Address(addr[0]) not in self.network:
                return  # a LAN neighbour routing through the device, not a station of the setup network
            reply = answer_for(data, self.address)
            if reply is not None and self.transport is not None:
                self.transport.sendto(reply, addr)
        except Exception as e:
            LOG.debug(f"catch-all DNS: a datagram was dropped ({type(e).__name__})")

    def connection_lost(self, exc: Optional[Exception]) -> None:
        """The socket is closed."""
        if not self.closed.done():
            self.closed.set_result(None)

    def error_received(self, exc: Exception) -> None:
        """A send failed (the phone left): nothing to do."""
        LOG.debug(f"catch-all DNS: {type(exc).__name__}")


def default_network(address: str, answer: str) -> ipaddress.IPv4Network:
    """The senders answered by default: the bind address's /24 (the answer's when bound to every address), as
    NetworkManager shares the setup network; all of 127.0.0.0/8 for a loopback address."""
    ip = ipaddress.IPv4Address(address or answer)
    if ip.is_unspecified:
        ip = ipaddress.IPv4Address(answer)
    return ipaddress.IPv4Network(f"{ip}/{8 if ip.is_loopback else 24}", strict=False)


class CatchAllDns:
    """Answers every A query from `network` on address:port (UDP) with one IPv4 address."""

    def __init__(self, answer: str, address: str, port: int, network: Optional[Network] = None):
        """`network`: the senders answered (default: see `default_network`); ValueError for an answer, address or
        network that is not IPv4."""
        self._answer = str(ipaddress.IPv4Address(answer))
        self._address = address
        self._network = (default_network(address, self._answer) if network is None
                         else ipaddress.IPv4Network(network))
        self._port = port
        self._transport: Optional[asyncio.DatagramTransport] = None
        self._responder: Optional[_Responder] = None

    @property
    def network(self) -> ipaddress.IPv4Network:
        """The senders answered."""
        return self._network

    @property
    def port(self) -> int:
        """The port listened on (once started, the one bound when asked for port 0)."""
        return self._port

    async def start(self) -> None:
        """Bind address:port and start answering; OSError propagates (EACCES, EADDRINUSE, EADDRNOTAVAIL)."""
        if self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        transport, responder = await loop.create_datagram_endpoint(lambda: _Responder(self._answer, self._network),
                                                                   local_addr=(self._address, self._port))
        self._transport, self._responder = transport, responder
        self._port = int(transport.get_extra_info("sockname")[1])
        LOG.info(f"catch-all DNS answering {self._answer} to {self._network} on {self._address}:{self._port}")

    async def stop(self) -> None:
        """Stop answering and close the socket (done when this returns); idempotent."""
        transport, self._transport = self._transport, None
        responder, self._responder = self._responder, None
        if transport is not None:
            transport.close()
        if responder is not None:
            try:
                await asyncio.wait_for(asyncio.shield(responder.closed), 5.0)
            except asyncio.TimeoutError:
                LOG.warning("catch-all DNS: the socket did not close in time")
