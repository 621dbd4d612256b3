"""What the hotspot's setup page costs a phone, as a ratio to a bare asyncio responder, in one interleaved run.

Usage: python benchmarks/hotspot_page.py [--rounds N] [--requests N]

Both servers run on one asyncio loop in a thread, on 127.0.0.1 ports of their own; one client sends the same
requests to each in turn (one connection per request, as the page's answers say `Connection: close`). The bare
responder reads the request head and answers fixed bytes: the floor of an HTTP exchange on this machine. The
setup page answers GET /api/status, GET /api/networks (20 networks) and GET / (the page rendered from them).
Prints the median time per request of each, and ours as a multiple of the floor.
"""
import argparse
import asyncio
import http.client
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ovos_PHAL_plugin_wifi_setup.methods.hotspot.web import SetupServer  # noqa: E402
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue  # noqa: E402

LOOPBACK = "127.0.0.1"
PATHS = ("/api/status", "/api/networks", "/")
FLOOR_BODY = b'{"state": "waiting"}'


class Backend:
    """Twenty made-up networks, waiting for a connect that never comes."""

    catalogue = Catalogue("en-us")

    def networks(self) -> List[Dict[str, Any]]:
        return [{"ssid": f"Network {i:02d}", "security": "WPA2" if i % 3 else "", "strength": 95 - 4 * i}
                for i in range(20)]

    def status(self) -> Dict[str, Any]:
        return {"state": "waiting"}

    def connect(self, ssid: Any, password: Any) -> None:
        raise NotImplementedError("the benchmark sends no connect")


async def floor_handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read one request head, answer fixed bytes, close."""
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(FLOOR_BODY), FLOOR_BODY))
    await writer.drain()
    writer.close()


def request(port: int, path: str) -> int:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": f"{LOOPBACK}:{port}"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def timed(port: int, path: str, count: int) -> float:
    """Seconds per request, over count sequential requests."""
    start = time.perf_counter()
    for _ in range(count):
        if request(port, path) != 200:
            raise RuntimeError(f"{path} on port {port} did not answer 200")
    return (time.perf_counter() - start) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def on_loop(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(30)

    page = SetupServer(Backend(), LOOPBACK, 0)
    on_loop(page.start())
    floor = on_loop(asyncio.start_server(floor_handler, LOOPBACK, 0))
    floor_port = floor.sockets[0].getsockname()[1]
    samples: Dict[Tuple[str, str], List[float]] = {}
    try:
        for path in PATHS:  # warm up both
            timed(page.port, path, 10)
        timed(floor_port, "/", 10)
        for _ in range(args.rounds):
            samples.setdefault(("floor", ""), []).append(timed(floor_port, "/", args.requests))
            for path in PATHS:
                samples.setdefault(("page", path), []).append(timed(page.port, path, args.requests))
    finally:
        on_loop(page.stop())
        floor.close()
        on_loop(floor.wait_closed())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)

    floor_ms = statistics.median(samples[("floor", "")]) * 1000
    print(f"{args.rounds} interleaved rounds of {args.requests} requests each, one connection per request, "
          f"Python {sys.version.split()[0]}")
    print("| request | median per request | × bare asyncio responder |")
    print("|---|---|---|")
    print(f"| bare asyncio responder (fixed bytes) | {floor_ms:.3f} ms | 1.00 |")
    for path in PATHS:
        ms = statistics.median(samples[("page", path)]) * 1000
        print(f"| setup page `GET {path}` | {ms:.3f} ms | {ms / floor_ms:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
