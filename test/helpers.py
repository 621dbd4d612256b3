"""Helpers the bus-level tests share: sending any payload, registering, polling, asking for status."""
import time
from typing import Any, Callable

from ovos_bus_client.message import Message

NS = "ovos.phal.wifi.plugin."
REMOTE = {"client": "remote", "type": "Remote", "display_text": "On Mobile Setup", "has_gui": True,
          "requires_input": False}
SCREEN = {"client": "screen", "type": "onDevice", "display_text": "On Device Setup", "has_gui": True,
          "requires_input": True}
REMOTE2 = {"client": "remote2", "type": "Remote", "display_text": "Second remote"}

# The waits that protect field clients' timing quirks (a client still subscribing after it registered, still
# cleaning up after its session, answering a stop late; a reporter announcing offline itself; a screen that
# connects after start; a reporter checking by itself at start), all off: each message's outcome then follows at
# once. Tests of the contract itself use this; test_settling.py and the real-stack tests run those waits with their defaults.
NO_SETTLE = {"registration_settle": 0, "stop_settle": 0, "echo_window": 0, "notice_window": 0, "gui_wait": 0,
             "reporter_ask_after": 0}
# The manager alone, without its built-in on-screen and hotspot clients and its voice intents (test_screen_client.py,
# test/hotspot/ and test_at_home.py test those).
MANAGER_ONLY = {"screen_client": "never", "voice": False, "hotspot_client": "never"}


def emit_raw(bus: Any, topic: str, data: Any) -> None:
    """Deliver a message whose data may be any value, even one Message.serialize() refuses.

    A real bus turns null data into {} and drops non-objects, but an in-process sender can hand the
    handlers anything, so such payloads go straight to the handlers.
    """
    message = Message(topic)
    message.data = data
    if isinstance(data, dict):
        bus.emit(message)
    else:
        bus.ee.emit(topic, message)


EMPTY: Any = object()


def send(bus: Any, topic: str, data: Any = EMPTY) -> None:
    """Emit one message ({} unless data is given); topics without a known prefix get the plugin's namespace."""
    full = topic if topic.split(".")[0] in ("mycroft", "gui", "ovos", "enclosure") else NS + topic
    emit_raw(bus, full, {} if data is EMPTY else data)


def register(bus: Any, recorder: Any, payload: dict) -> str:
    """Register a client and return the id the plugin gave it."""
    send(bus, "register.client", payload)
    reply = [d for d in recorder.of(NS + "client.registered") if d["client"] == payload["client"]][-1]
    return reply["id"]


def wait_until(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll check() until it is truthy or the generous timeout ends; return its last value."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.01)
        value = check()
    return value


def status(bus: Any, recorder: Any) -> dict:
    """Ask the plugin for its status over the bus."""
    send(bus, "status")
    return recorder.last(NS + "status.response")


class LogRecorder:
    """Stands in for the module's LOG and keeps (level, message) pairs."""

    def __init__(self) -> None:
        self.records: list = []

    def __getattr__(self, level: str) -> Callable[..., None]:
        """Any LOG.<level>(message) call is kept."""
        return lambda message, *args, **kwargs: self.records.append((level, str(message)))

    def at(self, level: str) -> list:
        """The messages logged at one level."""
        return [message for seen, message in self.records if seen == level]
