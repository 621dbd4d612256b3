"""The catch-all DNS responder over real UDP on 127.0.0.1: what a phone on the setup network asks, and what it gets."""
import ipaddress
import random
import select
import socket
import struct
import time
from typing import Any, Callable, Iterator, List, Tuple

import pytest
from dnslib import EDNS0, QTYPE, RCODE, DNSQuestion, DNSRecord

from ovos_PHAL_plugin_wifi_setup.methods.hotspot.dns import CatchAllDns, answer_for

from hotspot.conftest import LogLines
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
    """A maximal question and an EDNS record asking for large answers: the question is echoed, with its A
    record, in at most 512 bytes."""
    query = DNSRecord.question(MAX_LENGTH_NAME, "A")
    query.add_ar(EDNS0(udp_len=4096))
    answer, raw = ask(client, query.pack())
    assert len(raw) <= 512
    assert answer.questions == query.questions
    assert [str(rr.rdata) for rr in answer.rr] == [ANSWER]


def test_many_questions_are_not_answered(client: socket.socket) -> None:
    """Many maximal questions in one datagram (QDCOUNT 6): dropped, and the responder answers the next query."""
    query = DNSRecord.question(MAX_LENGTH_NAME, "A")
    for i in range(5):
        query.add_question(DNSQuestion(f"{i}{MANY_LABELS_NAME[1:]}", QTYPE.A))
    query.add_ar(EDNS0(udp_len=4096))
    client.send(query.pack())
    after = DNSRecord.question("after.many.example", "A")
    answer, _ = ask(client, after.pack())
    assert answer.header.id == after.header.id and answer.q.qname == after.q.qname


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


A_IN = struct.pack("!2H", 1, 1)
MANY_LABELS = b"\x01x" * 127 + b"\x00"   # the most labels a name may have: 255 bytes on the wire
PHONE_QUESTION = wire_name([b"captive", b"apple", b"com"]) + A_IN


def counts(header_: bytes, *, questions: int = 1, answers: int = 0, authorities: int = 0, additionals: int = 0) -> bytes:
    """header_ with its four counts replaced."""
    return header_[:4] + struct.pack("!4H", questions, answers, authorities, additionals)


def opt(options: bytes = b"", name: bytes = b"\x00", rtype: int = 41) -> bytes:
    """An EDNS OPT record (4096-byte UDP size) carrying options."""
    return name + struct.pack("!HHIH", rtype, 4096, 0, len(options)) + options


def option(code: int, data: bytes = b"") -> bytes:
    """One EDNS option."""
    return struct.pack("!HH", code, len(data)) + data


def growing_chain(size: int) -> bytes:
    """A 127-label question, then CNAME answers whose names each add a label to the one before by pointer: dnslib
    alone takes milliseconds on it (tens of them at 1.5 KB), its cost growing with the square of the count."""
    body = bytearray(MANY_LABELS + A_IN)
    previous, count = 12, 0
    while 12 + len(body) + 16 <= size:
        start = 12 + len(body)
        body += b"\x01x" + struct.pack("!HHHIHH", 0xC000 | previous, 5, 1, 0, 2, 0xC000 | start)
        previous, count = start, count + 1
    return counts(header(0x6006), answers=count) + bytes(body)


def padded_to(size: int) -> bytes:
    """A phone's query with EDNS padding to exactly size bytes."""
    head = counts(header(0x5005), additionals=1) + PHONE_QUESTION
    return head + opt(option(12, b"\x00" * (size - len(head) - len(opt()) - 4)))


