"""The phone's side of the namespace test: look NAME up at the DNS server its lease named, send a captive-portal
probe to the answer, follow the redirect to the page; print what came back as JSON. Run inside the phone's
network namespace; it sends nothing to an address outside NETWORK (the test's own), and says so instead."""
import http.client
import ipaddress
import json
import socket
import sys
from typing import Any, Dict
from urllib.parse import urlsplit

from dnslib import QTYPE, DNSRecord


def inside(network: ipaddress.IPv4Network, address: str) -> str:
    """The address, once it is known to be in the test's network; SystemExit otherwise (nothing is sent)."""
    if ipaddress.ip_address(address) not in network:
        raise SystemExit(f"refused: {address} is outside {network}")
    return address


def lookup(server: str, name: str) -> list:
    """The A records the server answers for name."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(DNSRecord.question(name).pack(), (server, 53))
        reply = DNSRecord.parse(sock.recvfrom(4096)[0])
    return [str(r.rdata) for r in reply.rr if r.rtype == QTYPE.A]


def get(network: ipaddress.IPv4Network, address: str, port: int, host: str, path: str) -> Dict[str, Any]:
    """One HTTP GET to address:port with the Host a phone's probe sends."""
    connection = http.client.HTTPConnection(inside(network, address), port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": host, "User-Agent": "namespace-phone"})
        answer = connection.getresponse()
        body = answer.read().decode("utf-8", "replace")
        return {"status": answer.status, "location": answer.getheader("Location"), "body": body}
    finally:
        connection.close()


def main(network_text: str, server: str, name: str, path: str) -> None:
    """Look up, probe, follow."""
    network = ipaddress.ip_network(network_text)
    answers = lookup(inside(network, server), name)
    probe = get(network, answers[0], 80, name, path)
    page: Dict[str, Any] = {}
    if probe["location"]:
        url = urlsplit(probe["location"])
        page = get(network, url.hostname or "", url.port or 80, url.netloc, url.path or "/")
    print(json.dumps({"answers": answers, "probe": probe, "page": page}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
