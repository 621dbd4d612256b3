"""A catch-all DNS responder for the setup network: every name is the device (dnslib over asyncio UDP).

A phone that joins the setup network asks for its captive-portal check host and gets the device's own address,
which answers with the setup page. Every A query gets the answer address with a short TTL; AAAA and every other
type get an empty NOERROR answer (so that a phone falls back to IPv4 at once); answers are authoritative, carry
the first question only and never exceed 512 bytes; anything that is not a well-formed query is dropped.
"""
import asyncio
import ipaddress
from typing import Any, Optional, Tuple

from dnslib import QTYPE, RCODE, RR, A, DNSHeader, DNSRecord

from ovos_PHAL_plugin_wifi_setup.log import LOG

TTL = 5                  # seconds: the answers stop mattering once the setup network is gone
MAX_QUERY_BYTES = 1500   # a real query is far smaller; bigger datagrams are not parsed
MAX_ANSWER_BYTES = 512   # plain DNS over UDP
QUERY_OPCODE = 0
CLASS_IN, CLASS_ANY = 1, 255


def answer_for(query: bytes, address: str, ttl: int = TTL) -> Optional[bytes]:
    """The answer to one datagram, or None when it is not a well-formed DNS query."""
    if not query or len(query) > MAX_QUERY_BYTES:
        return None
    try:
        record = DNSRecord.parse(query)
    except Exception:  # dnslib raises DNSError, and struct/index/unicode errors on some truncations
        return None
    if record.header.qr or not record.questions:
        return None  # an answer, not a question; or a question about nothing
    question = record.questions[0]
    header = DNSHeader(id=record.header.id, qr=1, aa=1, ra=0, rd=record.header.rd, opcode=record.header.opcode)
    reply = DNSRecord(header, q=question)
    if record.header.opcode != QUERY_OPCODE:
        reply.header.rcode = RCODE.NOTIMP
    elif question.qclass in (CLASS_IN, CLASS_ANY) and question.qtype in (QTYPE.A, QTYPE.ANY):
        reply.add_answer(RR(question.qname, QTYPE.A, rdata=A(address), ttl=ttl))
    try:
        packed = reply.pack()
        if len(packed) > MAX_ANSWER_BYTES:
            header = DNSHeader(id=record.header.id, qr=1, aa=1, ra=0, tc=1, rd=record.header.rd,
                               opcode=record.header.opcode)
            packed = DNSRecord(header).pack()
    except Exception:
        return None
    return packed


class _Responder(asyncio.DatagramProtocol):
    """Answers each datagram as it arrives."""

    def __init__(self, address: str):
        self.address = address
        self.transport: Optional[asyncio.DatagramTransport] = None
        self.closed: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: Any) -> None:
        """Keep the socket to answer on."""
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Tuple[Any, ...]) -> None:
        """Answer a query; drop anything else."""
        try:
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


class CatchAllDns:
    """Answers every A query on address:port (UDP) with one IPv4 address."""

    def __init__(self, answer: str, address: str, port: int):
        self._answer = str(ipaddress.IPv4Address(answer))  # ValueError for anything but an IPv4 address
        self._address = address
        self._port = port
        self._transport: Optional[asyncio.DatagramTransport] = None
        self._responder: Optional[_Responder] = None

    @property
    def port(self) -> int:
        """The port listened on (once started, the one bound when asked for port 0)."""
        return self._port

    async def start(self) -> None:
        """Bind address:port and start answering; OSError propagates (EACCES, EADDRINUSE, EADDRNOTAVAIL)."""
        if self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        transport, responder = await loop.create_datagram_endpoint(lambda: _Responder(self._answer),
                                                                   local_addr=(self._address, self._port))
        self._transport, self._responder = transport, responder
        self._port = int(transport.get_extra_info("sockname")[1])
        LOG.info(f"catch-all DNS answering {self._answer} on {self._address}:{self._port}")

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
