"""The user's phone in the hotspot tests: HTTP to the setup page and DNS to the catch-all responder, on 127.0.0.1."""
import http.client
import json
import socket
import time
from typing import Any, Dict, List, Optional, Tuple

import pytest

from helpers import wait_until

# How long the phone waits for the page to reach a state (generous: a loaded machine).
PHONE_WAIT = 20.0


class Phone:
    """The user's phone on the hotspot: HTTP to the setup page, DNS to the responder, both on 127.0.0.1."""

    def __init__(self, http_port: int, dns_port: int) -> None:
        self.http_port = http_port
        self.dns_port = dns_port
        self.waited: List[float] = []  # the Retry-After of each 429 the phone was told to wait
        self.joined: Optional[str] = None  # the setup network the phone joined

    def join(self, nm: Any, ssid: str, passphrase: str) -> None:
        """Join the device's setup network as the user types it: the mock's association checks the passphrase
        against the access point's profile (nm_mock.AssociationFailed on a mismatch)."""
        nm.associate(ssid, passphrase)
        self.joined = ssid

    def request(self, method: str, path: str, body: Optional[Any] = None,
                host: Optional[str] = None) -> Tuple[int, Dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            headers = {"Host": host or f"127.0.0.1:{self.http_port}"}
            if payload is not None:
                headers["Content-Type"] = "application/json"
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            return (response.status, {k.lower(): v for k, v in response.getheaders()},
                    response.read().decode("utf-8"))
        finally:
            connection.close()

    def up(self) -> bool:
        try:
            return self.request("GET", "/api/status")[0] == 200
        except OSError:
            return False

    def status(self) -> Dict[str, Any]:
        return json.loads(self.request("GET", "/api/status")[2])

    def networks(self) -> List[Dict[str, Any]]:
        return json.loads(self.request("GET", "/api/networks")[2])["networks"]

    def connect(self, ssid: str, password: str, code: Optional[str] = None) -> Tuple[int, Dict[str, Any]]:
        """POST /api/connect as the page does (with the open network's code when one is given); told to wait (429
        after this phone's failed join), the user waits the Retry-After and taps Connect once more."""
        sent: Dict[str, Any] = {"ssid": ssid, "password": password}
        if code is not None:
            sent["code"] = code
        status, headers, body = self.request("POST", "/api/connect", sent)
        if status == 429:
            self.waited.append(float(headers["retry-after"]))
            time.sleep(self.waited[-1])
            status, _, body = self.request("POST", "/api/connect", sent)
        return status, json.loads(body)

    def wait_for_state(self, state: str) -> Dict[str, Any]:
        return wait_until(lambda: (lambda s: s if s.get("state") == state else None)(self.status()), PHONE_WAIT) or \
            pytest.fail(f"/api/status never said {state}: {self.status()}")

    def lookup(self, name: str) -> Optional[str]:
        from dnslib import QTYPE, DNSRecord
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(10)
            sock.sendto(DNSRecord.question(name, "A").pack(), ("127.0.0.1", self.dns_port))
            reply = DNSRecord.parse(sock.recv(512))
        return next((str(r.rdata) for r in reply.rr if r.rtype == QTYPE.A), None)
