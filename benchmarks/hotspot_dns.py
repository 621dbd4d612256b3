"""What one datagram costs the hotspot's catch-all DNS, as a ratio to a phone's well-formed query, in one interleaved run.

Usage: python benchmarks/hotspot_dns.py [--rounds N] [--calls N]

Each datagram is handed to the responder as the socket would hand it (`datagram_received`, a stand-in transport
that counts what is sent), every datagram in turn in each round, each as many times as take the time of N calls of
(a); prints the median per call in
microseconds and as a multiple of (a), a well-formed A query. (b) are the costliest datagrams found that pass the
shape check and reach dnslib; (c) are crafted datagrams dropped before it, and for each of (c) what dnslib's parser
alone costs on it (what the check saves: the issue's 1.5 KB datagram among them).
"""
import argparse
import asyncio
import contextlib
import ipaddress
import statistics
import struct
import sys
import time
from pathlib import Path
from typing import Any, Callable, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dnslib import EDNS0, DNSRecord  # noqa: E402

from ovos_PHAL_plugin_wifi_setup.methods.hotspot.dns import _Responder  # noqa: E402

ANSWER = "10.42.0.1"
STATION = ("10.42.0.23", 40000)
NEIGHBOUR = ("192.168.1.20", 40000)
A_IN = struct.pack("!2H", 1, 1)
MANY_LABELS = b"\x01x" * 127 + b"\x00"   # the most labels a name may have: 255 bytes on the wire


def header(questions: int = 1, answers: int = 0, additionals: int = 0, flags: int = 0x0100) -> bytes:
    """A DNS header (flags 0x0100: a standard query, recursion desired)."""
    return struct.pack("!6H", 0x5151, flags, questions, answers, 0, additionals)


def opt(options: bytes) -> bytes:
    """An EDNS OPT record (root name, 4096-byte UDP size) carrying options."""
    return b"\x00" + struct.pack("!HHIH", 41, 4096, 0, len(options)) + options


def records_at_the_question(size: int) -> bytes:
    """A 127-label question, then as many CNAME answers as fit, each naming it twice by pointer."""
    body = bytearray(MANY_LABELS + A_IN)
    count = 0
    while 12 + len(body) + 14 <= size:
        body += struct.pack("!HHHIHH", 0xC00C, 5, 1, 0, 2, 0xC00C)
        count += 1
    return header(answers=count) + bytes(body)


def growing_chain(size: int) -> bytes:
    """A 127-label question, then CNAME answers whose names each add a label to the one before (by pointer):
    dnslib's cost grows with the square of the count."""
    body = bytearray(MANY_LABELS + A_IN)
    previous, count = 12, 0
    while 12 + len(body) + 16 <= size:
        start = 12 + len(body)
        body += b"\x01x" + struct.pack("!HHHIHH", 0xC000 | previous, 5, 1, 0, 2, 0xC000 | start)
        previous, count = start, count + 1
    return header(answers=count) + bytes(body)


def parsed() -> List[Tuple[str, bytes]]:
    """(a) then (b): datagrams that reach dnslib."""
    phone = DNSRecord.question("connectivitycheck.gstatic.com", "A")
    with_edns = DNSRecord.question("connectivitycheck.gstatic.com", "A")
    with_edns.add_ar(EDNS0(udp_len=4096))
    eight_options = b"".join(struct.pack("!HH", 65001 + i, 0) for i in range(7))
    filler = 512 - len(header() + MANY_LABELS + A_IN + opt(eight_options)) - 4
    eight_options += struct.pack("!HH", 12, filler) + b"\x00" * filler
    return [
        ("(a) a phone's A query, connectivitycheck.gstatic.com", phone.pack()),
        ("(a') the same with an EDNS record", with_edns.pack()),
        ("(b) A query, 127 one-byte labels", header() + MANY_LABELS + A_IN),
        ("(b) the same + EDNS, 8 options, 512 bytes", header(additionals=1) + MANY_LABELS + A_IN + opt(eight_options)),
        ("(b) AAAA query, 127 one-byte labels", header() + MANY_LABELS + struct.pack("!2H", 28, 1)),
        ("(b) STATUS opcode (NOTIMP), 127 labels", header(flags=0x1100) + MANY_LABELS + A_IN),
        ("(b) A query, 84 labels of a 2-byte UTF-8 letter", header() + b"\x02\xc3\xa9" * 84 + b"\x00" + A_IN),
    ]


