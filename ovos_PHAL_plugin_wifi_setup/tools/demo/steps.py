"""The words the demo's rounds are written in: each step a bounded wait for what must pass on the bus, counted
for the summary; the plugin loaded and stopped as ovos-PHAL does."""
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.readable import duration
from ovos_PHAL_plugin_wifi_setup.tools.console import BusUnavailable
from ovos_PHAL_plugin_wifi_setup.tools.demo.messagebus import closed_port_probes
from ovos_PHAL_plugin_wifi_setup.tools.demo.scene import STEP_TIMEOUT, StepMissed
from ovos_PHAL_plugin_wifi_setup.tools.demo.standins import NetworkManagerStandIn, SampleClient
from ovos_PHAL_plugin_wifi_setup.tools.demo.timeline import Timeline


def load_plugin(bus: Any, config: Dict[str, Any]) -> Any:
    """Load our plugin as ovos-PHAL does: through the opm.phal entry point, with bus and config."""
    from ovos_plugin_manager.phal import find_phal_plugins
    plugin_class = find_phal_plugins().get(topics.PLUGIN_ID)
    if plugin_class is None:
        raise LookupError(f"no opm.phal entry point named {topics.PLUGIN_ID}: is the package installed?")
    return plugin_class(bus=bus, config=config)


def plugin_config(**overrides: Any) -> Dict[str, Any]:
    """The plugin's config for a demo round: the watchdog acts at once, its own checks stay out of the way.

    Every other setting keeps its default; the waits they cause are narrated where they happen.
    """
    config: Dict[str, Any] = {
        "client_wait": 30, "activation_timeout": 0, "verify_timeout": 30,
        # Offline is reported on the bus, as ovos-PHAL-plugin-connectivity-events does; the
        # plugin's own probes point at a closed loopback port and are not due during the demo.
        "grace": 0, "grace_first_boot": 0, "reporter_wait": 600, "check_interval_online": 600,
        "check_interval_offline": 600, "network_tests": closed_port_probes(),
        # The plugin's own hotspot method would look for this machine's NetworkManager: round 4 runs one of its
        # own over a stand-in instead.
        "hotspot_client": "never",
    }
    config.update(overrides)
    return config


def for_client(name: str) -> Callable[[Any], bool]:
    """Match a message about one client (client.registered, deregister.client, client.deregistered)."""
    return lambda message: message.data.get(topics.K_CLIENT) == name


