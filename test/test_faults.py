"""Faults injected while setup runs: the bus dies, checks hang, the state file breaks, clients vanish."""
import json
import os
import signal
import subprocess  # noqa: S404 - the tests run child processes to kill them
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Tuple

import pytest

from helpers import NS, REMOTE, REMOTE2, SCREEN, register, send, status, wait_until
from ovos_PHAL_plugin_wifi_setup import topics as t
from ovos_PHAL_plugin_wifi_setup.manager.machine import SetupState
from ovos_PHAL_plugin_wifi_setup.manager.state_store import SavedState, StateStore
from robust_support import LivePlugin, SessionTracker, capture_logs, check_plugin, wait_for
from stack import BusRecorder, ManagedProcess, Messagebus, StackHome, free_port

TEST_DIR = Path(__file__).resolve().parent
HEADLESS = {"gui": "never", "enable_watchdog": False}


def closed_url() -> str:
    """A loopback url nobody listens on."""
    return f"http://127.0.0.1:{free_port()}/"


@pytest.fixture
def real_bus(tmp_path: Path) -> Iterator[Tuple[StackHome, Messagebus, BusRecorder]]:
    """A real ovos-messagebus on a free loopback port and a recording client on it."""
    home = StackHome.create(tmp_path / "stack")
    bus_service = Messagebus(home).start()
    observer = BusRecorder(home.port).connect()
    yield home, bus_service, observer
    observer.close()
    bus_service.stop()


@pytest.fixture
def live_plugin(real_bus: Any, tmp_path: Path) -> Iterator[Callable[..., LivePlugin]]:
    """Start the plugin in this process on the real bus; shut it down after the test."""
    home = real_bus[0]
    made = []

    def start(**config: Any) -> LivePlugin:
        """One plugin with this configuration, state in tmp_path, checks against a closed port."""
        config.setdefault("state_file", str(tmp_path / "state.json"))
        config.setdefault("network_tests", {"web_url": closed_url()})
        made.append(LivePlugin(home.port, config))
        return made[-1]

    yield start
    for live in made:
        live.close()


def answered_request(observer: BusRecorder, topic: str, reply: str, data: Any = None, timeout: float = 2.0) -> Any:
    """Send a request and return its reply, or None if none came within timeout (the bus may be down)."""
    since = observer.mark()
    observer.emit(topic, data)
    try:
        return observer.wait_for(reply, timeout, since=since)
    except TimeoutError:
        return None


# ---------------------------------------------------------------------- the bus dies and comes back
def test_bus_dies_with_a_client_active_and_a_request_in_flight(real_bus: Any, live_plugin: Any, monkeypatch: Any) -> None:
    """ovos-messagebus is killed while a client is active and a registration is on its way: once the bus is
    back, the session is still the same client's, nothing was ended, the retried request is answered once with
    one id, and alive is not repeated."""
    log = capture_logs(monkeypatch)
    home, bus_service, observer = real_bus
    live = live_plugin(**HEADLESS, activation_timeout=3600)
    reply = observer.request(t.REGISTER_CLIENT, t.CLIENT_REGISTERED, REMOTE)
    remote_id = reply.data[t.K_ID]
    observer.emit(t.SET_ACTIVE_CLIENT, {t.K_REQ_ID: remote_id})
    observer.wait_for(t.activate_topic(remote_id), 30)

    late = {**REMOTE2, t.K_REQUIRES_INPUT: True}
    observer.emit(t.REGISTER_CLIENT, late)  # in flight: it may or may not get through before the kill
    bus_service.kill()
    bus_service.start()
    since = observer.mark()
    # Both connections come back by themselves (ovos_bus_client retries after 5 s); a client that saw no
    # answer asks again, as every client in the field does on its next start or alive.
    first = wait_for(lambda: answered_request(observer, t.REGISTER_CLIENT, t.CLIENT_REGISTERED, late), 60,
                     "a registration answered after the bus came back")
    time.sleep(0.5)  # a second answer to the same request would arrive about now

    after = observer.request(t.STATUS, t.STATUS_RESPONSE).data
    assert after["state"] == "active" and after["active_client"][t.K_ID] == remote_id
    assert sorted(c[t.K_CLIENT] for c in after["clients"]) == ["remote", "remote2"]
    late_ids = {c[t.K_ID] for c in after["clients"] if c[t.K_CLIENT] == "remote2"}
    assert late_ids == {first.data[t.K_ID]}
    assert observer.count(t.deactivate_topic(remote_id)) == 0, "the outage ended the session"
    assert observer.count(t.ALIVE, since) == 0
    # The session goes on normally: the client ends it and is deactivated once.
    observer.emit(t.REMOVE_ACTIVE_CLIENT, {t.K_CLIENT: "remote"})
    observer.wait_for(t.deactivate_topic(remote_id), 30)
    check_plugin(live.plugin)
    assert not log.escaped(), log.escaped()


