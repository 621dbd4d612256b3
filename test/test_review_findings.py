"""The second close review (issue 18): its findings in the manager's parts, on FakeBus, each as the user sees it."""
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, List

import pytest

from helpers import LogRecorder, emit_raw, send, status, wait_until
from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.manager import scheduler as scheduler_module
from ovos_PHAL_plugin_wifi_setup.manager import settings as settings_module
from ovos_PHAL_plugin_wifi_setup.manager import state_store
from ovos_PHAL_plugin_wifi_setup.manager.scheduler import Scheduler
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings
from ovos_PHAL_plugin_wifi_setup.manager.state_store import SavedState, StateStore


def test_a_previous_processs_page_is_cleared_when_the_plugin_starts(bus: Any, recorder: Any,
                                                                   make_plugin: Callable[..., Any]) -> None:
    """ovos_PHAL ends without shutdown(): the next start clears the manager's namespace on the GUI."""
    make_plugin()
    cleared = recorder.of(t.GUI_CLEAR_NAMESPACE)
    assert cleared == [{"__from": t.PLUGIN_ID}]


def test_a_late_page_removed_names_its_page_and_leaves_the_next_one_up(bus: Any, recorder: Any,
                                                                      make_plugin: Callable[..., Any]) -> None:
    """The page carries page_serial; the loader's late notice for an earlier page leaves the round selecting."""
    make_plugin(gui="always")
    send(bus, t.USER_ACTIVATED)
    first = recorder.of("gui.value.set")[-1][t.SESSION_PAGE_SERIAL]
    send(bus, t.SKIP_SETUP)
    send(bus, t.USER_ACTIVATED)
    second = recorder.of("gui.value.set")[-1][t.SESSION_PAGE_SERIAL]
    assert second == first + 1
    send(bus, t.SELECT_PAGE_REMOVED, {t.K_PAGE_SERIAL: first})
    assert status(bus, recorder)["state"] == "selecting"
    send(bus, t.SELECT_PAGE_REMOVED, {t.K_PAGE_SERIAL: second})
    assert status(bus, recorder)["state"] == "idle"


@pytest.mark.parametrize("value", [1e10, float("inf"), float("nan"), -1])
def test_a_duration_no_timer_can_wait_is_refused_naming_the_key(value: float, monkeypatch: Any) -> None:
    """activation_timeout 1e10 or JSON's 1e400 (infinity): refused with a warning naming the key; the default."""
    log = LogRecorder()
    monkeypatch.setattr(settings_module, "LOG", log)
    settings = Settings.from_config({"activation_timeout": value})
    assert settings.activation_timeout == Settings().activation_timeout
    assert any("'activation_timeout'" in line for line in log.at("warning"))


def test_a_timer_far_in_the_future_does_not_stop_the_timer_thread() -> None:
    """A job due beyond any wait's limit leaves the thread running: a later, nearer job still runs."""
    timers = Scheduler()
    thread = threading.Thread(target=timers.run, daemon=True)
    thread.start()
    ran = threading.Event()
    try:
        timers.schedule("far", 1e12, lambda: None)
        time.sleep(0.1)
        timers.schedule("near", 0.05, ran.set)
        assert ran.wait(5) and thread.is_alive()
    finally:
        timers.stop()
        thread.join(5)


def test_a_job_that_raises_does_not_stop_the_timer_thread(monkeypatch: Any) -> None:
    """One job's exception is logged; the next job runs."""
    monkeypatch.setattr(scheduler_module, "LOG", LogRecorder())
    timers = Scheduler()
    thread = threading.Thread(target=timers.run, daemon=True)
    thread.start()
    ran = threading.Event()
    try:
        timers.schedule("bad", 0, lambda: 1 / 0)
        timers.schedule("good", 0.05, ran.set)
        assert ran.wait(5) and thread.is_alive()
    finally:
        timers.stop()
        thread.join(5)


def test_an_unwritable_state_file_is_an_error_once_then_at_most_hourly(tmp_path: Path, monkeypatch: Any) -> None:
    """A state file that cannot be written: one ERROR, none for the next online reports, one again an hour on."""
    log = LogRecorder()
    monkeypatch.setattr(state_store, "LOG", log)
    now = [0.0]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    store = StateStore(str(blocker / "state.json"), clock=lambda: now[0])
    saved = store.load(SavedState())
    saved = store.update(saved, first_boot=False)
    for _ in range(20):  # every online report saves first_boot=False again
        saved = store.update(saved, first_boot=False)
    now[0] += 60
    saved = store.update(saved, rounds_started=1)
    assert len(log.at("error")) == 1
    now[0] += 3600
    store.update(saved, rounds_started=2)
    assert len(log.at("error")) == 2


