"""What the user decided survives restarts: the store alone, then the plugin restarted on the same file."""
import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest

from helpers import LogRecorder, send, status
from ovos_PHAL_plugin_wifi_setup.manager import state_store
from ovos_PHAL_plugin_wifi_setup.manager.state_store import SavedState, StateStore


@pytest.fixture
def log(monkeypatch: Any) -> LogRecorder:
    """Capture what the state store logs."""
    recorder = LogRecorder()
    monkeypatch.setattr(state_store, "LOG", recorder)
    return recorder


def test_round_trip(tmp_path: Path) -> None:
    """A saved state is read back as written."""
    store = StateStore(str(tmp_path / "s" / "state.json"))
    assert store.load(SavedState()) == SavedState()
    wanted = SavedState(first_boot=False, never_connect=True, watchdog_on=True)
    assert store.save(wanted)
    assert StateStore(store.path).load(SavedState()) == wanted


def test_written_only_when_a_value_changes(tmp_path: Path) -> None:
    """Saving the same values again does not touch the file."""
    path = tmp_path / "state.json"
    store = StateStore(str(path))
    state = store.load(SavedState())
    store.update(state)  # nothing changed: no file yet
    assert not path.exists()
    state = store.update(state, first_boot=False)
    mtime = path.stat().st_mtime_ns
    os.utime(path, ns=(mtime - 10**9, mtime - 10**9))
    store.update(state, first_boot=False)
    assert path.stat().st_mtime_ns == mtime - 10**9


def test_write_is_atomic_and_leaves_no_temp_file(tmp_path: Path) -> None:
    """The file is replaced whole; no temp file is left beside it."""
    store = StateStore(str(tmp_path / "state.json"))
    store.save(SavedState(first_boot=False))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    assert json.loads((tmp_path / "state.json").read_text()) == {
        "first_boot": False, "never_connect": False, "watchdog_on": None, "rounds_started": 0,
        "rounds_completed": 0, "rounds_failed": 0, "last_error": None, "last_error_at": None,
        "last_online_at": None, "last_round_seconds": None}


def test_a_malformed_record_keeps_the_users_decisions(tmp_path: Path) -> None:
    """A counter or time that is not one is read as its default; the decisions beside it are kept."""
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"never_connect": True, "rounds_started": "many", "rounds_failed": -1,
                                "rounds_completed": 4, "last_online_at": "yesterday", "last_round_seconds": True,
                                "last_error": "x" * 5000, "last_error_at": "2026-12-01T10:00:00+00:00"}))
    state = StateStore(str(path)).load(SavedState())
    assert state.never_connect is True and state.rounds_completed == 4
    assert state.rounds_started == 0 and state.rounds_failed == 0
    assert state.last_online_at is None and state.last_round_seconds is None
    assert state.last_error == "x" * 1024 and state.last_error_at == "2026-12-01T10:00:00+00:00"


def test_a_first_start_without_a_state_file_is_logged_at_info_not_as_a_warning(tmp_path: Path,
                                                                              log: LogRecorder) -> None:
    """No state file yet is the normal first boot: the defaults, one info line naming the file, no warning."""
    path = tmp_path / "state.json"
    defaults = SavedState(first_boot=True)
    assert StateStore(str(path)).load(defaults) == defaults
    assert log.records == [("info", log.at("info")[0])]
    assert "no saved state" in log.at("info")[0] and str(path) in log.at("info")[0]


def test_a_watchdog_off_saved_by_2_0_0_is_read_as_unset(tmp_path: Path) -> None:
    """2.0.0 wrote `watchdog_on: false` on "Never connect" and never cleared it: it now means "the config decides"."""
    path = tmp_path / "state.json"
    path.write_text('{"first_boot": false, "never_connect": false, "watchdog_on": false}')
    assert StateStore(str(path)).load(SavedState()) == SavedState(first_boot=False, never_connect=False,
                                                                  watchdog_on=None)


@pytest.mark.parametrize("content", ["", "   ", "{not json", "[1, 2]", '{"first_boot": "no"}',
                                     '{"watchdog_on": 3}', '{"never_connect": null}'])
def test_bad_file_means_defaults_and_one_warning(tmp_path: Path, content: str, log: LogRecorder) -> None:
    """Empty, corrupt or mistyped files give the defaults plus exactly one warning."""
    path = tmp_path / "state.json"
    path.write_text(content)
    defaults = SavedState(first_boot=False)
    assert StateStore(str(path)).load(defaults) == defaults
    assert len(log.at("warning")) == 1 and log.records == [("warning", log.at("warning")[0])]


def test_unreadable_file_means_defaults(tmp_path: Path, log: LogRecorder) -> None:
    """A path that cannot be read (here a directory) gives the defaults and a warning."""
    (tmp_path / "state.json").mkdir()
    assert StateStore(str(tmp_path / "state.json")).load(SavedState()) == SavedState()
    assert len(log.at("warning")) == 1 and "cannot read" in log.at("warning")[0]


