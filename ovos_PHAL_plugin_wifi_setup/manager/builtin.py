"""The built-in ways in that the adapter starts and stops: the two methods and the voice intents.

Each method is a client like any other (the kit and the bus); the manager holds it only to start it, hand it the
device's language, read why it is not on the list, and stop it. A method is loaded by name when the configuration
turns it on, so a device pays the import of none it does not use, and the manager's code never imports a
method's. This is the one manager module that names them.
"""
import importlib
import threading
from typing import Any, Callable, Dict, Optional, Protocol, Tuple

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings

SCREEN = "screen"
HOTSPOT = "hotspot"
SCREEN_MODULE = "ovos_PHAL_plugin_wifi_setup.methods.screen.client"
HOTSPOT_MODULE = "ovos_PHAL_plugin_wifi_setup.methods.hotspot.client"
HOTSPOT_EXTRA = "the package's hotspot extra: pip install '.[hotspot]' in its checkout, or its wheel with [hotspot]"
# The settings each method is made with: a change to one of them at run time makes that method anew.
KEYS = {SCREEN: ("screen_client", "gui", "screen_connect_timeout", "screen_scan_timeout"),
        HOTSPOT: ("hotspot_client", "gui", "speak", "hotspot_ssid", "hotspot_passphrase", "hotspot_open",
                  "hotspot_address", "hotspot_dns_port", "hotspot_http_port", "hotspot_join_timeout",
                  "hotspot_dnsmasq_dir")}
CLIENT_NAMES = {SCREEN: t.SCREEN_CLIENT_NAME, HOTSPOT: t.HOTSPOT_CLIENT_NAME}


class Method(Protocol):
    """What the manager does with a built-in method."""

    def start(self) -> None:
        """Begin taking part in setup rounds."""

    def shutdown(self) -> None:
        """Leave the registry and stop."""

    def set_catalogue(self, catalogue: Catalogue) -> None:
        """Follow the device's language."""


class Off(Exception):
    """A method the configuration or the machine leaves off; the message says why."""


def _screen(bus: Any, settings: Settings, catalogue: Catalogue) -> Method:
    """The on-screen method."""
    if settings.screen_client == "never":
        raise Off("screen_client is \"never\"")
    module = importlib.import_module(SCREEN_MODULE)
    method: Method = module.ScreenSetupClient(bus, mode=settings.screen_client, gui_mode=settings.gui,
                                              connect_timeout=settings.screen_connect_timeout,
                                              scan_timeout=settings.screen_scan_timeout, catalogue=catalogue)
    return method


def _hotspot(bus: Any, settings: Settings, catalogue: Catalogue) -> Method:
    """The "connect from your phone" method."""
    s = settings
    if s.hotspot_client == "never":
        raise Off("hotspot_client is \"never\"")
    try:
        # The core runs on its own dependencies; the extra brings the hotspot's (dbus-fast, dnslib, h11).
        module = importlib.import_module(HOTSPOT_MODULE)
    except ImportError as e:
        raise Off(f"{e.name or e} is not installed ({HOTSPOT_EXTRA})") from None
    config = module.HotspotConfig(ssid=s.hotspot_ssid, passphrase=s.hotspot_passphrase, open=s.hotspot_open,
                                  address=s.hotspot_address,
                                  dns_port=s.hotspot_dns_port, http_port=s.hotspot_http_port,
                                  join_timeout=s.hotspot_join_timeout, dnsmasq_dir=s.hotspot_dnsmasq_dir)
    method: Method = module.HotspotClient(bus, mode=s.hotspot_client, config=config, catalogue=catalogue,
                                          speak=s.speak, gui_mode=s.gui)
    return method


FACTORIES: Tuple[Tuple[str, Callable[[Any, Settings, Catalogue], Method]], ...] = (
    (SCREEN, _screen), (HOTSPOT, _hotspot))


class BuiltinMethods:
    """The built-in methods that run, and why each one that does not is off."""

    def __init__(self, bus: Any) -> None:
        """Nothing runs until start()."""
        self._bus = bus
        self.running: Dict[str, Method] = {}
        self.off: Dict[str, str] = {}

    def start(self, settings: Settings, catalogue: Catalogue, only: Tuple[str, ...] = (SCREEN, HOTSPOT)) -> None:
        """Make and start each configured method, in the order a round offers them; say once why one is off."""
        for name, make in FACTORIES:
            if name not in only:
                continue
            try:
                method = make(self._bus, settings, catalogue)
            except Off as e:
                self.off[name] = str(e)
                quiet = str(e).endswith('"never"')  # the device maker's own choice needs no line at INFO
                (LOG.debug if quiet else LOG.warning if getattr(settings, f"{name}_client") == "always"
                 else LOG.info)(f"the {name} method is off: {e}")
                continue
            self.off.pop(name, None)
            method.start()
            self.running[name] = method

    def reconfigure(self, old: Settings, new: Settings, catalogue: Catalogue) -> None:
        """Make anew each method whose settings changed (stopped first: it leaves the list like any client)."""
        changed = tuple(name for name, keys in KEYS.items()
                        if any(getattr(old, key) != getattr(new, key) for key in keys))
        for name in changed:
            method = self.running.pop(name, None)
            if method is not None:
                method.shutdown()
        if changed:
            LOG.info(f"the configuration changed: the {' and '.join(changed)} method(s) start anew")
            self.start(new, catalogue, only=changed)

    def set_catalogue(self, catalogue: Catalogue) -> None:
        """Hand every running method the device's new language."""
        for method in self.running.values():
            method.set_catalogue(catalogue)

    def shutdown(self) -> None:
        """Stop every running method."""
        for method in self.running.values():
            method.shutdown()
        self.running.clear()

    def states(self, registered: Callable[[str], bool]) -> Dict[str, Dict[str, Optional[str]]]:
        """Each method's state for status: "registered", "waiting" (running, not on the list yet) or "off", and
        why ("waiting": the method's own word, where it has one)."""
        found: Dict[str, Dict[str, Optional[str]]] = {}
        for name, _ in FACTORIES:
            if name in self.off:
                found[name] = {"state": "off", "reason": self.off[name]}
            elif registered(CLIENT_NAMES[name]):
                found[name] = {"state": "registered", "reason": None}
            else:
                reason = getattr(self.running.get(name), "waiting_for", None)
                found[name] = {"state": "waiting", "reason": reason if isinstance(reason, str) else None}
        return found


class VoiceSwitch:
    """The voice intents: registered on the plugin's own thread, detached at shutdown or when voice turns off."""

    def __init__(self, bus: Any, launch: Callable[[Any], None], closed: Callable[[], bool]) -> None:
        """Nothing is registered until on()."""
        self._bus = bus
        self._launch = launch
        self._closed = closed
        self._lock = threading.Lock()
        self.intents: Optional[Any] = None

    def on(self) -> None:
        """Register the intents (made here: ovos_PHAL's start need not wait for the module or the messages)."""
        from ovos_PHAL_plugin_wifi_setup.manager.voice import VoiceIntents
        # Not under the state lock (some two hundred messages); the plugin closes the core before off(), under
        # this same lock, so no registration can follow the detach.
        with self._lock:
            if not self._closed() and self.intents is None:
                self.intents = VoiceIntents(self._bus, launch=self._launch)
                self.intents.register()

    def off(self) -> None:
        """Detach the intents, if they were registered."""
        with self._lock:
            if self.intents is not None:
                self.intents.detach()
                self.intents = None
