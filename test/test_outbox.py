"""The outbox: a lost bus connection never blocks the plugin, and nothing queued is reordered."""
import json
import threading
import time
from typing import Any, Callable, List, Optional, Tuple

import pytest
from ovos_bus_client.message import Message
from ovos_utils.fakebus import FakeBus
from websocket import WebSocketConnectionClosedException

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
    assert plugin.started.wait(10)
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


# ---------------------------------------------------------------------- MessageBusClient's own connection
class StandInSocket:
    """What the outbox reads of websocket-client's WebSocket: whether it is connected."""

    def __init__(self) -> None:
        self.connected = True


class StandInSocketApp:
    """websocket-client's WebSocketApp as a MessageBusClient holds it: ``sock`` is None while the connection is
    down, and send() raises as the real one does when the connection is gone."""

    def __init__(self) -> None:
        self.sock: Optional[StandInSocket] = StandInSocket()
        self.raw: List[str] = []
        # Exceptions the next sends raise, as the connection drops under them (the socket still looks open).
        self.drop_under: List[Exception] = []

    def send(self, data: str) -> None:
        """Take one serialized message, or raise as WebSocketApp.send does on a lost connection."""
        if self.drop_under:
            raise self.drop_under.pop(0)
        if self.sock is None or not self.sock.connected:
            raise WebSocketConnectionClosedException("Connection is already closed.")
        self.raw.append(data)

    @property
    def sent(self) -> List[str]:
        """The topics taken, in order."""
        return [json.loads(data)["type"] for data in self.raw]


def _client_on(app: StandInSocketApp) -> Any:
    """A real MessageBusClient (never started) on a stand-in websocket, connected once: its connected_event is
    set, and ovos-bus-client 1.5.0 clears it only in close(), not when the connection drops."""
    from ovos_bus_client import MessageBusClient
    from pyee import EventEmitter

    bus = MessageBusClient(host="127.0.0.1", port=1, emitter=EventEmitter())
    bus.client = app
    bus.connected_event.set()
    return bus


def test_messages_sent_while_the_connection_is_dropped_wait_though_connected_event_is_still_set() -> None:
    """The connection dropped (the websocket has no socket) while connected_event stays set: emit() returns at
    once and keeps the messages; once the socket is open again they go out, in order, before the next one."""
    app = StandInSocketApp()
    out = Outbox(_client_on(app))
    try:
        out.emit(Message("a"))
        app.sock = None
        started = time.monotonic()
        out.emit(Message("b"))
        out.emit(Message("c"))
        assert time.monotonic() - started < 0.5
        assert app.sent == ["a"] and out.pending == 2, "messages sent while the connection was down were lost"
        time.sleep(0.3)
        assert app.sent == ["a"], "sent while the connection was still down"
        app.sock = StandInSocket()
        out.emit(Message("d"))
        assert wait_until(lambda: app.sent == ["a", "b", "c", "d"]) and out.pending == 0, app.sent
    finally:
        out.close()


def test_a_socket_that_is_not_connected_yet_counts_as_down() -> None:
    """While the client reconnects its new socket exists but is not connected: messages wait for it."""
    app = StandInSocketApp()
    assert app.sock is not None
    app.sock.connected = False
    out = Outbox(_client_on(app))
    try:
        out.emit(Message("a"))
        assert out.pending == 1 and app.sent == []
        app.sock.connected = True
        assert wait_until(lambda: app.sent == ["a"])
    finally:
        out.close()


@pytest.mark.parametrize("refusal", [WebSocketConnectionClosedException("Connection is already closed."),
                                     BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")],
                         ids=lambda error: type(error).__name__)
def test_a_message_the_socket_refuses_as_the_connection_drops_is_sent_again_first(refusal: Exception) -> None:
    """The socket still looked open but the send failed (the library logs it and drops it): the message waits,
    and goes out first once the connection is back, once, followed by the ones sent after it."""
    app = StandInSocketApp()
    out = Outbox(_client_on(app))
    try:
        app.drop_under = [refusal]
        out.emit(Message("a"))  # refused on the caller's thread
        app.sock = None  # the client's reader noticed the drop
        out.emit(Message("b"))
        assert app.sent == [] and out.pending == 2, "a message the socket refused was lost"
        app.drop_under = [refusal]  # the first try after the drop fails too, on the sender thread
        app.sock = StandInSocket()
        assert wait_until(lambda: app.sent == ["a", "b"]) and out.pending == 0, app.sent
        out.emit(Message("c"))
        assert app.sent == ["a", "b", "c"]
    finally:
        out.close()


def test_a_message_sent_on_the_socket_carries_the_session_as_the_clients_emit_adds_it() -> None:
    """The outbox sends on the socket itself: what goes out is what MessageBusClient.emit() would send."""
    app = StandInSocketApp()
    bus = _client_on(app)
    out = Outbox(bus)
    try:
        bus.emit(Message("through.emit", {"n": 1}, {"source": "x"}))
        out.emit(Message("through.outbox", {"n": 1}, {"source": "x"}))
        by_emit, by_outbox = (json.loads(data) for data in app.raw)
        assert by_outbox["context"] == by_emit["context"] and "session" in by_outbox["context"]
        assert by_outbox["data"] == by_emit["data"]
    finally:
        out.close()
