"""The plugin on FakeBus: what a close review of 2.0.0 found, one regression test per defect."""
from typing import Any, Callable, List, Tuple

import pytest
from ovos_bus_client.message import Message

from ovos_PHAL_plugin_wifi_setup.manager import core as plugin_module
from ovos_PHAL_plugin_wifi_setup.manager import sessions as sessions_module
from ovos_PHAL_plugin_wifi_setup import topics as t

from helpers import NS, REMOTE, SCREEN, LogRecorder, register, send, status, wait_until

Jobs = List[Tuple[str, Callable[[], None]]]


def record_jobs(plugin: Any) -> Jobs:
    """Keep every job the plugin schedules (it is still scheduled), so a test can run one late, as a timer
    thread that took it off the queue just before the state changed would."""
    jobs: Jobs = []
    schedule = plugin._scheduler.schedule

    def keep(name: str, delay: float, job: Callable[[], None]) -> None:
        jobs.append((name, job))
        schedule(name, delay, job)

    plugin._scheduler.schedule = keep
    return jobs


def last_job(jobs: Jobs, name: str) -> Callable[[], None]:
    """The latest job scheduled under this name."""
    return [job for seen, job in jobs if seen == name][-1]


def listener_count(bus: Any) -> int:
    """Every listener the bus holds."""
    return sum(len(bus.ee.listeners(name)) for name in bus.ee.event_names())


# --------------------------------------------------------------------- 4: GUISetup and other clients leaving
def test_guisetup_still_runs_its_session_after_another_client_left(bus: Any, recorder: Any,
                                                                  make_plugin: Callable[..., Any]) -> None:
    """The released GUISetup client drops its handlers on anyone's client.deregistered; after a kit-based client
    shut down, tapping "On Device Setup" still puts GUISetup's own page on screen."""
    # network-manager 1.3.4's gui.py, from its own folder under a module name of its own (1.3.5 dropped it).
    from integration.guisetup_134 import load_guisetup
    GUISetup = load_guisetup()

    from ovos_PHAL_plugin_wifi_setup.methods.kit import NetworkSetupClient

    make_plugin(gui="always")
    guisetup = GUISetup(bus=bus, config={})
    kit = NetworkSetupClient(bus, "test-kit-client", "Set up with the kit", client_type="Remote")
    try:
        kit.start()
        kit.shutdown()  # deregisters: GUISetup hears client.deregistered too
        gui_id = [d for d in recorder.of(NS + "client.registered") if d["client"] == t.GUI_NETWORK_CLIENT_NAME][-1]
        send(bus, "user.activated")
        since = len(recorder.messages)
        send(bus, "client.select", {"client": t.GUI_NETWORK_CLIENT_NAME, "id": gui_id["id"]})
        pages = [data for topic, data in recorder.messages[since:]
                 if topic == "gui.page.show" and data.get("__from") == t.GUI_NETWORK_CLIENT_NAME]
        assert pages and pages[-1]["page_names"] == ["GuiClientLoader"]
        assert guisetup.client_active
        assert status(bus, recorder)["active_client"]["client"] == t.GUI_NETWORK_CLIENT_NAME
    finally:
        guisetup.shutdown()


# --------------------------------------------------------------------- 5: log lines a device maker reads
def test_refusal_log_lines_name_clients_in_words(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused request is logged with the client's name and id, not a Python repr."""
    logs = LogRecorder()
    for module in (plugin_module, sessions_module):
        monkeypatch.setattr(module, "LOG", logs)
    make_plugin(gui="never")
    register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "remove.active.client", {"client": "intruder", "client_id": "1234"})
    warnings = logs.at("warning")
    assert warnings == ["remove.active.client from client 'intruder' id 1234 refused: "
                        "the client in session is 'remote'"]
    assert not any("Target(" in line or "ClientRecord(" in line for _, line in logs.records)


