"""WifiSetupPlugin: the manager on the bus. It parses what arrives, calls the core, and sends what it decides.

The round's policy is core.SetupCore, which knows no bus; this module is the adapter: bus messages become calls on
the core, and the core's effects (port.Effects) become bus messages, the selection page, speech and state-file
writes. It also starts the built-in methods (builtin.py) and the voice intents, and removes every listener it
added at shutdown.
"""
import threading
from threading import Event, RLock
from typing import Any, Callable, Dict, List, Optional, Tuple

from ovos_bus_client.message import Message
from ovos_plugin_manager.phal import PHALPlugin
from ovos_utils import classproperty
from ovos_utils.process_utils import RuntimeRequirements

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue, Words
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.manager.builtin import BuiltinMethods, VoiceSwitch
from ovos_PHAL_plugin_wifi_setup.manager.core import SetupCore
from ovos_PHAL_plugin_wifi_setup.manager.machine import IllegalTransition, SetupState
from ovos_PHAL_plugin_wifi_setup.manager.payload import (BadRequest, client_name_of, parse_check_answer,
                                                         parse_connected, parse_error_text, parse_page_serial,
                                                         parse_registration, parse_target)
from ovos_PHAL_plugin_wifi_setup.manager.registry import ClientMismatch, UnknownClient
from ovos_PHAL_plugin_wifi_setup.manager.scheduler import Scheduler
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings
from ovos_PHAL_plugin_wifi_setup.manager.state_store import SavedState, StateStore, default_state_path
from ovos_PHAL_plugin_wifi_setup.manager.watchdog import OwnChecks, check_urls
from ovos_PHAL_plugin_wifi_setup.outbox import Outbox
from ovos_PHAL_plugin_wifi_setup.pages import LazyGUI, ui_directories

Handler = Callable[[Message], None]

JOB_VOICE = "voice_register"
VOICE_REASON = "the user asked for it by voice"
# The intents (some two hundred messages) go out a moment after start, on the plugin's thread: not while ovos_PHAL
# is still constructing this plugin and loading the next ones.
VOICE_DELAY = 1.0


