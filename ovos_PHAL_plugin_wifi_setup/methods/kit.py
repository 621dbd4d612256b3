"""The client kit: what a network-client plugin composes to take part in setup rounds.

``NetworkSetupClient`` speaks the manager's bus protocol for one client: it sends
``register.client`` and follows the ``client.registered`` reply, its own
``activate.{id}`` / ``deactivate.{id}`` topics and the manager's ``alive``.
"""
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from ovos_bus_client.message import Message

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.log import LOG

Callback = Callable[[], None]

# A failure meant for us is answered with a new registration; a failure that
# keeps coming back (a display text the manager refuses) must not ping-pong forever.
MAX_REGISTRATION_RETRIES = 3

# The manager knows a client by its name alone: two kits of one name in one
# process would share its id and its session. The name of a started kit is held
# here until that kit's shutdown().
_started_kits: Dict[str, "NetworkSetupClient"] = {}
_started_kits_lock = threading.Lock()


class NetworkSetupClient:
    """Registers one network client with the setup manager and follows its sessions.

    Compose it in a client plugin: ``start()`` once the plugin's own handlers are
    ready, ``shutdown()`` when the plugin stops. ``on_activate`` runs once when the
    manager hands this client the setup session, ``on_deactivate`` when that
    session ends. Callbacks run on the bus's handler thread, one at a time under the
    kit's lock, and should return soon; ``shutdown()`` waits for a callback that is
    running, so do not call it while holding a lock your callbacks take.
    """

    def __init__(self, bus: Any, name: str, display_text: str,
                 client_type: str = topics.TYPE_ON_DEVICE, has_gui: bool = False,
                 requires_input: bool = False, on_activate: Optional[Callback] = None,
                 on_deactivate: Optional[Callback] = None) -> None:
        """Describe the client; nothing is sent until ``start()``."""
        _check_text("name", name, topics.MAX_CLIENT_LEN)
        _check_text("display_text", display_text, topics.MAX_DISPLAY_TEXT_LEN)
        _check_text("client_type", client_type, topics.MAX_TYPE_LEN)
        self.bus = bus
        self.name = name
        self.display_text = display_text
        self.client_type = client_type
        self.has_gui = bool(has_gui)
        self.requires_input = bool(requires_input)
        self.on_activate = on_activate
        self.on_deactivate = on_deactivate
        # Bus handlers may run on a thread pool: the started flag, the id, the
        # session subscription and the session state change together under this
        # lock, and the callbacks run under it: none runs on past a shutdown() made
        # on another thread.
        self._lock = threading.RLock()
        self._client_id: Optional[str] = None
        self._subscribed_id: Optional[str] = None
        self._active = False
        self._retries = 0
        self._started = False
        # Subscribed by start(), removed by shutdown(), from this one list.
        self._handlers: List[Tuple[str, Callable[[Message], None]]] = [
            (topics.CLIENT_REGISTERED, self._on_registered),
            (topics.REGISTRATION_FAILURE, self._on_registration_failure),
            (topics.ALIVE, self._on_alive),
        ]

    @property
    def client_id(self) -> Optional[str]:
        """The id the manager gave this client, or None before it answered (and after deregistering)."""
        return self._client_id

    @property
    def is_registered(self) -> bool:
        """True once the manager has confirmed the registration, until ``shutdown()`` deregisters."""
        return self._client_id is not None

    @property
    def is_active(self) -> bool:
        """True while the manager has handed this client the setup session."""
        return self._active

    def record(self) -> Dict[str, Any]:
        """Return the registration payload in both spellings of the contract."""
        return {
            topics.K_CLIENT: self.name,
            topics.K_TYPE: self.client_type,
            topics.K_TYPE_LONG: self.client_type,
            topics.K_DISPLAY_TEXT: self.display_text,
            topics.K_DISPLAY_TEXT_LONG: self.display_text,
            topics.K_HAS_GUI: self.has_gui,
            topics.K_HAS_GUI_LONG: self.has_gui,
            topics.K_REQUIRES_INPUT: self.requires_input,
            topics.K_REQUIRES_INPUT_LONG: self.requires_input,
        }

    def start(self) -> None:
        """Listen for the manager's replies and register; a second call does nothing.

        Raises ValueError when another kit of the same name is started in this
        process: the manager would take both for one client.
        """
        with self._lock:
            if self._started:
                return
            _claim_name(self)
            self._started = True
            self._retries = 0
            for topic, handler in self._handlers:
                self.bus.on(topic, handler)
        self.register()

    def register(self) -> None:
        """Ask the manager to register this client (idempotent on the manager's side)."""
        self.bus.emit(Message(topics.REGISTER_CLIENT, self.record()))

    def request_deactivate(self) -> None:
        """Tell the manager this client is done: its session ends with ``deactivate``."""
        self.bus.emit(Message(topics.REMOVE_ACTIVE_CLIENT, self._identity()))

    def report_setup_failure(self, error: str = "") -> None:
        """Tell the manager this client could not connect, so setup goes on without it."""
        data = self._identity()
        data[topics.K_ERROR] = error
        self.bus.emit(Message(topics.CLIENT_SETUP_FAILURE, data))

    def shutdown(self, deregister: bool = True) -> None:
        """Stop listening and, unless told otherwise, leave the manager's list of clients.

        Once it returns no callback runs any more (bar one that called it) and
        the name is free for another kit.
        """
        with self._lock:
            if not self._started:
                return
            self._started = False
            for topic, handler in self._handlers:
                self.bus.remove(topic, handler)
            if self._subscribed_id is not None:
                self._unsubscribe(self._subscribed_id)
            self._subscribed_id = None
            self._active = False
            farewell = self._identity() if deregister and self._client_id is not None else None
            if farewell is not None:
                self._client_id = None
        try:
            if farewell is not None:
                self.bus.emit(Message(topics.DEREGISTER_CLIENT, farewell))
        finally:
            # Released only once the farewell is sent: a kit of this name started
            # next in this process registers after it, not before.
            with self._lock:
                if not self._started:
                    _release_name(self)

    def _identity(self) -> Dict[str, Any]:
        """Name this client the way the manager looks it up: by name and, once known, by id."""
        data: Dict[str, Any] = {topics.K_CLIENT: self.name}
        client_id = self._client_id
        if client_id is not None:
            data[topics.K_ID] = client_id
            data[topics.K_ID_LONG] = client_id
        return data

    def _on_registered(self, message: Message) -> None:
        """Keep the id the manager gave us and follow it with exactly one subscription."""
        data = _payload(message)
        if data.get(topics.K_CLIENT) != self.name:
            return
        new_id = _first_id(data)
        if new_id is None:
            LOG.warning(f"{self.name}: registration reply carries no id")
            return
        with self._lock:
            if not self._started:
                return
            self._retries = 0
            self._client_id = new_id
            old_id = self._subscribed_id
            if old_id == new_id:
                # The manager repeats client.registered (re-registration, alive):
                # the subscription we hold is still the right one.
                return
            self._subscribed_id = new_id
            # A new id means a manager that no longer knows this client (it
            # restarted, or dropped the client), and so no longer our session.
            lost_session = self._active
            self._active = False
            if old_id is not None:
                self._unsubscribe(old_id)
            self._subscribe(new_id)
            if not self._started or self._subscribed_id != new_id:
                # shutdown() (or a newer id) came in while we subscribed, on this
                # same thread: take back what it could not see yet.
                self._unsubscribe(new_id)
                return
            LOG.debug(f"{self.name}: registered as {new_id}")
            if lost_session:
                self._call(self.on_deactivate, "on_deactivate")

    def _subscribe(self, client_id: str) -> None:
        """Follow the session topics of the id we hold."""
        self.bus.on(topics.activate_topic(client_id), self._on_activate)
        self.bus.on(topics.deactivate_topic(client_id), self._on_deactivate)

    def _unsubscribe(self, client_id: str) -> None:
        """Drop the session handlers of an id we no longer hold."""
        self.bus.remove(topics.activate_topic(client_id), self._on_activate)
        self.bus.remove(topics.deactivate_topic(client_id), self._on_deactivate)

    def _on_registration_failure(self, message: Message) -> None:
        """Register again when the refusal names us, a bounded number of times."""
        data = _payload(message)
        if data.get(topics.K_CLIENT) != self.name:
            return
        error = str(data.get(topics.K_ERROR, ""))[:200]
        with self._lock:
            if not self._started:
                return
            self._retries += 1
            retry = self._retries <= MAX_REGISTRATION_RETRIES
        if not retry:
            LOG.error(f"{self.name}: registration refused, giving up: {error}")
            return
        LOG.warning(f"{self.name}: registration refused ({error}), registering again")
        self._register_from_handler()

    def _on_alive(self, message: Message) -> None:
        """A (re)started manager asks every client to register."""
        with self._lock:
            if not self._started:
                return
            self._retries = 0
        self._register_from_handler()

    def _register_from_handler(self) -> None:
        """Register from a bus handler, where a failing emit must not escape."""
        try:
            self.register()
        except Exception:  # the bus client, a third-party boundary
            LOG.exception(f"{self.name}: could not send register.client")

    def _on_activate(self, message: Message) -> None:
        """The manager handed us the setup session: run on_activate once per session."""
        with self._lock:
            if not self._holds(message, topics.activate_topic):
                return
            if self._active:
                # The manager repeats activate.{id} (a re-registration in session):
                # the session on_activate started is still running.
                LOG.debug(f"{self.name}: already active")
                return
            self._active = True
            self._call(self.on_activate, "on_activate")

    def _on_deactivate(self, message: Message) -> None:
        """The manager ended our session; tell the plugin only if one was running."""
        with self._lock:
            if not self._holds(message, topics.deactivate_topic) or not self._active:
                return
            self._active = False
            self._call(self.on_deactivate, "on_deactivate")

    def _holds(self, message: Message, topic_of: Callable[[str], str]) -> bool:
        """True when the kit runs and the message is for the id it holds (not one it left behind)."""
        return (self._started and self._subscribed_id is not None
                and getattr(message, "msg_type", None) == topic_of(self._subscribed_id))

    def _call(self, callback: Optional[Callback], label: str) -> None:
        """Run a plugin callback; its failure must not take the bus handler down."""
        if callback is None:
            return
        try:
            callback()
        except Exception:  # the plugin's code, a third-party boundary
            LOG.exception(f"{self.name}: {label} callback failed")


