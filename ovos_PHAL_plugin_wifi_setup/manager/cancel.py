"""Ending a check in flight from another thread: closing its socket wakes a blocked connect, read or lookup."""
import socket
from threading import Event, Lock
from typing import Optional


class Cancel:
    """Lets shutdown() end a check in flight: closing its socket wakes a blocked connect, read or lookup at once."""

    def __init__(self) -> None:
        self._event = Event()
        self._lock = Lock()
        self._sock: Optional[socket.socket] = None

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called."""
        return self._event.is_set()

    def cancel(self) -> None:
        """Stop the check in flight, if any, and every later one."""
        self._event.set()
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            close(sock)

    def attach(self, sock: Optional[socket.socket]) -> None:
        """Remember the socket in use (None when done); close it right away if already cancelled."""
        with self._lock:
            self._sock = sock
        if sock is not None and self._event.is_set():
            close(sock)


def close(sock: socket.socket) -> None:
    """Close a socket, waking any thread blocked on it (shutdown wakes even an unconnected UDP socket's reader)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
