"""The outbox: a lost bus connection never blocks the plugin, and nothing queued is reordered."""
import threading
import time
from typing import Any, List

from ovos_bus_client.message import Message
from ovos_utils.fakebus import FakeBus

from helpers import wait_until
from ovos_PHAL_plugin_wifi_setup.outbox import Outbox


class DroppingBus(FakeBus):
    """A FakeBus with MessageBusClient's connected_event, whose emit() waits while it is clear, like the real one."""

    def __init__(self) -> None:
        super().__init__()
        self.connected_event = threading.Event()
        self.connected_event.set()
        self.sent: List[str] = []

    def emit(self, message: Any) -> None:
        """Block until connected, then deliver."""
        self.connected_event.wait()
        self.sent.append(message.msg_type)
        super().emit(message)


def test_emit_does_not_block_while_disconnected_and_keeps_order() -> None:
    """While the connection is down emit() returns at once; afterwards everything goes out in order."""
    bus = DroppingBus()
    out = Outbox(bus)
    out.emit(Message("a"))
    bus.connected_event.clear()
    started = time.monotonic()
    for topic in ("b", "c"):
        out.emit(Message(topic))
    assert time.monotonic() - started < 0.5
    assert bus.sent == ["a"] and out.pending == 2
    bus.connected_event.set()
    out.emit(Message("d"))  # must not overtake b and c
    assert wait_until(lambda: bus.sent == ["a", "b", "c", "d"])
    out.close()


def test_everything_but_emit_is_the_bus() -> None:
    """on/remove and other attributes reach the wrapped bus."""
    bus = DroppingBus()
    out = Outbox(bus)
    seen: list = []
    out.on("x", seen.append)
    bus.emit(Message("x"))
    out.remove("x", seen.append)
    bus.emit(Message("x"))
    assert len(seen) == 1 and out.connected_event is bus.connected_event


def test_plugin_shutdown_is_quick_while_the_bus_is_down(tmp_path: Any) -> None:
    """With a client active and the connection lost, shutdown() still returns within a second."""
    from loopback import LOOPBACK_NETWORK_TESTS
    from helpers import NS, REMOTE

    from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
    bus = DroppingBus()
    plugin = WifiSetupPlugin(bus=bus, config={"gui": "never", "enable_watchdog": False,
                                             "network_tests": LOOPBACK_NETWORK_TESTS,
                                             "state_file": str(tmp_path / "state.json")})
    bus.emit(Message(NS + "register.client", REMOTE))
    bus.emit(Message(NS + "user.activated"))
    assert any(topic.startswith(NS + "activate.") for topic in bus.sent)
    bus.connected_event.clear()
    started = time.monotonic()
    plugin.shutdown()
    assert time.monotonic() - started < 1.0
    assert not plugin.is_alive()