# --------------------------------------------------------------------- 10: leaving "Never connect"
@pytest.mark.parametrize("way_out", ["skip.setup", "set.active.client"])
def test_leaving_never_connect_turns_the_watchdog_back_on_across_a_restart(
        bus: Any, recorder: Any, make_plugin: Callable[..., Any], tmp_path: Any, way_out: str) -> None:
    """After "Never connect", "Connect later" or picking a client by hand leaves it: after a restart the
    watchdog launches setup on its own again when the device is offline."""
    state_file = str(tmp_path / "never.json")
    first = make_plugin(gui="never", enable_watchdog=True, state_file=state_file)
    register(bus, recorder, REMOTE)
    send(bus, "fully.offline")
    if way_out == "skip.setup":
        send(bus, "skip.setup")
    else:
        send(bus, "set.active.client", {"client": "remote"})
        send(bus, "skip.setup")
    first.shutdown()
    recorder.clear()
    make_plugin(gui="never", enable_watchdog=True, state_file=state_file, grace=0, grace_first_boot=0)
    cid = register(bus, recorder, REMOTE)
    answer = status(bus, recorder)
    assert answer["state"] == "idle" and answer["watchdog_active"] is True
    send(bus, "mycroft.internet.disconnected")
    assert wait_until(lambda: recorder.of(NS + f"activate.{cid}"))


# --------------------------------------------------------------------- 11: stale timers
def test_a_late_activation_timer_does_not_end_the_next_session(bus: Any, recorder: Any,
                                                               make_plugin: Callable[..., Any]) -> None:
    """The timeout of an ended session, run late by the timer thread, leaves the client's new session alone."""
    plugin = make_plugin(gui="never", activation_timeout=100)
    jobs = record_jobs(plugin)
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    first_timeout = last_job(jobs, plugin_module.JOB_ACTIVATION)
    send(bus, "skip.setup")
    send(bus, "user.activated")
    recorder.clear()
    first_timeout()
    assert NS + f"deactivate.{cid}" not in recorder.topics()
    assert status(bus, recorder)["state"] == "active"
    assert recorder.of(NS + "setup.failed") == []


def test_a_late_verify_timer_does_not_fail_the_next_check(bus: Any, recorder: Any,
                                                          make_plugin: Callable[..., Any]) -> None:
    """The internet wait of an earlier session of the same client, run late, does not fail the current one."""
    plugin = make_plugin(gui="never", verify_timeout=100)
    jobs = record_jobs(plugin)
    register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "remove.active.client", {"client": "remote"})
    first_verify = last_job(jobs, plugin_module.JOB_VERIFY)
    send(bus, "user.activated")  # the user asks again while the plugin still waits for the internet
    send(bus, "remove.active.client", {"client": "remote"})
    assert status(bus, recorder)["state"] == "checking"
    first_verify()
    assert recorder.of(NS + "setup.failed") == []
    assert status(bus, recorder)["state"] == "checking"


# --------------------------------------------------------------------- 12: after shutdown
def test_a_watchdog_launch_taken_before_shutdown_opens_no_session_after_it(bus: Any, recorder: Any,
                                                                         make_plugin: Callable[..., Any]) -> None:
    """A launch job the timer thread already took runs after shutdown(): no round opens, no client starts."""
    plugin = make_plugin(gui="never", enable_watchdog=True, grace_first_boot=100)
    jobs = record_jobs(plugin)
    cid = register(bus, recorder, REMOTE)
    send(bus, "mycroft.internet.disconnected")
    launch = last_job(jobs, plugin_module.JOB_LAUNCH)
    plugin.shutdown()
    recorder.clear()
    launch()
    assert recorder.topics() == []
    assert plugin.machine.state.value == "idle"
    assert cid  # registered before the launch was planned


