"""A nameserver stand-in on 127.0.0.1 UDP for the name-lookup tests: records every query, answers as told."""
import socket
import threading
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

TYPE_A = 1
TYPE_AAAA = 28


class Query(NamedTuple):
    """One query as the stand-in received it."""

    qid: int
    name: str
    qtype: int
    raw: bytes


Answer = Callable[[Query], Sequence[bytes]]


def silent(query: Query) -> Sequence[bytes]:
    """Never answer."""
    return []


def reply(query: Query, addresses: Sequence[str] = (), rcode: int = 0, qid: Optional[int] = None,
          flags: int = 0x8180) -> bytes:
    """A reply to query: its question, then one record per address of the asked type (name by pointer)."""
    family, rtype = (socket.AF_INET6, TYPE_AAAA) if query.qtype == TYPE_AAAA else (socket.AF_INET, TYPE_A)
    records = b"".join(b"\xc0\x0c" + rtype.to_bytes(2, "big") + b"\x00\x01" + (60).to_bytes(4, "big")
                       + _rdata(socket.inet_pton(family, a)) for a in addresses)
    header = ((query.qid if qid is None else qid).to_bytes(2, "big") + (flags | rcode).to_bytes(2, "big")
              + b"\x00\x01" + len(addresses).to_bytes(2, "big") + b"\x00\x00\x00\x00")
    return header + query.raw[12:] + records


def _rdata(data: bytes) -> bytes:
    """Record data with its length in front."""
    return len(data).to_bytes(2, "big") + data


def addresses(table: Dict[str, Sequence[str]]) -> Answer:
    """Answer from a table of name -> addresses (each query gets the addresses of its type); NXDOMAIN otherwise."""
    def answer(query: Query) -> Sequence[bytes]:
        if query.name not in table:
            return [reply(query, rcode=3)]
        wanted = [a for a in table[query.name] if (":" in a) == (query.qtype == TYPE_AAAA)]
        return [reply(query, wanted)]
    return answer


def parse_query(data: bytes) -> Optional[Query]:
    """The id, name and type of a query (uncompressed, as queries are), or None for anything else."""
    if len(data) < 17:
        return None
    labels = []
    position = 12
    while position < len(data) and data[position]:
        size = data[position]
        labels.append(data[position + 1:position + 1 + size].decode("ascii", errors="replace"))
        position += 1 + size
    if position + 5 > len(data):
        return None
    qtype = int.from_bytes(data[position + 1:position + 3], "big")
    return Query(int.from_bytes(data[:2], "big"), ".".join(labels), qtype, data)


class NameserverStandIn:
    """Listens on 127.0.0.1 (a free high port), keeps every query, sends what answer() gives back.

    Replies from spoof() are sent from another socket, i.e. another port than the one asked.
    """

    def __init__(self, answer: Answer = silent, spoof: Answer = silent):
        self.answer = answer
        self.spoof = spoof
        self.queries: List[Query] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._other.bind(("127.0.0.1", 0))
        self.address = self._sock.getsockname()
        self.received = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def nameservers(self) -> List[tuple]:
        """The nameserver list naming this stand-in only."""
        return [self.address]

    def _serve(self) -> None:
        """Answer queries until closed; a query it cannot parse is kept as nothing and left unanswered."""
        self._sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                data, source = self._sock.recvfrom(4096)
            except OSError:
                continue
            if source[0] != "127.0.0.1":
                continue
            query = parse_query(data)
            if query is None:
                continue
            self.queries.append(query)
            self.received.set()
            for packet in self.spoof(query):
                self._other.sendto(packet, source)
            for packet in self.answer(query):
                self._sock.sendto(packet, source)

    def close(self) -> None:
        """Stop answering and release the port."""
        self._stop.set()
        self._thread.join()
        self._sock.close()
        self._other.close()
