"""WifiSetupPlugin: the manager on the bus. It parses what arrives, asks the core and sends the outcome.

The core (registry, state machine, timers, own checks, state file, payload parsing) knows no bus; this
module is where bus messages become calls on it, and its answers become bus messages.
"""
import threading
import time
from threading import Event
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from ovos_bus_client.apis.gui import GUIInterface
from ovos_bus_client.message import Message
from ovos_plugin_manager.phal import PHALPlugin
from ovos_utils import classproperty
from ovos_utils.process_utils import RuntimeRequirements

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.manager.machine import IllegalTransition, SetupEvent, SetupMachine, SetupState, Transition
from ovos_PHAL_plugin_wifi_setup.manager.payload import (BadRequest, Target, client_name_of, parse_error_text,
                                                 parse_registration, parse_target)
from ovos_PHAL_plugin_wifi_setup.outbox import Outbox
from ovos_PHAL_plugin_wifi_setup.pages import ui_directories
from ovos_PHAL_plugin_wifi_setup.manager.probe import check_urls
from ovos_PHAL_plugin_wifi_setup.manager.registry import ClientMismatch, ClientRecord, ClientRegistry, UnknownClient
from ovos_PHAL_plugin_wifi_setup.manager.scheduler import Scheduler
from ovos_PHAL_plugin_wifi_setup.methods.screen.client import ScreenSetupClient
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings
from ovos_PHAL_plugin_wifi_setup.manager.state_store import SavedState, StateStore, default_state_path, now_iso
from ovos_PHAL_plugin_wifi_setup.manager.voice import VoiceIntents
from ovos_PHAL_plugin_wifi_setup.manager.watchdog import OwnChecks

Handler = Callable[[Message], None]

# Scheduler job names.
JOB_CLIENT_WAIT = "client_wait"
JOB_ACTIVATION = "activation_timeout"
JOB_VERIFY = "verify"
JOB_LAUNCH = "watchdog_launch"
JOB_SEND_ACTIVATE = "send_activate"
JOB_NOTICE = "no_internet_notice"
JOB_REANNOUNCE = "reannounce:"  # + the client's id
JOB_VOICE = "voice_register"
JOB_ASK_REPORTER = "ask_reporter"

LONG_AGO = float("-inf")


