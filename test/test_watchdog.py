"""The connectivity watchdog on FakeBus: reports injected as bus messages, own checks against loopback servers."""
import time
from typing import Any, Callable

from helpers import NS, REMOTE, register, send, status, wait_until

FAST = {"enable_watchdog": True, "reporter_wait": 0.05, "check_interval_offline": 0.1,
        "check_interval_online": 0.1, "check_interval_online_max": 0.4, "check_timeout": 0.5}


def launched(recorder: Any) -> int:
    """How many setup rounds the plugin launched."""
    return recorder.topics().count(NS + "setup.launched")


def test_offline_at_first_boot_launches_after_grace(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """Offline on the first boot: no_internet at once, setup after the (first-boot) grace period."""
    make_plugin(**FAST, gui="always", grace_first_boot=0.3, grace=60)
    send(bus, "mycroft.internet.disconnected")
    assert recorder.of("enclosure.notify.no_internet") == [{}]
    assert launched(recorder) == 0
    assert wait_until(lambda: launched(recorder) == 1)
    # the launch runs on the plugin's thread: the page follows setup.launched a moment later
    assert wait_until(lambda: recorder.last("gui.page.show"))["page_names"] == ["WifiSetupLoader"]


def test_own_check_finds_the_device_offline(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """With no reporter on the bus, the plugin's own check (a closed loopback port) finds it offline and launches."""
    make_plugin(**FAST, gui="never", grace_first_boot=0)
    assert recorder.of("ovos.PHAL.internet_check") == [{}]
    assert wait_until(lambda: launched(recorder) == 1)
    assert status(bus, recorder)["internet"] is False


def test_network_back_within_grace_launches_nothing(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """After the first boot a saved network that comes back inside the grace period means no setup."""
    # Reports here, and no cross-check of them (the own check would reach only a closed port): test_settling.py.
    make_plugin(**{**FAST, "check_interval_online_max": 60}, first_boot=False, grace=0.4)
    send(bus, "mycroft.internet.disconnected")
    send(bus, "mycroft.internet.connected")
    time.sleep(0.8)
    assert launched(recorder) == 0
    assert recorder.of("ovos.wifi.setup.completed") == []


def test_no_internet_once_per_change(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """Repeated offline reports notify once; a new change notifies again."""
    make_plugin(**FAST, grace=60, grace_first_boot=60)
    for _ in range(3):
        send(bus, "mycroft.internet.disconnected")
        send(bus, "mycroft.internet.state", {"state": "disconnected"})
    assert len(recorder.of("enclosure.notify.no_internet")) == 1
    send(bus, "mycroft.internet.connected")
    send(bus, "mycroft.network.state", {"state": "disconnected"})
    assert len(recorder.of("enclosure.notify.no_internet")) == 2


def test_no_second_round_while_one_is_open(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """While the page is shown the watchdog does not launch again, however long it stays offline."""
    make_plugin(**{**FAST, "check_interval_online_max": 60}, gui="always", grace_first_boot=0, relaunch_backoff=0.1)
    send(bus, "mycroft.internet.disconnected")
    assert wait_until(lambda: launched(recorder) == 1)
    send(bus, "mycroft.internet.connected")
    assert status(bus, recorder)["state"] == "idle"
    send(bus, "user.activated")
    send(bus, "mycroft.internet.disconnected")
    time.sleep(0.4)
    assert launched(recorder) == 2  # the first round, then the user's; the watchdog added none


def test_backoff_after_the_page_is_closed(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """Closing the page ends the round; the watchdog waits relaunch_backoff before showing it again."""
    make_plugin(**FAST, gui="always", grace_first_boot=0, relaunch_backoff=0.5)
    send(bus, "mycroft.internet.disconnected")
    assert wait_until(lambda: launched(recorder) == 1)
    send(bus, "client.select.page.removed")
    time.sleep(0.2)
    assert launched(recorder) == 1
    assert wait_until(lambda: launched(recorder) == 2)


def test_completion_only_when_a_round_was_open(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """Coming online sends the completion messages only if a setup round was open."""
    make_plugin(**{**FAST, "check_interval_online_max": 60}, gui="always", grace=0)
    send(bus, "mycroft.internet.connected")
    assert recorder.of("ovos.wifi.setup.completed") == []
    send(bus, "mycroft.internet.disconnected")
    assert wait_until(lambda: launched(recorder) == 1)
    send(bus, "mycroft.internet.connected")
    assert len(recorder.of("ovos.wifi.setup.completed")) == 1
    assert len(recorder.of("ovos.shell.status.ok")) == 1
    assert recorder.of("system.ntp.sync") == [{}]


def test_event_driven_mode_makes_no_own_checks(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                check_server: Any) -> None:
    """When the connectivity plugin answers, the plugin never sends a request of its own."""
    bus.on("ovos.PHAL.internet_check", lambda m: bus.emit(m.response({"internet_connected": True,
                                                                      "network_connected": True})))
    # A reporter that stays silent for check_interval_online_max is cross-checked (test_settling.py): not here.
    make_plugin(**{**FAST, "check_interval_online_max": 60}, network_tests=check_server.network_tests())
    send(bus, "mycroft.internet.disconnected")
    send(bus, "mycroft.internet.connected")
    time.sleep(0.6)
    assert check_server.requests == 0
    assert status(bus, recorder)["internet"] is True


def test_own_checks_back_off_while_online(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                          check_server: Any) -> None:
    """Without a reporter the plugin checks by itself, less and less often while online."""
    make_plugin(**FAST, network_tests=check_server.network_tests())
    assert wait_until(lambda: check_server.requests >= 4)
    assert status(bus, recorder)["internet"] is True
    # 0.1, 0.2, 0.4, 0.4 ... : in 1.2 s about 4 more checks, far fewer than the 12 a fixed 0.1 s would make
    before = check_server.requests
    time.sleep(1.2)
    assert check_server.requests - before <= 5


def test_client_done_checks_once_and_completes_if_online(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                          check_server: Any) -> None:
    """A client ending its session makes the plugin check once (off the handler thread) and complete."""
    make_plugin(gui="never", network_tests=check_server.network_tests())
    register(bus, recorder, REMOTE)
    send(bus, "user.activated")
    send(bus, "remove.active.client", {"client": "remote"})
    assert wait_until(lambda: recorder.of("ovos.wifi.setup.completed"))
    assert check_server.requests == 1
    assert status(bus, recorder)["state"] == "idle"


def test_hanging_check_ends_by_timeout_and_handlers_stay_free(bus: Any, recorder: Any,
                                                              make_plugin: Callable[..., Any],
                                                              silent_listener: Any) -> None:
    """A check to a listener that never answers blocks no handler, and ends by its timeout as offline."""
    make_plugin(**{**FAST, "check_timeout": 1.0}, network_tests=silent_listener.network_tests())
    assert wait_until(lambda: silent_listener.accepted)
    started = time.monotonic()
    reply = status(bus, recorder)
    send(bus, "mycroft.internet.is_ready")
    assert time.monotonic() - started < 0.5  # generous: answered while the check hangs
    assert reply["internet"] is None
    assert recorder.last("mycroft.internet.is_ready.response") == {"status": False}
    assert wait_until(lambda: status(bus, recorder)["internet"] is False, timeout=5)


def test_shutdown_within_a_second_while_a_check_hangs(make_plugin: Callable[..., Any],
                                                      silent_listener: Any) -> None:
    """shutdown() returns, with the watchdog and its check ended, within one second."""
    plugin = make_plugin(**{**FAST, "check_timeout": 30}, network_tests=silent_listener.network_tests())
    assert wait_until(lambda: silent_listener.accepted)
    started = time.monotonic()
    plugin.shutdown()
    assert time.monotonic() - started < 1.0
    assert not plugin.is_alive()
    assert plugin.own_checks.thread is not None and not plugin.own_checks.thread.is_alive()


def test_watchdog_off_makes_no_checks_and_no_launch(bus: Any, recorder: Any, make_plugin: Callable[..., Any],
                                                    check_server: Any) -> None:
    """With the watchdog off, offline reports launch nothing and no own check runs."""
    make_plugin(**{**FAST, "enable_watchdog": False}, network_tests=check_server.network_tests(), grace_first_boot=0)
    send(bus, "mycroft.internet.disconnected")
    time.sleep(0.3)
    assert launched(recorder) == 0 and check_server.requests == 0
    assert status(bus, recorder)["watchdog_active"] is False
