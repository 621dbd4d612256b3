"""Fixtures for the hotspot tests: NetworkManager stood in for by python-dbusmock on a private system bus, and the
package's log lines at every level (the package logger's own level would drop DEBUG before pytest's caplog)."""
import logging
import socket
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.log import PACKAGE

from helpers import NS, wait_until
from stack import free_port
from hotspot.nm_mock import MockNetworkManager, add_standard_scene
from hotspot.phone import Phone

HOTSPOT = t.HOTSPOT_CLIENT_NAME
WAIT = 20.0


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


@pytest.fixture
def hotspot(bus: Any, recorder: Any, nm_mock: MockNetworkManager,
            make_plugin: Callable[..., Any]) -> Callable[..., Tuple[Any, Phone]]:
    """The manager, headless, with its hotspot method ("auto") over the mock; returns (plugin, phone)."""

    def build(**config: Any) -> Tuple[Any, Phone]:
        phone = Phone(free_port(), free_port(socket.SOCK_DGRAM))
        config = {"gui": "never", "hotspot_client": "auto", "hotspot_address": "127.0.0.1",
                  "hotspot_http_port": phone.http_port, "hotspot_dns_port": phone.dns_port,
                  "hotspot_join_timeout": 10, **config}
        plugin = make_plugin(**config)
        wait_until(lambda: registered(recorder), WAIT) or pytest.fail("the hotspot method never registered")
        return plugin, phone

    return build


def registered(recorder: Any) -> List[Dict[str, Any]]:
    """The hotspot method's client.registered payloads, in order."""
    return [d for d in recorder.of(NS + "client.registered") if d["client"] == HOTSPOT]
