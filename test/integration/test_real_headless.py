"""Real stack, headless: balena-wifi runs the stand-in wifi-connect to success or to failure (scenarios 2, 3)."""
from typing import Callable

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T

from .harness import (BALENA, BALENA_FLOW_TIMEOUT, BALENA_PHAL_NAME, EVENT_TIMEOUT, GUI_CLIENT, RealStack)

pytestmark = pytest.mark.integration

# balena-wifi gives up after this many failed runs of wifi-connect (its _max_errors).
BALENA_TRIES = 5


def test_headless_launch_runs_balena_to_success_and_completes_the_round_once(
        real_stack: Callable[..., RealStack]) -> None:
    """user.activated: balena is activated, wifi-connect succeeds, balena is removed, the round completes once."""
    stack = real_stack(gui="never")
    ids = {name: reply[T.K_ID] for name, reply in stack.start().items()}
    stack.set_wifi_connect("success")
    probe = stack.probe

    since = probe.mark()
    probe.emit(T.USER_ACTIVATED)
    probe.wait_for(T.SETUP_LAUNCHED, EVENT_TIMEOUT, since=since)
    probe.wait_for(T.activate_topic(ids[BALENA]), EVENT_TIMEOUT, since=since)
    # balena walks wifi-connect's output: the "join the access point" page, then its own completion.
    stack.wait_from_skill("gui.page.show", BALENA_PHAL_NAME, since)
    probe.wait_for(T.WIFI_SETUP_COMPLETED, BALENA_FLOW_TIMEOUT, since=since,
                   where=lambda m: m.context.get("skill_id") != T.PLUGIN_ID)
    removal = probe.wait_for(T.REMOVE_ACTIVE_CLIENT, EVENT_TIMEOUT, since=since)
    assert removal.data == {T.K_CLIENT: BALENA_PHAL_NAME}, "balena's own request, as released"

    # Its request ends its session before anyone reports the internet.
    probe.wait_for(T.deactivate_topic(ids[BALENA]), EVENT_TIMEOUT, since=since)
    assert stack.status()["active_client"] is None
    assert probe.count(T.SHELL_STATUS_OK, since) == 0

    told = probe.mark()
    probe.emit(T.INTERNET_CONNECTED)
    probe.wait_for(T.STOP_SETUP, EVENT_TIMEOUT, since=told)
    stack.quiet_period()

    ours = [m.msg_type for m in probe.messages(since=told) if m.context.get("skill_id") == T.PLUGIN_ID
            and m.msg_type in (T.WIFI_SETUP_COMPLETED, T.SHELL_STATUS_OK, T.STOP_SETUP)]
    # balena announced the completion itself: the plugin does not say it a second time.
    assert ours == [T.SHELL_STATUS_OK, T.STOP_SETUP]
    assert probe.count(T.WIFI_SETUP_COMPLETED, since) == 1
    assert probe.count(T.SHELL_STATUS_OK, since) == 1
    assert probe.count(T.STOP_SETUP, since) == 1
    assert probe.count(T.activate_topic(ids[BALENA]), since) == 1
    assert probe.count(T.activate_topic(ids[GUI_CLIENT]), since) == 0, "GUISetup needs input: never picked headless"
    assert [run["mode"] for run in stack.wifi_connect_runs()] == ["success"]
    assert stack.wifi_connect_runs()[0]["argv"] == ["--portal-ssid", "OVOS"]
    status = stack.status()
    assert status["in_setup"] is False and status["active_client"] is None and status["internet"] is True


def test_headless_failure_ends_balena_and_reports_setup_failed(real_stack: Callable[..., RealStack]) -> None:
    """wifi-connect always errors: balena gives up and is deactivated; no other headless client, so setup.failed."""
    # verify_timeout: how long the plugin waits for the internet after a client left; short, since none comes here.
    stack = real_stack(gui="never", verify_timeout=5)
    ids = {name: reply[T.K_ID] for name, reply in stack.start().items()}
    stack.set_wifi_connect("error")
    probe = stack.probe

    since = probe.mark()
    probe.emit(T.USER_ACTIVATED)
    probe.wait_for(T.activate_topic(ids[BALENA]), EVENT_TIMEOUT, since=since)
    # balena retries wifi-connect, showing its "Connection Failed" page each time, then asks to be removed.
    removal = probe.wait_for(T.REMOVE_ACTIVE_CLIENT, BALENA_FLOW_TIMEOUT, since=since)
    assert removal.data == {T.K_CLIENT: BALENA_PHAL_NAME}
    assert [run["mode"] for run in stack.wifi_connect_runs()] == ["error"] * BALENA_TRIES

    probe.wait_for(T.deactivate_topic(ids[BALENA]), EVENT_TIMEOUT, since=since)
    failed = probe.wait_for(T.SETUP_FAILED, EVENT_TIMEOUT, since=since)
    assert isinstance(failed.data.get(T.K_ERROR), str) and failed.data[T.K_ERROR]

    assert probe.count(T.activate_topic(ids[GUI_CLIENT]), since) == 0, "GUISetup needs input: never picked headless"
    assert probe.count(T.activate_topic(ids[BALENA]), since) == 1, "a failed client is not tried again this round"
    assert probe.count(T.SHELL_STATUS_OK, since) == 0
    assert not [m for m in probe.messages(T.WIFI_SETUP_COMPLETED, since)]
    status = stack.status()
    assert status["in_setup"] is False and status["active_client"] is None
