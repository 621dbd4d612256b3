"""On the real stack: ovos_PHAL loads our plugin, and the released clients register with it (scenario 1)."""
import uuid
from typing import Callable

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T

from .harness import BALENA, BALENA_PHAL_NAME, GUI_CLIENT, PLUGIN_LOADED_LINE, RealStack

pytestmark = pytest.mark.integration


def _is_uuid4(value: object) -> bool:
    """Tell whether a value is the canonical text of a version-4 UUID."""
    try:
        parsed = uuid.UUID(str(value))
    except ValueError:
        return False
    return parsed.version == 4 and str(parsed) == value


def test_ovos_phal_loads_the_plugin_through_its_opm_entry_point(real_stack: Callable[..., RealStack]) -> None:
    """ovos_PHAL logs our plugin as loaded and warns about old entry points of others, never ours."""
    stack = real_stack(gui="never")
    stack.start_bus()
    status = stack.start_phal()

    log = stack.phal.log_text()
    assert log.count(PLUGIN_LOADED_LINE) == 1
    old_style = [line for line in log.splitlines() if "old style entrypoint detected" in line]
    # balena still publishes under the deprecated group, which shows the warning is visible here.
    assert any(BALENA_PHAL_NAME in line for line in old_style), log
    assert not any(T.PLUGIN_ID in line for line in old_style), old_style
    assert status["state"] == "idle" and status["clients"] == []


def test_both_released_clients_register_and_get_uuid4_ids(real_stack: Callable[..., RealStack]) -> None:
    """balena-wifi and GUISetup register over the bus, get uuid4 ids, and status lists both."""
    stack = real_stack(gui="never")
    replies = stack.start()

    for name, reply in replies.items():
        assert reply[T.K_CLIENT] == name
        assert _is_uuid4(reply[T.K_ID]) and reply[T.K_ID_LONG] == reply[T.K_ID]
    assert replies[BALENA][T.K_ID] != replies[GUI_CLIENT][T.K_ID]
    assert replies[BALENA][T.K_TYPE] == replies[BALENA][T.K_TYPE_LONG] == "Remote"
    assert replies[BALENA][T.K_REQUIRES_INPUT] is False
    assert replies[GUI_CLIENT][T.K_TYPE] == "onDevice" and replies[GUI_CLIENT][T.K_REQUIRES_INPUT] is True

    listed = {record[T.K_CLIENT]: record for record in stack.status()["clients"]}
    assert set(listed) == {BALENA, GUI_CLIENT}
    for name, reply in replies.items():
        assert listed[name][T.K_ID] == reply[T.K_ID]
        assert listed[name][T.K_DISPLAY_TEXT] == listed[name][T.K_DISPLAY_TEXT_LONG] == reply[T.K_DISPLAY_TEXT]