class WifiSetupPlugin(PHALPlugin):
    """The network-setup manager: keeps the client registry and decides who runs Wi-Fi setup."""

    def __init__(self, bus: Any = None, config: Optional[dict] = None):
        # PHALPlugin.__init__ starts the thread as its last line: run() waits until __init__ is done.
        self._ready = Event()
        self._scheduler = Scheduler()
        super().__init__(bus=bus, name=t.PLUGIN_ID, config=config)
        self.settings = Settings.from_config(self.config or {})
        self._store = StateStore(self.settings.state_file or default_state_path())
        self.catalogue = Catalogue(self._device_lang())
        self._out = Outbox(self.bus)
        self.pages = LazyGUI(t.PLUGIN_ID, self._out)
        lock = RLock()
        self.core = SetupCore(self.settings, _BusEffects(self), self._scheduler,
                              self._store.load(SavedState(first_boot=self.settings.first_boot)), lock)
        targets = check_urls(_network_tests(self.config, self.config_core))
        self.own_checks = OwnChecks(self.settings, self._scheduler, targets, lock, self.core.check_answered)
        self.core.attach_checks(self.own_checks)
        self._handlers: List[Tuple[str, Handler]] = [(topic, _guarded(topic, fn)) for topic, fn in (
            (t.REGISTER_CLIENT, self.handle_register),
            (t.DEREGISTER_CLIENT, self.handle_deregister),
            (t.SET_ACTIVE_CLIENT, self.handle_set_active),
            (t.REMOVE_ACTIVE_CLIENT, self.handle_remove_active),
            (t.CLIENT_SETUP_FAILURE, self.handle_setup_failure),
            (t.CLIENT_SELECT, self.handle_client_select),
            (t.SKIP_SETUP, lambda m: self.core.skip()),
            (t.FULLY_OFFLINE_IN, lambda m: self.core.never()),
            (t.USER_ACTIVATED, lambda m: self.core.user_asked("the user asked for it")),
            (t.SELECT_PAGE_REMOVED, lambda m: self.core.page_closed(parse_page_serial(m.data))),
            (t.STATUS, lambda m: self._answer(m, None, self.status())),
            (t.GET_REGISTERED_CLIENTS, lambda m: self._answer(m, t.REGISTERED_CLIENTS,
                                                              {"clients": self.registry.payloads()})),
            (t.INTERNET_CONNECTED, lambda m: self.core.report(True)),
            (t.INTERNET_DISCONNECTED, lambda m: self.core.report(False)),
            (t.INTERNET_STATE, self.handle_connectivity_state),
            (t.NETWORK_STATE, self.handle_connectivity_state),
            (t.INTERNET_CHECK_RESPONSE, self.handle_internet_check_response),
            (t.IS_READY, lambda m: self._answer(m, None, {"status": self.core.is_ready()})),
            (t.GUI_STATUS_RESPONSE, self.handle_gui_status),
            (t.GUI_CONNECTED, lambda m: self.core.gui_seen(True)),
            (t.NOTIFY_NO_INTERNET, self.handle_notice),
            (t.WIFI_SETUP_COMPLETED, self.handle_notice),
            (t.SHELL_STATUS_OK, self.handle_notice),
            (t.SPEAK, self.handle_speak),
            (t.CONFIG_UPDATED, self.handle_config_updated),
        )]
        for topic, handler in self._handlers:
            self.bus.on(topic, handler)
        self.methods = BuiltinMethods(self._out)
        # The spoken way in: intents registered with the intent service over the bus, in every catalogue language.
        self.voice = VoiceSwitch(self._out, lambda m: self.core.user_asked(VOICE_REASON), lambda: self.core.closed)
        self.started = Event()
        self._life = threading.Lock()
        self._ready.set()

    def _start(self) -> None:
        """The built-in methods (before the core's first questions, so that they hear the answers), the voice."""
        with self._life:
            try:
                if not self.core.closed:
                    self.methods.start(self.settings, self.catalogue)
                    if self.settings.voice:
                        self._scheduler.schedule(JOB_VOICE, VOICE_DELAY, self.voice.on)
                    self.core.start()
            except Exception:  # the thread's boundary: the handlers are on the bus, the plugin answers anyway
                LOG.exception("the plugin's start-up did not finish")
            self.started.set()

    @classproperty
    def runtime_requirements(self) -> RuntimeRequirements:
        """The plugin sets up the network, so it needs neither network nor internet to load."""
        return RuntimeRequirements(internet_before_load=False, network_before_load=False,
                                   requires_internet=False, requires_network=False,
                                   no_internet_fallback=True, no_network_fallback=True)

    @staticmethod
    def ui_directories() -> Dict[str, str]:
        """The page folders handed to GUIInterface, by GUI framework."""
        return ui_directories()

    # ------------------------------------------------------------------ the core's views, for callers and tests
    @property
    def registry(self) -> Any:
        """The client registry (the core's)."""
        return self.core.registry

    @property
    def machine(self) -> Any:
        """The state machine (the core's)."""
        return self.core.machine

    def status(self) -> dict:
        """The status payload of the contract."""
        status = self.core.status()
        status["lang"] = self.catalogue.lang
        status["methods"] = self.methods.states(lambda name: self.registry.by_name(name) is not None)
        return status

    # ------------------------------------------------------------------ thread
    def run(self) -> None:
        """Start, then run the plugin's timers until shutdown. The start-up messages go from this thread, not from
        __init__: ovos_PHAL constructs its plugins one after another, and waits for none of these."""
        self._ready.wait()
        self._start()
        self._scheduler.run()

    def shutdown(self) -> None:
        """End any open round, remove every listener this plugin added, and stop its threads within seconds."""
        with self._life:  # a start-up under way finishes first; one not begun never will
            self.core.close()
        self._scheduler.stop()
        self.own_checks.stop()
        self.core.shut_down()
        self.methods.shutdown()  # each leaves the list like any client: the handlers are still here
        self.voice.off()
        for topic, handler in self._handlers:
            self.bus.remove(topic, handler)
        gui = self.pages.made
        if gui is not None:
            _remove_quietly(self.bus, gui.build_message_type("set"), gui.gui_set)
        try:
            super().shutdown()
        except Exception:  # ovos-plugin-manager's code: its failure must not stop ours half-way
            LOG.exception("PHALPlugin.shutdown failed; removing the rest of the listeners anyway")
        # PHALPlugin.__init__ registers some forty methods and its shutdown() leaves some behind (it removes
        # others by mistake): every listener still bound to this plugin goes, whatever its name.
        for topic, listener in _listeners_bound_to(self.bus, self):
            _remove_quietly(self.bus, topic, listener)
        self._out.close()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=1)

    # ------------------------------------------------------------------ requests
    def handle_register(self, message: Message) -> None:
        """register.client: add or refresh a client and tell it its id."""
        try:
            reg = parse_registration(message.data)
        except BadRequest as e:
            LOG.warning(f"registration refused: {e}")
            self._answer(message, t.REGISTRATION_FAILURE, {t.K_ERROR: str(e), t.K_CLIENT: e.name})
            return
        if reg.unknown_type:
            LOG.warning(f"client '{reg.name}' has type '{reg.client_type}'; it is shown with a generic icon")
        self.core.register(message, reg)

    def handle_deregister(self, message: Message) -> None:
        """deregister.client: forget a client, ending its session first if it is active."""
        try:
            self.core.deregister(message, parse_target(message.data))
        except (BadRequest, LookupError) as e:
            self._refuse(message, "deregistration", t.DEREGISTRATION_FAILURE, e)

    def handle_set_active(self, message: Message) -> None:
        """set.active.client: end the current session, if any, and start the named client's."""
        try:
            self.core.set_active(message, parse_target(message.data, t.REQ_CLIENT_ALIASES, t.REQ_ID_ALIASES))
        except (BadRequest, LookupError) as e:
            self._refuse(message, "activation", t.ACTIVATION_FAILURE, e)

    def handle_remove_active(self, message: Message) -> None:
        """remove.active.client: end the active session when the request names no one or the active client."""
        try:
            target = parse_target(message.data)
        except BadRequest as e:
            LOG.warning(f"remove.active.client ignored: {e}")
            return
        self.core.remove_active(target)

    def handle_setup_failure(self, message: Message) -> None:
        """client.setup.failure: end the failing client's session and go on without it."""
        try:
            target = parse_target(message.data)
            error = parse_error_text(message.data)
        except BadRequest as e:
            LOG.warning(f"client.setup.failure ignored: {e}")
            return
        raw = message.data.get(t.K_ERROR) if isinstance(message.data, dict) else None
        self.core.client_failed(target, error, error_is_text=raw is None or error is not None)

    def handle_client_select(self, message: Message) -> None:
        """client.select (from the selection page): pass it on as set.active.client with both spellings."""
        try:
            # Checked here too, so that a malformed pick is not echoed, amplified, onto the bus.
            target = parse_target(message.data, t.REQ_CLIENT_ALIASES, t.REQ_ID_ALIASES)
        except BadRequest as e:
            self._answer(message, t.ACTIVATION_FAILURE, {t.K_ERROR: str(e), t.K_CLIENT: e.name, t.K_ID: None,
                                                          t.K_ID_LONG: None})
            return
        # Forwarded, not replied: the page's context goes on, so any answer to the request goes back to the page.
        request = message.forward(t.SET_ACTIVE_CLIENT)
        request.context = dict(message.context)
        request.data = {t.K_REQ_CLIENT: target.name, t.K_CLIENT: target.name,
                        t.K_REQ_ID: target.client_id, t.K_ID: target.client_id, t.K_ID_LONG: target.client_id}
        self._out.emit(request)

    def _refuse(self, message: Message, what: str, topic: str, error: Exception) -> None:
        """Answer a request the core or the parser refused, naming the client it was about."""
        target_name, target_id = _blame(error, message.data)
        LOG.warning(f"{what} refused: {error}")
        self._answer(message, topic, {t.K_ERROR: str(error), t.K_CLIENT: target_name, t.K_ID: target_id,
                                      t.K_ID_LONG: target_id})

    # ------------------------------------------------------------------ what the plugin hears
    def handle_connectivity_state(self, message: Message) -> None:
        """mycroft.internet.state / mycroft.network.state: a report (a network that is up says nothing about the
        internet)."""
        connected = parse_connected(message.data)
        if connected is None:
            return
        if message.msg_type == t.INTERNET_STATE:
            self.core.report(connected)
        elif connected:
            self.core.network_up()
        else:
            self.core.report(False, network=False)

    def handle_internet_check_response(self, message: Message) -> None:
        """ovos.PHAL.internet_check.response {internet_connected, network_connected}: a report too."""
        internet, network = parse_check_answer(message.data)
        if internet is not None:
            self.core.report(internet, network=network)

    def handle_gui_status(self, message: Message) -> None:
        """gui.status.request.response: remember whether a GUI is connected."""
        data = message.data if isinstance(message.data, dict) else {}
        if isinstance(data.get("connected"), bool):
            self.core.gui_seen(data["connected"])

    def handle_notice(self, message: Message) -> None:
        """A notice the plugin also sends, from another participant: it is not sent twice for one event."""
        if not _sent_by_us(message):
            self.core.notice_heard(message.msg_type)

    def handle_speak(self, message: Message) -> None:
        """speak from another participant: the plugin does not talk over it about the same moment."""
        if not _sent_by_us(message):
            self.core.speech_heard()

    def handle_config_updated(self, message: Message) -> None:
        """configuration.updated: the configuration is read again; the language and the plugin's settings (its
        section of mycroft.conf, where it has one) take effect now."""
        _reload(self.config_core)
        lang = Catalogue(self._device_lang()).lang
        with self.core.lock:
            if lang != self.catalogue.lang:
                LOG.info(f"the device's language is now {lang}")
                self.catalogue = Catalogue(lang)
                if self.machine.state is SetupState.SELECTING:
                    self.pages.get()[t.SESSION_TEXTS] = self.catalogue.gui_texts()
                self.methods.set_catalogue(self.catalogue)
        section = plugin_section(self.config_core)
        if section is not None:
            self._apply(Settings.from_config(section))

    def _apply(self, new: Settings) -> None:
        """New settings at run time: the core's and the checks' at once, a method made anew if its own changed,
        the voice on or off."""
        old, self.settings = self.settings, new
        if new == old:
            return
        self.core.apply_settings(new)
        self.own_checks.settings = new
        self.methods.reconfigure(old, new, self.catalogue)
        if new.voice != old.voice:
            self._scheduler.schedule(JOB_VOICE, 0, self.voice.on if new.voice else self.voice.off)

    def _device_lang(self) -> Any:
        """mycroft.conf's `lang` as the files say now."""
        return _device_lang(self.config_core)

    # ------------------------------------------------------------------ sending
    def _answer(self, message: Message, topic: Optional[str], data: dict) -> None:
        """Reply on topic, or on '<request>.response' when topic is None, keeping the requester's context.

        reply() and response() deep-copy the data they are given; ours is built fresh for each answer,
        so it is attached after the (empty) copy instead.
        """
        answer = message.response() if topic is None else message.reply(topic)
        answer.data = data
        self._out.emit(answer)

    def _broadcast(self, topic: str, data: Optional[dict] = None, notice: bool = False) -> None:
        """Send a message of the plugin's own (its context names the plugin as the source).

        A notice other participants may send too is marked, so the plugin knows its own when it hears it. The
        mark goes on notices alone: replies to the plugin's requests copy those requests' context (source
        included, where it has no destination to swap with), so the source cannot tell them apart.
        """
        context: Dict[str, Any] = {"skill_id": t.PLUGIN_ID, "source": t.PLUGIN_ID}
        if notice:
            context[t.NOTICE_MARK] = True
        self._out.emit(Message(topic, data or {}, context))


