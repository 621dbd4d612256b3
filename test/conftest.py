"""Test set-up shared by every layer: a throwaway XDG tree before any OVOS module reads config."""
import os
import tempfile

# ovos_config creates ~/.config/mycroft on import and GUIInterface copies pages to $XDG_CACHE_HOME:
# point all of it at a temporary tree before any test module imports OVOS code.
_XDG_ROOT = tempfile.mkdtemp(prefix="wifi-setup-xdg-")
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = os.path.join(_XDG_ROOT, _var.lower())
    os.makedirs(os.environ[_var], exist_ok=True)


# No test may reach a public host: mycroft.conf's network_tests point at a closed loopback port.
from loopback import LOOPBACK_NETWORK_TESTS  # noqa: E402 - test/ is on sys.path (pytest.ini pythonpath)
import fuzz_profiles  # noqa: E402,F401 - registers the hypothesis profiles ("ci" by default, "long")

os.makedirs(os.path.join(os.environ["XDG_CONFIG_HOME"], "mycroft"), exist_ok=True)
with open(os.path.join(os.environ["XDG_CONFIG_HOME"], "mycroft", "mycroft.conf"), "w", encoding="utf-8") as _f:
    import json as _json
    _json.dump({"network_tests": LOOPBACK_NETWORK_TESTS}, _f)


import json  # noqa: E402 - after the XDG set-up on purpose
from typing import Any, Callable, Iterator, List, Optional, Tuple  # noqa: E402

import pytest  # noqa: E402


class Recorder:
    """Every message a FakeBus carried, in order, as (topic, data)."""

    def __init__(self, bus: Any):
        self.messages: List[Tuple[str, Any]] = []
        bus.on("message", self._record)

    def _record(self, serialized: str) -> None:
        """Keep one serialized message."""
        parsed = json.loads(serialized)
        self.messages.append((parsed["type"], parsed.get("data")))

    def topics(self) -> List[str]:
        """The topics seen, in order."""
        return [topic for topic, _ in self.messages]

    def of(self, topic: str) -> List[Any]:
        """The payloads of every message with this topic."""
        return [data for seen, data in self.messages if seen == topic]

    def last(self, topic: str) -> Optional[Any]:
        """The payload of the latest message with this topic, or None."""
        found = self.of(topic)
        return found[-1] if found else None

    def clear(self) -> None:
        """Forget what was seen so far."""
        self.messages.clear()


@pytest.fixture
def bus() -> Any:
    """A fresh FakeBus."""
    from ovos_utils.fakebus import FakeBus
    return FakeBus()


@pytest.fixture
def recorder(bus: Any) -> Recorder:
    """Records everything sent on the test's bus."""
    return Recorder(bus)


@pytest.fixture
def make_plugin(bus: Any, tmp_path: Any) -> Iterator[Callable[..., Any]]:
    """Build WifiSetupPlugin instances on the test's bus (watchdog off unless asked, state in tmp_path)."""
    from ovos_PHAL_plugin_wifi_setup import WifiSetupPlugin
    made: List[Any] = []

    def build(**config: Any) -> Any:
        config.setdefault("enable_watchdog", False)
        config.setdefault("network_tests", LOOPBACK_NETWORK_TESTS)
        config.setdefault("state_file", str(tmp_path / "state.json"))
        plugin = WifiSetupPlugin(bus=bus, config=config)
        made.append(plugin)
        return plugin

    yield build
    for plugin in made:
        plugin.shutdown()


@pytest.fixture
def check_server() -> Iterator[Any]:
    """A loopback HTTP server that answers like the network_tests url of an online device."""
    from loopback import CheckServer
    server = CheckServer()
    yield server
    server.close()


@pytest.fixture
def silent_listener() -> Iterator[Any]:
    """A loopback listener that accepts and never answers."""
    from loopback import SilentListener
    listener = SilentListener()
    yield listener
    listener.close()
