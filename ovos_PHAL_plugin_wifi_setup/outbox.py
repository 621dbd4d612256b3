"""A bus front that never blocks its caller on a lost connection: messages wait, in order, until it is back."""
import threading
from collections import deque
from typing import Any, Deque, Optional

from ovos_bus_client.session import Session, SessionManager
from websocket import WebSocketConnectionClosedException, WebSocketTimeoutException

from ovos_PHAL_plugin_wifi_setup.log import LOG

# How often the sender thread looks whether the connection is back.
POLL = 0.1


class Outbox:
    """Wraps a bus: emit() sends at once while connected, else queues for a sender thread; all else delegates.

    MessageBusClient.emit() waits for a connection it never had (without limit once it runs), and it
    cannot tell a dropped one: ovos-bus-client 1.5.0 clears ``connected_event`` only in close(), and
    emit() logs a send the socket refused and returns. So for a MessageBusClient the outbox asks its websocket whether it is
    open and sends on it itself, and a message the socket refuses waits for the connection with the rest.
    The plugin emits while holding its state lock, so nothing here may wait for the connection.
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
        that waits for a lock another emitting thread holds must not find this one held as well. A direct
        send the socket refuses is queued like any other message sent while the connection is down.
        """
        with self._lock:
            direct = not self._pending and self._connected()
            if not direct:
                self._queue(message)
        if direct and not self._send(message):
            with self._lock:
                self._queue(message)

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

    def _socket_app(self) -> Any:
        """The websocket app of a MessageBusClient (read afresh: the client makes a new one per reconnect), or
        None for a bus without one (a FakeBus)."""
        app = getattr(self._bus, "client", None)
        return app if hasattr(app, "sock") and callable(getattr(app, "send", None)) else None

    def _connected(self) -> bool:
        """True while the bus can send: its websocket is open, or, without one, it does not say it lost it."""
        app = self._socket_app()
        if app is not None:
            sock = app.sock  # None from the moment the client noticed the drop until it connected again
            return sock is not None and bool(getattr(sock, "connected", False))
        event = getattr(self._bus, "connected_event", None)
        return event is None or event.is_set()

    def _send(self, message: Any) -> bool:
        """Hand one message to the bus; False when the connection refused it, so that it must wait.

        A message that cannot be sent for a reason of its own (it does not serialize) is logged and
        dropped, as MessageBusClient.emit() drops it: trying again would stall every message behind it.
        """
        app = self._socket_app()
        if app is None:
            self._bus.emit(message)
            return True
        if "session" not in message.context:
            # What MessageBusClient.emit() adds: the session the client speaks for, as it stands now.
            session_id = getattr(self._bus, "session_id", "default")
            session = SessionManager.sessions.get(session_id) or Session(session_id)
            message.context["session"] = session.serialize()
        try:
            app.send(message.serialize())
        except (WebSocketConnectionClosedException, WebSocketTimeoutException, OSError) as error:
            # Closed, reset, a broken pipe, a write that timed out: the connection is gone, not the message.
            LOG.info(f"connection lost while sending {message.msg_type} ({type(error).__name__}); "
                     "it waits for the connection")
            return False
        except Exception:  # the bus client, a third-party boundary
            LOG.exception(f"could not send {message.msg_type}")
        return True

    def _drain(self) -> None:
        """Send the queued messages, oldest first, as soon as the connection is back.

        The thread gives up its slot under the lock in the same step that finds the queue empty, so a
        message queued after that step starts a new sender instead of waiting for this one, which is
        still alive while it finishes.
        """
        while not self._stopping.is_set():
            if not self._connected():
                self._stopping.wait(POLL)
                continue
            with self._lock:
                if not self._pending:
                    self._release_slot()
                    return
                # Left in the queue while it is sent, so that emit() cannot overtake it.
                message = self._pending[0]
            try:
                sent = self._send(message)
            except Exception:  # the thread boundary: one bad send must not strand the rest
                LOG.exception(f"could not send {getattr(message, 'msg_type', message)}")
                sent = True
            if not sent:  # still first in the queue: it goes out when the connection is back
                self._stopping.wait(POLL)
                continue
            with self._lock:
                self._pending.popleft()
        with self._lock:
            self._release_slot()

    def _release_slot(self) -> None:
        """Forget this thread as the sender (called with the lock held, just before it returns)."""
        if self._sender is threading.current_thread():
            self._sender = None