class _BusEffects:
    """The core's port on the bus: its effects as messages, the selection page, speech and the state file."""

    def __init__(self, plugin: WifiSetupPlugin) -> None:
        self._plugin = plugin

    def send(self, topic: str, data: Optional[Dict[str, Any]] = None) -> None:
        """A message of the manager's own."""
        self._plugin._broadcast(topic, data)

    def send_notice(self, topic: str) -> None:
        """A notice, marked as the manager's."""
        self._plugin._broadcast(topic, notice=True)

    def reply(self, request: Any, topic: str, data: Dict[str, Any]) -> None:
        """An answer to the bus message the core was handed."""
        self._plugin._answer(request, topic, data)

    def speak(self, dialog: str) -> None:
        """A catalogue line in the device's language, marked as the manager's."""
        catalogue = self._plugin.catalogue
        utterance = catalogue.dialog(dialog)
        if utterance:
            self._plugin._broadcast(t.SPEAK, {"utterance": utterance, "lang": catalogue.lang}, notice=True)

    def show_page(self, clients: List[Dict[str, Any]], serial: int, note: Optional[Words] = None) -> None:
        """The selection page with these clients, its number, and a note in place of its subtitle."""
        gui = self._plugin.pages.get()
        catalogue = self._plugin.catalogue
        texts = catalogue.gui_texts()
        if note is not None:
            texts[t.TEXT_SUBTITLE] = catalogue.text(note)
        gui[t.SESSION_PAGE_TYPE] = t.PAGE_TYPE_SELECT
        gui[t.SESSION_PAGE_SERIAL] = serial
        gui[t.SESSION_TEXTS] = texts
        gui[t.SESSION_CLIENTS] = clients
        gui.show_page(t.GUI_PAGE, override_idle=True, override_animations=True)

    def clear_pages(self) -> None:
        """Remove whatever ovos-gui still holds in the manager's namespace."""
        self._plugin._broadcast(t.GUI_CLEAR_NAMESPACE, {"__from": t.PLUGIN_ID})

    def refresh_page(self, clients: List[Dict[str, Any]]) -> None:
        """A fresh clients_model, so the page redraws."""
        self._plugin.pages.get()[t.SESSION_CLIENTS] = clients

    def release_page(self) -> None:
        """The page off the screen."""
        self._plugin.pages.get().release()

    def save(self, saved: SavedState, **changes: Any) -> SavedState:
        """The state file, written only when a value changes."""
        return self._plugin._store.update(saved, **changes)


