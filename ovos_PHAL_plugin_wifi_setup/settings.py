"""The plugin's configuration: every key with its default, checked once at start."""
from dataclasses import dataclass, fields
from typing import Any, Mapping, Tuple

from ovos_PHAL_plugin_wifi_setup.log import LOG

GUI_MODES: Tuple[str, ...] = ("auto", "always", "never")


@dataclass(frozen=True)
class Settings:
    """Values read from the plugin's mycroft.conf section; a bad value falls back to its default with a warning."""

    enable_watchdog: bool = True
    """Launch setup by itself when the device is offline."""
    gui: str = "auto"
    """"auto" (selection page when a GUI is connected), "always", or "never" (headless)."""
    client_wait: float = 60.0
    """Seconds a launch waits for a usable client to register before setup.failed."""
    activation_timeout: float = 900.0
    """Seconds an active client may run before its session is ended (0: no limit)."""
    verify_timeout: float = 30.0
    """Seconds to wait for the internet after a client ends its session before setup goes on without it."""
    first_boot: bool = True
    """Initial value only; the plugin keeps the live value itself."""
    reporter_wait: float = 10.0
    """Seconds to wait at start for a connectivity reporter to answer before the plugin checks by itself."""
    reporter_ask_after: float = 3.0
    """Seconds after start the plugin lets a connectivity reporter report by itself before asking it (0: ask at
    once)."""
    check_timeout: float = 3.0
    """Seconds the plugin's own internet check may take in all, name lookup included."""
    check_interval_online: float = 30.0
    """Seconds between own checks just after coming online; doubles after each check that finds it online."""
    check_interval_online_max: float = 600.0
    """The longest pause between own checks while online, and how long a reporter may stay silent before the
    plugin cross-checks it."""
    check_interval_offline: float = 10.0
    """Seconds between own checks while offline or during a setup round."""
    grace_first_boot: float = 0.0
    """Seconds offline before the watchdog launches setup on the first boot."""
    grace: float = 45.0
    """Seconds offline before the watchdog launches setup after the first boot (a saved network may come back)."""
    relaunch_backoff: float = 300.0
    """Seconds the watchdog waits after the user closed the page or setup failed before launching again."""
    gui_wait: float = 15.0
    """With gui "auto": seconds after start the first automatic launch waits for a GUI to connect."""
    registration_settle: float = 1.0
    """Seconds after a client registers before the plugin sends it activate (it may still be subscribing)."""
    stop_settle: float = 5.0
    """Seconds after a client's session was ended before the plugin activates that client again."""
    echo_window: float = 10.0
    """Seconds after the plugin ended a client's session in which a removal from that client answers the stop."""
    notice_window: float = 2.0
    """Seconds within which another sender's enclosure.notify.no_internet counts for the same change."""
    voice: bool = True
    """Register the spoken way in ("set up Wi-Fi" and the like) with the intent service."""
    speak: bool = True
    """Say, in the device's language, that setup failed on a device without a screen, and that a round completed."""
    screen_client: str = "auto"
    """The built-in on-screen Wi-Fi method: "auto" (registers once ovos-PHAL-plugin-network-manager answers and a
    GUI is in use), "always", or "never"."""
    screen_connect_timeout: float = 60.0
    """Seconds the on-screen method waits for network-manager's answer to a connect before it shows a failure."""
    screen_scan_timeout: float = 15.0
    """Seconds the on-screen method waits for network-manager's scan before it gives up on it."""
    state_file: str = ""
    """Where the plugin keeps what the user decided; empty: $XDG_STATE_HOME/ovos-PHAL-plugin-wifi-setup/state.json."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Settings":
        """Build settings from a config section, warning about and replacing every bad value."""
        values = {}
        for field in fields(cls):
            if field.name not in config:
                continue
            value = config[field.name]
            if _valid(field.name, value):
                values[field.name] = float(value) if field.type is float else value
            else:
                LOG.warning(f"config '{field.name}' = {value!r} is not valid; using {field.default!r}")
        return cls(**values)


def _valid(name: str, value: Any) -> bool:
    """Tell whether a config value has the right type and range for its key."""
    default = Settings.__dataclass_fields__[name].default
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
            return False
        # A zero check interval or timeout would spin or never wait; other durations may be 0 ("at once" /
        # "no limit").
        return value > 0 if name.startswith(("check_", "screen_")) else value >= 0
    if name in ("gui", "screen_client"):
        return value in GUI_MODES
    return isinstance(value, type(default))
