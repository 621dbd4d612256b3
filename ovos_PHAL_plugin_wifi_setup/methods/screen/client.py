"""The built-in on-screen Wi-Fi method: a network client like any other, over ovos-PHAL-plugin-network-manager.

It takes part in setup rounds through the client kit (so the manager treats it as it treats every client)
and joins the network through network-manager 1.3.5's bus API (`ovos.phal.nm.*`): a peer on the bus, never an
import. Its page (`WifiSetupLoader` with page type "NetworkSetup") shows the networks, asks for a password
and says how the connect went; what the page sends are the bus topics `ovos.phal.wifi.plugin.screen.*`.

The password goes from the page's request into network-manager's `ovos.phal.nm.connect` and nowhere else:
not into session data, a log line, the manager's status or its state file.
"""
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from ovos_bus_client.message import Message

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.methods.kit import NetworkSetupClient
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue, Words
from ovos_PHAL_plugin_wifi_setup.methods.networks import (Attempt, ConnectAttempts, Network, Refused, check_password,
                                                          check_ssid, failure_words, shape_networks, timeout_words)
from ovos_PHAL_plugin_wifi_setup.pages import LazyGUI
from ovos_PHAL_plugin_wifi_setup.readable import duration

DISPLAY_TEXT_KEY = "screen_client"

# The steps the page shows (session data `step`).
STEP_SCANNING = "scanning"
STEP_LIST = "list"
STEP_CONNECTING = "connecting"
STEP_CONNECTED = "connected"
STEP_CHECKING = "checking"
STEP_FAILED = "failed"

# How long "Connected to …" stays on the page before the method ends its session (the manager lets go of the
# page when it does): long enough to be read.
CONNECTED_HOLD = 3.0

MODES = t.MODES  # the same three values as the manager's "gui"

# ovos_PHAL loads plugins one after the other, network-manager often after this one: "auto" asks again now and
# then for a while after start (and at every setup round that opens before it answered).
PROBE_INTERVAL = 5.0
PROBE_FOR = 120.0

Handler = Callable[[Message], None]