def _reload(config_core: Any) -> None:
    """Read mycroft.conf again (ovos-config's Configuration.reload, where it has one); on failure the old stays."""
    reload = getattr(config_core, "reload", None)
    if callable(reload):
        try:
            reload()
        except Exception:  # ovos-config's code: the old configuration stays
            LOG.exception("could not reload the configuration")


def plugin_section(config_core: Any) -> Optional[dict]:
    """The plugin's section of mycroft.conf as it reads now (under PHAL, or PHAL -> admin), or None."""
    phal = config_core.get("PHAL") if hasattr(config_core, "get") else None
    for place in (phal, phal.get("admin") if isinstance(phal, dict) else None):
        section = place.get(t.PLUGIN_ID) if isinstance(place, dict) else None
        if isinstance(section, dict):
            return section
    return None


def _device_lang(config_core: Any) -> Any:
    """mycroft.conf's `lang` as the files say now (ovos-config's get() answers from the instance's snapshot;
    its item lookup reads the configuration again)."""
    try:
        return config_core["lang"]
    except (KeyError, TypeError):
        return None


def _network_tests(config: Optional[dict], config_core: Any) -> dict:
    """The plugin's own network_tests section if it has one, else mycroft.conf's."""
    own = (config or {}).get("network_tests")
    if isinstance(own, dict):
        return own
    core = config_core.get("network_tests") if hasattr(config_core, "get") else None
    return core if isinstance(core, dict) else {}


