"""ovos-PHAL-plugin-wifi-setup: the network-setup manager of OpenVoiceOS."""
from ovos_PHAL_plugin_wifi_setup.plugin import WifiSetupPlugin
from ovos_PHAL_plugin_wifi_setup.version import __version__

__all__ = ["WifiSetupPlugin", "__version__"]
