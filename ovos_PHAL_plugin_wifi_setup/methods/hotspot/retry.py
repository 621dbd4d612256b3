"""A join from the page, tried once more by itself after a failure that is not a wrong password.

A timeout, a network out of reach (the radio had just stopped being an access point and had not heard the network
yet) or a failure NetworkManager gives no reason for often passes on a second try; a wrong password does not, and a
network that locks out after wrong keys would count it, so it is never tried again. The same settings go to
NetworkManager both times (nm.py deletes the failed attempt's profile and saves them again); only the second
outcome counts, and until then the page says "connecting".
"""
import asyncio
from typing import Union

from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.nm import JoinFailed, NetworkManager, WifiDevice
from ovos_PHAL_plugin_wifi_setup.readable import quoted

# The JoinFailed reasons never tried again.
NOT_RETRIED = frozenset({"wrong_password"})
# Before the one retry: NetworkManager has just taken the failed attempt's device back to DISCONNECTED.
RETRY_PAUSE = 1.0


def retried(reason: str) -> bool:
    """True for a failed join worth one more try by itself: every reason but a wrong password."""
    return reason not in NOT_RETRIED


async def join_with_retry(nm: NetworkManager, device: WifiDevice, ssid: Union[str, bytes], password: str,
                          security: str, timeout: float, name: str, hidden: bool = False) -> None:
    """nm.join (`name` the SSID as text, for the log; `hidden` for a network that does not broadcast its name), and
    once more after RETRY_PAUSE where the first failure is one `retried` takes; the second JoinFailed propagates, as
    does a wrong password's first."""
    try:
        await nm.join(device, ssid, password, security, timeout, hidden=hidden)
    except JoinFailed as e:
        if not retried(e.reason):
            raise
        LOG.info(f"joining {quoted(name)} failed ({e.reason}): trying once more")
        await asyncio.sleep(RETRY_PAUSE)
        await nm.join(device, ssid, password, security, timeout, hidden=hidden)
