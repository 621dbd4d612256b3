"""Client sessions' timing, without a bus: when activate.{id} may go out, and which removal is only an echo.

Clients in the field need a moment after they register (they may still be subscribing) and after a session
ended (they may still be cleaning up), and they answer every deactivate and stop.setup.event with a
remove.active.client some seconds later; this module keeps the times those rules need.
"""
from __future__ import annotations

from threading import RLock
from typing import TYPE_CHECKING, Callable, Dict, Optional

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.manager.payload import Target
from ovos_PHAL_plugin_wifi_setup.manager.registry import ClientRecord, ClientRegistry
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings

if TYPE_CHECKING:  # the port is a set of Protocols: annotations only, nothing imported at start
    from ovos_PHAL_plugin_wifi_setup.manager.port import Effects, Timers

JOB_ACTIVATION = "activation_timeout"
JOB_SEND_ACTIVATE = "send_activate"
JOB_REANNOUNCE = "reannounce:"  # + the client's id

LONG_AGO = float("-inf")

IsCurrent = Callable[[str, int], bool]


class Sessions:
    """One number per session (a timer set for one session never acts on another) and each client's times."""

    def __init__(self, settings: Settings, timers: Timers, registry: ClientRegistry, port: Effects,
                 clock: Callable[[], float], lock: RLock, on_activated: Callable[[str], None]) -> None:
        """Nothing is in session yet; on_activated(client_id) runs as each activate.{id} goes out."""
        self._on_activated = on_activated
        self.settings = settings
        self._timers = timers
        self._registry = registry
        self._port = port
        self._clock = clock
        self._lock = lock
        self.number = 0
        self.activation_sent = False
        # Per client id: when it last registered, and when the manager last ended its session.
        self._registered_at: Dict[str, float] = {}
        self._deactivated_at: Dict[str, float] = {}
        self._stop_event_at = LONG_AGO

    def registered(self, client_id: str) -> None:
        """The client (re-)registered now: it may still be subscribing to its topics."""
        self._registered_at[client_id] = self._clock()

    def stopped(self) -> None:
        """stop.setup.event goes out now: every client may answer it with a removal request."""
        self._stop_event_at = self._clock()

    def start(self, client_id: str, is_current: IsCurrent, on_timeout: Callable[[str, int], None]) -> None:
        """A client's session begins: its activate goes out once the client has settled; its timeout starts."""
        self.number += 1
        self.activation_sent = False
        session = self.number
        self.activate_when_settled(client_id, is_current)
        if self.settings.activation_timeout > 0:
            self._timers.schedule(JOB_ACTIVATION, self.settings.activation_timeout,
                                  lambda: on_timeout(client_id, session))

    def end(self, client_id: str) -> None:
        """A client's session ends: deactivate it if it was told of the session, and remember when."""
        self._timers.cancel(JOB_ACTIVATION)
        self._timers.cancel(JOB_SEND_ACTIVATE)
        if self.activation_sent:
            self._port.send(t.deactivate_topic(client_id))
            self._deactivated_at[client_id] = self._clock()
        else:
            LOG.info(f"client '{self._registry.name_of(client_id)}' was never told of its session; "
                     "nothing to deactivate")
        self.activation_sent = False

    def activate_when_settled(self, client_id: str, is_current: IsCurrent, again: bool = False) -> None:
        """Send activate.{id} now, or once the client has settled: registration_settle after it registered (it
        may still be subscribing), stop_settle after its last session ended (a field client may still be cleaning
        up; the built-in methods clean up before they answer). again: the client was told already and registered
        anew in its session (it may have restarted): it is told once more, the session staying as it was."""
        record = self._registry.get(client_id)
        stop_settle = 0.0 if record is not None and record.name in t.BUILTIN_CLIENT_NAMES else \
            self.settings.stop_settle
        ready_at = max(self._registered_at.get(client_id, LONG_AGO) + self.settings.registration_settle,
                       self._deactivated_at.get(client_id, LONG_AGO) + stop_settle)
        wait = ready_at - self._clock()
        if wait <= 0:
            self._send_activate(client_id)
            return
        LOG.info(f"client '{self._registry.name_of(client_id)}' is activated in {wait:.1f} s, once it has settled")
        session = self.number

        def due() -> None:
            """The client has settled: tell it its session began, if that session is still on."""
            with self._lock:
                if is_current(client_id, session) and (again or not self.activation_sent):
                    self._send_activate(client_id)

        self._timers.schedule(JOB_SEND_ACTIVATE, wait, due)

    def stale_removal(self, client_id: str) -> Optional[str]:
        """Why a removal request from the client in session cannot be about this session, or None if it can.

        Clients in the field answer every deactivate and stop.setup.event with remove.active.client, some
        seconds later; such an echo must not end a session that began after the stop it answers.
        """
        if not self.activation_sent:
            return "it has not been told of its session yet"
        stopped = max(self._deactivated_at.get(client_id, LONG_AGO), self._stop_event_at)
        since = self._clock() - stopped
        if since < self.settings.echo_window:
            return f"it came {since:.1f} s after the plugin ended a session, within echo_window"
        return None

    def forget(self, client_id: str) -> None:
        """Drop what is remembered of a client that left."""
        self._registered_at.pop(client_id, None)
        self._deactivated_at.pop(client_id, None)
        self._timers.cancel(JOB_REANNOUNCE + client_id)

    def reannounce_deaf_clients(self, closed: Callable[[], bool]) -> None:
        """Tell the clients that drop their handlers on anyone's client.deregistered their record again.

        After a moment, so that they have handled the deregistration first (bus handlers may run in any order).
        """
        delay = self.settings.registration_settle
        for name in t.DEAF_AFTER_ANY_DEREGISTRATION:
            record = self._registry.by_name(name)
            if record is None:
                continue
            # It subscribes anew on the repeat: an activation waits for that as for a fresh registration.
            self._registered_at[record.client_id] = self._clock() + delay
            if delay <= 0:
                self._reannounce(record.client_id, closed)
            else:
                self._timers.schedule(JOB_REANNOUNCE + record.client_id, delay,
                                      lambda cid=record.client_id: self._reannounce(cid, closed))

    def _reannounce(self, client_id: str, closed: Callable[[], bool]) -> None:
        """Send client.registered for a client again, as a reminder of its id."""
        with self._lock:
            record = self._registry.get(client_id)
            if record is not None and not closed():
                LOG.info(f"client '{record.name}' is told its id again: it stops listening when anyone leaves")
                self._port.send(t.CLIENT_REGISTERED, record.as_payload())

    def _send_activate(self, client_id: str) -> None:
        """Tell the client its session began."""
        self.activation_sent = True
        self._port.send(t.activate_topic(client_id))
        self._on_activated(client_id)



def requester_in_session(active: Optional[ClientRecord], target: Target, request: str) -> Optional[ClientRecord]:
    """The client in session when the request names it or no one; None, logged, otherwise.

    A client must not end another's session: the field clients send remove.active.client naming themselves on
    every stop.setup.event.
    """
    if active is None or not _names(target, active):
        in_session = f"'{active.name}'" if active else "nobody"
        LOG.warning(f"{request} from {target.describe()} refused: the client in session is {in_session}")
        return None
    return active


def _names(target: Target, record: ClientRecord) -> bool:
    """True when a request names this client, or names no one."""
    if target.client_id is not None and target.client_id != record.client_id:
        return False
    return target.name is None or record.name in (target.name, t.CLIENT_NAME_QUIRKS.get(target.name))
