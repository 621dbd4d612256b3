"""The phone of round 4, on 127.0.0.1: its resolver asks the hotspot's DNS responder, its browser the setup page."""
import json
import socket
import time
from typing import Any, Callable, Dict, Optional, Tuple

from ovos_PHAL_plugin_wifi_setup.readable import MASK, duration
from ovos_PHAL_plugin_wifi_setup.tools.demo.scene import LOOPBACK, MASKED_FIELD, STEP_TIMEOUT, StepMissed


def _http(method: str, port: int, path: str, body: Optional[str] = None,
          host: Optional[str] = None) -> Tuple[int, Dict[str, str], str]:
    """One request to the setup page on 127.0.0.1, as a phone sends it; (status, headers, body)."""
    import http.client
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=STEP_TIMEOUT)
    try:
        headers = {"Host": host or f"{LOOPBACK}:{port}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=body.encode("utf-8") if body is not None else None, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text
    finally:
        connection.close()


def _dns_lookup(port: int, name: str) -> Optional[str]:
    """Ask the catch-all DNS responder on 127.0.0.1 for a name's IPv4 address, as a phone's resolver does."""
    from dnslib import QTYPE, DNSRecord
    query = DNSRecord.question(name, "A")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(STEP_TIMEOUT)
        sock.sendto(query.pack(), (LOOPBACK, port))
        reply = DNSRecord.parse(sock.recv(512))
    for record in reply.rr:
        if record.rtype == QTYPE.A:
            return str(record.rdata)
    return None


class Phone:
    """A phone joined to the device's hotspot, as its user and the setup page drive it."""

    def __init__(self, web_port: int, dns_port: int, step_timeout: float, say: Callable[[str], None]) -> None:
        """The setup page and the DNS responder listen on 127.0.0.1 at these ports; say narrates in the timeline."""
        self.web_port = web_port
        self.dns_port = dns_port
        self.step_timeout = step_timeout
        self.say = say

    def look_up(self, name: str) -> Optional[str]:
        """The IPv4 address the hotspot's DNS responder gives for name."""
        return _dns_lookup(self.dns_port, name)

    def get(self, path: str, host: Optional[str] = None) -> Tuple[int, Dict[str, str], str]:
        """GET path from the setup page (host as the Host header); (status, headers, body)."""
        return _http("GET", self.web_port, path, host=host)

    def wait_for_page(self) -> None:
        """The setup page answers (the hotspot method starts it once the access point is up)."""
        deadline = time.monotonic() + self.step_timeout
        while True:
            try:
                if _http("GET", self.web_port, "/api/status")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise StepMissed(f"the setup page answers: nothing on {LOOPBACK}:{self.web_port} within "
                                 f"{duration(self.step_timeout)} s")
            time.sleep(0.05)

    def connect(self, ssid: str, password: str) -> None:
        """The page's POST /api/connect (the timeline masks the password)."""
        body = json.dumps({"ssid": ssid, MASKED_FIELD: password})
        status, headers, reply = _http("POST", self.web_port, "/api/connect", body=body)
        if status == 429:  # this phone's join just failed: the page asks it to wait before the next
            wait = float(headers.get("retry-after", "10"))
            self.say(f"the page answers 429 {reply}: the user waits the {duration(wait)} s it asks for, then taps "
                     "Connect again")
            time.sleep(wait)
            status, _, reply = _http("POST", self.web_port, "/api/connect", body=body)
        self.say(f"POST /api/connect {{\"ssid\": \"{ssid}\", \"password\": \"{MASK}\"}} -> {status} {reply}")
        if status != 202:
            raise StepMissed(f"the page's connect is taken: HTTP {status} {reply}")

    def wait_for(self, state: str) -> Dict[str, Any]:
        """Poll /api/status, as the page does, until the state is `state`; return the status."""
        deadline = time.monotonic() + self.step_timeout
        while True:
            status = json.loads(_http("GET", self.web_port, "/api/status")[2])
            if status.get("state") == state:
                return status
            if time.monotonic() > deadline:
                raise StepMissed(f"/api/status says {state}: it says {status}")
            time.sleep(0.05)
