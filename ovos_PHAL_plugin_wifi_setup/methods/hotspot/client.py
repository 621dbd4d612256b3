"""The built-in "connect from your phone" method: a network client like any other, for devices without a screen.

It takes part in setup rounds through the client kit and, when the manager hands it the session, opens the
device's own Wi-Fi network through NetworkManager (nm.py), answers every name with the device's address
(dns.py) and serves the setup page (web.py). The user joins that network with a phone, the phone's
captive-portal check opens the page, the user picks the home network and types its password, and the device
joins it. Everything it does to NetworkManager and every server runs on one asyncio loop, on a thread of its own.

The password goes from the page's request to NetworkManager over D-Bus and nowhere else: not onto the OVOS
bus, into a log line, the session data, the manager's status or its state file. The setup network itself is WPA2
with a passphrase made for each session, unless the settings say otherwise (presence.py: the three ways); the
device says it (`speak`), and again on HOTSPOT_REPEAT. The session's passphrase and code live on this client
(`_passphrase`, `_code`) from the access point's opening to the session's end, and in no log line, status or repr.
"""
import asyncio
import atexit
import threading
from typing import Any, Awaitable, Callable, Dict, List, Optional

from ovos_bus_client.message import Message

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.methods.kit import NetworkSetupClient
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.choice import (JOIN_FAILURE_WORDS, check_key, find_network,
                                                                hidden_network)
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.config import HotspotConfig, ssid_for
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.join_page import JoinPage
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm import (SHARED_ADDRESS, AccessPoint, JoinFailed, NetworkManager,
                                                    NMUnavailable, Profile, WifiDevice)
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm_dbus import page_entries
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.portal import PortalFile
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.rescan import RescanGate, rescan
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.retry import join_with_retry
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.spoken import failure_line, joined_line
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.presence import (LABEL, MAX_WRONG_CODES, OPEN, code_matches,
                                                                  instructions, kind_of, new_code, new_passphrase,
                                                                  refusal, repeat_line)
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.tasks import (SHUTDOWN_WAIT, logged, run_to_end, start_servers,
                                                               stop_servers)
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.web import SetupServer
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue, Words
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.readable import quoted
from ovos_PHAL_plugin_wifi_setup.methods.networks import Busy

DISPLAY_TEXT_KEY = "hotspot_client"
MODES = t.MODES  # the same three values as the manager's "gui"

# The states /api/status reports.
WAITING = "waiting"
CONNECTING = "connecting"
CONNECTED = "connected"
FAILED = "failed"

# NetworkManager may start after ovos_PHAL: "auto" looks for it again now and then for a while after start, and
# at every setup round that opens before it was found.
PROBE_INTERVAL = 10.0
PROBE_FOR = 120.0
# How long a scan may take before the list is read as it is.
SCAN_WAIT = 10.0
# After a join, how long the page stays up once the session ended (a phone still on it reads "Connected").
SUCCESS_LINGER = 20.0
# At shutdown, how long tasks still running on the loop may take to end by themselves.
FINISH_WAIT = 3.0
# After the last wrong code, how long the page has to send its 403 before the session ends.
CODE_LOCKOUT_DELAY = 0.5

NetworkManagerFactory = Callable[[], NetworkManager]


