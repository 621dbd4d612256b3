"""One named logger for the package: OVOS's handlers and level, without a stack walk on every call."""
from typing import Any

from ovos_utils.log import LOG as OVOS_LOG

PACKAGE = "ovos_PHAL_plugin_wifi_setup"


class PackageLog:
    """Stands where ovos_utils' LOG would; ovos_utils' LOG inspects the call stack for every line it logs.

    The logger is looked up on each call (a dict lookup in LOG's own cache), so a service that renames
    or re-targets LOG after import still gets our lines.
    """

    def __getattr__(self, level: str) -> Any:
        """LOG.info(...), LOG.exception(...) and the rest, on the package's logger."""
        return getattr(OVOS_LOG.create_logger(f"{OVOS_LOG.name} - {PACKAGE}"), level)


LOG = PackageLog()