def test_unwritable_directory_is_logged_not_raised(tmp_path: Path, log: LogRecorder) -> None:
    """A state directory that cannot be created (its parent is a file) logs an error and returns False."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a directory should be")
    store = StateStore(str(blocker / "sub" / "state.json"))
    assert store.save(SavedState(never_connect=True)) is False
    assert len(log.at("error")) == 1 and "could not save" in log.at("error")[0]


def test_keys_missing_from_the_file_keep_config_defaults(tmp_path: Path) -> None:
    """Values in mycroft.conf are the defaults the file overrides, key by key."""
    path = tmp_path / "state.json"
    path.write_text('{"never_connect": true}')
    assert StateStore(str(path)).load(SavedState(first_boot=False)) == SavedState(first_boot=False,
                                                                                  never_connect=True)


# ------------------------------------------------------------------ the plugin across restarts
def restart(make_plugin: Callable[..., Any], plugin: Any, **config: Any) -> Any:
    """Shut a plugin down and build a new one on the same bus and state file."""
    plugin.shutdown()
    return make_plugin(**config)


def test_never_connect_survives_a_restart(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """After "Never connect" the next start is in `never` with the watchdog off."""
    plugin = make_plugin(enable_watchdog=True, reporter_wait=60)
    send(bus, "fully.offline")
    plugin = restart(make_plugin, plugin, enable_watchdog=True, reporter_wait=60)
    reply = status(bus, recorder)
    assert reply["state"] == "never" and reply["watchdog_active"] is False


def test_connect_later_lasts_until_the_next_start(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """"Connect later" is forgotten on restart: the watchdog is active again."""
    plugin = make_plugin(enable_watchdog=True, reporter_wait=60)
    send(bus, "skip.setup")
    assert status(bus, recorder)["watchdog_active"] is False
    plugin = restart(make_plugin, plugin, enable_watchdog=True, reporter_wait=60)
    reply = status(bus, recorder)
    assert reply["state"] == "idle" and reply["watchdog_active"] is True


def test_user_activated_turns_the_watchdog_on_for_good(bus: Any, recorder: Any,
                                                       make_plugin: Callable[..., Any]) -> None:
    """user.activated clears "never" and keeps the watchdog on across restarts, even where config has it off."""
    plugin = make_plugin(enable_watchdog=False)
    send(bus, "fully.offline")
    send(bus, "user.activated")
    plugin = restart(make_plugin, plugin, enable_watchdog=False, reporter_wait=60)
    reply = status(bus, recorder)
    assert reply["state"] == "idle" and reply["watchdog_active"] is True


def test_a_device_that_left_never_connect_under_2_0_0_launches_setup_on_its_own_again(
        bus: Any, recorder: Any, make_plugin: Callable[..., Any], tmp_path: Path) -> None:
    """The state file 2.0.0 left after "Never connect" then "Connect later": with the watchdog on in the config,
    the plugin starts with its watchdog active again."""
    (tmp_path / "state.json").write_text('{"first_boot": false, "never_connect": false, "watchdog_on": false}')
    make_plugin(enable_watchdog=True, reporter_wait=60)
    reply = status(bus, recorder)
    assert reply["state"] == "idle" and reply["watchdog_active"] is True


def test_first_boot_is_kept(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """Once online, first_boot stays false after a restart."""
    plugin = make_plugin()
    send(bus, "mycroft.internet.connected")
    plugin = restart(make_plugin, plugin)
    assert status(bus, recorder)["first_boot"] is False


def test_plugin_starts_on_a_corrupt_file(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                         tmp_path: Path) -> None:
    """A corrupt state file means the configured defaults, and the plugin works."""
    (tmp_path / "state.json").write_text('{"first_boot": fal')
    make_plugin(first_boot=False)
    assert status(bus, recorder)["first_boot"] is False
    send(bus, "fully.offline")
    assert json.loads((tmp_path / "state.json").read_text())["never_connect"] is True


def test_plugin_goes_on_when_the_state_cannot_be_written(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                         tmp_path: Path) -> None:
    """An unwritable state directory is logged; the decision still holds for this run."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    make_plugin(state_file=str(blocker / "state.json"))
    send(bus, "fully.offline")
    assert status(bus, recorder)["state"] == "never"
    send(bus, "user.activated")
    assert status(bus, recorder)["state"] != "never"


def test_a_crash_leftover_temp_file_is_removed_at_start(tmp_path: Path) -> None:
    """A temp file left by a crash between write and rename is cleaned up when the state is next read."""
    store = StateStore(str(tmp_path / "state.json"))
    store.save(SavedState(first_boot=False))
    (tmp_path / ".state-abc123.tmp").write_text('{"first_boot": tr')
    (tmp_path / "unrelated.tmp").write_text("keep me")
    assert StateStore(store.path).load(SavedState()) == SavedState(first_boot=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", "unrelated.tmp"]
