"""ovos-PHAL-plugin-wifi-setup: the network-setup manager of OpenVoiceOS."""
from typing import Any

from ovos_PHAL_plugin_wifi_setup.version import __version__

__all__ = ["WifiSetupPlugin", "__version__"]


def __getattr__(name: str) -> Any:
    """Import the plugin on first use: `ovos-wifi-setup` must not load the OVOS configuration on import."""
    if name == "WifiSetupPlugin":
        from ovos_PHAL_plugin_wifi_setup.manager.plugin import WifiSetupPlugin
        return WifiSetupPlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