class WifiSetupPlugin(PHALPlugin):
    """The network-setup manager: keeps the client registry and decides who runs Wi-Fi setup."""

    def __init__(self, bus: Any = None, config: Optional[dict] = None):
        # PHALPlugin.__init__ starts the thread as its last line: run() waits until __init__ is done.
        self._ready = Event()
        self._scheduler = Scheduler()
        super().__init__(bus=bus, name=t.PLUGIN_ID, config=config)
        self.settings = Settings.from_config(self.config or {})
        self._store = StateStore(self.settings.state_file or default_state_path())
        self._saved = self._store.load(SavedState(first_boot=self.settings.first_boot))
        self.registry = ClientRegistry()
        self.machine = SetupMachine(SetupState.NEVER if self._saved.never_connect else SetupState.IDLE)
        self._lock = self.machine.lock
        self._failed: Set[str] = set()
        self._internet: Optional[bool] = None
        self._network: Optional[bool] = None  # a network without the internet (a captive portal) is a state too
        self._last_online_seen: Optional[str] = None
        self._gui_connected: Optional[bool] = None
        self.catalogue = Catalogue(self._device_lang())
        self._round_started = 0.0
        self._round_failed = False
        self._foreign_speak_at = LONG_AGO
        self._backoff_until = 0.0
        self._closed = False
        self._started_at = time.monotonic()
        self._launch_due_at: Optional[float] = None
        # One number per session: a timer set for one session never acts on another.
        self._session = 0
        self._activation_sent = False
        # Per client id: when it last registered, and when the plugin last ended its session.
        self._registered_at: Dict[str, float] = {}
        self._deactivated_at: Dict[str, float] = {}
        self._stop_event_at = LONG_AGO
        # Notices other participants send too: no_internet (when last), completion topics (this round).
        self._foreign_no_internet_at = LONG_AGO
        self._round_notices: Set[str] = set()
        self.own_checks = OwnChecks(self.settings, self._scheduler, check_urls(self._network_tests()), self._lock,
                                    self._on_check_answer)
        self._out = Outbox(self.bus)
        self.gui = GUIInterface(t.PLUGIN_ID, bus=self._out, ui_directories=self.ui_directories())
        self._handlers: List[Tuple[str, Handler]] = [(topic, _guarded(topic, fn)) for topic, fn in (
            (t.REGISTER_CLIENT, self.handle_register),
            (t.DEREGISTER_CLIENT, self.handle_deregister),
            (t.SET_ACTIVE_CLIENT, self.handle_set_active),
            (t.REMOVE_ACTIVE_CLIENT, self.handle_remove_active),
            (t.CLIENT_SETUP_FAILURE, self.handle_setup_failure),
            (t.CLIENT_SELECT, self.handle_client_select),
            (t.SKIP_SETUP, self.handle_skip),
            (t.FULLY_OFFLINE_IN, self.handle_never),
            (t.USER_ACTIVATED, self.handle_user_activated),
            (t.SELECT_PAGE_REMOVED, self.handle_page_removed),
            (t.STATUS, self.handle_status),
            (t.GET_REGISTERED_CLIENTS, self.handle_get_clients),
            (t.INTERNET_CONNECTED, self.handle_internet_connected),
            (t.INTERNET_DISCONNECTED, self.handle_internet_disconnected),
            (t.INTERNET_STATE, self.handle_connectivity_state),
            (t.NETWORK_STATE, self.handle_connectivity_state),
            (t.INTERNET_CHECK_RESPONSE, self.handle_internet_check_response),
            (t.IS_READY, self.handle_is_ready),
            (t.GUI_STATUS_RESPONSE, self.handle_gui_status),
            (t.GUI_CONNECTED, self.handle_gui_connected),
            (t.NOTIFY_NO_INTERNET, self.handle_notice),
            (t.WIFI_SETUP_COMPLETED, self.handle_notice),
            (t.SHELL_STATUS_OK, self.handle_notice),
            (t.SPEAK, self.handle_speak),
            (t.CONFIG_UPDATED, self.handle_config_updated),
        )]
        for topic, handler in self._handlers:
            self.bus.on(topic, handler)
        self._ready.set()
        # The built-in on-screen method: a client like any other, on the bus; started before the questions
        # below so that it hears their answers too.
        self.screen_client: Optional[ScreenSetupClient] = None
        if self.settings.screen_client != "never":
            self.screen_client = ScreenSetupClient(self._out, mode=self.settings.screen_client,
                                                   gui_mode=self.settings.gui,
                                                   connect_timeout=self.settings.screen_connect_timeout,
                                                   scan_timeout=self.settings.screen_scan_timeout,
                                                   catalogue=self.catalogue)
            self.screen_client.start()
        # The built-in "connect from your phone" method, for devices without a screen (the `hotspot` extra).
        self.hotspot_client: Optional[Any] = None
        if self.settings.hotspot_client != "never":
            self.hotspot_client = self._new_hotspot_client()
            if self.hotspot_client is not None:
                self.hotspot_client.start()
        # The spoken way in: intents registered with the intent service over the bus, in every catalogue language;
        # on the plugin's own thread, so that ovos_PHAL is not held up by some two hundred messages.
        self.voice: Optional[VoiceIntents] = None
        self._voice_lock = threading.Lock()
        if self.settings.voice:
            self.voice = VoiceIntents(self._out, launch=self._on_voice_request)
            self._scheduler.schedule(JOB_VOICE, 0, self._register_voice)
        # Learn whether a screen is there without waiting on it: the answer arrives at handle_gui_status.
        self._broadcast(t.GUI_STATUS_REQUEST)
        self._broadcast(t.ALIVE)
        with self._lock:
            if self._wants_checks():
                # Let the connectivity plugin report by itself first, then ask it; check by ourselves only if
                # nobody answers in time.
                if self.settings.reporter_ask_after > 0:
                    self._scheduler.schedule(JOB_ASK_REPORTER, self.settings.reporter_ask_after,
                                             self._on_ask_reporter_due)
                else:
                    self._broadcast(t.INTERNET_CHECK)
                self._plan_check(self.settings.reporter_wait)

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

    # ------------------------------------------------------------------ thread
    def run(self) -> None:
        """Run the plugin's timers until shutdown."""
        self._ready.wait()
        self._scheduler.run()

    def shutdown(self) -> None:
        """End any open round, remove every listener this plugin added, and stop its threads within seconds."""
        with self._lock:
            # From here on no timer acts, a job already taken off the queue included.
            self._closed = True
        self._scheduler.stop()
        self.own_checks.stop()
        with self._lock:
            if self.machine.state.in_round:
                self._step(SetupEvent.SHUT_DOWN)
            if self._internet is True:
                self._save(last_online_at=now_iso())
        if self.screen_client is not None:
            self.screen_client.shutdown()  # it leaves the list like any client: the handlers are still here
        if self.hotspot_client is not None:
            self.hotspot_client.shutdown()  # likewise; it also takes its access point down
        if self.voice is not None:
            with self._voice_lock:
                self.voice.detach()
        for topic, handler in self._handlers:
            self.bus.remove(topic, handler)
        gui_set = getattr(self.gui, "gui_set", None)
        if gui_set is not None:
            _remove_quietly(self.bus, self.gui.build_message_type("set"), gui_set)
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

    # ------------------------------------------------------------------ derived views
    @property
    def use_gui(self) -> bool:
        """True when setup should go through the selection page."""
        if self.settings.gui == "always":
            return True
        if self.settings.gui == "never":
            return False
        return self._gui_connected is True

    @property
    def watchdog_enabled(self) -> bool:
        """The user's last word on the watchdog if any, else the configuration's."""
        if self._saved.watchdog_on is not None:
            return self._saved.watchdog_on
        return self.settings.enable_watchdog

    @property
    def watchdog_active(self) -> bool:
        """True when the plugin may launch setup on its own."""
        return self.watchdog_enabled and not self.machine.state.declined

    @property
    def first_boot(self) -> bool:
        """True until the device has been online once."""
        return self._saved.first_boot

    def status(self) -> dict:
        """Return the status payload of the contract."""
        with self._lock:
            state = self.machine.state
            active = self.registry.get(self.machine.active_client or "") if state is SetupState.ACTIVE else None
            saved = self._saved
            return {
                "protocol": t.PROTOCOL_VERSION,
                "state": state.value,
                "in_setup": state.in_round,
                "watchdog_active": self.watchdog_active,
                "active_client": active.as_payload() if active else None,
                "clients": self._client_payloads(),
                "internet": self._internet,
                "network": self._network,
                "connectivity": self._connectivity(),
                "first_boot": saved.first_boot,
                "lang": self.catalogue.lang,
                "rounds_started": saved.rounds_started,
                "rounds_completed": saved.rounds_completed,
                "rounds_failed": saved.rounds_failed,
                "last_error": saved.last_error,
                "last_error_at": saved.last_error_at,
                "last_online_at": now_iso() if self._internet is True else saved.last_online_at,
                "last_round_seconds": saved.last_round_seconds,
            }

    def _connectivity(self) -> str:
        """online, network (a network without the internet: a captive portal, say), offline or unknown."""
        if self._internet is True:
            return "online"
        if self._internet is None:
            return "unknown"
        return "network" if self._network else "offline"

    # ------------------------------------------------------------------ requests
    def handle_register(self, message: Message) -> None:
        """register.client: add or refresh a client and tell it its id."""
        try:
            reg = parse_registration(message.data)
        except BadRequest as e:
            LOG.warning(f"registration refused: {e}")
            self._reply(message, t.REGISTRATION_FAILURE, {t.K_ERROR: str(e), t.K_CLIENT: e.name})
            return
        if reg.unknown_type:
            LOG.warning(f"client '{reg.name}' has type '{reg.client_type}'; it is shown with a generic icon")
        with self._lock:
            record, created = self.registry.register(reg.name, reg.client_type, reg.display_text,
                                                     reg.has_gui, reg.requires_input)
            self._registered_at[record.client_id] = time.monotonic()
            LOG.info(f"client '{record.name}' {'registered' if created else 're-registered'} as {record.client_id}")
            self._reply(message, t.CLIENT_REGISTERED, record.as_payload())
            if not created and self._in_session(record.client_id):
                if self._activation_sent:
                    # Only a client that restarted asks again in the middle of its session: it lost the session.
                    LOG.info(f"client '{record.name}' registered again during its session; it is told to resume it")
                    self._activation_sent = False
                # Activated (again) once it has settled after this registration.
                self._activate_when_settled(record.client_id)
            self._registry_changed(candidate=record)

    def handle_deregister(self, message: Message) -> None:
        """deregister.client: forget a client, ending its session first if it is active."""
        with self._lock:  # resolved under the lock: no other handler can remove it in between
            try:
                record = self._resolve(parse_target(message.data))
            except (BadRequest, LookupError) as e:
                target_name, target_id = _blame(e, message.data)
                LOG.warning(f"deregistration refused: {e}")
                self._reply(message, t.DEREGISTRATION_FAILURE, {t.K_ERROR: str(e), t.K_CLIENT: target_name,
                                                                  t.K_ID: target_id, t.K_ID_LONG: target_id})
                return
            self.registry.unregister(record.client_id)
            LOG.info(f"client '{record.name}' deregistered")
            if self._in_session(record.client_id):
                self._fall_back(record.client_id, f"client '{record.name}' deregistered during its session")
            else:
                self._registry_changed()
            self._reply(message, t.CLIENT_DEREGISTERED, {t.K_CLIENT: record.name, t.K_ID: record.client_id,
                                                         t.K_ID_LONG: record.client_id})
            self._forget(record.client_id)
            self._reannounce_deaf_clients()

    def handle_set_active(self, message: Message) -> None:
        """set.active.client: end the current session, if any, and start the named client's."""
        with self._lock:  # resolved under the lock: no other handler can remove it in between
            try:
                record = self._resolve(parse_target(message.data, t.REQ_CLIENT_ALIASES, t.REQ_ID_ALIASES))
            except (BadRequest, LookupError) as e:
                target_name, target_id = _blame(e, message.data)
                LOG.warning(f"activation refused: {e}")
                self._reply(message, t.ACTIVATION_FAILURE, {t.K_ERROR: str(e), t.K_CLIENT: target_name,
                                                             t.K_ID: target_id, t.K_ID_LONG: target_id})
                return
            if self._in_session(record.client_id):
                LOG.info(f"client '{record.name}' is already active")
                self._reply(message, t.CLIENT_ALREADY_ACTIVE, {t.K_CLIENT: record.name, t.K_ID: record.client_id,
                                                               t.K_ID_LONG: record.client_id})
                return
            if not self.machine.state.in_round:
                self._failed.clear()
            self._step(SetupEvent.ACTIVATE, record.client_id)

    def handle_remove_active(self, message: Message) -> None:
        """remove.active.client: end the active session when the request names no one or the active client."""
        try:
            target = parse_target(message.data)
        except BadRequest as e:
            LOG.warning(f"remove.active.client ignored: {e}")
            return
        with self._lock:
            active = self._requester_in_session(target, "remove.active.client", (SetupState.ACTIVE,))
            if active is None:
                return
            stale = self._stale_removal(active.client_id)
            if stale:
                LOG.info(f"remove.active.client from '{active.name}' answers the end of its previous session "
                         f"({stale}); the session it has now goes on")
                return
            self._step(SetupEvent.CLIENT_DONE)
            if self._internet is True:
                self._step(SetupEvent.COMPLETE)

    def handle_setup_failure(self, message: Message) -> None:
        """client.setup.failure: end the failing client's session and go on without it."""
        try:
            target = parse_target(message.data)
            error = parse_error_text(message.data)
        except BadRequest as e:
            LOG.warning(f"client.setup.failure ignored: {e}")
            return
        with self._lock:
            active = self._requester_in_session(target, "client.setup.failure",
                                                (SetupState.ACTIVE, SetupState.CHECKING))
            if active is None:
                return
            raw_error = message.data.get(t.K_ERROR) if isinstance(message.data, dict) else None
            if raw_error is not None and not isinstance(raw_error, str):
                LOG.warning(f"client '{active.name}' reported a failure whose 'error' is not a sentence; "
                            "the failure counts without it")
            LOG.info(f"client '{active.name}' reports that setup failed" + (f": {error}" if error else ""))
            self._fall_back(active.client_id, f"client '{active.name}' failed" + (f": {error}" if error else ""))

    def handle_client_select(self, message: Message) -> None:
        """client.select (from the selection page): pass it on as set.active.client with both spellings."""
        try:
            # Checked here too, so that a malformed pick is not echoed, amplified, onto the bus.
            target = parse_target(message.data, t.REQ_CLIENT_ALIASES, t.REQ_ID_ALIASES)
        except BadRequest as e:
            self._reply(message, t.ACTIVATION_FAILURE, {t.K_ERROR: str(e), t.K_CLIENT: e.name, t.K_ID: None,
                                                         t.K_ID_LONG: None})
            return
        # Forwarded, not replied: the page's context goes on, so any answer to the request goes back to the page.
        request = message.forward(t.SET_ACTIVE_CLIENT)
        request.context = dict(message.context)
        request.data = {t.K_REQ_CLIENT: target.name, t.K_CLIENT: target.name,
                        t.K_REQ_ID: target.client_id, t.K_ID: target.client_id, t.K_ID_LONG: target.client_id}
        self._out.emit(request)

    def handle_skip(self, message: Message) -> None:
        """skip.setup ("Connect later"): end setup until the user asks again or the next start."""
        with self._lock:
            self._step(SetupEvent.SKIP)

    def handle_never(self, message: Message) -> None:
        """fully.offline ("Never connect"): end setup and keep the device offline until the user asks."""
        with self._lock:
            self._step(SetupEvent.NEVER)

    def handle_user_activated(self, message: Message) -> None:
        """user.activated: the user asked for network setup; the watchdog is on again, and setup launches now."""
        self._user_asked("the user asked for it")

    def _register_voice(self) -> None:
        """Register the voice intents (once, unless the plugin is already shutting down)."""
        # Not under the state lock (some two hundred messages); shutdown() sets _closed first, then detaches
        # under the same voice lock, so no registration can follow the detach.
        with self._voice_lock:
            if not self._closed and self.voice is not None:
                self.voice.register()

    def _on_voice_request(self, message: Message) -> None:
        """A spoken "set up Wi-Fi" the intent service matched: what user.activated does."""
        self._user_asked("the user asked for it by voice")

    def _user_asked(self, reason: str) -> None:
        """The user asked for network setup: the watchdog is on again, any decline forgotten, setup launches now."""
        with self._lock:
            if self._closed:
                return
            self._save(never_connect=False, watchdog_on=True)
            self._backoff_until = 0.0
            self.launch(reason=reason)

    def handle_page_removed(self, message: Message) -> None:
        """client.select.page.removed: the GUI closed the selection page; leave the selecting state."""
        with self._lock:
            if self.machine.state is SetupState.SELECTING:
                self._step(SetupEvent.PAGE_CLOSED)

    def handle_status(self, message: Message) -> None:
        """status: answer with the state, the clients and what the plugin knows."""
        self._answer(message, None, self.status())

    def handle_get_clients(self, message: Message) -> None:
        """get.registered.clients: answer with every record."""
        self._reply(message, t.REGISTERED_CLIENTS, {"clients": self._client_payloads()})

    # ------------------------------------------------------------------ connectivity
    def handle_internet_connected(self, message: Message) -> None:
        """mycroft.internet.connected: record it and complete an open round."""
        self._report(True)

    def handle_internet_disconnected(self, message: Message) -> None:
        """mycroft.internet.disconnected: record it."""
        self._report(False)

    def handle_connectivity_state(self, message: Message) -> None:
        """mycroft.internet.state / mycroft.network.state, as {state: "connected"|"disconnected"} or
        {connected: bool}: record the report (a network that is up says nothing about the internet)."""
        data = message.data if isinstance(message.data, dict) else {}
        state = data.get("state")
        connected = data.get("connected") if isinstance(data.get("connected"), bool) else \
            {"connected": True, "disconnected": False}.get(state) if isinstance(state, str) else None
        if connected is None:
            return
        if message.msg_type == t.INTERNET_STATE:
            self._report(connected)
        elif connected:
            with self._lock:
                self._network = True
        else:
            self._report(False, network=False)

    def handle_internet_check_response(self, message: Message) -> None:
        """ovos.PHAL.internet_check.response {internet_connected, network_connected}: a report too."""
        data = message.data if isinstance(message.data, dict) else {}
        if isinstance(data.get("internet_connected"), bool):
            network = data.get("network_connected")
            self._report(data["internet_connected"], network=network if isinstance(network, bool) else None)

    def handle_speak(self, message: Message) -> None:
        """speak from another participant: the plugin does not talk over it about the same moment."""
        if not _sent_by_us(message):
            with self._lock:
                self._foreign_speak_at = time.monotonic()

    def handle_config_updated(self, message: Message) -> None:
        """configuration.updated: the device's language may have changed; the texts follow it."""
        reload = getattr(self.config_core, "reload", None)
        if callable(reload):
            try:
                reload()
            except Exception:  # ovos-config's code: the old configuration stays
                LOG.exception("could not reload the configuration")
        lang = Catalogue(self._device_lang()).lang
        with self._lock:
            if lang == self.catalogue.lang:
                return
            LOG.info(f"the device's language is now {lang}")
            self.catalogue = Catalogue(lang)
            if self.machine.state is SetupState.SELECTING:
                self.gui[t.SESSION_TEXTS] = self.catalogue.gui_texts()
        if self.screen_client is not None:
            self.screen_client.set_catalogue(self.catalogue)
        if self.hotspot_client is not None:
            self.hotspot_client.set_catalogue(self.catalogue)

    def handle_is_ready(self, message: Message) -> None:
        """mycroft.internet.is_ready: true when online or when the user chose to stay offline."""
        with self._lock:
            state = self.machine.state
            ready = state.declined or (self._internet is True and state is not SetupState.ACTIVE)
        self._answer(message, None, {"status": ready})

    def handle_gui_status(self, message: Message) -> None:
        """gui.status.request.response: remember whether a GUI is connected."""
        data = message.data if isinstance(message.data, dict) else {}
        if isinstance(data.get("connected"), bool):
            self._set_gui_connected(data["connected"])

    def handle_gui_connected(self, message: Message) -> None:
        """mycroft.gui.connected: a GUI client announced itself."""
        self._set_gui_connected(True)

    def handle_notice(self, message: Message) -> None:
        """A notice the plugin also sends, from another participant: it is not sent twice for one event."""
        if _sent_by_us(message):
            return
        with self._lock:
            if message.msg_type == t.NOTIFY_NO_INTERNET:
                self._foreign_no_internet_at = time.monotonic()
                self._scheduler.cancel(JOB_NOTICE)
            elif self.machine.state.in_round:
                self._round_notices.add(message.msg_type)

    # ------------------------------------------------------------------ core operations
    def launch(self, reason: str) -> bool:
        """Open a setup round: the selection page, or a client that needs no input, or a wait for one."""
        with self._lock:
            if self._closed:
                return False
            state = self.machine.state
            if state is SetupState.ACTIVE and not self.use_gui:
                LOG.info(f"setup not launched ({reason}): a client is already in session")
                return False
            if state is SetupState.WAITING:
                LOG.info(f"setup not launched ({reason}): already waiting for a client")
                return False
            LOG.info(f"launching setup: {reason}")
            if not state.in_round or state is SetupState.CHECKING:
                self._failed.clear()
            self._broadcast(t.SETUP_LAUNCHED)
            self._next_step(error="no client that needs no input is registered", wait=True)
            return True

    def _report(self, online: bool, network: Optional[bool] = None) -> None:
        """A connectivity report from the bus: from now on reports tell the state, own checks cross-check them."""
        with self._lock:
            self.own_checks.note_report()
            self._set_internet(online, network)
            # A reporter that goes silent (it may have crashed) is cross-checked, at most once per interval.
            if not self.own_checks.planned:
                self._plan_check(self.settings.check_interval_online_max)

    def _set_internet(self, online: bool, network: Optional[bool] = None) -> None:
        """Record the connectivity; coming online completes an open round, going offline wakes the watchdog."""
        with self._lock:
            previous, self._internet = self._internet, online
            if online or network is not None:
                self._network = True if online else network
            if online:
                self._last_online_seen = now_iso()
                if previous is not True:
                    LOG.info("internet is up")
                    self._save(last_online_at=self._last_online_seen)
                self._scheduler.cancel(JOB_LAUNCH)
                self._scheduler.cancel(JOB_NOTICE)
                self._save(first_boot=False)
                if self.machine.state.in_round:
                    self._step(SetupEvent.COMPLETE)
            elif previous is not False:
                LOG.info("internet is down")
                if self._last_online_seen is not None:
                    self._save(last_online_at=self._last_online_seen)
                self._notify_no_internet()
                self._plan_launch(self.settings.grace_first_boot if self.first_boot else self.settings.grace)

    def _notify_no_internet(self) -> None:
        """enclosure.notify.no_internet once per change to offline: not when another sender says it already."""
        window = self.settings.notice_window
        if time.monotonic() - self._foreign_no_internet_at <= window:
            LOG.debug("no_internet already announced by another participant")
        elif window <= 0:
            self._broadcast_notice(t.NOTIFY_NO_INTERNET)
        else:
            # The reporter may announce it right after its report: wait a moment for it.
            self._scheduler.schedule(JOB_NOTICE, window, self._on_notice_due)

    def _on_notice_due(self) -> None:
        """Nobody else announced the change to offline: the plugin does."""
        with self._lock:
            if not self._closed and self._internet is False:
                self._broadcast_notice(t.NOTIFY_NO_INTERNET)

    def _fall_back(self, without: str, error: str) -> None:
        """Go on without a client that failed or left: the page again, the next client that needs no input
        (never that one again this round), or setup.failed."""
        self._failed.add(without)
        self._next_step(error=error, wait=False)

    def _next_step(self, error: str, wait: bool) -> None:
        """Take the launch or fall-back edge that fits the clients and the screen."""
        if self.use_gui:
            self._step(SetupEvent.SHOW_PAGE)
            if not wait and not self._page_clients():
                # The page stays, so "Connect later", "Never connect" and a client that registers later still work.
                self._setup_failed(f"no usable client is left: {error}")
            return
        candidate = self.registry.first_without_input(excluding=self._failed)
        if candidate is not None:
            self._step(SetupEvent.ACTIVATE, candidate.client_id)
        elif wait and self.machine.can(SetupEvent.WAIT_FOR_CLIENT):
            self._step(SetupEvent.WAIT_FOR_CLIENT)
        else:
            self._step(SetupEvent.GIVE_UP, error=f"no usable client is left: {error}")

    def _registry_changed(self, candidate: Optional[ClientRecord] = None) -> None:
        """Keep the page live and give a waiting headless round the client it waited for."""
        state = self.machine.state
        if state is SetupState.SELECTING:
            self._refresh_page()
        elif (state is SetupState.WAITING and candidate is not None and not candidate.requires_input
              and candidate.client_id not in self._failed):
            self._step(SetupEvent.ACTIVATE, candidate.client_id)

    def _step(self, event: SetupEvent, client_id: Optional[str] = None, error: str = "") -> Transition:
        """Fire one edge and carry out what entering and leaving its states means, in the contract's order."""
        tr = self.machine.fire(event, client_id)
        LOG.debug(f"{event.value}: {tr.old.name} -> {tr.new.name}")
        if tr.old is SetupState.WAITING and tr.new is not SetupState.WAITING:
            self._scheduler.cancel(JOB_CLIENT_WAIT)
        if tr.old is SetupState.CHECKING:
            self._scheduler.cancel(JOB_VERIFY)
        if tr.client_left:
            self._end_session(tr.client_left)
        if tr.new.in_round or tr.new.declined:
            self._scheduler.cancel(JOB_LAUNCH)
        if tr.old is SetupState.NEVER and tr.new is not SetupState.NEVER:
            self._save(never_connect=False)
        elif tr.new is SetupState.NEVER:
            self._save(never_connect=True)
        if tr.round_opened:
            self._round_notices.clear()
            self._round_started, self._round_failed = time.monotonic(), False
            self._save(rounds_started=self._saved.rounds_started + 1)
            self._broadcast_notice(t.WIFI_SETUP_STARTED)
            if not self.own_checks.planned:
                self._plan_check(self._check_delay(None))
        release = tr.old is SetupState.SELECTING and tr.new is not SetupState.SELECTING \
            and event is not SetupEvent.PAGE_CLOSED
        early_release = release and event not in (SetupEvent.ACTIVATE, SetupEvent.COMPLETE)
        if early_release:
            self.gui.release()

        if tr.new is SetupState.ACTIVE and (tr.old is not SetupState.ACTIVE or tr.new_client != tr.old_client):
            self._start_session(tr.new_client or "")
        elif tr.new is SetupState.SELECTING:
            self._show_page()
        elif tr.new is SetupState.WAITING:
            self._scheduler.schedule(JOB_CLIENT_WAIT, self.settings.client_wait, self._on_client_wait_over)
        elif tr.new is SetupState.CHECKING:
            session = self._session
            self._scheduler.schedule(JOB_VERIFY, self.settings.verify_timeout,
                                     lambda: self._on_verify_over(session))
            self._plan_check(0, promised=True)
        elif event is SetupEvent.COMPLETE:
            self._save(rounds_completed=self._saved.rounds_completed + 1,
                       last_round_seconds=round(time.monotonic() - self._round_started, 1))
            for topic in (t.WIFI_SETUP_COMPLETED, t.SHELL_STATUS_OK):
                if topic in self._round_notices:
                    LOG.debug(f"{topic} was already sent for this round by another participant")
                else:
                    self._broadcast_notice(topic)
            self._speak("setup_completed")
            self._broadcast_stop()
        elif event in (SetupEvent.SKIP, SetupEvent.NEVER):
            self._broadcast_stop()
            self._broadcast(t.FULLY_OFFLINE_OUT, {"permanent": event is SetupEvent.NEVER})
        elif event is SetupEvent.GIVE_UP:
            self._setup_failed(error)
            self._speak("setup_failed")  # a device without a screen would otherwise say nothing
        elif event is SetupEvent.SHUT_DOWN and tr.old.in_round:
            self._broadcast_stop()

        if release and not early_release:
            self.gui.release()
        if event is SetupEvent.COMPLETE:
            self._broadcast(t.NTP_SYNC)  # fire and forget: nothing answers it on current OVOS
        if event in (SetupEvent.PAGE_CLOSED, SetupEvent.GIVE_UP):
            # The user closed the page or setup failed: do not nag again at once.
            self._backoff_until = time.monotonic() + self.settings.relaunch_backoff
            self._plan_launch(self.settings.relaunch_backoff)
        return tr

    # ------------------------------------------------------------------ sessions
    def _in_session(self, client_id: str) -> bool:
        """True while this client holds the setup session (state active with it)."""
        return self.machine.state is SetupState.ACTIVE and self.machine.active_client == client_id

    def _start_session(self, client_id: str) -> None:
        """A client's session begins: its activate goes out once the client has settled; its timeout starts."""
        self._session += 1
        self._activation_sent = False
        session = self._session
        self._activate_when_settled(client_id)
        if self.settings.activation_timeout > 0:
            self._scheduler.schedule(JOB_ACTIVATION, self.settings.activation_timeout,
                                     lambda: self._on_activation_timeout(client_id, session))

    def _end_session(self, client_id: str) -> None:
        """A client's session ends: deactivate it if it was told of the session, and remember when."""
        self._scheduler.cancel(JOB_ACTIVATION)
        self._scheduler.cancel(JOB_SEND_ACTIVATE)
        if self._activation_sent:
            self._broadcast(t.deactivate_topic(client_id))
            self._deactivated_at[client_id] = time.monotonic()
        else:
            LOG.info(f"client '{self._name_of(client_id)}' was never told of its session; nothing to deactivate")
        self._activation_sent = False

    def _activate_when_settled(self, client_id: str) -> None:
        """Send activate.{id} now, or once the client has settled: registration_settle after it registered (it
        may still be subscribing), stop_settle after its last session ended (it may still be cleaning up)."""
        ready_at = max(self._registered_at.get(client_id, LONG_AGO) + self.settings.registration_settle,
                       self._deactivated_at.get(client_id, LONG_AGO) + self.settings.stop_settle)
        wait = ready_at - time.monotonic()
        if wait <= 0:
            self._send_activate(client_id)
            return
        LOG.info(f"client '{self._name_of(client_id)}' is activated in {wait:.1f} s, once it has settled")
        session = self._session
        self._scheduler.schedule(JOB_SEND_ACTIVATE, wait, lambda: self._on_activate_due(client_id, session))

    def _on_activate_due(self, client_id: str, session: int) -> None:
        """The client has settled: tell it its session began, if that session is still on."""
        with self._lock:
            if not self._closed and self._session == session and self._in_session(client_id) \
                    and not self._activation_sent:
                self._send_activate(client_id)

    def _send_activate(self, client_id: str) -> None:
        """Tell the client its session began."""
        self._activation_sent = True
        self._broadcast(t.activate_topic(client_id))

    def _stale_removal(self, client_id: str) -> Optional[str]:
        """Why a removal request from the client in session cannot be about this session, or None if it can.

        Clients in the field answer every deactivate and stop.setup.event with remove.active.client, some
        seconds later; such an echo must not end a session that began after the stop it answers.
        """
        if not self._activation_sent:
            return "it has not been told of its session yet"
        stopped = max(self._deactivated_at.get(client_id, LONG_AGO), self._stop_event_at)
        since = time.monotonic() - stopped
        if since < self.settings.echo_window:
            return f"it came {since:.1f} s after the plugin ended a session, within echo_window"
        return None

    def _broadcast_stop(self) -> None:
        """stop.setup.event, remembered: every client may answer it with a removal request."""
        self._stop_event_at = time.monotonic()
        self._broadcast(t.STOP_SETUP)

    def _setup_failed(self, error: str) -> None:
        """Tell OVOS that setup failed, and why (counted once per round)."""
        LOG.error(f"setup failed: {error}")
        changes: Dict[str, Any] = {"last_error": error[:1024], "last_error_at": now_iso()}
        if not self._round_failed:
            self._round_failed = True
            changes["rounds_failed"] = self._saved.rounds_failed + 1
        self._save(**changes)
        self._broadcast(t.SETUP_FAILED, {t.K_ERROR: error})

    def _speak(self, dialog: str) -> None:
        """Say a line in the device's language: not when `speak` is off, not over another participant who just
        spoke (a client announcing the same moment)."""
        if not self.settings.speak:
            return
        if time.monotonic() - self._foreign_speak_at <= self.settings.notice_window:
            LOG.debug(f"not saying {dialog}: another participant just spoke")
            return
        utterance = self.catalogue.dialog(dialog)
        if utterance:
            self._out.emit(Message(t.SPEAK, {"utterance": utterance, "lang": self.catalogue.lang},
                                   {"skill_id": t.PLUGIN_ID, "source": t.PLUGIN_ID, t.NOTICE_MARK: True}))

    def _forget(self, client_id: str) -> None:
        """Drop what the plugin remembers of a client that left."""
        self._registered_at.pop(client_id, None)
        self._deactivated_at.pop(client_id, None)
        self._failed.discard(client_id)
        self._scheduler.cancel(JOB_REANNOUNCE + client_id)

    def _reannounce_deaf_clients(self) -> None:
        """Tell the clients that drop their handlers on anyone's client.deregistered their record again.

        After a moment, so that they have handled the deregistration first (bus handlers may run in any order).
        """
        delay = self.settings.registration_settle
        for name in t.DEAF_AFTER_ANY_DEREGISTRATION:
            record = self.registry.by_name(name)
            if record is None:
                continue
            # It subscribes anew on the repeat: an activation waits for that as for a fresh registration.
            self._registered_at[record.client_id] = time.monotonic() + delay
            if delay <= 0:
                self._reannounce(record.client_id)
            else:
                self._scheduler.schedule(JOB_REANNOUNCE + record.client_id, delay,
                                         lambda cid=record.client_id: self._reannounce(cid))

    def _reannounce(self, client_id: str) -> None:
        """Send client.registered for a client again, as a reminder of its id."""
        with self._lock:
            record = self.registry.get(client_id)
            if record is not None and not self._closed:
                LOG.info(f"client '{record.name}' is told its id again: it stops listening when anyone leaves")
                self._broadcast(t.CLIENT_REGISTERED, record.as_payload())

    # ------------------------------------------------------------------ watchdog
    def _gui_wait_left(self) -> float:
        """Seconds the first automatic launch still waits for a screen to connect (gui "auto" only)."""
        if self.settings.gui != "auto" or self._gui_connected is True:
            return 0.0
        return max(0.0, self._started_at + self.settings.gui_wait - time.monotonic())

    def _set_gui_connected(self, connected: bool) -> None:
        """A GUI's presence is known: a launch that waited for it goes ahead, a headless wait becomes the page."""
        with self._lock:
            self._gui_connected = connected
            if not connected or self._closed or self.settings.gui != "auto":
                return
            if self.machine.state is SetupState.WAITING:
                self._step(SetupEvent.SHOW_PAGE)
            elif self._scheduler.pending(JOB_LAUNCH) and self._launch_due_at is not None:
                self._scheduler.schedule(JOB_LAUNCH, max(0.0, self._launch_due_at - time.monotonic()),
                                         self._on_launch_due)

    def _plan_launch(self, delay: float) -> None:
        """Launch setup after delay seconds if the device is still offline and nothing stops the watchdog."""
        if self._internet is not False or not self.watchdog_active or self.machine.state is not SetupState.IDLE:
            return
        now = time.monotonic()
        self._launch_due_at = now + max(delay, self._backoff_until - now)
        wait = max(self._launch_due_at - now, self._gui_wait_left())
        if wait > self._launch_due_at - now:
            LOG.info(f"offline: setup launches in {wait:g} s unless the internet comes back "
                     "(or sooner, when a screen connects)")
        else:
            LOG.info(f"offline: setup launches in {wait:g} s unless the internet comes back")
        self._scheduler.schedule(JOB_LAUNCH, wait, self._on_launch_due)

    def _on_launch_due(self) -> None:
        """The grace period or back-off ran out: launch if still offline and idle."""
        with self._lock:
            if not self._closed and self._internet is False and self.watchdog_active \
                    and self.machine.state is SetupState.IDLE:
                self.launch(reason="the device is offline")

    def _wants_checks(self) -> bool:
        """Own checks run where the watchdog or a round needs to know the connectivity."""
        return self.watchdog_active or self.machine.state.in_round

    def _check_delay(self, online: Optional[bool]) -> float:
        """The pause before the next own check: the cross-check interval once a reporter is known."""
        if self.own_checks.reports_seen:
            return self.settings.check_interval_online_max
        if online is None:
            return self.settings.check_interval_offline
        return self.own_checks.next_delay(online)

    def _plan_check(self, delay: float, promised: bool = False) -> None:
        """Schedule the next own check (promised: even where reports arrive, as after a client's session)."""
        if promised or self._wants_checks():
            self.own_checks.plan(delay, promised=promised)

    def _new_hotspot_client(self) -> Optional[Any]:
        """The hotspot method, or None where the `hotspot` extra (dbus-fast, dnslib) is not installed."""
        try:
            # Imported here: the core runs on its three dependencies, the extra brings the hotspot's own.
            from ovos_PHAL_plugin_wifi_setup.methods.hotspot.client import HotspotClient, HotspotConfig
        except ImportError as e:
            say = LOG.warning if self.settings.hotspot_client == "always" else LOG.info
            say(f"the hotspot method is off: {e.name or e} is not installed "
                "(pip install 'ovos-PHAL-plugin-wifi-setup[hotspot]')")
            return None
        s = self.settings
        config = HotspotConfig(ssid=s.hotspot_ssid, passphrase=s.hotspot_passphrase, address=s.hotspot_address,
                               dns_port=s.hotspot_dns_port, http_port=s.hotspot_http_port,
                               join_timeout=s.hotspot_join_timeout)
        return HotspotClient(self._out, mode=s.hotspot_client, config=config, catalogue=self.catalogue,
                             speak=s.speak)

    def _on_ask_reporter_due(self) -> None:
        """reporter_ask_after after start: ask the connectivity plugin, unless it has reported by itself.

        connectivity-events 0.1.3 checks at its own start; a question that reaches it while that check runs
        makes it find the same change twice and announce the change to offline twice.
        """
        with self._lock:
            if not self._closed and not self.own_checks.reports_seen and self._wants_checks():
                self._broadcast(t.INTERNET_CHECK)

    def _on_check_answer(self, online: bool, network: bool) -> None:
        """An own check answered (under the lock): record it and plan the next one."""
        if self._closed:
            return
        self._set_internet(online, network)
        self._plan_check(self._check_delay(online))

    def _device_lang(self) -> Any:
        """mycroft.conf's `lang` as the files say now (ovos-config's get() answers from the instance's snapshot;
        its item lookup reads the configuration again)."""
        try:
            return self.config_core["lang"]
        except (KeyError, TypeError):
            return None

    def _network_tests(self) -> dict:
        """The plugin's own network_tests section if it has one, else mycroft.conf's."""
        own = (self.config or {}).get("network_tests")
        if isinstance(own, dict):
            return own
        core = self.config_core.get("network_tests") if hasattr(self.config_core, "get") else None
        return core if isinstance(core, dict) else {}

    def _save(self, **changes: Any) -> None:
        """Keep what the user decided; the store writes only when a value changes, and never raises."""
        self._saved = self._store.update(self._saved, **changes)

    # ------------------------------------------------------------------ timers
    def _on_client_wait_over(self) -> None:
        """client_wait ran out while a headless round waited for a client."""
        with self._lock:
            if not self._closed and self.machine.state is SetupState.WAITING:
                self._step(SetupEvent.GIVE_UP, error=f"no client that needs no input registered within "
                                                     f"{self.settings.client_wait:g} s")

    def _on_activation_timeout(self, client_id: str, session: int) -> None:
        """activation_timeout ran out: end that session of that client and go on without it."""
        with self._lock:
            if not self._closed and self._session == session and self._in_session(client_id):
                self._fall_back(client_id, f"client '{self._name_of(client_id)}' did not finish within "
                                           f"{self.settings.activation_timeout:g} s")

    def _on_verify_over(self, session: int) -> None:
        """The internet did not come after the client's session: go on without that client."""
        with self._lock:
            client_id = self.machine.active_client
            if not self._closed and self._session == session and self.machine.state is SetupState.CHECKING \
                    and client_id is not None:
                self._fall_back(client_id, f"no internet after client '{self._name_of(client_id)}' ended its session")

    # ------------------------------------------------------------------ GUI
    def _show_page(self) -> None:
        """Put the selection page on screen with a fresh list of the clients still usable this round."""
        self.gui[t.SESSION_PAGE_TYPE] = t.PAGE_TYPE_SELECT
        self.gui[t.SESSION_TEXTS] = self.catalogue.gui_texts()
        self.gui[t.SESSION_CLIENTS] = self._page_clients()
        self.gui.show_page(t.GUI_PAGE, override_idle=True, override_animations=True)

    def _refresh_page(self) -> None:
        """Send the page a fresh clients_model so it redraws."""
        self.gui[t.SESSION_CLIENTS] = self._page_clients()

    # ------------------------------------------------------------------ helpers
    def _client_payloads(self) -> List[dict]:
        """A fresh list of every record in both spellings."""
        return self.registry.payloads()

    def _page_clients(self) -> List[dict]:
        """The records the page offers: every client but those that failed this round."""
        if not self._failed:
            return self._client_payloads()
        return [p for p in self._client_payloads() if p[t.K_ID] not in self._failed]

    def _requester_in_session(self, target: Target, request: str,
                              states: Tuple[SetupState, ...]) -> Optional[ClientRecord]:
        """The client in session when the request names it or no one; None, logged, otherwise.

        A client must not end another's session: the field clients send remove.active.client
        naming themselves on every stop.setup.event.
        """
        if self.machine.state not in states:
            LOG.info(f"{request} ignored: no client is in session")
            return None
        active = self.registry.get(self.machine.active_client or "")
        if active is None or not _names(target, active):
            in_session = f"'{active.name}'" if active else "nobody"
            LOG.warning(f"{request} from {target.describe()} refused: the client in session is {in_session}")
            return None
        return active

    def _name_of(self, client_id: str) -> str:
        """A client's name for a log or error sentence; its id once it is no longer registered."""
        record = self.registry.get(client_id)
        return record.name if record else client_id

    def _resolve(self, target: Target) -> ClientRecord:
        """Find the client a request names; raise UnknownClient or ClientMismatch."""
        return self.registry.resolve(name=target.name, client_id=target.client_id)

    def _reply(self, message: Message, topic: str, data: dict) -> None:
        """Answer a request on topic, keeping the requester's context."""
        self._answer(message, topic, data)

    def _answer(self, message: Message, topic: Optional[str], data: dict) -> None:
        """Reply on topic, or on '<request>.response' when topic is None, keeping the requester's context.

        reply() and response() deep-copy the data they are given; ours is built fresh for each answer,
        so it is attached after the (empty) copy instead.
        """
        answer = message.response() if topic is None else message.reply(topic)
        answer.data = data
        self._out.emit(answer)

    def _broadcast(self, topic: str, data: Optional[dict] = None) -> None:
        """Send a message of the plugin's own (its context names the plugin as the source)."""
        self._out.emit(Message(topic, data or {}, {"skill_id": t.PLUGIN_ID, "source": t.PLUGIN_ID}))

    def _broadcast_notice(self, topic: str) -> None:
        """Send a notice other participants may send too, marked so the plugin knows its own when it hears it.

        The mark goes on the notice alone: replies to the plugin's requests copy those requests' context
        (source included, where it has no destination to swap with), so the source cannot tell them apart.
        """
        self._out.emit(Message(topic, {}, {"skill_id": t.PLUGIN_ID, "source": t.PLUGIN_ID, t.NOTICE_MARK: True}))


def _sent_by_us(message: Message) -> bool:
    """True for a notice the plugin sent itself (it hears its own messages too)."""
    context = message.context if isinstance(message.context, dict) else {}
    return context.get(t.NOTICE_MARK) is True


def _names(target: Target, record: ClientRecord) -> bool:
    """True when a request names this client, or names no one."""
    if target.client_id is not None and target.client_id != record.client_id:
        return False
    return target.name is None or record.name in (target.name, t.CLIENT_NAME_QUIRKS.get(target.name))


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
