"""The client kit: what a network-client plugin composes to take part in setup rounds."""
import threading
from typing import Any, Callable, Dict, Optional

from ovos_bus_client.message import Message

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.log import LOG

Callback = Callable[[], None]

# A failure meant for us is answered with a new registration; a failure that
# keeps coming back (a display text the manager refuses) must not ping-pong forever.
MAX_REGISTRATION_RETRIES = 3


class NetworkSetupClient:
    """Registers one network client with the setup manager and follows its sessions.

    Compose it in a client plugin: ``start()`` once the plugin's own handlers are
    ready, ``shutdown()`` when the plugin stops. ``on_activate`` runs when the
    manager hands this client the setup session, ``on_deactivate`` when the
    session ends. Callbacks run on the bus's handler thread and should return soon.
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
        # Bus handlers may run on a thread pool: id, subscription and session
        # state change together under this lock.
        self._lock = threading.RLock()
        self._client_id: Optional[str] = None
        self._subscribed_id: Optional[str] = None
        self._active = False
        self._retries = 0
        self._started = False

    @property
    def client_id(self) -> Optional[str]:
        """The id the manager gave this client, or None before it answered."""
        return self._client_id

    @property
    def is_registered(self) -> bool:
        """True once the manager has confirmed the registration."""
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
        """Listen for the manager's replies and register; a second call does nothing."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self.bus.on(topics.CLIENT_REGISTERED, self._on_registered)
        self.bus.on(topics.REGISTRATION_FAILURE, self._on_registration_failure)
        self.bus.on(topics.ALIVE, self._on_alive)
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
        """Stop listening and, unless told otherwise, leave the manager's list of clients."""
        with self._lock:
            if not self._started:
                return
            self._started = False
            old_id = self._subscribed_id
            self._subscribed_id = None
            self._active = False
        self.bus.remove(topics.CLIENT_REGISTERED, self._on_registered)
        self.bus.remove(topics.REGISTRATION_FAILURE, self._on_registration_failure)
        self.bus.remove(topics.ALIVE, self._on_alive)
        if old_id is not None:
            self._unsubscribe(old_id)
        if deregister and self._client_id is not None:
            self.bus.emit(Message(topics.DEREGISTER_CLIENT, self._identity()))

    def _identity(self) -> Dict[str, Any]:
        """Name this client the way the manager looks it up: by name and, once known, by id."""
        data: Dict[str, Any] = {topics.K_CLIENT: self.name}
        if self._client_id is not None:
            data[topics.K_ID] = self._client_id
            data[topics.K_ID_LONG] = self._client_id
        return data

    def _on_registered(self, message: Message) -> None:
        """Keep the id the manager gave us and follow it with exactly one subscription."""
        if message.data.get(topics.K_CLIENT) != self.name:
            return
        new_id = message.data.get(topics.K_ID) or message.data.get(topics.K_ID_LONG)
        if not isinstance(new_id, str) or not new_id:
            LOG.warning(f"{self.name}: registration reply carries no id")
            return
        lost_session = False
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
            # A new id means a restarted manager that no longer knows our session.
            lost_session = self._active
            self._active = False
        if old_id is not None:
            self._unsubscribe(old_id)
        self.bus.on(topics.activate_topic(new_id), self._on_activate)
        self.bus.on(topics.deactivate_topic(new_id), self._on_deactivate)
        LOG.debug(f"{self.name}: registered as {new_id}")
        if lost_session:
            self._call(self.on_deactivate, "on_deactivate")

    def _unsubscribe(self, client_id: str) -> None:
        """Drop the session handlers of an id we no longer hold."""
        self.bus.remove(topics.activate_topic(client_id), self._on_activate)
        self.bus.remove(topics.deactivate_topic(client_id), self._on_deactivate)

    def _on_registration_failure(self, message: Message) -> None:
        """Register again when the refusal names us, a bounded number of times."""
        if message.data.get(topics.K_CLIENT) != self.name:
            return
        error = message.data.get(topics.K_ERROR, "")
        with self._lock:
            if not self._started:
                return
            self._retries += 1
            retry = self._retries <= MAX_REGISTRATION_RETRIES
        if not retry:
            LOG.error(f"{self.name}: registration refused, giving up: {error}")
            return
        LOG.warning(f"{self.name}: registration refused ({error}), registering again")
        self.register()

    def _on_alive(self, message: Message) -> None:
        """A (re)started manager asks every client to register."""
        with self._lock:
            self._retries = 0
        self.register()

    def _on_activate(self, message: Message) -> None:
        """The manager handed us the setup session."""
        with self._lock:
            self._active = True
        self._call(self.on_activate, "on_activate")

    def _on_deactivate(self, message: Message) -> None:
        """The manager ended our session; tell the plugin only if one was running."""
        with self._lock:
            was_active = self._active
            self._active = False
        if was_active:
            self._call(self.on_deactivate, "on_deactivate")

    def _call(self, callback: Optional[Callback], label: str) -> None:
        """Run a plugin callback; its failure must not take the bus handler down."""
        if callback is None:
            return
        try:
            callback()
        except Exception:  # the plugin's code, a third-party boundary
            LOG.exception(f"{self.name}: {label} callback failed")


def _check_text(field: str, value: Any, limit: int) -> None:
    """Refuse at construction what the manager would refuse on the wire."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must be a non-empty string, got {value!r}")
    if len(value) > limit:
        raise ValueError(f"{field} is {len(value)} characters long, at most {limit} allowed")