BROKEN_RULES = {  # each a phone's query but for the one rule it breaks
    "over 512 bytes": padded_to(513),
    "no question": counts(header(0x5005), questions=0) + PHONE_QUESTION,
    "two questions": counts(header(0x5005), questions=2) + PHONE_QUESTION * 2,
    "an answer record": counts(header(0x5005), answers=1) + PHONE_QUESTION + b"\xc0\x0c" + A_IN
                        + struct.pack("!IH", 5, 4) + bytes(4),
    "an authority record": counts(header(0x5005), authorities=1) + PHONE_QUESTION + opt(),
    "two additional records": counts(header(0x5005), additionals=2) + PHONE_QUESTION + opt() + opt(),
    "an additional record not OPT": counts(header(0x5005), additionals=1) + PHONE_QUESTION + opt(rtype=1),
    "an OPT record with a name": counts(header(0x5005), additionals=1) + PHONE_QUESTION + opt(name=b"\xc0\x0c"),
    "nine EDNS options": counts(header(0x5005), additionals=1) + PHONE_QUESTION
                         + opt(b"".join(option(65001 + i) for i in range(9))),
    "an EDNS option running off the end": counts(header(0x5005), additionals=1) + PHONE_QUESTION
                                          + opt(option(10, bytes(8))[:-1]),
    "the QR bit (an answer)": header(0x5005, flags=0x8400) + PHONE_QUESTION,
    "a compressed question name": header(0x5005) + b"\x07captive\xc0\x0c" + A_IN,
    "a label over 63 bytes": header(0x5005) + b"\x40" + b"a" * 64 + b"\x00" + A_IN,
    "a name over 255 bytes": header(0x5005) + b"\x01x" * 128 + b"\x00" + A_IN,
    "bytes after the question": header(0x5005) + PHONE_QUESTION + b"\x00",
    "no class": header(0x5005) + PHONE_QUESTION[:-2],
    "the 1.5 KB pointer chain": growing_chain(1500),
    "a 512-byte pointer chain": growing_chain(512),
}


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> List[bytes]:
    """The datagrams dnslib's parser is handed during the test."""
    calls: List[bytes] = []
    parse = DNSRecord.parse.__func__  # type: ignore[attr-defined]

    def counted(cls: Any, packet: bytes) -> DNSRecord:
        calls.append(packet)
        return parse(cls, packet)

    monkeypatch.setattr(DNSRecord, "parse", classmethod(counted))
    return calls


@pytest.mark.parametrize("rule", sorted(BROKEN_RULES))
def test_a_crafted_datagram_is_dropped_before_dnslib_parses_it(parses: List[bytes], rule: str) -> None:
    """A datagram breaking any one drop rule gets no answer and never reaches dnslib's parser."""
    assert answer_for(BROKEN_RULES[rule], ANSWER) is None
    assert parses == []


@pytest.mark.parametrize("datagram, question", [
    (header(0x5005) + PHONE_QUESTION, PHONE_QUESTION),
    (padded_to(512), PHONE_QUESTION),
    (counts(header(0x5005), additionals=1) + PHONE_QUESTION + opt(b"".join(option(65001 + i) for i in range(8))),
     PHONE_QUESTION),
    (header(0x5005) + MANY_LABELS + A_IN, MANY_LABELS + A_IN),
])
def test_the_query_each_rule_was_made_from_is_answered(parses: List[bytes], datagram: bytes, question: bytes) -> None:
    """A phone's query, with EDNS padding to 512 bytes, with eight EDNS options, and for 127 labels is answered;
    dnslib parses it once, the header and the question only (the EDNS record stays out of it)."""
    answer = answer_for(datagram, ANSWER)
    assert parses == [header(0x5005) + question]
    assert answer is not None and DNSRecord.parse(answer).header.id == 0x5005


def test_crafted_datagrams_get_no_answer_and_the_server_still_answers(client: socket.socket) -> None:
    """Over UDP, every datagram breaking a rule goes unanswered: the first datagram back answers the query sent
    after them all."""
    for packet in BROKEN_RULES.values():
        client.send(packet)
    query = DNSRecord.question("after.crafted.example", "A")
    answer, _ = ask(client, query.pack())
    assert answer.header.id == query.header.id and answer.q.qname == query.q.qname


def least_cost(calls: List[Callable[[], Any]], rounds: int = 31, batch: int = 10) -> List[float]:
    """Each call's least CPU seconds per call over interleaved rounds of batch calls: its own cost. CPU time of this
    thread, not wall time: the suite runs in four processes on two cores, and a process waiting for a core (once
    for every round of one call, on a loaded machine) must not count; the least round leaves the collector out."""
    samples: List[List[float]] = [[] for _ in calls]
    for _ in range(rounds):
        for index, call in enumerate(calls):
            start = time.thread_time()
            for _ in range(batch):
                call()
            samples[index].append((time.thread_time() - start) / batch)
    return [min(times) for times in samples]


