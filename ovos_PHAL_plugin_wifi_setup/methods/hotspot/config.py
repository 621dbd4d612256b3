"""The hotspot's settings, as the method is made with them, and the name of the network it opens."""
import hashlib
from dataclasses import dataclass, field

SSID_PREFIX = "OVOS-Setup-"


@dataclass(frozen=True)
class HotspotConfig:
    """The hotspot's settings (the manager's `hotspot_*` keys)."""

    ssid: str = ""
    """The access point's name; empty: OVOS-Setup- and four characters stable per device."""
    passphrase: str = field(default="", repr=False)
    """WPA2 passphrase of the access point (8 to 63 characters), printed on the device and never said; empty: a new
    one for each session, said (or an open network, with `open`). Never in the repr."""
    open: bool = False
    """With no passphrase: an open network, and a code the device says that the page asks for before a connect."""
    address: str = ""
    """Where the DNS responder and the page listen, and what every name resolves to; empty: the access point's
    shared address (10.42.0.1)."""
    dns_port: int = 53
    """The DNS responder's port; 0: no responder (NetworkManager's dnsmasq answers instead)."""
    http_port: int = 80
    """The setup page's port."""
    join_timeout: float = 60.0
    """Seconds a join may take before it counts as failed."""
    dnsmasq_dir: str = ""
    """NetworkManager's shared-mode dnsmasq directory, where a session writes the file that makes its dnsmasq open
    the page (portal.py); empty: no file."""


def ssid_for(hw_address: str, machine_id_file: str = "/etc/machine-id") -> str:
    """OVOS-Setup- and four characters that stay the same on one device: the end of the Wi-Fi device's hardware
    address, or (where it has none) of a hash of the machine id."""
    digits = "".join(c for c in hw_address if c in "0123456789abcdefABCDEF")
    if len(digits) >= 4 and digits.strip("0"):
        return SSID_PREFIX + digits[-4:].upper()
    try:
        with open(machine_id_file, "rb") as f:
            seed = f.read().strip()
    except OSError:
        seed = b""
    return SSID_PREFIX + hashlib.sha256(seed or b"ovos").hexdigest()[:4].upper()
