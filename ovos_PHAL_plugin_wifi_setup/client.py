"""The client kit's public path: third-party client plugins import ``NetworkSetupClient`` from here.

The kit lives in ``methods/kit.py`` beside the built-in methods that compose it.
"""
from ovos_PHAL_plugin_wifi_setup.methods.kit import MAX_REGISTRATION_RETRIES, NetworkSetupClient

__all__ = ["MAX_REGISTRATION_RETRIES", "NetworkSetupClient"]