# --------------------------------------------------------------------- 13: failed clients with a screen
def test_with_a_screen_a_failed_client_is_not_offered_again_and_setup_failed_comes(
        bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """The only client fails: the page comes back without it, setup.failed is sent once, and "Connect later"
    still ends setup."""
    make_plugin(gui="always")
    cid = register(bus, recorder, SCREEN)
    send(bus, "user.activated")
    send(bus, "client.select", {"client": "screen", "id": cid})
    send(bus, "client.setup.failure", {"client": "screen", "error": "no Wi-Fi adapter"})
    assert recorder.last("gui.value.set")["clients_model"] == []
    assert recorder.last("gui.page.show")["page_names"] == [t.GUI_PAGE]
    failed = recorder.of(NS + "setup.failed")
    assert len(failed) == 1 and "no Wi-Fi adapter" in failed[0]["error"]
    assert status(bus, recorder)["clients"][0]["client"] == "screen"  # still registered, only not offered
    send(bus, "skip.setup")
    assert status(bus, recorder)["state"] == "skipped"
    assert recorder.last(NS + "fully_offline") == {"permanent": False}
    # A new round offers it again.
    send(bus, "user.activated")
    assert [c["client"] for c in recorder.last("gui.value.set")["clients_model"]] == ["screen"]


# --------------------------------------------------------------------- 15: a client that restarts mid-session
def test_a_client_that_restarts_mid_session_is_told_to_resume_it(bus: Any, recorder: Any,
                                                                 make_plugin: Callable[..., Any]) -> None:
    """The client in session registers again (its process restarted): it keeps its id and gets activate.{id}
    again, once, instead of leaving the round stuck until activation_timeout."""
    make_plugin(gui="never")
    cid = register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    assert register(bus, recorder, REMOTE) == cid
    assert recorder.topics().count(NS + f"activate.{cid}") == 2
    assert status(bus, recorder)["active_client"]["id"] == cid
    register(bus, recorder, SCREEN)  # another client's registration changes nothing
    assert recorder.topics().count(NS + f"activate.{cid}") == 2


# --------------------------------------------------------------------- 17: small contract slips
def test_a_failure_report_with_an_odd_error_still_ends_the_session(bus: Any, recorder: Any,
                                                                  make_plugin: Callable[..., Any]) -> None:
    """A failure report whose 'error' is not a string still ends the session and setup goes on."""
    make_plugin(gui="never")
    a = register(bus, recorder, REMOTE)
    b = register(bus, recorder, {**REMOTE, "client": "remote2"})
    send(bus, "user.activated")
    send(bus, "client.setup.failure", {"client": "remote", "error": {"code": 42}})
    topics = recorder.topics()
    assert topics.index(NS + f"deactivate.{a}") < topics.index(NS + f"activate.{b}")


def test_a_refused_page_pick_is_answered_to_the_page(bus: Any, make_plugin: Callable[..., Any]) -> None:
    """A pick of a client that is gone: the failure goes back to the page that sent it."""
    make_plugin(gui="always")
    answers: List[Message] = []
    bus.on(NS + "client.activation.failure", answers.append)
    bus.emit(Message(NS + "client.select", {"client": "gone", "id": "not-an-id"},
                     {"source": "gui-page", "destination": t.PLUGIN_ID}))
    assert len(answers) == 1
    assert answers[0].context["destination"] == "gui-page"
    assert answers[0].data["client"] == "gone"


def test_selecting_the_client_already_in_session_answers_already_active(bus: Any, recorder: Any,
                                                                        make_plugin: Callable[..., Any]) -> None:
    """set.active.client for the client in session gets one outcome: client.already.active, nothing restarts."""
    make_plugin(gui="never")
    cid = register(bus, recorder, REMOTE)
    send(bus, "set.active.client", {"client": "remote"})
    recorder.clear()
    send(bus, "set.active.client", {"client": "remote"})
    assert recorder.topics()[1:] == [NS + "client.already.active"]
    assert recorder.last(NS + "client.already.active") == {"client": "remote", "id": cid, "client_id": cid}


# --------------------------------------------------------------------- shutdown with a changed base class
def test_shutdown_completes_when_a_base_class_listener_is_renamed(bus: Any, make_plugin: Callable[..., Any],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A future ovos-plugin-manager without one of the listeners the plugin cleans up after: shutdown() still
    removes every listener the plugin added and stops its thread."""
    from ovos_plugin_manager.phal import PHALPlugin

    before = listener_count(bus)
    plugin = make_plugin()
    monkeypatch.delattr(PHALPlugin, "on_eyes_brightness")
    plugin.shutdown()
    assert wait_until(lambda: not plugin.is_alive(), 5)
    assert listener_count(bus) == before