def _claim_name(kit: NetworkSetupClient) -> None:
    """Hold kit's name for this process; raise ValueError when another started kit holds it."""
    with _started_kits_lock:
        holder = _started_kits.get(kit.name)
        if holder is not None and holder is not kit:
            raise ValueError(f"a network client named {kit.name!r} is already started in this process; "
                             "shut it down first or give this one another name")
        _started_kits[kit.name] = kit


def _release_name(kit: NetworkSetupClient) -> None:
    """Free kit's name, if kit is the one holding it."""
    with _started_kits_lock:
        if _started_kits.get(kit.name) is kit:
            del _started_kits[kit.name]


def _payload(message: Any) -> Dict[str, Any]:
    """A message's data when it is a JSON object, else an empty one (the bus carries anything)."""
    data = getattr(message, "data", None)
    return data if isinstance(data, dict) else {}


def _first_id(data: Dict[str, Any]) -> Optional[str]:
    """The id a client.registered carries, in either spelling, or None."""
    for key in (topics.K_ID, topics.K_ID_LONG):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _check_text(field: str, value: Any, limit: int) -> None:
    """Refuse at construction what the manager would refuse on the wire."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must be a non-empty string, got {value!r}")
    if len(value) > limit:
        raise ValueError(f"{field} is {len(value)} characters long, at most {limit} allowed")