def test_a_crafted_datagram_costs_no_more_than_a_query() -> None:
    """The costliest datagrams that pass the checks (127 one-byte labels; the same with EDNS filling 512 bytes)
    cost at most 20 times a phone's query (7 to 9 in the bench), and the crafted ones that cost dnslib
    milliseconds cost less than that query (least costs, interleaved)."""
    worst = [header(0x5005) + MANY_LABELS + A_IN,
             counts(header(0x5005), additionals=1) + MANY_LABELS + A_IN + opt(option(12, bytes(512 - 271 - 15)))]
    assert len(worst[1]) == 512
    crafted = [growing_chain(1500), growing_chain(512)]
    datagrams = [header(0x5005) + PHONE_QUESTION, *worst, *crafted]
    assert [answer_for(d, ANSWER) is not None for d in datagrams] == [True, True, True, False, False]
    query, *costs = least_cost([lambda d=d: answer_for(d, ANSWER) for d in datagrams])
    assert all(cost <= 20 * query for cost in costs[:2]), (query, costs)
    assert all(cost <= query for cost in costs[2:]), (query, costs)


def test_a_lan_neighbour_outside_the_hotspot_gets_no_dns_answer() -> None:
    """The responder on 127.0.0.1 for the network 127.0.0.0/30: a query from 127.0.0.5 (a neighbour routing
    through the device) goes unanswered, the same query from 127.0.0.2 (a station) is answered."""
    loop = LoopThread()
    responder = CatchAllDns(ANSWER, "127.0.0.1", 0, network="127.0.0.0/30")
    loop.run(responder.start())
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as neighbour, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as station:
            neighbour.bind(("127.0.0.5", 0))
            station.bind(("127.0.0.2", 0))
            station.settimeout(TIMEOUT)
            query = DNSRecord.question("captive.apple.com", "A")
            neighbour.sendto(query.pack(), ("127.0.0.1", responder.port))
            station.sendto(query.pack(), ("127.0.0.1", responder.port))
            answer = DNSRecord.parse(station.recv(65535))
            assert [str(rr.rdata) for rr in answer.rr] == [ANSWER]
            # the neighbour's datagram was handled before the station's: an answer to it would be here already
            assert select.select([neighbour], [], [], 0.5)[0] == []
    finally:
        loop.run(responder.stop())
        loop.close()


@pytest.mark.parametrize("address, answer, network", [
    ("10.42.0.1", "10.42.0.1", "10.42.0.0/24"), ("192.168.77.1", "192.168.77.1", "192.168.77.0/24"),
    ("127.0.0.1", ANSWER, "127.0.0.0/8"), ("0.0.0.0", "10.42.0.1", "10.42.0.0/24"), ("", "10.42.0.1", "10.42.0.0/24"),
])
def test_the_network_answered_is_the_bind_address_subnet(address: str, answer: str, network: str) -> None:
    """By default the senders answered are the bind address's /24, as NetworkManager shares the setup network
    (all of 127.0.0.0/8 on loopback; the answer's /24 when bound to every address)."""
    assert CatchAllDns(answer, address, 0).network == ipaddress.IPv4Network(network)


@pytest.mark.parametrize("network", ["not-a-network", "::1/128", "10.42.0.1/24"])
def test_the_network_must_be_an_ipv4_network(network: str) -> None:
    """A network that is not an IPv4 network (or has host bits set) is refused when the responder is made."""
    with pytest.raises(ValueError):
        CatchAllDns(ANSWER, "127.0.0.1", 0, network=network)


def test_a_name_with_control_characters_forges_no_log_line(client: socket.socket, logs: LogLines) -> None:
    """A query for a name carrying a newline and other control characters is answered, and the responder logs
    no line with a control character in it (it logs no name at all)."""
    labels = [b"evil\nINFO - forged line", b"\x1b[31mred\r", b"example"]
    answer, _ = ask(client, header(0x4343) + wire_name(labels) + A_IN)
    assert [str(rr.rdata) for rr in answer.rr] == [ANSWER]
    client.send(header(0x4444, flags=0x8180) + wire_name(labels) + A_IN)
    ask(client, DNSRecord.question("after.example", "A").pack())
    assert not [line for line in logs.lines if any(ord(c) < 32 for c in line)]
