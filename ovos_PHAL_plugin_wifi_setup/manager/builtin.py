"""The built-in methods the adapter starts and stops: the one manager module that names them.

Each is a client like any other (the kit and the bus); the manager holds it only to start it, hand it the
device's language and stop it. It is loaded by name when the configuration turns it on, so a device pays the
import of none it does not use, and the manager's code never imports a method's.
"""
import importlib
from typing import Any, List, Optional, Protocol

from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue
from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings

SCREEN_MODULE = "ovos_PHAL_plugin_wifi_setup.methods.screen.client"
HOTSPOT_MODULE = "ovos_PHAL_plugin_wifi_setup.methods.hotspot.client"
HOTSPOT_EXTRA = "the package's hotspot extra: pip install '.[hotspot]' in its checkout, or its wheel with [hotspot]"


class Method(Protocol):
    """What the manager does with a built-in method."""

    def start(self) -> None:
        """Begin taking part in setup rounds."""

    def shutdown(self) -> None:
        """Leave the registry and stop."""

    def set_catalogue(self, catalogue: Catalogue) -> None:
        """Follow the device's language."""


def screen_method(bus: Any, settings: Settings, catalogue: Catalogue) -> Optional[Method]:
    """The on-screen method, or None where screen_client is "never"."""
    if settings.screen_client == "never":
        return None
    module = importlib.import_module(SCREEN_MODULE)
    method: Method = module.ScreenSetupClient(bus, mode=settings.screen_client, gui_mode=settings.gui,
                                              connect_timeout=settings.screen_connect_timeout,
                                              scan_timeout=settings.screen_scan_timeout, catalogue=catalogue)
    return method


def hotspot_method(bus: Any, settings: Settings, catalogue: Catalogue) -> Optional[Method]:
    """The hotspot method, or None where hotspot_client is "never" or the `hotspot` extra is not installed."""
    if settings.hotspot_client == "never":
        return None
    try:
        # The core runs on its three dependencies; the extra brings the hotspot's own (dbus-fast, dnslib).
        module = importlib.import_module(HOTSPOT_MODULE)
    except ImportError as e:
        say = LOG.warning if settings.hotspot_client == "always" else LOG.info
        say(f"the hotspot method is off: {e.name or e} is not installed ({HOTSPOT_EXTRA})")
        return None
    s = settings
    config = module.HotspotConfig(ssid=s.hotspot_ssid, passphrase=s.hotspot_passphrase, address=s.hotspot_address,
                                  dns_port=s.hotspot_dns_port, http_port=s.hotspot_http_port,
                                  join_timeout=s.hotspot_join_timeout)
    method: Method = module.HotspotClient(bus, mode=s.hotspot_client, config=config, catalogue=catalogue,
                                          speak=s.speak)
    return method


def start_methods(bus: Any, settings: Settings, catalogue: Catalogue) -> List[Method]:
    """Make and start each configured built-in method, in the order a round offers them."""
    methods: List[Method] = []
    for make in (screen_method, hotspot_method):
        method = make(bus, settings, catalogue)
        if method is not None:
            method.start()
            methods.append(method)
    return methods
