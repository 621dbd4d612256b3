"""Fixtures for the hotspot tests: NetworkManager stood in for by python-dbusmock on a private system bus."""
from typing import Callable, Iterator, List

import pytest

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