class ScreenSetupClient:
    """Registers "Choose a Wi-Fi network on this screen" with the manager and runs its sessions.

    ``mode`` "always" registers at start; "auto" registers once network-manager answers on the bus and a
    GUI is in use (``gui_mode`` is the manager's "gui" setting: "always", "never", or "auto" for "a GUI has
    connected"). Bus handlers may run on a thread pool: the state below changes under one lock.
    """

    def __init__(self, bus: Any, mode: str = "auto", gui_mode: str = "auto", connect_timeout: float = 60.0,
                 scan_timeout: float = 15.0, catalogue: Optional[Catalogue] = None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.bus = bus
        self.mode = mode
        self.gui_mode = gui_mode
        self.scan_timeout = scan_timeout
        self.connected_hold = CONNECTED_HOLD
        self.catalogue = catalogue or Catalogue()
        self.kit = NetworkSetupClient(bus, t.SCREEN_CLIENT_NAME, self.catalogue.text(DISPLAY_TEXT_KEY),
                                      client_type=t.TYPE_ON_DEVICE,
                                      has_gui=True, requires_input=True, on_activate=self._on_activate,
                                      on_deactivate=self._on_deactivate)
        self._pages = LazyGUI(t.SCREEN_CLIENT_NAME, bus)
        self._attempts = ConnectAttempts(connect_timeout)
        self._lock = threading.RLock()
        self._networks: List[Network] = []
        self._nm_answered = False
        self._gui_connected = False
        self._active = False
        self._started = False
        self._kit_started = False
        self._scan_pending = False        # a scan was asked for and not answered yet
        self._judging: Optional[Tuple[Attempt, Any]] = None  # a failed attempt waiting for the scan that explains it
        self._joined: Optional[str] = None  # the network joined in this session: the page says so until the end
        self._timers: Dict[str, threading.Timer] = {}
        self._handlers: List[Tuple[str, Handler]] = [(topic, _guarded(topic, fn)) for topic, fn in (
            (t.NM_IS_CONNECTED, self.handle_nm_present),
            (t.NM_IS_NOT_CONNECTED, self.handle_nm_present),
            (t.GUI_STATUS_RESPONSE, self.handle_gui_status),
            (t.GUI_CONNECTED, self.handle_gui_connected),
            (t.SETUP_LAUNCHED, self.handle_setup_launched),
            (t.NM_SCAN_COMPLETE, self.handle_scan_complete),
            (t.NM_CONNECTED_OK, self.handle_connection_successful),
            (t.NM_CONNECT_FAILED, self.handle_connection_failure),
            (t.SCREEN_SCAN, self.handle_page_scan),
            (t.SCREEN_CONNECT, self.handle_page_connect),
            (t.SCREEN_BACK, self.handle_page_back),
        )]

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        """Listen, then register ("always") or look for network-manager and a screen ("auto")."""
        with self._lock:
            if self._started:
                return
            self._started = True
        for topic, handler in self._handlers:
            self.bus.on(topic, handler)
        if self.mode == "always":
            with self._lock:
                self._kit_started = True
            self.kit.start()
        else:
            self._probe_for(PROBE_FOR)

    def shutdown(self) -> None:
        """Leave the manager's list, drop the page and every listener and timer."""
        with self._lock:
            if not self._started:
                return
            self._started = False
            self._kit_started = False
            self._active = False
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()
        for topic, handler in self._handlers:
            self.bus.remove(topic, handler)
        self.kit.shutdown()
        gui = self._pages.made
        try:
            if gui is not None and gui.pages:
                gui.release()
            if gui is not None:
                self.bus.remove(gui.build_message_type("set"), gui.gui_set)
        except Exception:  # ovos-bus-client's code, at shutdown
            LOG.debug("the screen client's GUI interface could not be released")

    @property
    def gui(self) -> Any:
        """The method's GUI interface, made when its page is first wanted."""
        return self._pages.get()

    def set_catalogue(self, catalogue: Catalogue) -> None:
        """The device's language changed: the shown name and the page's texts follow."""
        self.catalogue = catalogue
        self.kit.display_text = catalogue.text(DISPLAY_TEXT_KEY)
        if self.kit.is_registered:
            self.kit.register()  # the manager keeps the id and shows the new name
        with self._lock:
            active = self._active
        if active:
            self._show(self._step_now())

    # ------------------------------------------------------------------ when to register
    def _probe(self) -> None:
        """Ask network-manager whether it is there; its answer (whatever it says) is the sign."""
        self.bus.emit(Message(t.NM_GET_CONNECTED, {}, {"source": t.SCREEN_CLIENT_NAME}))

    def _probe_for(self, seconds: float) -> None:
        """Ask now, and again every PROBE_INTERVAL while network-manager has not answered, for `seconds`."""
        with self._lock:
            if not self._started or self._nm_answered:
                return
        self._probe()
        if seconds > PROBE_INTERVAL:
            self._after("probe", PROBE_INTERVAL, lambda: self._probe_for(seconds - PROBE_INTERVAL))
        elif seconds > 0:
            LOG.info("ovos-PHAL-plugin-network-manager has not answered: the on-screen Wi-Fi method is off until it "
                     "does (it is asked again when a setup round opens)")

    @property
    def waiting_for(self) -> Optional[str]:
        """Why "auto" has not registered yet (status shows it), or None."""
        with self._lock:
            if self._kit_started or not self._started:
                return None
            if not self._nm_answered:
                return "ovos-PHAL-plugin-network-manager has not answered"
            return None if self._gui_in_use() else "no screen is in use"

    def _gui_in_use(self) -> bool:
        """True where the manager uses its selection page."""
        if self.gui_mode == "always":
            return True
        return self.gui_mode == "auto" and self._gui_connected

    def _maybe_register(self) -> None:
        """Register in "auto" once both network-manager and a screen are there."""
        with self._lock:
            ready = self._started and self.mode == "auto" and self._nm_answered and self._gui_in_use()
            start, self._kit_started = ready and not self._kit_started, self._kit_started or ready
        if start:
            LOG.info("ovos-PHAL-plugin-network-manager answers and a screen is in use: the on-screen Wi-Fi "
                     "method registers")
            self.kit.start()

    def handle_nm_present(self, message: Message) -> None:
        """ovos.phal.nm.is.connected / is.not.connected: network-manager runs."""
        with self._lock:
            self._nm_answered = True
        self._maybe_register()

    def handle_gui_status(self, message: Message) -> None:
        """gui.status.request.response: whether a GUI is connected."""
        data = message.data if isinstance(message.data, dict) else {}
        if data.get("connected") is True:
            self.handle_gui_connected(message)

    def handle_gui_connected(self, message: Message) -> None:
        """mycroft.gui.connected: a GUI connected."""
        with self._lock:
            self._gui_connected = True
        self._maybe_register()

    def handle_setup_launched(self, message: Message) -> None:
        """A setup round opens: in "auto", ask again for network-manager if it has not answered yet."""
        with self._lock:
            ask = self._started and self.mode == "auto" and not self._nm_answered
        if ask:
            self._probe()

    # ------------------------------------------------------------------ the session
    def _on_activate(self) -> None:
        """The manager handed us the session: show the page and scan."""
        with self._lock:
            self._active = True
            self._networks = []
            self._attempts.clear()
            self._judging = None
            self._joined = None
        self._show(STEP_SCANNING, selected="", error="")
        self.gui.show_page(t.GUI_PAGE, override_idle=True, override_animations=True)
        self._scan()

    def _on_deactivate(self) -> None:
        """The session ended: let go of the screen, forget the attempt in flight."""
        with self._lock:
            self._active = False
            self._attempts.clear()
            self._judging = None
            self._joined = None
            self._scan_pending = False
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()
        self.gui.release()

    def _scan(self) -> None:
        """Ask network-manager for the networks, and give up on the answer after scan_timeout."""
        with self._lock:
            self._scan_pending = True
        self._after("scan", self.scan_timeout, self._on_scan_timeout)
        self.bus.emit(Message(t.NM_SCAN, {}, {"source": t.SCREEN_CLIENT_NAME}))

    def _on_scan_timeout(self) -> None:
        """No scan answer in time: network-manager is gone or stuck."""
        with self._lock:
            if not (self._active and self._scan_pending):
                return
            self._scan_pending = False
            judging, self._judging = self._judging, None
            have_list = bool(self._networks)
        if judging is not None:
            # The scan that would tell why the connect failed did not come: say what is known.
            self._show(STEP_FAILED, selected=judging[0].ssid, error=failure_words(judging[0], judging[1], None))
        elif have_list:
            self._show(STEP_LIST, error=Words.of("error_rescan_no_answer"))
        else:
            LOG.warning("ovos-PHAL-plugin-network-manager did not answer a scan within "
                        f"{duration(self.scan_timeout)} s; setup goes on without the on-screen method")
            self.kit.report_setup_failure("ovos-PHAL-plugin-network-manager did not answer a scan")
            if self.mode == "auto":
                with self._lock:
                    self._nm_answered = False  # registers again once it answers (asked on the next round)

    def handle_scan_complete(self, message: Message) -> None:
        """ovos.phal.nm.scan.complete: show the networks (network-manager may send a stale list: it is shown)."""
        data = message.data if isinstance(message.data, dict) else {}
        networks = shape_networks(data.get("networks"))
        with self._lock:
            if not self._active:
                return
            self._scan_pending = False
            self._cancel("scan")
            self._networks = networks
            judging, self._judging = self._judging, None
            connecting = self._attempts.in_flight
        if judging is not None:
            attempt, code = judging
            visible = any(n.ssid == attempt.ssid for n in networks)
            self._show(STEP_FAILED, selected=attempt.ssid, error=failure_words(attempt, code, visible))
        elif connecting is not None:
            self._show(STEP_CONNECTING)
        else:
            self._show(STEP_LIST, error="")

    def handle_page_scan(self, message: Message) -> None:
        """screen.scan (the Rescan button)."""
        if not self._in_session("screen.scan"):
            return
        with self._lock:
            busy = self._attempts.in_flight is not None or self._judging is not None
            joined = self._joined
        if busy or joined is not None:
            LOG.info("screen.scan ignored: " + (f"'{joined}' is joined" if joined is not None
                                                 else "a connect is under way"))
            return
        self._show(STEP_SCANNING)
        self._scan()

    def handle_page_connect(self, message: Message) -> None:
        """screen.connect {ssid, password?}: join the network picked on the page."""
        if not self._in_session("screen.connect"):
            return
        data = message.data if isinstance(message.data, dict) else {}
        with self._lock:
            joined = self._joined
        if joined is not None:
            LOG.info(f"screen.connect ignored: '{joined}' is joined and the session is ending")
            return
        try:
            ssid = check_ssid(data.get("ssid"))
            network = next((n for n in self._networks if n.ssid == ssid), None)
            if network is None:
                raise Refused(Words.of("error_not_listed", ssid=ssid))
            password = check_password(data.get("password"), network.secured, optional=not network.security_known)
            # A network whose security the scan lost, with no password typed: tried as an open one.
            with_password = network.secured and password != ""
            attempt = self._attempts.begin(ssid, network.secured,
                                           open_guess=not network.security_known and not with_password)
        except Refused as e:
            LOG.warning(f"screen.connect refused: {e}")
            self._show(self._step_now(), error=e.words)
            return
        if network.security_known:
            kind = "secured" if network.secured else "open"
        else:
            kind = "security unknown, " + ("with a password" if with_password else "tried as an open network")
        LOG.info(f"connecting to '{ssid}' ({kind})")
        self._show(STEP_CONNECTING, selected=ssid, error=None)
        self._after("connect", self._attempts.timeout, lambda: self._on_connect_timeout(attempt.number))
        context = {"source": t.SCREEN_CLIENT_NAME}
        if with_password:
            self.bus.emit(Message(t.NM_CONNECT, {"connection_name": ssid, "password": password,
                                                 "security_type": network.security}, context))
        else:
            self.bus.emit(Message(t.NM_CONNECT_OPEN, {"connection_name": ssid}, context))

    def handle_page_back(self, message: Message) -> None:
        """screen.back: the user wants the selection page again; asking for setup ends this session there."""
        if not self._in_session("screen.back"):
            return
        self.bus.emit(Message(t.USER_ACTIVATED, {}, {"source": t.SCREEN_CLIENT_NAME}))

    def handle_connection_successful(self, message: Message) -> None:
        """ovos.phal.nm.connection.successful {connection_name}: ours when it names a network we asked to join.

        The network in flight is joined. A late success (its connect's time ran out) is real too: the device
        joined, and the page says so, unless the user is joining another network meanwhile (that connect's answer
        decides) or the session is over."""
        data = message.data if isinstance(message.data, dict) else {}
        answer = self._attempts.success_for(data.get("connection_name"))
        if answer is None:
            return
        attempt = answer.attempt
        with self._lock:
            # Another connect in flight has its own answer coming; once joined, or out of session, nothing waits.
            busy = self._attempts.in_flight is not None or self._joined is not None or not self._active
            if not busy:
                self._joined = attempt.ssid
                self._judging = None
        if busy:
            if answer.late:
                LOG.info(f"network-manager's late answer: '{attempt.ssid}' joined after its connect ended; "
                         "nothing waits for it now")
            return
        self._cancel("connect")
        LOG.info(f"joined '{attempt.ssid}'" + (" (a late answer)" if answer.late else "")
                 + f"; the session ends in {duration(self.connected_hold)} s")
        self._show(STEP_CONNECTED, selected=attempt.ssid, error="")
        self._after("end", self.connected_hold, self._end_after_join)

    def _end_after_join(self) -> None:
        """"Connected" was on screen long enough: the page says the internet is being checked, and the session ends
        (the manager checks, and deactivates the method when it is done)."""
        with self._lock:
            if not self._active or self._joined is None:
                return
        self._show(STEP_CHECKING, error="")
        self.kit.request_deactivate()

    def handle_connection_failure(self, message: Message) -> None:
        """ovos.phal.nm.connection.failure {errorCode, errorMessage}: it names nothing; it answers the oldest connect
        still owed an answer, which is the one in flight or one whose time ran out (then it changes nothing)."""
        answer = self._attempts.failure()
        if answer is None:
            return
        attempt = answer.attempt
        data = message.data if isinstance(message.data, dict) else {}
        if answer.late:
            LOG.info(f"network-manager's late failure ({str(data.get('errorMessage'))[:80]}) answers the connect to "
                     f"'{attempt.ssid}', which had ended; it changes nothing")
            return
        if not self._active:
            return
        self._cancel("connect")
        LOG.info(f"connecting to '{attempt.ssid}' failed ({str(data.get('errorMessage'))[:80]}); "
                 "a scan tells why")
        with self._lock:
            self._judging = (attempt, data.get("errorCode"))
        self._scan()

    def _on_connect_timeout(self, number: int) -> None:
        """The connect got no answer in time: show a failure, and let the user try again."""
        attempt = self._attempts.expire(number)
        if attempt is None or not self._active:
            return
        LOG.warning(f"connecting to '{attempt.ssid}' got no answer within {duration(self._attempts.timeout)} s")
        self._show(STEP_FAILED, selected=attempt.ssid, error=timeout_words(attempt, self._attempts.timeout))

    # ------------------------------------------------------------------ helpers
    def _in_session(self, topic: str) -> bool:
        """True while this client holds the session; a page message at any other time is refused with a warning."""
        if self._active:
            return True
        LOG.warning(f"{topic} ignored: the on-screen Wi-Fi method is not in session")
        return False

    def _step_now(self) -> str:
        """The step the page shows now."""
        return self.gui.get("step") or STEP_LIST

    def _show(self, step: str, selected: Optional[str] = None, error: "Optional[Words | str]" = None) -> None:
        """Update the page's session data (never the password); an error given as Words is put in the device's
        language, "" clears it, None leaves it."""
        with self._lock:
            if not self._active:
                return
            networks = [n.as_payload() for n in self._networks]
        self.gui[t.SESSION_PAGE_TYPE] = t.PAGE_TYPE_NETWORKS
        self.gui[t.SESSION_TEXTS] = self.catalogue.gui_texts()
        self.gui["networks_model"] = networks
        if selected is not None:
            self.gui["selected_ssid"] = selected
        if error is not None:
            self.gui["error"] = self.catalogue.text(error) if isinstance(error, Words) else error
        self.gui["step"] = step

    def _after(self, name: str, delay: float, job: Callable[[], None]) -> None:
        """Run job after delay seconds on a timer thread, replacing the timer of that name."""
        timer = threading.Timer(delay, _guarded_job(name, job))
        timer.daemon = True
        with self._lock:
            old = self._timers.pop(name, None)
            if not self._started:
                return
            self._timers[name] = timer
        if old is not None:
            old.cancel()
        timer.start()

    def _cancel(self, name: str) -> None:
        """Cancel the timer of that name, if any."""
        with self._lock:
            timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()


def _guarded(topic: str, handler: Handler) -> Handler:
    """Wrap a bus handler so that nothing it raises escapes to the bus thread."""
    def guarded(message: Message) -> None:
        try:
            handler(message)
        except Exception:  # the bus-thread boundary
            LOG.exception(f"{topic}: the on-screen Wi-Fi method's handler failed")
    guarded.__name__ = getattr(handler, "__name__", "handler")
    return guarded


def _guarded_job(name: str, job: Callable[[], None]) -> Callable[[], None]:
    """Wrap a timer job so that nothing it raises escapes its thread."""
    def guarded() -> None:
        try:
            job()
        except Exception:  # the thread boundary
            LOG.exception(f"the on-screen Wi-Fi method's {name} timer failed")
    return guarded