def test_a_non_object_payload_drops_connections_but_loses_no_registration(real_bus: Any, live_plugin: Any,
                                                                          monkeypatch: Any) -> None:
    """A message whose data is a list makes every ovos_bus_client connection drop and come back 5 s later
    (upstream): the plugin answers again afterwards with its registry and session whole, and without alive."""
    log = capture_logs(monkeypatch)
    home, bus_service, observer = real_bus
    live = live_plugin(**HEADLESS, activation_timeout=3600)
    remote_id = observer.request(t.REGISTER_CLIENT, t.CLIENT_REGISTERED, REMOTE).data[t.K_ID]
    observer.emit(t.SET_ACTIVE_CLIENT, {t.K_REQ_ID: remote_id})
    observer.wait_for(t.activate_topic(remote_id), 30)
    since = observer.mark()

    poison = BusRecorder(home.port).connect()
    poison.client.client.send(json.dumps({"type": t.STATUS, "data": [1], "context": {}}))
    poison.close()
    answer = wait_for(lambda: answered_request(observer, t.STATUS, t.STATUS_RESPONSE), 60,
                      "status answered after the poison message")
    assert answer.data["active_client"][t.K_ID] == remote_id
    assert [c[t.K_ID] for c in answer.data["clients"]] == [remote_id]
    assert observer.count(t.ALIVE, since) == 0 and observer.count(t.deactivate_topic(remote_id)) == 0
    check_plugin(live.plugin)
    assert not log.escaped(), log.escaped()


# ---------------------------------------------------------------------- connectivity checks that hang
@pytest.mark.parametrize("server", ["silent", "slow"])
def test_a_hanging_check_never_holds_up_bus_requests(real_bus: Any, live_plugin: Any, server: str,
                                                     silent_listener: Any, monkeypatch: Any) -> None:
    """While the plugin's own check waits on a server that never answers (or answers late), status requests over
    the real bus are answered with the check still in flight; the check then ends as it should."""
    from loopback import CheckServer
    log = capture_logs(monkeypatch)
    observer = real_bus[2]
    slow = CheckServer(delay=4) if server == "slow" else None
    try:
        target = slow.network_tests() if slow else silent_listener.network_tests()
        live = live_plugin(gui="never", enable_watchdog=True, reporter_wait=0, check_timeout=6,
                           check_interval_offline=3600, check_interval_online=3600, grace_first_boot=3600,
                           network_tests=target)
        wait_until(lambda: (slow.requests if slow else silent_listener.accepted), 10)
        for _ in range(3):
            answer = observer.request(t.STATUS, t.STATUS_RESPONSE, timeout=30).data
            # Answered while the check still waits on its server: handlers never wait on the network.
            assert live.plugin.own_checks.thread is not None and live.plugin.own_checks.thread.is_alive()
            assert answer["internet"] is None
        expected = server == "slow"  # the slow server answers within check_timeout, the silent one never does
        wait_until(lambda: observer.request(t.STATUS, t.STATUS_RESPONSE).data["internet"] is expected, 20)
        assert observer.request(t.STATUS, t.STATUS_RESPONSE).data["internet"] is expected
        assert not log.escaped(), log.escaped()
    finally:
        if slow:
            slow.close()


# ---------------------------------------------------------------------- the state file
# Regression: bytes that are not UTF-8 raised UnicodeDecodeError out of StateStore.load, so the plugin
# could not even be built (fixed in state_store.StateStore._read).
@pytest.mark.parametrize("content", [b'{"first_boot": fal garbage', b'{"first_boot": fal\x00\xff\xfe garbage',
                                     b"\xff\xfe\x00\x00", bytes(range(256))], ids=["text", "mixed", "bom", "binary"])
def test_corrupt_state_file_means_defaults_and_is_replaced_whole(bus: Any, recorder: Any,
                                                                 make_plugin: Callable[..., Any], content: bytes,
                                                                 tmp_path: Path, monkeypatch: Any) -> None:
    """Garbage in the state file, text or binary: the plugin starts from its defaults with one warning, works,
    and the next decision replaces the file with a whole, readable one."""
    log = capture_logs(monkeypatch)
    path = tmp_path / "state.json"
    path.write_bytes(content)
    plugin = make_plugin(gui="never", state_file=str(path))
    assert len([m for level, m in log.records if level == "warning" and str(path) in m]) == 1
    assert status(bus, recorder)["state"] == "idle"
    send(bus, "fully.offline")
    assert json.loads(path.read_text())["never_connect"] is True
    assert plugin.machine.state is SetupState.NEVER
    assert not log.escaped(), log.escaped()