def dropped() -> List[Tuple[str, bytes, Tuple[str, int]]]:
    """(c): crafted datagrams dropped before dnslib, with the address each comes from."""
    pointers = header() + b"\x01x" * 120 + b"\xc0\x0c" + A_IN  # compression back into the name
    nine_options = b"".join(struct.pack("!HH", 65001 + i, 0) for i in range(9))
    return [
        ("(c) 1.5 KB: CNAME chain growing by pointers", growing_chain(1500), STATION),
        ("(c) 512 B: CNAME chain growing by pointers", growing_chain(512), STATION),
        ("(c) 512 B: answers pointing at a 127-label name", records_at_the_question(512), STATION),
        ("(c) two questions", header(questions=2) + (b"\x07example\x00" + A_IN) * 2, STATION),
        ("(c) a compressed question name", pointers, STATION),
        ("(c) QR set (an answer)", header(flags=0x8180) + MANY_LABELS + A_IN, STATION),
        ("(c) EDNS with 9 options", header(additionals=1) + MANY_LABELS + A_IN + opt(nine_options), STATION),
        ("(c) a good query from outside the subnet", header() + MANY_LABELS + A_IN, NEIGHBOUR),
    ]


class Transport:
    """Counts the answers instead of sending them."""

    def __init__(self) -> None:
        self.sent = 0

    def sendto(self, data: bytes, addr: Any) -> None:
        """Count an answer."""
        self.sent += 1


def timed(call: Callable[[], Any], calls: int) -> float:
    """Seconds per call, over calls calls."""
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls


def dnslib_alone(datagram: bytes) -> None:
    """dnslib's parser on a datagram, as the responder called it before the shape check."""
    with contextlib.suppress(Exception):  # crafted datagrams make dnslib raise anything; the cost is what counts
        DNSRecord.parse(datagram)


async def make_responder() -> _Responder:
    """A responder for the setup network 10.42.0.0/24 (it needs a running loop for its closing future)."""
    responder = _Responder(ANSWER, ipaddress.IPv4Network("10.42.0.0/24"))
    responder.connection_made(Transport())
    return responder


def main() -> int:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    loop = asyncio.new_event_loop()
    responder = loop.run_until_complete(make_responder())
    transport = responder.transport
    assert isinstance(transport, Transport)

    cases: List[Tuple[str, Callable[[], Any], bool]] = []  # label, call, answered
    for label, datagram in parsed():
        cases.append((label, lambda d=datagram: responder.datagram_received(d, STATION), True))
    for label, datagram, source in dropped():
        cases.append((f"{label} [{len(datagram)} B]", lambda d=datagram, s=source: responder.datagram_received(d, s),
                      False))
        cases.append(("    dnslib's parser alone on it", lambda d=datagram: dnslib_alone(d), False))
    for label, call, answered in cases:  # every (a)/(b) is answered, every (c) is not
        before = transport.sent
        call()
        if label.startswith("(") and (transport.sent > before) != answered:
            raise RuntimeError(f"{label}: answered={transport.sent > before}, expected {answered}")
    warm = [timed(call, 3) for _, call, _ in cases]
    # as many calls of each as take the time of --calls of (a): the 1.5 KB datagram costs dnslib tens of ms
    counts = [max(1, round(args.calls * warm[0] / cost)) for cost in warm]
    samples: List[List[float]] = [[] for _ in cases]
    for _ in range(args.rounds):
        for index, (_, call, _) in enumerate(cases):
            samples[index].append(timed(call, counts[index]))
    loop.close()

    reference = statistics.median(samples[0]) * 1e6
    print(f"{args.rounds} interleaved rounds of {args.calls} calls per datagram, Python {sys.version.split()[0]}")
    print("| datagram | median per datagram | × (a) |")
    print("|---|---|---|")
    for (label, _, _), times in zip(cases, samples):
        us = statistics.median(times) * 1e6
        print(f"| {label} | {us:.1f} µs | {us / reference:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