def _sent_by_us(message: Message) -> bool:
    """True for a notice the plugin sent itself (it hears its own messages too)."""
    context = message.context if isinstance(message.context, dict) else {}
    return context.get(t.NOTICE_MARK) is True


def _blame(error: Exception, data: Any) -> Tuple[Optional[str], Optional[str]]:
    """Name and id to echo in a failure reply, taken from what the requester sent."""
    if isinstance(error, ClientMismatch):
        return error.name, error.record.client_id
    if isinstance(error, UnknownClient):
        return error.name, error.client_id
    if isinstance(error, BadRequest):
        return error.name or client_name_of(data), error.client_id
    return client_name_of(data), None


def _listeners_bound_to(bus: Any, owner: Any) -> List[Tuple[str, Callable[..., Any]]]:
    """Every (topic, listener) on the bus that is a method of owner (FakeBus's ee, MessageBusClient's emitter)."""
    emitter = getattr(bus, "ee", None) or getattr(bus, "emitter", None)
    found: List[Tuple[str, Callable[..., Any]]] = []
    try:
        for topic in list(emitter.event_names()):
            found.extend((topic, listener) for listener in list(emitter.listeners(topic))
                         if getattr(listener, "__self__", None) is owner)
    except Exception:  # an emitter without pyee's introspection: nothing more can be found
        LOG.debug("the bus's emitter cannot list its listeners")
    return found


def _remove_quietly(bus: Any, topic: str, listener: Callable[..., Any]) -> None:
    """Remove a listener; a bus that no longer holds it (or fails to remove it) must not stop a shutdown."""
    try:
        bus.remove(topic, listener)
    except Exception:  # the bus library's code, at shutdown
        LOG.debug(f"listener for {topic} could not be removed")


def _guarded(topic: str, handler: Handler) -> Handler:
    """Wrap a bus handler so that nothing it raises escapes to the bus thread."""
    def guarded(message: Message) -> None:
        try:
            handler(message)
        except IllegalTransition as e:
            LOG.warning(f"{topic}: {e}")
        except Exception:  # the bus-thread boundary
            LOG.exception(f"{topic}: handler failed")
    guarded.__name__ = getattr(handler, "__name__", "handler")
    return guarded