@pytest.mark.parametrize("content", ['{"first_boot": false, "never_conn', '{"first_boot": false,', "{", "\x00" * 64])
def test_truncated_state_file_is_survived(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                          tmp_path: Path, content: str, monkeypatch: Any) -> None:
    """A state file cut short (as a non-atomic writer would leave it) gives the defaults, never an exception."""
    log = capture_logs(monkeypatch)
    path = tmp_path / "state.json"
    path.write_text(content)
    make_plugin(gui="never", state_file=str(path))
    assert status(bus, recorder)["first_boot"] is True
    assert not log.escaped(), log.escaped()


_HANG_BEFORE_RENAME = """
import os, sys, time
from ovos_PHAL_plugin_wifi_setup.manager.state_store import SavedState, StateStore
path, marker = sys.argv[1], sys.argv[2]
def hang(src, dst):
    with open(marker, "w") as f:
        f.write(src)
    time.sleep(3600)
os.replace = hang
StateStore(path).save(SavedState(first_boot=False, never_connect=True, watchdog_on=False))
"""


def test_killed_between_write_and_rename_keeps_the_old_file_whole(tmp_path: Path, bus: Any, recorder: Any,
                                                                  make_plugin: Callable[..., Any]) -> None:
    """A process killed (SIGKILL) after writing the new state but before renaming it: the old file is intact,
    loads, and the plugin starts from it."""
    path = tmp_path / "state" / "state.json"
    old = SavedState(first_boot=False, never_connect=False, watchdog_on=True)
    assert StateStore(str(path)).save(old)
    old_bytes = path.read_bytes()
    marker = tmp_path / "reached-rename"
    home = StackHome.create(tmp_path / "child")
    child = subprocess.Popen([sys.executable, "-c", _HANG_BEFORE_RENAME, str(path), str(marker)],  # noqa: S603
                             env=home.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: marker.exists() and marker.read_text() or child.poll() is not None, 60)
        assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    temp = Path(marker.read_text())
    assert json.loads(temp.read_text())["never_connect"] is True, "the new state was written in full"
    assert path.read_bytes() == old_bytes
    assert StateStore(str(path)).load(SavedState()) == old
    plugin = make_plugin(state_file=str(path), first_boot=True)
    assert plugin.core.first_boot is False and plugin.core.watchdog_enabled is True
    assert status(bus, recorder)["state"] == "idle"


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Path:
    """A directory no write can land in, even as root.

    chmod does not stop root, so root gets a directory on sysfs (/sys/kernel), where the kernel refuses new
    files to everyone; other users get a temp directory with mode 0555.
    """
    if os.geteuid() == 0:
        directory = Path("/sys/kernel")
    else:
        directory = tmp_path / "ro"
        directory.mkdir()
        directory.chmod(0o555)
    try:
        fd, probe = tempfile.mkstemp(dir=directory)
    except OSError:
        return directory
    os.close(fd)
    os.remove(probe)
    pytest.skip(f"{directory} is writable here")


def test_read_only_state_directory_keeps_the_plugin_working(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                            read_only_dir: Path, monkeypatch: Any) -> None:
    """The state directory refuses writes: "Never connect" still works for this run, the failure is logged as
    an error (not raised), and status keeps answering."""
    log = capture_logs(monkeypatch)
    path = read_only_dir / "wifi-setup-state.json"
    plugin = make_plugin(gui="never", state_file=str(path))
    send(bus, "fully.offline")
    assert recorder.last(NS + "fully_offline") == {"permanent": True}
    assert plugin.machine.state is SetupState.NEVER and status(bus, recorder)["state"] == "never"
    assert [m for level, m in log.records if level == "error" and "could not save" in m]
    assert not path.exists()
    send(bus, "user.activated")
    assert status(bus, recorder)["watchdog_active"] is True
    assert not log.escaped(), log.escaped()


