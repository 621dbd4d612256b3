"""The device's side of the namespace test: the project's SetupServer, with the tests' fake backend, on ADDRESS
PORT until stdin closes. Run inside the device's network namespace; prints "ready" once it listens."""
import asyncio
import sys

from ovos_PHAL_plugin_wifi_setup.methods.hotspot.web import SetupServer

from hotspot.fake_backend import FakeBackend


async def serve(address: str, port: int) -> None:
    """Listen, say so, and stop when the test closes stdin."""
    server = SetupServer(FakeBackend([{"ssid": "Home", "security": "WPA2", "strength": 80}]), address, port)
    await server.start()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await server.stop()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], int(sys.argv[2])))
