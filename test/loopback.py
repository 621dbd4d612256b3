"""Servers on 127.0.0.1 for the connectivity tests: one that answers, one that answers slowly, one that never does."""
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List


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

    def __init__(self, body: str = "NetworkManager is online", delay: float = 0.0):
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

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/check"
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

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/check"
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
