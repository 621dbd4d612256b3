"""The plugin's configuration: every key with its default, checked once at start."""
import ipaddress
import math
import os
from typing import Any, Mapping, NamedTuple, Tuple

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.log import LOG

GUI_MODES: Tuple[str, ...] = topics.MODES
# Keys whose value is never written to a log line.
SECRET_KEYS: Tuple[str, ...] = ("hotspot_passphrase",)
MAX_PORT = 65535
# The longest duration a setting may name (a week): a timer waits at most this, and no value reaches what
# threading's waits refuse (OverflowError beyond threading.TIMEOUT_MAX; JSON's 1e400 reads as infinity).
MAX_DURATION = 7 * 24 * 3600.0


class Settings(NamedTuple):
    """Values read from the plugin's mycroft.conf section; a bad value falls back to its default with a warning.

    A NamedTuple, not a frozen dataclass: as immutable, and made at import some five times faster (start-up).
    """

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
    hotspot_client: str = "auto"
    """The built-in "connect from your phone" method (the `hotspot` extra): "auto" (registers while NetworkManager
    answers on the system D-Bus with a Wi-Fi device able to be an access point), "always", or "never"."""
    hotspot_ssid: str = ""
    """The name of the network the device opens; empty: OVOS-Setup- and four characters stable per device."""
    hotspot_passphrase: str = ""
    """The WPA2 passphrase of that network (8 to 63 printable ASCII characters), printed on the device's label and
    never said; empty: a new passphrase of 12 digits for each session, which the device says."""
    hotspot_open: bool = False
    """With no hotspot_passphrase: an open network on purpose, and a 6-digit code the device says that the setup
    page asks for before it takes a connect."""
    hotspot_address: str = ""
    """Where the setup page and the catch-all DNS listen, and the address every name resolves to; empty: the access
    point's shared address, 10.42.0.1."""
    hotspot_dns_port: int = 53
    """The catch-all DNS responder's port; 0: none (NetworkManager's dnsmasq answers every name instead)."""
    hotspot_http_port: int = 80
    """The setup page's port."""
    hotspot_join_timeout: float = 60.0
    """Seconds joining the chosen network may take before it counts as failed and the hotspot opens again."""
    hotspot_dnsmasq_dir: str = "/etc/NetworkManager/dnsmasq-shared.d"
    """NetworkManager's shared-mode dnsmasq directory: where the process may write it, each hotspot session puts
    ovos-wifi-setup.conf there (every name answers with the page's address, DHCP option 114 names the page) and
    removes it when it ends; where it may not, `ovos-wifi-setup install-portal` installs it. Empty: no file."""
    state_file: str = ""
    """Where the plugin keeps what the user decided; empty: $XDG_STATE_HOME/ovos-PHAL-plugin-wifi-setup/state.json."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Settings":
        """Build settings from a config section, warning about and replacing every bad value."""
        values = {}
        for name, default in cls._field_defaults.items():
            if name not in config:
                continue
            value = config[name]
            if _valid(name, value):
                values[name] = float(value) if isinstance(default, float) else value
                if name == "state_file":
                    values[name] = os.path.expanduser(value)  # "~/..." is the service user's home
            elif name in SECRET_KEYS:
                LOG.warning(f"config '{name}' is not valid (8 to 63 printable ASCII characters, or empty); "
                            "using none")
            elif isinstance(default, float):
                LOG.warning(f"config '{name}' = {value!r} is not valid (a finite number of seconds from 0 to "
                            f"{MAX_DURATION:.0f}); using {default!r}")
            else:
                LOG.warning(f"config '{name}' = {value!r} is not valid; using {default!r}")
        if values.get("hotspot_open") and values.get("hotspot_passphrase"):
            LOG.warning("config 'hotspot_open' is true and 'hotspot_passphrase' is set: the network is WPA2 with the "
                        "passphrase, and not open")
        return cls(**values)

    def __repr__(self) -> str:
        """Every value but the secrets'."""
        shown = ", ".join(f"{name}={'***' if name in SECRET_KEYS and value else repr(value)}"
                          for name, value in zip(self._fields, self))
        return f"Settings({shown})"


def _valid(name: str, value: Any) -> bool:
    """Tell whether a config value has the right type and range for its key."""
    default = Settings._field_defaults[name]
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
                or value > MAX_DURATION:
            return False
        # A zero check interval or timeout would spin or never wait; other durations may be 0 ("at once" /
        # "no limit").
        return value > 0 if name.startswith(("check_", "screen_", "hotspot_")) else value >= 0
    if isinstance(default, int):
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        return (0 if name == "hotspot_dns_port" else 1) <= value <= MAX_PORT
    if name in ("gui", "screen_client", "hotspot_client"):
        return value in GUI_MODES
    if name == "hotspot_passphrase":
        return isinstance(value, str) and (value == "" or (
            8 <= len(value) <= 63 and all(" " <= c <= "~" for c in value)))
    if name == "hotspot_ssid":
        return isinstance(value, str) and len(value.encode("utf-8")) <= 32
    if name == "hotspot_dnsmasq_dir":
        # An absolute path of printable characters (it goes into a log line and a command to type), or empty.
        return isinstance(value, str) and (value == "" or (
            value.startswith("/") and value.isprintable() and len(value) <= 4096))
    if name == "hotspot_address":
        return isinstance(value, str) and (value == "" or _is_ipv4(value))
    return isinstance(value, type(default))


def _is_ipv4(value: str) -> bool:
    """True for a dotted IPv4 address."""
    try:
        return isinstance(ipaddress.ip_address(value), ipaddress.IPv4Address)
    except ValueError:
        return False
