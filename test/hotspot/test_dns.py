"""The catch-all DNS responder over real UDP on 127.0.0.1: what a phone on the setup network asks, and what it gets."""
import random
import socket
import struct
from typing import Iterator, List, Tuple

import pytest
from dnslib import EDNS0, QTYPE, RCODE, DNSQuestion, DNSRecord

from ovos_PHAL_plugin_wifi_setup.methods.hotspot.dns import CatchAllDns

from hotspot.fake_backend import LoopThread

ANSWER = "10.42.0.1"
TIMEOUT = 10.0
MAX_LENGTH_NAME = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])     # 253 characters, 255 bytes on the wire
MANY_LABELS_NAME = ".".join(["x"] * 127)                                  # 127 labels, 255 bytes on the wire


@pytest.fixture
def dns() -> Iterator[Tuple[CatchAllDns, LoopThread]]:
    """The responder on 127.0.0.1 (a free port), answering ANSWER."""
    loop = LoopThread()
    responder = CatchAllDns(ANSWER, "127.0.0.1", 0)
    loop.run(responder.start())
    yield responder, loop
    loop.run(responder.stop())
    loop.close()


@pytest.fixture
def client(dns: Tuple[CatchAllDns, LoopThread]) -> Iterator[socket.socket]:
    """A UDP socket connected to the responder."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(TIMEOUT)
    sock.connect(("127.0.0.1", dns[0].port))
    yield sock
    sock.close()


def ask(client: socket.socket, packet: bytes) -> Tuple[DNSRecord, bytes]:
    """Send one query; the answer, parsed and raw."""
    client.send(packet)
    raw = client.recv(65535)
    return DNSRecord.parse(raw), raw


def header(ident: int, flags: int = 0x0100, questions: int = 1) -> bytes:
    """A DNS header (flags 0x0100: a standard query, recursion desired)."""
    return struct.pack("!6H", ident, flags, questions, 0, 0, 0)


def wire_name(labels: List[bytes]) -> bytes:
    """A name as length-prefixed labels."""
    return b"".join(bytes([len(label)]) + label for label in labels) + b"\x00"


@pytest.mark.parametrize("name", [
    "connectivitycheck.gstatic.com", "captive.apple.com", "www.msftconnecttest.com", "detectportal.firefox.com",
    "example.org.", "localhost", "a", "MiXeD.CaSe.Example", "bücher.example", "xn--bcher-kva.example",
    "例え.テスト", MAX_LENGTH_NAME, MANY_LABELS_NAME,
])
def test_every_name_is_answered_with_the_device_address(client: socket.socket, name: str) -> None:
    """An A query for any name (IDN, long, many labels) gets one authoritative A record: the device, short TTL."""
    query = DNSRecord.question(name, "A")
    answer, raw = ask(client, query.pack())
    assert answer.header.id == query.header.id
    assert (answer.header.qr, answer.header.aa, answer.header.rcode) == (1, 1, RCODE.NOERROR)
    assert answer.questions == query.questions
    assert [(rr.rname, rr.rtype, str(rr.rdata)) for rr in answer.rr] == [(query.q.qname, QTYPE.A, ANSWER)]
    assert 0 < answer.rr[0].ttl <= 60
    assert len(raw) <= 512


def test_a_name_in_raw_utf8_is_answered_too(client: socket.socket) -> None:
    """Labels that are UTF-8 bytes (not punycode) are echoed as sent and answered."""
    labels = ["bücher".encode("utf-8"), b"example"]
    answer, _ = ask(client, header(0x4242) + wire_name(labels) + struct.pack("!2H", 1, 1))
    assert answer.header.id == 0x4242
    assert [rr.rname.label for rr in answer.rr] == [tuple(labels)]
    assert str(answer.rr[0].rdata) == ANSWER


@pytest.mark.parametrize("qtype", ["AAAA", "MX", "TXT", "HTTPS", "SRV", "PTR", "NS", "SOA", "CNAME"])
def test_other_types_get_an_empty_noerror_answer(client: socket.socket, qtype: str) -> None:
    """AAAA (and every type but A) is answered NOERROR with no records: a phone falls back to IPv4 at once."""
    query = DNSRecord.question("captive.apple.com", qtype)
    answer, _ = ask(client, query.pack())
    assert answer.header.id == query.header.id
    assert (answer.header.qr, answer.header.aa, answer.header.rcode) == (1, 1, RCODE.NOERROR)
    assert answer.questions == query.questions
    assert answer.rr == [] and answer.auth == [] and answer.ar == []


def test_an_any_query_gets_the_address(client: socket.socket) -> None:
    """ANY is answered with the A record."""
    answer, _ = ask(client, DNSRecord.question("example.com", "ANY").pack())
    assert [str(rr.rdata) for rr in answer.rr] == [ANSWER]


def test_an_answer_never_exceeds_512_bytes(client: socket.socket) -> None:
    """Many maximal questions and an EDNS record asking for large answers: one question is echoed, with its A
    record, in at most 512 bytes."""
    query = DNSRecord.question(MAX_LENGTH_NAME, "A")
    for i in range(5):
        query.add_question(DNSQuestion(f"{i}{MANY_LABELS_NAME[1:]}", QTYPE.A))
    query.add_ar(EDNS0(udp_len=4096))
    answer, raw = ask(client, query.pack())
    assert len(raw) <= 512
    assert answer.questions == query.questions[:1]
    assert [str(rr.rdata) for rr in answer.rr] == [ANSWER]


def test_an_unsupported_opcode_is_answered_not_implemented(client: socket.socket) -> None:
    """A STATUS request (opcode 2) gets NOTIMP and no records."""
    answer, _ = ask(client, header(0x0777, flags=0x1100) + wire_name([b"example"]) + struct.pack("!2H", 1, 1))
    assert (answer.header.id, answer.header.rcode, answer.rr) == (0x0777, RCODE.NOTIMP, [])


def garbage() -> List[bytes]:
    """Datagrams that are not DNS queries: empty, short, truncated, answers, broken names, noise."""
    rng = random.Random(14)
    question = wire_name([b"example", b"com"]) + struct.pack("!2H", 1, 1)
    return [
        b"", b"\x00", b"\x12\x34", header(1)[:11], header(2),                     # nothing or a bare header
        header(3, questions=0),                                                  # a query asking nothing
        header(4) + b"\x05ab",                                                   # a label running off the end
        header(5) + b"\x40" + b"a" * 64 + b"\x00" + struct.pack("!2H", 1, 1),    # a label over 63 bytes
        header(6) + b"\xc0\x0c" + struct.pack("!2H", 1, 1),                      # a name pointing at itself
        header(7) + b"\x03abc\xc0\x0c" + struct.pack("!2H", 1, 1),               # a pointer loop
        header(8) + wire_name([b"example"]),                                     # no type and class
        header(9, flags=0x8180) + question,                                      # an answer, not a query
        b"GET / HTTP/1.1\r\nHost: 10.42.0.1\r\n\r\n",
        bytes(rng.getrandbits(8) for _ in range(2000)),
        header(10) + question + b"\xff" * 1600,                                  # over the size parsed
        *[bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 80))) for _ in range(40)],
    ]


def test_garbage_is_dropped_and_the_server_still_answers(client: socket.socket) -> None:
    """Every malformed datagram goes unanswered (the first datagram back is the answer to the good query sent
    after them all) and the responder keeps answering."""
    for packet in garbage():
        client.send(packet)
    for name in ("after.garbage.example", "captive.apple.com"):
        query = DNSRecord.question(name, "A")
        answer, _ = ask(client, query.pack())
        assert answer.header.id == query.header.id and answer.q.qname == query.q.qname
        assert [str(rr.rdata) for rr in answer.rr] == [ANSWER]


def test_start_reports_its_port_and_stop_is_idempotent(dns: Tuple[CatchAllDns, LoopThread]) -> None:
    """Asked for port 0, the responder reports the bound port; stop() twice is fine; stopped, nothing answers
    (the socket is closed: the port can be bound again)."""
    responder, loop = dns
    port = responder.port
    assert port != 0
    loop.run(responder.stop())
    loop.run(responder.stop())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_a_port_in_use_raises_oserror() -> None:
    """start() on a port another socket holds raises the OSError."""
    loop = LoopThread()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
            taken.bind(("127.0.0.1", 0))
            responder = CatchAllDns(ANSWER, "127.0.0.1", taken.getsockname()[1])
            with pytest.raises(OSError):
                loop.run(responder.start())
    finally:
        loop.close()


@pytest.mark.parametrize("answer", ["not-an-address", "::1", "10.42.0", "", "10.42.0.1 "])
def test_the_answer_must_be_an_ipv4_address(answer: str) -> None:
    """The address every A query gets must be IPv4: anything else is refused when the responder is made."""
    with pytest.raises(ValueError):
        CatchAllDns(answer, "127.0.0.1", 0)
