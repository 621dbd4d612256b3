"""The hotspot client's loop plumbing: running a coroutine to its end from another thread, logging what escapes a
task, starting and stopping the servers, binding while the access point's address is not there yet."""
import asyncio
import errno
from typing import Any, List

from ovos_PHAL_plugin_wifi_setup.log import LOG
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.dns import CatchAllDns
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.web import SetupServer

# The access point's address appears a moment after NetworkManager reports the connection active.
BIND_RETRY_FOR = 10.0
BIND_RETRY_EVERY = 0.5
# How long shutdown() waits for the access point to go down.
SHUTDOWN_WAIT = 15.0


def run_to_end(loop: asyncio.AbstractEventLoop, coroutine: Any, when: str) -> None:
    """Run a coroutine on the client's loop from another thread and wait for it, at most SHUTDOWN_WAIT: a
    NetworkManager that hangs must not hold up ovos_PHAL's shutdown or the interpreter's exit."""
    try:
        asyncio.run_coroutine_threadsafe(coroutine, loop).result(SHUTDOWN_WAIT)
    except Exception:  # a hang or a failure: the log says so, the stop goes on
        LOG.exception(f"the hotspot could not be taken down {when}")


async def logged(coroutine: Any) -> None:
    """Await a coroutine on the loop; what escapes it is logged, never lost silently."""
    try:
        await coroutine
    except asyncio.CancelledError:
        pass
    except Exception:  # the loop's boundary
        LOG.exception("a hotspot task failed")


async def stop_servers(servers: List[Any]) -> None:
    """Stop each server; one's trouble does not keep the others up."""
    for server in servers:
        try:
            await server.stop()
        except Exception:  # a server's own failure at stop: logged, the rest still stop
            LOG.exception("a hotspot server did not stop cleanly")


async def bind(server: Any, address: str) -> None:
    """Start a server, waiting a moment while its address is not there yet (the access point just came up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BIND_RETRY_FOR
    while True:
        try:
            await server.start()
            return
        except OSError as e:
            if e.errno != errno.EADDRNOTAVAIL or loop.time() >= deadline:
                raise
            LOG.debug(f"{address} is not there yet; binding again")
            await asyncio.sleep(BIND_RETRY_EVERY)


async def start_servers(servers: List[Any], backend: Any, address: str, http_port: int, dns_port: int) -> None:
    """The page (it must start: its OSError is the caller's) and the catch-all DNS (the page works without it,
    through NetworkManager's dnsmasq configured for it; `dns_port` 0: none), each added to `servers` as it listens,
    so that a teardown stops what started."""
    web = SetupServer(backend, address, http_port)
    await bind(web, address)
    servers.append(web)
    LOG.info(f"the setup page is at {web.portal_url}")
    if dns_port == 0:
        return
    dns = CatchAllDns(answer=address, address=address, port=dns_port)
    try:
        await bind(dns, address)
    except OSError as e:
        LOG.warning(f"the catch-all DNS could not listen on {address}:{dns_port} ({e.strerror}); phones find the "
                    "page only if NetworkManager's dnsmasq answers every name (the file of hotspot_dnsmasq_dir, or "
                    "ovos-wifi-setup install-portal)")
        return
    servers.append(dns)
