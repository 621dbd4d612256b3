"""Real stack: ovos_PHAL stopped as a service manager stops it (SIGTERM, SIGKILL after a bound), then started again.

ovos_PHAL 0.2.12 ends on SIGTERM without calling any plugin's shutdown(): what the plugin keeps must already
be on disk, and the next start must not take up the round that was open when the service stopped.
"""
from typing import Any, Callable, Dict, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T

from .harness import BALENA, EVENT_TIMEOUT, GUI_CLIENT, START_TIMEOUT, RealStack
from stack import wait_until

pytestmark = pytest.mark.integration

# No connectivity plugin runs in this ovos_PHAL: the test reports connectivity as one would, and the
# plugin's own checks (which wait reporter_wait for a reporter) stay out of the way.
WATCHDOG_ON_FIRST_BOOT = {"enable_watchdog": True, "first_boot": True, "reporter_wait": 600,
                          # Offline on the first boot, the watchdog launches at once; after it, only after grace.
                          "grace_first_boot": 0, "grace": 600}


def _state_dir_files(stack: RealStack) -> List[str]:
    """Every file in the plugin's state folder (a temp file of an interrupted write would show here)."""
    return sorted(path.name for path in stack.state_file.parent.iterdir())


def _wait_saved(stack: RealStack, **expected: Any) -> Dict[str, Any]:
    """Wait until the state file holds the expected values; return its content."""
    def holds() -> Any:
        try:
            saved = stack.saved_state()
        except (OSError, ValueError):
            return None
        return saved if all(saved.get(key) == value for key, value in expected.items()) else None

    return wait_until(holds, EVENT_TIMEOUT, what=f"{expected} in {stack.state_file}")


def _restart_phal(stack: RealStack) -> Dict[str, str]:
    """Start ovos_PHAL again; return the ids the still-running clients got when they registered again."""
    restarted = stack.probe.mark()
    stack.start_phal()
    return {name: stack.wait_registered(name, restarted)[T.K_ID] for name in (BALENA, GUI_CLIENT)}


def _report_offline(stack: RealStack) -> Dict[str, Any]:
    """Report the device offline, as a connectivity plugin does at its start; return the plugin's status after it."""
    stack.probe.emit(T.INTERNET_DISCONNECTED)
    return wait_until(lambda: (lambda s: s if s["internet"] is False else None)(stack.status()),
                      START_TIMEOUT, interval=0.2, what="the plugin taking the device as offline")


def test_phal_stopped_mid_round_keeps_first_boot_over_and_the_next_start_opens_no_round(
        real_stack: Callable[..., RealStack]) -> None:
    """SIGTERM while balena runs its hotspot: no stop.setup.event, the file intact; the next start is idle."""
    stack = real_stack(gui="never", **WATCHDOG_ON_FIRST_BOOT)
    stack.set_wifi_connect("portal")
    old_ids = {name: reply[T.K_ID] for name, reply in stack.start("balena", "gui-network").items()}
    probe = stack.probe

    # The device was online once: the first boot is over. Then the network went away.
    probe.emit(T.INTERNET_CONNECTED)
    _wait_saved(stack, first_boot=False)
    _report_offline(stack)
    # The user asks for setup: balena is activated and its hotspot comes up.
    opened = probe.mark()
    probe.emit(T.USER_ACTIVATED)
    probe.wait_for(T.activate_topic(old_ids[BALENA]), EVENT_TIMEOUT, since=opened)
    hotspot = wait_until(stack.hotspot_running, EVENT_TIMEOUT, what="the stand-in wifi-connect running")
    assert stack.status()["state"] == "active"
    saved_before = _wait_saved(stack, first_boot=False, watchdog_on=True)

    stopping = probe.mark()
    assert stack.stop_phal() == "SIGTERM", "nothing of the plugin keeps ovos_PHAL from ending on SIGTERM"
    stack.quiet_period()

    # ovos_PHAL 0.2.12 calls no shutdown(): the round is not closed on the bus, nobody is deactivated.
    assert probe.count(T.STOP_SETUP, stopping) == 0
    assert probe.count(T.deactivate_topic(old_ids[BALENA]), stopping) == 0
    # balena, in a process of its own, was not told: its hotspot is still up.
    assert stack.hotspot_running() == hotspot
    # Every decision survived, whole: the file parses, nothing else was left in its folder.
    assert stack.saved_state() == saved_before
    assert _state_dir_files(stack) == [stack.state_file.name]

    new_ids = _restart_phal(stack)
    # The registry lives in memory: the new process hands out new ids.
    assert not set(new_ids.values()) & set(old_ids.values())
    status = _report_offline(stack)
    assert status["first_boot"] is False
    assert status["state"] == "idle" and status["in_setup"] is False and status["active_client"] is None
    assert status["watchdog_active"] is True
    # Offline after the first boot: the watchdog waits `grace` (600 s) and does not launch now (had the
    # file lost first_boot, grace_first_boot 0 would launch at once).
    stack.quiet_period()
    assert probe.count(T.SETUP_LAUNCHED, stopping) == 0
    assert probe.count(T.activate_topic(new_ids[BALENA]), stopping) == 0
    assert probe.count(T.STOP_SETUP, stopping) == 0
    assert stack.status()["state"] == "idle"
    assert stack.saved_state() == saved_before


def test_never_connect_survives_a_service_stop_and_the_next_start_stays_offline(
        real_stack: Callable[..., RealStack]) -> None:
    """"Never connect", then SIGTERM: after the next start the plugin reports "never" and launches nothing."""
    stack = real_stack(gui="never", **WATCHDOG_ON_FIRST_BOOT)
    stack.set_wifi_connect("portal")
    old_ids = {name: reply[T.K_ID] for name, reply in stack.start("balena", "gui-network").items()}
    probe = stack.probe
    # Offline on the first boot: the watchdog launches setup by itself, and balena's hotspot comes up.
    _report_offline(stack)
    probe.wait_for(T.activate_topic(old_ids[BALENA]), EVENT_TIMEOUT)
    wait_until(stack.hotspot_running, EVENT_TIMEOUT, what="the stand-in wifi-connect running")

    # The user taps "Never connect": the round ends and balena takes its hotspot down.
    declined = probe.mark()
    probe.emit(T.FULLY_OFFLINE_IN)
    probe.wait_for(T.STOP_SETUP, EVENT_TIMEOUT, since=declined)
    probe.wait_for(T.deactivate_topic(old_ids[BALENA]), EVENT_TIMEOUT, since=declined)
    saved_before = _wait_saved(stack, never_connect=True)
    assert stack.status()["state"] == "never"
    wait_until(lambda: not stack.hotspot_running(), EVENT_TIMEOUT, what="balena's hotspot going down")

    stopping = probe.mark()
    assert stack.stop_phal() == "SIGTERM", "nothing of the plugin keeps ovos_PHAL from ending on SIGTERM"
    assert stack.saved_state() == saved_before
    assert _state_dir_files(stack) == [stack.state_file.name]

    new_ids = _restart_phal(stack)
    assert not set(new_ids.values()) & set(old_ids.values())
    status = _report_offline(stack)
    assert status["state"] == "never" and status["watchdog_active"] is False
    assert status["first_boot"] is True, "never online: still the first boot"
    # Still the first boot, and offline: only the saved "Never connect" keeps the watchdog from launching now.
    stack.quiet_period()
    assert probe.count(T.SETUP_LAUNCHED, stopping) == 0
    assert probe.count(T.activate_topic(new_ids[BALENA]), stopping) == 0
    assert stack.status()["state"] == "never"
    assert stack.hotspot_running() == []
    assert stack.saved_state() == saved_before
