"""Fixtures for the hotspot tests: NetworkManager stood in for by python-dbusmock on a private system bus, and the
package's log lines at every level (the package logger's own level would drop DEBUG before pytest's caplog)."""
import logging
from typing import Callable, Iterator, List

import pytest

from ovos_PHAL_plugin_wifi_setup.log import PACKAGE

from hotspot.nm_mock import MockNetworkManager, add_standard_scene


@pytest.fixture
def nm_mock_factory() -> Iterator[Callable[[], MockNetworkManager]]:
    """Start bare mocks (no device) on demand; each is stopped when the test ends (the last one started first,
    so DBUS_SYSTEM_BUS_ADDRESS is restored in order)."""
    started: List[MockNetworkManager] = []

    def start() -> MockNetworkManager:
        mock = MockNetworkManager()
        started.append(mock)
        return mock.start()

    yield start
    for mock in reversed(started):
        mock.stop()


@pytest.fixture
def nm_mock(nm_mock_factory: Callable[[], MockNetworkManager]) -> MockNetworkManager:
    """A started mock with Wi-Fi device wlan0 and the standard scene (see nm_mock.add_standard_scene)."""
    mock = nm_mock_factory()
    add_standard_scene(mock)
    return mock


class LogLines(logging.Handler):
    """Every line the package (and asyncio) logs while installed, at every level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs() -> Iterator[LogLines]:
    """The package's log lines (DEBUG and up) during the test."""
    from ovos_utils.log import LOG as OVOS_LOG
    handler = LogLines()
    loggers = [OVOS_LOG.create_logger(f"{OVOS_LOG.name} - {PACKAGE}"), logging.getLogger("asyncio")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in zip(loggers, levels):
        logger.removeHandler(handler)
        logger.setLevel(level)
