"""The outbox: a lost bus connection never blocks the plugin, and nothing queued is reordered."""
import threading
import time
from typing import Any, Callable, List, Tuple

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
    plugin = WifiSetupPlugin(bus=bus, config={"gui": "never", "enable_watchdog": False, "registration_settle": 0,
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



RealThread = threading.Thread  # the tests' own threads; the outbox's sender gets the slow-to-finish kind


class SlowToFinishThread(RealThread):
    """A thread that stays alive a while after its target returned, as on a loaded two-core device."""

    FINISH = 0.1

    def run(self) -> None:
        """Run the target, then linger before the thread ends."""
        try:
            super().run()
        finally:
            time.sleep(self.FINISH)


class FlappingBus:
    """A stand-in bus whose connection the test flips; emit() records what was delivered, in order."""

    def __init__(self) -> None:
        self.connected_event = threading.Event()
        self.connected_event.set()
        self._lock = threading.Lock()
        self.delivered: List[Tuple[str, int]] = []

    def emit(self, message: Any) -> None:
        """Record the message as delivered (the real client would send it now)."""
        with self._lock:
            self.delivered.append((message.msg_type, message.data["n"]))

    def count(self) -> int:
        """How many messages were delivered so far."""
        with self._lock:
            return len(self.delivered)


def _in_parallel(jobs: List[Callable[[], None]]) -> None:
    """Run each job on its own thread and wait for all of them (none may block for long)."""
    threads = [RealThread(target=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive(), "an emit() blocked its caller"


def test_many_senders_on_a_flapping_connection_lose_nothing_and_keep_each_order(monkeypatch: Any) -> None:
    """Threads emit while the connection drops and returns, then once more just after the queue emptied:
    with the connection back every message arrives by itself, each thread's in the order sent, none pending."""
    monkeypatch.setattr("ovos_PHAL_plugin_wifi_setup.outbox.threading.Thread", SlowToFinishThread)
    emitters, per_round, rounds = 6, 20, 8
    bus = FlappingBus()
    out = Outbox(bus)
    sent = {f"t{i}": 0 for i in range(emitters)}

    def burst(topic: str, count: int) -> Callable[[], None]:
        """A job emitting the thread's next messages, numbered in the order sent."""
        def job() -> None:
            """Emit count messages, yielding between them."""
            for _ in range(count):
                out.emit(Message(topic, {"n": sent[topic]}))
                sent[topic] += 1
                time.sleep(0)
        return job

    def all_out() -> bool:
        """Everything emitted so far was delivered and nothing waits."""
        return bus.count() == sum(sent.values()) and out.pending == 0

    try:
        for _ in range(rounds):
            flapping = threading.Event()
            flapping.set()

            def flap() -> None:
                """Drop and restore the connection while the bursts run."""
                while flapping.is_set():
                    bus.connected_event.clear()
                    time.sleep(0.0005)
                    bus.connected_event.set()
                    time.sleep(0.0005)

            flapper = RealThread(target=flap, daemon=True)
            flapper.start()
            _in_parallel([burst(topic, per_round) for topic in sent])
            flapping.clear()
            flapper.join(10)
            bus.connected_event.set()
            assert wait_until(all_out, timeout=10), "messages still waiting with the connection back"
            # The queue just emptied, so the sender is finishing: the connection drops and every thread
            # sends one more message; nothing else is emitted after the connection is back.
            bus.connected_event.clear()
            _in_parallel([burst(topic, 1) for topic in sent])
            bus.connected_event.set()
            assert wait_until(all_out, timeout=10), (
                f"{sum(sent.values()) - bus.count()} message(s) still waiting with the connection back")
        for topic, count in sent.items():
            assert [n for kind, n in bus.delivered if kind == topic] == list(range(count)), topic
    finally:
        out.close()
