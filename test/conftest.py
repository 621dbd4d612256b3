"""Test set-up shared by every layer: a throwaway XDG tree and TMPDIR before any OVOS module reads config.

Both live in one session folder in the system's temporary directory, removed when the session ends: a run
leaves nothing there (a run with failures keeps it for inspection and says where it is).
"""
import atexit
import os
import shutil
import tempfile

_SESSION_ROOT = tempfile.mkdtemp(prefix="wifi-setup-test-")
# Everything the tests and the processes they start put in "the temporary directory" (pytest's tmp_path,
# tempfile.mkdtemp, a client's lock file) lands in the session folder too: children inherit TMPDIR.
_TMP = os.path.join(_SESSION_ROOT, "tmp")
os.makedirs(_TMP)
os.environ["TMPDIR"] = _TMP
tempfile.tempdir = _TMP
# ovos_config creates ~/.config/mycroft on import and GUIInterface copies pages to $XDG_CACHE_HOME:
# point all of it at a temporary tree before any test module imports OVOS code.
_XDG_ROOT = os.path.join(_SESSION_ROOT, "xdg")
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = os.path.join(_XDG_ROOT, _var.lower())
    os.makedirs(os.environ[_var], exist_ok=True)

# No test may reach this machine's system D-Bus (the hotspot method looks for NetworkManager there): the system
# bus is a socket that does not exist, unless a test starts NetworkManager's stand-in on a private bus
# (test/hotspot/nm_mock.py), and the processes the tests start inherit that.
os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + os.path.join(_SESSION_ROOT, "no-system-bus")

_KEEP_ON = (1, 3)  # pytest's exit codes "tests failed" and "internal error"
_session = {"keep": False}


def _remove_session_root() -> None:
    """Delete the session folder unless the session failed (idempotent: unconfigure, then atexit)."""
    if not _session["keep"]:
        shutil.rmtree(_SESSION_ROOT, ignore_errors=True)


# A backstop for whatever is still written there after pytest has finished (interpreter shutdown).
atexit.register(_remove_session_root)


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
    from helpers import MANAGER_ONLY, NO_SETTLE
    made: List[Any] = []

    def build(**config: Any) -> Any:
        config.setdefault("enable_watchdog", False)
        for key, value in {**NO_SETTLE, **MANAGER_ONLY}.items():  # see helpers
            config.setdefault(key, value)
        config.setdefault("network_tests", LOOPBACK_NETWORK_TESTS)
        config.setdefault("state_file", str(tmp_path / "state.json"))
        # Never the system's dnsmasq-shared.d (the tests may run as root): a folder of the test's, not made.
        config.setdefault("hotspot_dnsmasq_dir", str(tmp_path / "dnsmasq-shared.d"))
        plugin = WifiSetupPlugin(bus=bus, config=config)
        made.append(plugin)
        # The plugin's thread sends the start-up messages and starts the built-in methods: tests begin after.
        assert plugin.started.wait(10), "the plugin's thread did not start it"
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


def pytest_runtest_logreport(report: Any) -> None:
    """A failed test keeps this process's session folder (each pytest-xdist worker has one of its own)."""
    if report.failed:
        _session["keep"] = True


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int) -> None:
    """Keep the session folder when tests failed, and say where it is."""
    if int(exitstatus) in _KEEP_ON:
        _session["keep"] = True
        terminalreporter.write_sep("-", f"kept for inspection (tests failed): {_SESSION_ROOT} and the "
                                        f"workers' wifi-setup-test-* beside it in {os.path.dirname(_SESSION_ROOT)}")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The session is over (every fixture finalised): remove the folder."""
    _remove_session_root()
