"""Servers on loopback for the connectivity tests: one that answers, one that answers slowly, one that never does,
one that never even takes the connection. 127.0.0.1 unless a test asks for another 127.x address."""
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, List, Sequence, TypeVar

Server = TypeVar("Server")


def _loopback(host: str) -> str:
    """host, once checked to be a 127.x address: nothing here listens anywhere else."""
    if not host.startswith("127.") or host.count(".") != 3:
        raise ValueError(f"{host} is not a loopback address")
    return host


def closed_loopback_port() -> int:
    """A loopback port nobody listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CLOSED_URL = f"http://127.0.0.1:{closed_loopback_port()}/"
LOOPBACK_NETWORK_TESTS = {"web_url": CLOSED_URL, "web_url_secondary": "", "captive_portal_url": "",
                          "dns_primary": "127.0.0.1", "dns_secondary": "127.0.0.1", "ip_url": CLOSED_URL}


class CheckServer:
    """An HTTP server standing in for the network_tests urls; counts requests, can go 'offline' or slow."""

    def __init__(self, body: str = "NetworkManager is online", delay: float = 0.0, host: str = "127.0.0.1",
                 port: int = 0):
        self.body = body
        self.status = 200
        self.delay = delay
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            """Answers every GET with the server's current status and body."""

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                """Count the request, wait if asked, answer."""
                server.requests += 1
                if server.delay:
                    time.sleep(server.delay)
                payload = server.body.encode()
                self.send_response(server.status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                """Stay quiet."""

        self._httpd = ThreadingHTTPServer((_loopback(host), port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://{host}:{self.port}/check"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def network_tests(self) -> dict:
        """A network_tests section pointing at this server only."""
        return {"web_url": self.url, "web_url_secondary": "", "captive_portal_url": self.url,
                "captive_portal_text": "NetworkManager is online"}

    def close(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()


class SilentListener:
    """Accepts connections and never answers: a check against it can only end by its own timeout."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._sock = socket.socket()
        self._sock.bind((_loopback(host), port))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}/check"
        self.accepted: List[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        """Hold every connection open without a byte in reply."""
        self._sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.accepted.append(conn)

    def network_tests(self) -> dict:
        """A network_tests section pointing at this listener only."""
        return {"web_url": self.url, "web_url_secondary": "", "captive_portal_url": ""}

    def close(self) -> None:
        """Stop accepting and drop every held connection."""
        self._stop.set()
        self._thread.join()
        for conn in self.accepted:
            conn.close()
        self._sock.close()


class HangingListener:
    """Listens with a full backlog and never accepts: the kernel drops new SYNs, so a connect to it waits
    until its own timeout, as to a host that drops packets."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._sock = socket.socket()
        self._sock.bind((_loopback(host), port))
        self._sock.listen(0)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}/check"
        self._fillers: List[socket.socket] = []
        for _ in range(8):  # fill the backlog until a connect hangs: from then on every connect does
            filler = socket.socket()
            filler.settimeout(0.3)
            try:
                filler.connect((host, self.port))
            except socket.timeout:
                filler.close()
                break
            self._fillers.append(filler)
        else:
            self.close()
            raise RuntimeError(f"the backlog of {host}:{self.port} never filled")

    def close(self) -> None:
        """Drop the queued connections and stop listening."""
        for filler in self._fillers:
            filler.close()
        self._sock.close()


def on_one_port(makers: Sequence[Callable[[int], Server]], attempts: int = 20) -> List[Server]:
    """Servers from makers (each called with a port), all on the port the first one was given: one url port
    for several addresses of one name. Retries with a new port when another address has it taken."""
    for _ in range(attempts):
        first = makers[0](0)
        made = [first]
        try:
            for make in makers[1:]:
                made.append(make(first.port))  # type: ignore[attr-defined]
            return made
        except OSError:
            for server in made:
                server.close()  # type: ignore[attr-defined]
    raise RuntimeError("no port free on every address")
