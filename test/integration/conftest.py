"""Fixtures for the real-stack tests: a private stack per test, and a session check that no process outlives it."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Dict, Generator, Iterator, List, Optional, Tuple

import pytest

# test/stack.py is shared with other test folders; pytest.ini's `pythonpath = test` puts it on
# sys.path, this line does the same when the folder is run on its own.
_TEST_DIR = str(Path(__file__).resolve().parents[1])
if _TEST_DIR not in sys.path:
    sys.path.insert(0, _TEST_DIR)

from stack import leftover_processes, stop_leftovers  # noqa: E402

from .harness import RealStack  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker for runs where pytest.ini does not (yet) declare it."""
    config.addinivalue_line("markers", "integration: runs the real OVOS services and released clients (slow)")


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """After the session, no process started by these tests may still run."""
    yield
    leftovers = leftover_processes()
    stop_leftovers()
    assert not leftovers, f"processes left running after the tests: {leftovers}"


@pytest.fixture
def real_stack(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., RealStack]]:
    """Build a private RealStack (not started); every process is stopped when the test ends."""
    built: List[RealStack] = []

    def make(gui: str = "never", in_phal: Tuple[str, ...] = (), peer_config: Optional[Dict[str, Any]] = None,
             **plugin_config: object) -> RealStack:
        """A stack whose plugin runs with ``gui`` and ``plugin_config`` in mycroft.conf, beside ``in_phal``
        (whose sections get ``peer_config``)."""
        # Never the system's dnsmasq-shared.d (the tests may run as root): a folder of the test's, not made.
        plugin_config.setdefault("hotspot_dnsmasq_dir", str(tmp_path / "dnsmasq-shared.d"))
        stack = RealStack(tmp_path / f"stack{len(built)}", gui=gui, plugin_config=dict(plugin_config),
                          in_phal=tuple(in_phal), peer_config=dict(peer_config or {}))
        built.append(stack)
        return stack

    yield make
    failed = getattr(request.node, "rep_call", None)
    for stack in built:
        if failed is not None and failed.failed:
            # The logs of the real processes are what explains a failure on the real stack.
            print(stack.diagnostics())
        stack.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator[None, Any, None]:
    """Keep each phase's report on the item, so fixtures can tell that the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
