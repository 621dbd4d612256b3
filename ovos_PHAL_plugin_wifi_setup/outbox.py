"""A bus front that never blocks its caller on a lost connection: messages wait, in order, until it is back."""
import threading
from collections import deque
from typing import Any, Deque, Optional

from ovos_PHAL_plugin_wifi_setup.log import LOG


class Outbox:
    """Wraps a bus: emit() sends at once while connected, else queues for a sender thread; all else delegates.

    MessageBusClient.emit() waits without limit for a lost connection to come back. The plugin emits
    while holding its state lock, so a wait there would stall every handler, timer and shutdown().
    """

    def __init__(self, bus: Any):
        self._bus = bus
        self._lock = threading.RLock()  # FakeBus runs handlers inline: an emit may re-enter emit
        self._pending: Deque[Any] = deque()
        self._stopping = threading.Event()
        self._sender: Optional[threading.Thread] = None

    def __getattr__(self, name: str) -> Any:
        """Everything but emit() is the wrapped bus's."""
        return getattr(self._bus, name)

    @property
    def pending(self) -> int:
        """How many messages wait for the connection."""
        return len(self._pending)

    def emit(self, message: Any) -> None:
        """Send now if the bus is connected and nothing waits before this message; else queue it.

        The direct send happens outside the lock: on a FakeBus it runs every handler inline, and a handler
        that waits for a lock another emitting thread holds must not find this one held as well.
        """
        with self._lock:
            direct = not self._pending and self._connected()
            if not direct:
                self._queue(message)
        if direct:
            self._bus.emit(message)

    def _queue(self, message: Any) -> None:
        """Keep a message for the sender thread (under the lock), starting one if none runs."""
        if self._stopping.is_set():
            LOG.warning(f"bus is down while stopping; not sent: {message.msg_type}")
            return
        self._pending.append(message)
        if self._sender is None or not self._sender.is_alive():  # not alive: it never started
            self._sender = threading.Thread(target=self._drain, name="wifi-setup-outbox", daemon=True)
            self._sender.start()

    def close(self) -> None:
        """Stop the sender thread; messages still waiting are dropped with a warning."""
        self._stopping.set()
        sender = self._sender
        if sender is not None and sender is not threading.current_thread():
            sender.join(timeout=0.5)
        if self._pending:
            LOG.warning(f"{len(self._pending)} message(s) not sent: the bus was down at shutdown")

    def _connected(self) -> bool:
        """True unless the bus says it lost its connection (a FakeBus never does)."""
        event = getattr(self._bus, "connected_event", None)
        return event is None or event.is_set()

    def _drain(self) -> None:
        """Send the queued messages, oldest first, as soon as the connection is back.

        The thread gives up its slot under the lock in the same step that finds the queue empty, so a
        message queued after that step starts a new sender instead of waiting for this one, which is
        still alive while it finishes.
        """
        event = getattr(self._bus, "connected_event", None)
        while not self._stopping.is_set():
            if event is not None and not event.wait(0.1):
                continue
            with self._lock:
                if not self._pending:
                    self._release_slot()
                    return
                # Left in the queue while it is sent, so that emit() cannot overtake it.
                message = self._pending[0]
            try:
                self._bus.emit(message)
            except Exception:  # the thread boundary: one bad send must not strand the rest
                LOG.exception(f"could not send {getattr(message, 'msg_type', message)}")
            with self._lock:
                self._pending.popleft()
        with self._lock:
            self._release_slot()

    def _release_slot(self) -> None:
        """Forget this thread as the sender (called with the lock held, just before it returns)."""
        if self._sender is threading.current_thread():
            self._sender = None