def test_a_state_file_under_the_home_folder_is_written_there(tmp_path: Path, monkeypatch: Any) -> None:
    """state_file "~/wifi/state.json" lands in the service user's home, not in a folder named "~"."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_config({"state_file": "~/wifi/state.json"})
    assert settings.state_file == os.path.join(str(tmp_path), "wifi", "state.json")
    StateStore(settings.state_file).save(SavedState(first_boot=False))
    assert (tmp_path / "wifi" / "state.json").is_file() and not (tmp_path / "~").exists()


def test_the_selection_page_comes_back_when_ovos_gui_restarts(bus: Any, recorder: Any,
                                                             make_plugin: Callable[..., Any]) -> None:
    """Selecting, then mycroft.gui.connected (a restarted ovos-gui): the page is shown again."""
    make_plugin(gui="always")
    send(bus, t.USER_ACTIVATED)
    shown: List[Any] = recorder.of("gui.page.show")
    send(bus, "mycroft.gui.connected", {"gui_id": "restarted"})
    assert len(recorder.of("gui.page.show")) == len(shown) + 1


def test_a_configuration_change_takes_effect_without_a_restart(bus: Any, recorder: Any,
                                                               make_plugin: Callable[..., Any]) -> None:
    """configuration.updated with the plugin's section changed: the new gui and timings rule at once, and a
    watchdog turned on while offline plans its launch."""
    plugin = make_plugin(gui="never", enable_watchdog=False)
    send(bus, t.INTERNET_DISCONNECTED)
    assert plugin.core.timers.pending("watchdog_launch") is False
    plugin.config_core = {"PHAL": {t.PLUGIN_ID: {"gui": "always", "enable_watchdog": True, "grace": 30}}}
    emit_raw(bus, t.CONFIG_UPDATED, {})
    assert plugin.settings.gui == "always" and plugin.core.settings.grace == 30
    assert plugin.core.use_gui is True
    # The first boot has no grace: the launch the watchdog now plans comes at once, on the plugin's thread.
    assert wait_until(lambda: plugin.machine.state.value == "selecting")


def test_a_configuration_change_to_a_method_starts_it_anew(bus: Any, recorder: Any,
                                                           make_plugin: Callable[..., Any]) -> None:
    """screen_client turned from "never" to "always" at run time: the on-screen method registers, and status
    no longer says it is off."""
    plugin = make_plugin(gui="always")
    assert t.SCREEN_CLIENT_NAME not in [d[t.K_CLIENT] for d in recorder.of(t.CLIENT_REGISTERED)]
    plugin.config_core = {"PHAL": {t.PLUGIN_ID: {"gui": "always", "screen_client": "always", "voice": False,
                                                 "hotspot_client": "never"}}}
    emit_raw(bus, t.CONFIG_UPDATED, {})
    assert t.SCREEN_CLIENT_NAME in [d[t.K_CLIENT] for d in recorder.of(t.CLIENT_REGISTERED)]
    assert status(bus, recorder)["methods"]["screen"]["state"] == "registered"


def test_a_blank_error_in_a_failure_report_is_logged(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                     monkeypatch: Any) -> None:
    """client.setup.failure with error "  ": the failure counts, and a warning says the error is not a sentence."""
    from helpers import REMOTE, register
    from ovos_PHAL_plugin_wifi_setup.manager import core
    log = LogRecorder()
    monkeypatch.setattr(core, "LOG", log)
    make_plugin(gui="never")
    register(bus, recorder, REMOTE)
    send(bus, t.USER_ACTIVATED)
    send(bus, t.CLIENT_SETUP_FAILURE, {t.K_ERROR: "   "})
    assert any("not a sentence" in line for line in log.at("warning"))
    assert recorder.of(t.SETUP_FAILED)


def test_only_the_four_documented_messages_carry_the_notice_mark(bus: Any, recorder: Any,
                                                                 make_plugin: Callable[..., Any]) -> None:
    """wifi_setup_notice marks exactly no_internet, setup completed, shell status ok and the plugin's speak."""
    from helpers import REMOTE, register
    contexts: List[Any] = []
    bus.on("message", lambda raw: contexts.append(__import__("json").loads(raw)))
    make_plugin(gui="never", notice_window=0)
    register(bus, recorder, REMOTE)
    send(bus, t.INTERNET_DISCONNECTED)
    send(bus, t.USER_ACTIVATED)
    send(bus, t.INTERNET_CONNECTED)
    marked = {m["type"] for m in contexts if (m.get("context") or {}).get(t.NOTICE_MARK)}
    assert marked == {t.NOTIFY_NO_INTERNET, t.WIFI_SETUP_COMPLETED, t.SHELL_STATUS_OK, t.SPEAK}


def test_the_voice_registrations_name_their_source() -> None:
    """Every message to the intent service carries source and skill_id, as the conventions require."""
    from ovos_utils.fakebus import FakeBus
    from ovos_PHAL_plugin_wifi_setup.manager.voice import VoiceIntents
    bus = FakeBus()
    sent: List[Any] = []
    bus.on("message", lambda raw: sent.append(__import__("json").loads(raw)))
    VoiceIntents(bus, launch=lambda m: None).register()
    assert sent and all(m["context"].get("source") == t.PLUGIN_ID == m["context"].get("skill_id") for m in sent)
