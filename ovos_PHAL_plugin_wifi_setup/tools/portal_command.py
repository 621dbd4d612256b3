"""`ovos-wifi-setup install-portal`: install, once and as root, the file that makes NetworkManager's shared-mode
dnsmasq open the setup page (methods/hotspot/portal.py), where the plugin may not write it itself."""
import argparse
import ipaddress
from typing import TextIO

from ovos_PHAL_plugin_wifi_setup.methods.hotspot.portal import DEFAULT_DIR, FILE_NAME, install, page_url
from ovos_PHAL_plugin_wifi_setup.tools.console import EXIT_OK, fail

DEFAULT_ADDRESS = "10.42.0.1"  # NetworkManager's shared address, the hotspot's unless hotspot_address says another
DEFAULT_HTTP_PORT = 80
DESCRIPTION = (
    f"Write {FILE_NAME} into NetworkManager's shared-mode dnsmasq directory (default {DEFAULT_DIR}): NetworkManager's "
    "dnsmasq then answers every name with the setup page's address and names the page in each phone's DHCP lease "
    "(option 114, RFC 8910), so that the phone opens it by itself. Run it once as root where the plugin may not write "
    "that directory (the plugin says so at WARNING, with this command and the values it needs); it writes that one "
    "file and nothing else, and a second run changes nothing. --address and --http-port are the plugin's "
    "hotspot_address and hotspot_http_port.")


def ipv4(text: str) -> str:
    """Read --address: a dotted IPv4 address."""
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IPv4 address") from None


def http_port(text: str) -> int:
    """Read --http-port: 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1 to 65535)")
    return value


def add_arguments(command: argparse.ArgumentParser) -> None:
    """The command's options."""
    command.add_argument("--dir", default=DEFAULT_DIR, help=f"the directory (default {DEFAULT_DIR})")
    command.add_argument("--address", type=ipv4, default=DEFAULT_ADDRESS,
                         help=f"the setup page's address (default {DEFAULT_ADDRESS})")
    command.add_argument("--http-port", type=http_port, default=DEFAULT_HTTP_PORT,
                         help=f"the setup page's port (default {DEFAULT_HTTP_PORT})")


def cmd_install_portal(args: argparse.Namespace, out: TextIO) -> int:
    """Install the file; say what was done, or why it could not be."""
    path = f"{args.dir.rstrip('/') or '/'}/{FILE_NAME}"
    url = page_url(args.address, args.http_port)
    try:
        written = install(args.dir, args.address, args.http_port)
    except OSError as error:
        return fail(f"could not write {path}: {error.strerror or type(error).__name__} "
                    "(run it as root: sudo ovos-wifi-setup install-portal)")
    if written:
        print(f"installed {path}: NetworkManager's dnsmasq names {url} to phones from the next time the hotspot "
              "opens", file=out)
    else:
        print(f"{path} is installed already ({url}); nothing changed", file=out)
    return EXIT_OK