# ---------------------------------------------------------------------- clients that never finish
def test_activation_timeout_ends_a_silent_session_and_setup_goes_on(bus: Any, recorder: Any,
                                                                    make_plugin: Callable[..., Any]) -> None:
    """Headless: a client that never answers is deactivated after activation_timeout, the next client gets the
    session, and when it too stays silent setup fails with a sentence naming it."""
    make_plugin(gui="never", activation_timeout=0.3)
    first = register(bus, recorder, REMOTE)
    second = register(bus, recorder, {**REMOTE2, t.K_REQUIRES_INPUT: False})
    send(bus, "user.activated")
    assert recorder.topics()[-1] == NS + f"activate.{first}"
    assert wait_until(lambda: NS + f"activate.{second}" in recorder.topics(), 10)
    topics = recorder.topics()
    assert topics.index(NS + f"deactivate.{first}") < topics.index(NS + f"activate.{second}")
    assert wait_until(lambda: recorder.of(NS + "setup.failed"), 10)
    assert "remote2" in recorder.last(NS + "setup.failed")["error"]
    assert NS + f"deactivate.{second}" in recorder.topics()
    assert status(bus, recorder)["state"] == "idle"


def test_activation_timeout_with_a_screen_shows_the_page_again(bus: Any, recorder: Any,
                                                               make_plugin: Callable[..., Any]) -> None:
    """With the selection page, a silent client's session ends after activation_timeout and the page returns."""
    make_plugin(gui="always", activation_timeout=0.3)
    screen = register(bus, recorder, SCREEN)
    send(bus, "set.active.client", {"client": "screen"})
    shown = len(recorder.of("gui.page.show"))
    assert wait_until(lambda: len(recorder.of("gui.page.show")) > shown, 10)
    assert NS + f"deactivate.{screen}" in recorder.topics()
    assert status(bus, recorder)["state"] == "selecting"


def test_zero_activation_timeout_means_no_limit(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """activation_timeout 0: a session is never ended by time."""
    plugin = make_plugin(gui="never", activation_timeout=0)
    remote = register(bus, recorder, REMOTE)
    send(bus, "set.active.client", {"client": "remote"})
    assert not plugin._scheduler.pending("activation_timeout")
    time.sleep(0.3)
    assert NS + f"deactivate.{remote}" not in recorder.topics()


def test_active_client_deregistering_hands_setup_on(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """The active client deregisters mid-session: it is deactivated first, the next client takes over."""
    make_plugin(gui="never")
    first = register(bus, recorder, REMOTE)
    second = register(bus, recorder, {**REMOTE2, t.K_REQUIRES_INPUT: False})
    send(bus, "user.activated")
    send(bus, "deregister.client", {"client": "remote"})
    topics = recorder.topics()
    assert topics.index(NS + f"deactivate.{first}") < topics.index(NS + "client.deregistered")
    assert status(bus, recorder)["active_client"]["id"] == second


def test_client_process_killed_while_active_is_ended_by_the_timeout(real_bus: Any, live_plugin: Any,
                                                                    tmp_path: Path, monkeypatch: Any) -> None:
    """A client process dies (SIGKILL) in its session, so it can neither finish nor deregister: the activation
    timeout ends its session and setup goes on with the next client."""
    log = capture_logs(monkeypatch)
    home, _, observer = real_bus
    live = live_plugin(**HEADLESS, activation_timeout=4)
    status_dir = tmp_path / "client-status"
    status_dir.mkdir()
    child = ManagedProcess("doomed-client", [sys.executable, str(TEST_DIR / "robust_client.py"), str(home.port),
                                             "doomed", str(status_dir)], home.env(), home.logs / "doomed.log")
    with child:
        doomed = wait_for(lambda: (status_dir / "registered").exists() and (status_dir / "registered").read_text(),
                          60, "the client process registered")
        backup = observer.request(t.REGISTER_CLIENT, t.CLIENT_REGISTERED, {**REMOTE2, t.K_REQUIRES_INPUT: False})
        since = observer.mark()
        observer.emit(t.USER_ACTIVATED)
        wait_for(lambda: (status_dir / "activated").exists(), 30, "the client process heard its activation")
        child.kill()
        killed = time.monotonic()
    observer.wait_for(t.deactivate_topic(doomed), 30, since=since)
    # Nothing but the timeout can tell the plugin: the session lasted at least activation_timeout.
    assert time.monotonic() - killed > 1.0
    observer.wait_for(t.activate_topic(backup.data[t.K_ID]), 30, since=since)
    sessions = SessionTracker()
    for topic in observer.topics():
        sessions.feed(topic)
    assert sessions.open == [backup.data[t.K_ID]]
    # The dead client stays registered: nothing on the bus says it is gone.
    assert "doomed" in [c[t.K_CLIENT] for c in observer.request(t.STATUS, t.STATUS_RESPONSE).data["clients"]]
    check_plugin(live.plugin)
    assert not log.escaped(), log.escaped()
