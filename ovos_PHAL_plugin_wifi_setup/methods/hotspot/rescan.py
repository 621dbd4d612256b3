"""A rescan while the setup network is up: NetworkManager refuses a scan on a device that is an access point, so
where it does the access point goes down for the scan and comes back with the same SSID and passphrase (the phone
rejoins it); one rescan per RESCAN_INTERVAL seconds in a session, so that a station cannot keep toggling the AP."""
import asyncio
from typing import Awaitable, Callable, List, Optional, Tuple

from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm import (AccessPoint, NetworkManager, NMUnavailable, Profile,
                                                            ScanRefused, WifiDevice)

RESCAN_INTERVAL = 10.0  # seconds between two rescans of one session


async def rescan(nm: NetworkManager, device: WifiDevice, ap: Optional[Profile],
                 reopen: Callable[[], Awaitable[Profile]],
                 wait: float) -> Tuple[Optional[List[AccessPoint]], Optional[Profile]]:
    """The networks of a fresh scan (None where the scan failed: the list stays) and the access point afterwards:
    `ap` where the device scanned as it was, else the one `reopen` opened after the scan (an exception of `reopen`
    goes to the caller: the session ends). Cancelled (the session's teardown), it opens nothing again."""
    try:
        return await nm.scan(device, wait=wait, strict=True), ap
    except ScanRefused as e:
        LOG.info(f"the device cannot scan as an access point ({e}): the setup network drops for the scan")
    await nm.stop(ap)
    networks: Optional[List[AccessPoint]] = None
    try:
        networks = await nm.scan(device, wait=wait)
    except NMUnavailable as e:
        LOG.warning(f"the rescan failed ({e}): the list stays as it was")
    return networks, await reopen()


class RescanGate:
    """A session's rescans: one at a time, and one per RESCAN_INTERVAL (loop time) at most."""

    def __init__(self) -> None:
        self.running = False
        self.task: Optional["asyncio.Task[None]"] = None  # the rescan running, cancelled by the session's teardown
        self._last: Optional[float] = None

    def ask(self, now: float) -> float:
        """0.0 when a rescan may start now (it is then running), else the seconds to wait (at least 1)."""
        left = 0.0 if self._last is None else self._last + RESCAN_INTERVAL - now
        if self.running or left > 0:
            return max(left, 1.0)
        self.running, self._last = True, now
        return 0.0