class Steps:
    """What every round does: wait for an expected message, follow a client's registration and sessions, start
    and stop the plugin, see the internet come back; and stop what the demo started."""

    def __init__(self, phal_bus: Any, timeline: Timeline, step_timeout: float = STEP_TIMEOUT,
                 private_bus: bool = True) -> None:
        """phal_bus plays ovos-PHAL's connection, the timeline plays the rest of OVOS; private_bus is False on a
        bus the demo did not start."""
        self.phal_bus = phal_bus
        self.private_bus = private_bus
        self.step_timeout = step_timeout
        self.tl = timeline
        self.steps: List[str] = []
        self.plugin: Any = None
        self.clients: List[SampleClient] = []
        # Per client name: its id and when its client.registered reached the observer.
        self.ids: Dict[str, str] = {}
        self.registered_at: Dict[str, float] = {}
        self.nm: Optional[NetworkManagerStandIn] = None
        self.hotspot: Any = None
        # The rounds not played, each with why.
        self.skipped: Dict[int, str] = {}

    def check(self, what: str, topic: str, since: int,
              where: Optional[Callable[[Any], bool]] = None) -> Tuple[Any, int]:
        """Wait for one expected message and count the step."""
        message, after = self.tl.expect(what, topic, since, timeout=self.step_timeout, where=where)
        self.steps.append(what)
        return message, after

    def registered(self, what: str, client: SampleClient, since: int) -> str:
        """Wait for a client's client.registered and until its kit holds that id; return the id."""
        message, after = self.check(what, topics.CLIENT_REGISTERED, since, for_client(client.name))
        client_id = str(message.data.get(topics.K_ID))
        self.registered_at[client.name] = self.tl.arrived(after)
        # The observer may hear the reply before the kit's own connection has handled it.
        deadline = time.monotonic() + self.step_timeout
        while client.kit.client_id != client_id:
            if time.monotonic() > deadline:
                raise StepMissed(f"{what}: the kit of {client.name} did not take the id {client_id}")
            time.sleep(0.02)
        return client_id

    def activated(self, what: str, client: SampleClient, client_id: str, since: int, before: int) -> int:
        """The client's activate passes on the bus, and its kit runs on_activate once more than the `before`
        times counted when the step began; return the position after the activate."""
        _, after = self.check(what, topics.activate_topic(client_id), since)
        client.wait_for(what, "activations", before + 1, self.step_timeout)
        return after

    def deactivated(self, what: str, client: SampleClient, client_id: str, since: int, before: int) -> int:
        """The client's deactivate passes, and its kit runs on_deactivate once more than `before`; return the
        position after the deactivate."""
        _, after = self.check(what, topics.deactivate_topic(client_id), since)
        client.wait_for(what, "deactivations", before + 1, self.step_timeout)
        return after

    def say_settle_wait(self, name: str) -> None:
        """Narrate the hold the plugin puts on a client's activate right after it registered."""
        settle = float(self.plugin.settings.registration_settle)
        since = time.monotonic() - self.registered_at.get(name, float("-inf"))
        if settle - since > 0.1:
            self.tl.say(f"the manager holds {name}'s activate about {duration(settle - since)} s more: it "
                        f"registered {duration(since)} s ago and may still be subscribing (registration_settle "
                        f"{duration(settle)} s)")

    def probed(self, what: str, since: int) -> None:
        """The on-screen method (screen_client "auto") asks whether network-manager runs."""
        self.check(what, topics.NM_GET_CONNECTED, since)

    def start_plugin(self, config: Dict[str, Any]) -> None:
        """Load a fresh plugin instance with config."""
        self.plugin = load_plugin(self.phal_bus, config)

    def stop_plugin(self) -> None:
        """Shut the current plugin instance down."""
        if self.plugin is not None:
            plugin, self.plugin = self.plugin, None
            plugin.shutdown()

    def internet_comes_up(self) -> int:
        """The reporter says the internet is up: the round completes with its messages; returns the mark."""
        tl = self.tl
        mark = tl.mark()
        tl.say("connectivity-events reports: the internet is up")
        tl.emit(topics.INTERNET_CONNECTED)
        self.check("the round completes", topics.WIFI_SETUP_COMPLETED, mark)
        self.check("the shell hears all is well", topics.SHELL_STATUS_OK, mark)
        self.check("setup ends", topics.STOP_SETUP, mark)
        self.check("the device is asked to sync its clock", topics.NTP_SYNC, mark)
        return mark

    def leave(self) -> None:
        """Each sample client leaves: its deregister.client, and the manager's client.deregistered."""
        clients, self.clients = self.clients, []
        for client in clients:
            mark = self.tl.mark()
            client.shutdown()
            self.check(f"{client.name} leaves", topics.DEREGISTER_CLIENT, mark, for_client(client.name))
            self.check(f"the manager confirms {client.name} left", topics.CLIENT_DEREGISTERED, mark,
                       for_client(client.name))

    def close(self) -> None:
        """Stop what the demo started on the PHAL side; a lost bus must not stop the clean-up."""
        clients, self.clients = self.clients, []
        for client in clients:
            try:
                client.shutdown()
            except BusUnavailable:
                pass
        try:
            self.stop_plugin()
        except BusUnavailable:
            pass
        if self.nm is not None:
            self.nm.stop()
        if self.hotspot is not None:
            self.hotspot.shutdown()

