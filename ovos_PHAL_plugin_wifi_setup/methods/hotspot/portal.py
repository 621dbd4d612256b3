"""NetworkManager's shared-mode dnsmasq made to open the setup page: one file in its dnsmasq-shared.d directory.

In shared mode NetworkManager runs its own dnsmasq on the access point's address (port 53 included) with
`--conf-dir=/etc/NetworkManager/dnsmasq-shared.d` (when that directory exists), so our own catch-all DNS cannot
listen there. The file this module writes makes that dnsmasq do what ours would: answer every name with the page's
address (`address=/#/`), and hand each phone the page's URL in its DHCP lease (option 114, RFC 8910's captive
portal URI; forced, as not every client asks for it). A session writes it before the access point activates and
removes it when it ends; `ovos-wifi-setup install-portal` installs it for good where the plugin may not write there.
"""
import ipaddress
import os
from pathlib import Path
from typing import Optional

from ovos_PHAL_plugin_wifi_setup.log import LOG

DEFAULT_DIR = "/etc/NetworkManager/dnsmasq-shared.d"
FILE_NAME = "ovos-wifi-setup.conf"
CAPTIVE_PORTAL_OPTION = 114  # RFC 8910
# The first line tells a session's file (removed when the session ends, or at the next start after a crash) from
# the one install-portal put there (left alone).
SESSION_MARK = "# ovos-wifi-setup: written for one hotspot session and removed when it ends"
INSTALLED_MARK = "# ovos-wifi-setup install-portal: NetworkManager's shared-mode dnsmasq opens the setup page"
FIX_COMMAND = "sudo ovos-wifi-setup install-portal"
# What the URL may hold: ours is made of an IPv4 address and a port, and nothing here can end dnsmasq's quoted
# string or its line.
URL_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/.-")


def page_url(address: str, port: int) -> str:
    """The setup page's URL: http://ADDRESS/, with :PORT when it is not 80 (as the page's own portal_url)."""
    return f"http://{address}/" if port == 80 else f"http://{address}:{port}/"


def content(address: str, port: int, mark: str = SESSION_MARK) -> str:
    """The file's text for the page at `address` (a dotted IPv4) and `port` (1 to 65535); ValueError otherwise."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        raise ValueError(f"not an IPv4 address: {address!r}") from None
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"not a port: {port!r}")
    url = page_url(str(ip), port)
    if not set(url) <= URL_CHARACTERS:  # cannot happen with the checks above; the file's syntax depends on it
        raise ValueError("the page's URL holds a character dnsmasq's file cannot take")
    return (f"{mark}\n"
            f"# every name answers with the setup page's address; DHCP option {CAPTIVE_PORTAL_OPTION} (RFC 8910) "
            "names the page\n"
            f"address=/#/{ip}\n"
            f'dhcp-option-force={CAPTIVE_PORTAL_OPTION},"{url}"\n')


def fix_command(directory: str, address: str, port: int) -> str:
    """The command that installs the file, naming each value that is not install-portal's default."""
    parts = [FIX_COMMAND]
    if directory != DEFAULT_DIR:
        parts.append(f"--dir {directory}")
    if address != "10.42.0.1":
        parts.append(f"--address {address}")
    if port != 80:
        parts.append(f"--http-port {port}")
    return " ".join(parts)


def _rules(text: str) -> str:
    """The lines dnsmasq reads (comments left out): an installed file is as good as a session's when they match."""
    return "\n".join(line for line in text.splitlines() if line and not line.startswith("#"))


def install(directory: str, address: str, port: int, mark: str = INSTALLED_MARK) -> bool:
    """Write the file into `directory` (made if missing, with its parents) unless it already says the same: True
    when it was written. OSError where the directory may not be written."""
    text = content(address, port, mark)
    path = Path(directory) / FILE_NAME
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside it under a name dnsmasq skips (a leading dot), then renamed: dnsmasq never reads half a file.
    part = path.with_name(f".{FILE_NAME}.part")
    try:
        part.write_text(text, encoding="utf-8")
        os.chmod(part, 0o644)
        os.replace(part, path)
    except OSError:
        part.unlink(missing_ok=True)
        raise
    return True


class PortalFile:
    """The file one client's sessions write and remove; where it may not, a WARNING once with the fix."""

    def __init__(self, directory: str, address: str, port: int) -> None:
        """`directory` empty: no file at all (the device maker's choice). `port` 0: the page's port is not known
        in advance, no file either."""
        self.directory = directory
        self.path: Optional[Path] = Path(directory) / FILE_NAME if directory and port else None
        self._address = address
        self._port = port
        self._written = False
        self._warned = False

    def write(self) -> bool:
        """Before the access point activates: write the file (True); False where it is not written, with a
        WARNING the first time unless install-portal's file already says the same (that one is never touched)."""
        if self.path is None:
            return False
        if not os.path.isdir(self.directory):
            # NetworkManager passes --conf-dir only for a directory that exists: no file of ours makes one.
            return self._missing("its directory does not exist")
        installed = self._installed(self.path)
        if installed is not None:  # install-portal's, left as it is
            return False if installed else self._missing("install-portal's file there names another address or port")
        try:
            install(self.directory, self._address, self._port, SESSION_MARK)
        except OSError as e:
            return self._missing(e.strerror or type(e).__name__)
        self._written = True
        LOG.info(f"NetworkManager's dnsmasq opens the setup page ({self.path})")
        return True

    def remove(self) -> None:
        """At the session's end (and at exit): the file goes, where this client wrote it."""
        if self._written and self.path is not None:
            self._written = False
            self._unlink(self.path, "the session's")

    def remove_stale(self) -> bool:
        """At start: a session's file a crash left goes (install-portal's stays); True when one was removed."""
        if self.path is None:
            return False
        try:
            with open(self.path, encoding="utf-8") as f:
                stale = f.readline().rstrip("\n") == SESSION_MARK
        except (OSError, UnicodeDecodeError):
            return False
        return stale and self._unlink(self.path, "an earlier run's")

    def _installed(self, path: Path) -> Optional[bool]:
        """Where install-portal's file is there: True when it says what this session's would, else False; None
        where it is not."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if not text.startswith(INSTALLED_MARK):
            return None
        return _rules(text) == _rules(content(self._address, self._port))

    def _missing(self, why: str) -> bool:
        """Say once, at WARNING, which file is missing and the command that installs it; False."""
        if not self._warned:
            self._warned = True
            LOG.warning(f"{self.path} could not be written ({why}): where NetworkManager's dnsmasq holds port 53, "
                        "phones may not open the setup page by themselves; run once: "
                        f"{fix_command(self.directory, self._address, self._port)}")
        return False

    @staticmethod
    def _unlink(path: Path, whose: str) -> bool:
        """Remove the file; a failure is logged, never raised (the teardown goes on)."""
        try:
            path.unlink(missing_ok=True)
        except OSError as e:
            LOG.warning(f"{whose} {path} could not be removed ({e.strerror or type(e).__name__})")
            return False
        LOG.info(f"removed {whose} {path}")
        return True