class HotspotClient:
    """Registers "Connect from your phone" with the manager and runs its sessions.

    ``mode`` "always" registers at start; "auto" registers once NetworkManager answers on the system D-Bus with a
    Wi-Fi device able to be an access point. The state the page reads changes under one lock: the web server
    reads it on the client's loop, the manager's messages arrive on bus threads.
    """

    def __init__(self, bus: Any, mode: str = "auto", config: HotspotConfig = HotspotConfig(),
                 catalogue: Optional[Catalogue] = None, speak: bool = True,
                 network_manager: NetworkManagerFactory = NetworkManager, gui_mode: str = "auto") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.bus = bus
        self.mode = mode
        self.config = config
        self.speak = speak
        self._catalogue = catalogue or Catalogue()
        self._new_network_manager = network_manager
        self.kit = NetworkSetupClient(bus, t.HOTSPOT_CLIENT_NAME, self._catalogue.text(DISPLAY_TEXT_KEY),
                                      client_type=t.TYPE_REMOTE, has_gui=False, requires_input=False,
                                      on_activate=self._on_activate, on_deactivate=self._on_deactivate)
        # The device's screen, where it has one, shows how to join the setup network (gui_mode: the manager's "gui").
        self._join_page = JoinPage(bus, lambda: self._catalogue, gui_mode)
        self._lock = threading.RLock()
        self._started = False
        self._kit_started = False
        self._found = False              # "auto": NetworkManager and an access-point-capable device were seen
        self.waiting_for: Optional[str] = None  # "auto": why it is not registered yet (status shows it)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        # One session at a time; a number tells a stale task from the current one.
        self._session = 0
        self._active = False
        self._state = WAITING
        self._ssid = ""                  # the network being joined or joined
        self._error: Optional[Words] = None
        self._networks: List[AccessPoint] = []
        self._rescans = RescanGate()     # the page's rescans: one at a time, one per RESCAN_INTERVAL a session
        self._hotspot_ssid = ""
        # How the network opens (presence.py), and the session's secrets: set when the access point opens, "" once
        # the session ended. Never in a log line, the status or a repr.
        self._kind = kind_of(config.passphrase, config.open)
        self._passphrase = ""            # the access point's WPA2 passphrase; "" for an open network
        self._code = ""                  # the open network's code; "" otherwise
        self._wrong_codes = 0
        # What the session holds, on the loop only.
        self._nm: Optional[NetworkManager] = None
        self._device: Optional[WifiDevice] = None
        self._ap: Optional[Profile] = None
        self._servers: List[Any] = []
        self._lingering: List[Any] = []  # after a join: the page, up SUCCESS_LINGER more seconds
        self._task: Optional["asyncio.Task[None]"] = None
        self._join_task: Optional["asyncio.Task[None]"] = None
        self._probe_handle: Optional[asyncio.TimerHandle] = None
        # The file that makes NetworkManager's dnsmasq open the page: written for each session, gone at its end.
        self._portal = PortalFile(config.dnsmasq_dir, config.address or SHARED_ADDRESS, config.http_port)
        # "nm": the start-up clean-up and a session's opening do not interleave; "teardown": one teardown at a
        # time. Made on the loop, by _loop_lock().
        self._loop_locks: Dict[str, asyncio.Lock] = {}

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        """Start the loop, then register ("always") or look for NetworkManager ("auto")."""
        with self._lock:
            if self._started:
                return
            self._started = True
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="wifi-setup-hotspot", daemon=True)
            self._thread.start()
        self.bus.on(t.SETUP_LAUNCHED, self.handle_setup_launched)
        self.bus.on(t.HOTSPOT_REPEAT, self.handle_repeat)
        self._join_page.start()
        # ovos_PHAL 0.2.12 does not call shutdown() when it is stopped, but the interpreter's exit handlers run.
        atexit.register(self._teardown_at_exit)
        self._submit(self._remove_stale())
        if self.mode == "always":
            self._start_kit()
        else:
            self._submit(self._probe_for(PROBE_FOR))

    def shutdown(self) -> None:
        """Leave the manager's list, take the access point and the servers down, stop the loop."""
        with self._lock:
            if not self._started:
                return
            self._started = False
            self._active = False
            self._session += 1
            loop, thread = self._loop, self._thread
        atexit.unregister(self._teardown_at_exit)
        self.bus.remove(t.SETUP_LAUNCHED, self.handle_setup_launched)
        self.bus.remove(t.HOTSPOT_REPEAT, self.handle_repeat)
        self._join_page.stop()
        self.kit.shutdown()
        if loop is None or thread is None:
            return
        run_to_end(loop, self._finish(), "at shutdown")
        loop.call_soon_threadsafe(loop.stop)
        thread.join(SHUTDOWN_WAIT)
        if not thread.is_alive():
            loop.close()

    def _teardown_at_exit(self) -> None:
        """The interpreter exits without shutdown(): the access point goes down all the same (no bus message)."""
        with self._lock:
            loop = self._loop if self._started else None
        if loop is not None and not loop.is_closed() and loop.is_running():
            run_to_end(loop, self._teardown(close=True), "at exit")
        self._portal.remove()  # also where the loop is gone

    async def _ask_nm(self, ask: Callable[[NetworkManager], Awaitable[Any]], absent: str) -> Any:
        """Open NetworkManager, ask it one thing, close it; None (logged at debug after `absent`) where NetworkManager
        or a device able to be an access point is not there."""
        nm = self._new_network_manager()
        try:
            await nm.open()
            return await ask(nm)
        except NMUnavailable as e:
            # Said once at INFO (why the method is not on the list), then at debug at each later look.
            (LOG.info if self.waiting_for is None else LOG.debug)(f"{absent}: {e}")
            self.waiting_for = f"{absent}: {e}"
            return None
        finally:
            await nm.close()

    def _loop_lock(self, name: str) -> asyncio.Lock:
        """The asyncio lock of this name, made on first use on the client's loop (where every one is used)."""
        lock = self._loop_locks.get(name)
        if lock is None:
            lock = self._loop_locks[name] = asyncio.Lock()
        return lock

    async def _remove_stale(self) -> None:
        """At start: an access point a crash left up (its profile is named for the hotspot) goes down, and the
        dnsmasq file a crash left goes."""
        self._portal.remove_stale()
        async with self._loop_lock("nm"):
            removed = await self._ask_nm(lambda nm: nm.remove_stale_hotspots(), "no stale hotspot to look for")
        if removed:
            LOG.info(f"took down the hotspot an earlier run left up ({removed} profile(s))")

    async def _finish(self) -> None:
        """Everything down, then every task still on the loop ended, so that the loop stops with none pending."""
        await self._teardown(close=True)
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        if others:
            # What is still running (a look for NetworkManager) may finish; what does not in time is cancelled.
            _, pending = await asyncio.wait(others, timeout=FINISH_WAIT)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def set_catalogue(self, catalogue: Catalogue) -> None:
        """The device's language changed: the shown name and the page's texts follow."""
        self._catalogue = catalogue
        self.kit.display_text = catalogue.text(DISPLAY_TEXT_KEY)
        if self.kit.is_registered:
            self.kit.register()  # the manager keeps the id and shows the new name

    @property
    def catalogue(self) -> Catalogue:
        """The texts of the device's language (the page reads them)."""
        return self._catalogue

    @property
    def _address(self) -> str:
        """The access point's address, where the page and the DNS listen: the setting, or SHARED_ADDRESS."""
        return self.config.address or SHARED_ADDRESS

    @property
    def hotspot_ssid(self) -> str:
        """The name of the network the device opens (known once a session has found its Wi-Fi device)."""
        return self._hotspot_ssid

    # ------------------------------------------------------------------ when to register
    def _start_kit(self) -> None:
        with self._lock:
            start = self._started and not self._kit_started
            self._kit_started = self._kit_started or start
        if start:
            self.kit.start()

    async def _probe_for(self, seconds: float) -> None:
        """Look for NetworkManager now, and again every PROBE_INTERVAL until found, for `seconds`."""
        if await self._probe() or seconds <= PROBE_INTERVAL:
            return
        loop = asyncio.get_running_loop()
        self._probe_handle = loop.call_later(
            PROBE_INTERVAL, lambda: asyncio.ensure_future(self._probe_for(seconds - PROBE_INTERVAL)))

    async def _probe(self) -> bool:
        """True (and the client registers) once NetworkManager has a Wi-Fi device able to be an access point."""
        with self._lock:
            if not self._started or self._found:
                return True
        device = await self._ask_nm(lambda nm: nm.wifi_device(), "no hotspot yet")
        if device is None:
            return False
        with self._lock:
            self._found = True
        LOG.info(f"NetworkManager has {quoted(device.interface)}, which can be an access point: the hotspot method "
                 "registers")
        self._start_kit()
        return True

    def handle_setup_launched(self, message: Message) -> None:
        """A setup round opens: in "auto", look for NetworkManager again if it was not found yet."""
        with self._lock:
            ask = self._started and self.mode == "auto" and not self._found
        if ask:
            self._submit(self._probe())

    # ------------------------------------------------------------------ the session
    def _on_activate(self) -> None:
        """The manager handed us the session: open the hotspot (on the loop; this returns at once)."""
        with self._lock:
            self._session += 1
            session = self._session
            self._active = True
            self._state, self._ssid, self._error = WAITING, "", None
            self._networks, self._rescans = [], RescanGate()
        self._submit(self._open_session(session))

    def _on_deactivate(self) -> None:
        """The session ended (the user's choice, another client, a timeout, shutdown): everything goes down."""
        with self._lock:
            self._session += 1
            self._active = False
        self._submit(self._teardown())

    def _current(self, session: int) -> bool:
        with self._lock:
            return self._active and self._session == session

    async def _open_session(self, session: int) -> None:
        """Scan, open the access point, start the servers, say what to do; on failure the manager goes on."""
        self._task = asyncio.current_task()
        try:
            async with self._loop_lock("nm"):
                await self._open(session)
        except asyncio.CancelledError:
            raise
        except (NMUnavailable, OSError) as e:
            await self._give_up(session, str(e))
        except Exception as e:  # the loop's boundary: whatever went wrong, the manager must hear of it
            LOG.exception("the hotspot could not be opened")
            await self._give_up(session, f"the hotspot could not be opened: {type(e).__name__}")

    async def _open(self, session: int) -> None:
        """Scan, open the access point, start the servers, say what to do (under the NetworkManager lock)."""
        await self._teardown()  # what a previous session may have left
        self._nm = self._new_network_manager()
        await self._nm.open()
        self._device = await self._nm.wifi_device()
        # The radio is busy once it is an access point: scan first, and keep the list for the session.
        networks = await self._nm.scan(self._device, wait=SCAN_WAIT)
        with self._lock:
            if self._session != session:
                return
            self._networks = list(networks)
            self._hotspot_ssid = self.config.ssid or ssid_for(self._device.hw_address)
            # Fresh for each session: what a previous one said is worth nothing now.
            passphrase = self.config.passphrase if self._kind == LABEL else "" if self._kind == OPEN \
                else new_passphrase()
            self._passphrase, self._code, self._wrong_codes = passphrase, new_code() if self._kind == OPEN else "", 0
        LOG.info(f"the hotspot opens as {quoted(self._hotspot_ssid)} ({self._kind}: "
                 f"{'open, a code asked' if self._kind == OPEN else 'WPA2'}; {len(networks)} networks found by the "
                 "scan)")
        self._portal.write()  # before the access point: NetworkManager starts its dnsmasq as it activates
        # The access point's own address is the configured one, where the page and the DNS listen.
        self._ap = await self._nm.start_access_point(self._device, self._hotspot_ssid, passphrase, self._address)
        if not self._current(session):
            await self._teardown()
            return
        await self._start_servers()
        if not self._current(session):
            await self._teardown()
            return
        self._say_instructions()
        self._show_join_page()

    async def _give_up(self, session: int, error: str) -> None:
        """Take everything down and tell the manager this client could not help, so setup goes on without it."""
        LOG.warning(f"hotspot setup failed: {error}")
        await self._teardown()
        if self._current(session):
            self.kit.report_setup_failure(error)

    async def _start_servers(self) -> None:
        """The page and the catch-all DNS, on the hotspot's address (tasks.start_servers)."""
        await start_servers(self._servers, self, self._address, self.config.http_port, self.config.dns_port)

    def _say_instructions(self) -> None:
        """Say the setup network's name, the session's passphrase or code (a label's passphrase never) and the
        page's address to type where no page opens."""
        with self._lock:
            line = instructions(self._catalogue, self._kind, self._hotspot_ssid, self._passphrase, self._code,
                                self._page_url())
        self._say(line)

    def handle_repeat(self, message: Message) -> None:
        """HOTSPOT_REPEAT (and the voice sentence "repeat the password"): say the session's passphrase or code
        again; with a label's passphrase, that it is on the label; outside a session, that no setup network is
        open."""
        with self._lock:
            line = repeat_line(self._catalogue, self._kind, self._active and self._ap is not None,
                               self._hotspot_ssid, self._passphrase, self._code, self._page_url())
        self._say(line, message)

    def _say(self, line: str, asked: Optional[Message] = None) -> None:
        """Send one spoken line (`speak`, in the asking utterance's context where there is one)."""
        if not self.speak or not line:
            return
        data = {"utterance": line, "lang": self._catalogue.lang}
        mark = {"source": t.HOTSPOT_CLIENT_NAME, "skill_id": t.HOTSPOT_CLIENT_NAME}
        self.bus.emit(asked.forward(t.SPEAK, data) if asked is not None else Message(t.SPEAK, data, mark))

    def _page_url(self) -> str:
        """The running page's URL (SetupServer.portal_url); "" while it is not up."""
        return next((s.portal_url for s in self._servers if isinstance(s, SetupServer)), "")

    def _show_join_page(self) -> None:
        """The device's screen, where there is one, says how to join: the network, its passphrase, a QR code."""
        url = self._page_url()
        with self._lock:  # what the access point was opened with ("" for an open network, whose page asks the code)
            ssid, passphrase, code = self._hotspot_ssid, self._passphrase, self._code
        self._join_page.show(ssid=ssid, passphrase=passphrase, code=code, url=url)

    async def _teardown(self, close: bool = False) -> None:
        """Stop the servers, take the access point down and delete its profile, close NetworkManager."""
        # One at a time: a deactivation's and shutdown's may overlap, and the second must find the first done.
        async with self._loop_lock("teardown"):
            self._join_page.hide()  # the screen's page goes with the session, its passphrase too
            for task in (self._join_task, self._task, self._rescans.task):
                if task is not None and task is not asyncio.current_task() and not task.done():
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
            self._join_task = None
            if close and self._probe_handle is not None:
                self._probe_handle.cancel()
            servers, self._servers = self._servers, []
            lingering, self._lingering = self._lingering, []
            await stop_servers(lingering)
            with self._lock:
                joined = self._state == CONNECTED and not close
            if joined and servers:
                # After a join the page stays up a little longer, so that a phone still on it reads "Connected".
                self._lingering = servers
                asyncio.get_running_loop().call_later(
                    SUCCESS_LINGER, lambda: asyncio.ensure_future(self._end_linger(servers)))
            else:
                await stop_servers(servers)
            nm, ap, self._nm, self._ap, self._device = self._nm, self._ap, None, None, None
            self._portal.remove()
            with self._lock:
                self._passphrase, self._code = "", ""  # the session's secrets end with it
            if nm is None:
                return
            try:
                if ap is not None:
                    await nm.stop(ap)
                    LOG.info("the hotspot is down")
            except Exception:  # NetworkManager's trouble: logged, the rest still goes
                LOG.exception("the hotspot's access point could not be taken down")
            finally:
                await nm.close()

    async def _end_linger(self, servers: List[Any]) -> None:
        if self._lingering is servers:
            self._lingering = []
            await stop_servers(servers)

    # ------------------------------------------------------------------ the page's backend (on the loop)
    def networks(self) -> List[Dict[str, Any]]:
        """The networks of the session's scan, strongest first, as nm_dbus.page_entries has them (security words,
        display forms, lookalike flags; a non-UTF-8 SSID's id; an unjoinable network's note)."""
        with self._lock:
            return page_entries(self._networks)

    def status(self) -> Dict[str, Any]:
        """What the page shows: waiting, connecting, connected or failed (with the error in words)."""
        with self._lock:
            status: Dict[str, Any] = {"state": self._state, **({"scanning": True} if self._rescans.running else {})}
            if self._ssid:
                status["ssid"] = self._ssid
            if self._state == FAILED and self._error is not None:
                status["error"] = self._catalogue.text(self._error)
                status["code"] = self._error.key
            return status

    @property
    def needs_code(self) -> bool:
        """True when the page must ask for the code the device says (an open network on purpose)."""
        return self._kind == OPEN

    def connect(self, ssid: Any, password: Any, code: Any = None, hidden: bool = False, security: Any = None) -> None:
        """Join a network of the list (or, `hidden`, the one named with its `security`: "Other network"): raises
        CodeRefused (an open network's code missing or wrong: nothing else is looked at), Refused (bad input, or what
        the network's security refuses: choice.py, all before the access point goes down) or Busy (a join in
        flight), else returns at once."""
        if self._kind == OPEN:
            self._check_code(code)
        with self._lock:
            if self._state in (CONNECTING, CONNECTED) or self._rescans.running:
                raise Busy(Words.of("error_busy", ssid=self._ssid) if self._ssid else Words.of("hotspot_rescanning"))
            network = hidden_network(ssid, security) if hidden else find_network(self._networks, ssid)
            secret, name = check_key(network, password), network.ssid
            if not self._active or self._nm is None or self._device is None:
                raise Busy(Words.of("error_busy", ssid=name))
            self._state, self._ssid, self._error = CONNECTING, name, None
            session = self._session
        LOG.info(f"joining {quoted(name)}")
        self._join_task = asyncio.ensure_future(self._join(session, network, secret))

    def rescan(self) -> float:
        """Scan again, the new list at networks() once done (rescan.py: the access point cycled where the device
        cannot scan as one): 0.0 when it started, else the seconds to wait; Busy while a join is in flight."""
        with self._lock:
            if self._state in (CONNECTING, CONNECTED) or not self._active or self._nm is None:
                raise Busy(Words.of("error_busy", ssid=self._ssid))
            wait, session = self._rescans.ask(asyncio.get_running_loop().time()), self._session
        if not wait:
            self._rescans.task = asyncio.ensure_future(self._rescan(session, self._rescans))
        return wait

    async def _rescan(self, session: int, gate: RescanGate) -> None:
        try:
            async with self._loop_lock("nm"):
                nm, device, passphrase = self._nm, self._device, self._passphrase
                if nm is None or device is None or not self._current(session):
                    return
                networks, self._ap = await rescan(nm, device, self._ap, lambda: nm.start_access_point(
                    device, self._hotspot_ssid, passphrase, self._address), SCAN_WAIT)
            with self._lock:
                self._networks = list(networks) if networks is not None and self._session == session \
                    else self._networks
        except (NMUnavailable, OSError) as e:
            await self._give_up(session, f"the hotspot could not be opened again after a rescan: {e}")
        finally:
            gate.running = False

    def _check_code(self, given: Any) -> None:
        """Raise CodeRefused unless `given` is the session's code; the MAX_WRONG_CODES-th wrong one ends the
        session (someone is guessing)."""
        with self._lock:
            if self._wrong_codes >= MAX_WRONG_CODES:
                raise refusal(given, 0)
            if code_matches(self._code, given):
                return
            self._wrong_codes += 1
            left, session = MAX_WRONG_CODES - self._wrong_codes, self._session
        LOG.info(f"a connect came without the session's code or with a wrong one; tries left: {left}")
        if left <= 0:
            # After this answer: the servers it goes through stop with the session.
            asyncio.get_running_loop().call_later(
                CODE_LOCKOUT_DELAY, lambda: asyncio.ensure_future(
                    self._give_up(session, f"{MAX_WRONG_CODES} wrong codes: someone in range is guessing")))
        raise refusal(given, left)

    async def _join(self, session: int, network: AccessPoint, password: str) -> None:
        """Take the access point down, join the network (a failure but a wrong password tried once more: retry.py)
        and say so; on failure open the access point again."""
        nm, device = self._nm, self._device
        if nm is None or device is None:
            return
        try:
            if self._ap is not None:
                ap, self._ap = self._ap, None
                await nm.stop(ap)
            await join_with_retry(nm, device, network.raw or network.ssid, password, network.security,
                                  self.config.join_timeout, network.ssid, hidden=network.hidden)
        except JoinFailed as e:
            words = Words.of(JOIN_FAILURE_WORDS.get(e.reason, "error_could_not_connect"), ssid=network.ssid,
                             seconds=f"{self.config.join_timeout:g}")
            LOG.info(f"joining {quoted(network.ssid)} failed ({e.reason}): the hotspot opens again")
            await self._reopen(session, words, e.reason, network.ssid)
            return
        except asyncio.CancelledError:
            raise
        except Exception as e:  # NetworkManager's trouble: the user sees it and may try again
            LOG.warning(f"joining {quoted(network.ssid)} failed: {type(e).__name__}")
            await self._reopen(session, Words.of("error_could_not_connect", ssid=network.ssid), "failed", network.ssid)
            return
        with self._lock:
            if self._session != session:
                return
            self._state = CONNECTED
        LOG.info(f"joined {quoted(network.ssid)}: the session ends, the manager completes the round once it is online")
        self._say(joined_line(self._catalogue, network.ssid))
        self.kit.request_deactivate()

    async def _reopen(self, session: int, words: Words, reason: str, ssid: str) -> None:
        """After a failed join: the access point again (the phone rejoins it), the error on the page, and, once the
        access point is up, why it failed and that it is back, said."""
        with self._lock:
            if self._session != session:
                return
            self._state, self._error = FAILED, words
        nm, device = self._nm, self._device
        with self._lock:
            passphrase = self._passphrase
        if nm is None or device is None or (self._kind != OPEN and not passphrase):
            return  # the session ended meanwhile: never an open network in its place
        try:
            self._ap = await nm.start_access_point(device, self._hotspot_ssid, passphrase, self._address)
        except (NMUnavailable, OSError) as e:
            await self._give_up(session, f"the hotspot could not be opened again: {e}")
            return
        self._say(failure_line(self._catalogue, reason, ssid, self._hotspot_ssid))

    # ------------------------------------------------------------------ plumbing
    def _submit(self, coroutine: Any) -> None:
        """Run a coroutine on the client's loop (from any thread)."""
        with self._lock:
            loop = self._loop if self._started else None
        if loop is None or loop.is_closed():
            coroutine.close()
            return
        wrapped = logged(coroutine)
        try:
            asyncio.run_coroutine_threadsafe(wrapped, loop)
        except RuntimeError:  # the loop closed in between (shutdown on another thread): nothing left to run it
            wrapped.close()
            coroutine.close()
