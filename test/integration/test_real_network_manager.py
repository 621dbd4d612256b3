"""ovos-PHAL-plugin-network-manager 1.3.5, unmodified, in one ovos_PHAL with our plugin, over the stand-in nmcli.

What a device has: network-manager loaded by its entry point beside ours, nmcli found on ovos_PHAL's PATH
(here the stand-in, nmcli_bin/nmcli, playing nmcli_fixture.py's networks). The test talks to it as any
participant of the bus would, and records its quirks, which the on-screen method has to live with: replies
with no request id, a failure that names no network, every terse line split on every ':', an `is.connected`
that names the first word of nmcli's table, and a rescan it does not wait for (its list can be stale).
"""
from typing import Any, Callable, Dict, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T

from . import nmcli_fixture as F
from .harness import EVENT_TIMEOUT, NETWORK_MANAGER, RealStack
from stack import wait_until

pytestmark = pytest.mark.integration

RESCAN = ["dev", "wifi", "rescan"]
LIST = ["--terse", "--fields", "SSID,SECURITY", "device", "wifi", "list"]
FAILED = {"errorCode": 1, "errorMessage": "Connection Failed"}


def _ask(stack: RealStack, topic: str, data: Dict[str, Any], *answers: str) -> Any:
    """Send a request to network-manager and wait for the first of its possible answers."""
    since = stack.probe.mark()
    stack.probe.emit(topic, data)

    def answered() -> Any:
        return next((m for m in stack.probe.messages(since=since) if m.msg_type in answers), None)

    return wait_until(answered, EVENT_TIMEOUT, interval=0.05, what=f"an answer ({answers}) to {topic}")


def _connect_calls(stack: RealStack, since: int = 0) -> List[List[str]]:
    """The nmcli runs that asked to join a network."""
    return [argv for argv in stack.nmcli_calls(since) if argv[:3] == ["device", "wifi", "connect"]]


def test_network_manager_135_loads_beside_ours_and_answers_through_nmcli(
        real_stack: Callable[..., RealStack]) -> None:
    """network-manager 1.3.5 comes up in our ovos_PHAL, lists the stand-in's networks as it parses them, joins
    with the right password, fails with the wrong one, and cannot reach a hidden network or an SSID with ':'."""
    # The on-screen method stays out: only the test talks to network-manager here.
    stack = real_stack(gui="never", in_phal=("network-manager",), screen_client="never")
    stack.write_nmcli_fixture(F.environment())
    stack.start_bus()
    stack.start_phal()
    assert f"PHAL plugin loaded: {NETWORK_MANAGER}" in stack.phal.log_text()
    probe = stack.probe

    # Nothing active: nmcli prints its table's header only, and 1.3.5 takes the empty line after it for a
    # connection with no name.
    answer = _ask(stack, T.NM_GET_CONNECTED, {}, T.NM_IS_CONNECTED, T.NM_IS_NOT_CONNECTED)
    assert (answer.msg_type, answer.data) == (T.NM_IS_CONNECTED, {"connection_name": ""})

    # A scan: one entry per terse line, in nmcli's order; the duplicate twice, the hidden network with an
    # empty SSID, and "Lab\:Guest:WPA2" split on every ':' into ssid "Lab\" and security "Guest".
    runs = len(stack.nmcli_calls())
    scan = _ask(stack, T.NM_SCAN, {}, T.NM_SCAN_COMPLETE)
    assert scan.data == {"networks": F.NM_SCAN_NETWORKS}
    # 1.3.5 starts the rescan without waiting for it: its run may be recorded after the list's answer.
    wait_until(lambda: len(stack.nmcli_calls(runs)) >= 2, EVENT_TIMEOUT, what="nmcli's rescan and list runs")
    assert sorted(map(tuple, stack.nmcli_calls(runs))) == sorted([tuple(RESCAN), tuple(LIST)])

    # The wrong password: nmcli says why on stderr, which 1.3.5 never reads; it answers a failure that names
    # no network, and never deletes the profile (its "(7)" check looks at stdout only).
    runs = len(stack.nmcli_calls())
    failure = _ask(stack, T.NM_CONNECT, {"connection_name": F.HOME, "password": F.WRONG_PASSWORD,
                                         "security_type": "WPA2"}, T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK)
    assert (failure.msg_type, failure.data) == (T.NM_CONNECT_FAILED, FAILED)
    assert stack.nmcli_calls(runs) == [["device", "wifi", "connect", F.HOME, "password", F.WRONG_PASSWORD]]

    # The right one: joined, and the answer names the network.
    runs = len(stack.nmcli_calls())
    success = _ask(stack, T.NM_CONNECT, {"connection_name": F.HOME, "password": F.HOME_PASSWORD,
                                         "security_type": "WPA2"}, T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK)
    assert (success.msg_type, success.data) == (T.NM_CONNECTED_OK, {"connection_name": F.HOME})
    assert stack.nmcli_calls(runs) == [["device", "wifi", "connect", F.HOME, "password", F.HOME_PASSWORD]]
    assert [c["name"] for c in stack.nmcli_state()["active"]] == [F.HOME]
    answer = _ask(stack, T.NM_GET_CONNECTED, {}, T.NM_IS_CONNECTED, T.NM_IS_NOT_CONNECTED)
    assert (answer.msg_type, answer.data) == (T.NM_IS_CONNECTED, {"connection_name": F.HOME})

    # An open network: joined without a password; is.connected names only the first word of nmcli's table.
    runs = len(stack.nmcli_calls())
    success = _ask(stack, T.NM_CONNECT_OPEN, {"connection_name": F.CAFE}, T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK)
    assert (success.msg_type, success.data) == (T.NM_CONNECTED_OK, {"connection_name": F.CAFE})
    assert stack.nmcli_calls(runs) == [["device", "wifi", "connect", F.CAFE]]
    answer = _ask(stack, T.NM_GET_CONNECTED, {}, T.NM_IS_CONNECTED, T.NM_IS_NOT_CONNECTED)
    assert (answer.msg_type, answer.data) == (T.NM_IS_CONNECTED, {"connection_name": "Café"})

    # A hidden network, by its right name and password: 1.3.5 never passes "hidden yes", so nmcli does not
    # find it.
    runs = len(stack.nmcli_calls())
    failure = _ask(stack, T.NM_CONNECT, {"connection_name": F.HIDDEN, "password": F.HIDDEN_PASSWORD,
                                         "security_type": "WPA2"}, T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK)
    assert (failure.msg_type, failure.data) == (T.NM_CONNECT_FAILED, FAILED)
    assert stack.nmcli_calls(runs) == [["device", "wifi", "connect", F.HIDDEN, "password", F.HIDDEN_PASSWORD]]

    # "Lab:Guest" as the scan named it ("Lab\"): no such network. Asked by its real name, nmcli joins it.
    runs = len(stack.nmcli_calls())
    failure = _ask(stack, T.NM_CONNECT, {"connection_name": "Lab\\", "password": F.COLON_PASSWORD,
                                         "security_type": "Guest"}, T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK)
    assert (failure.msg_type, failure.data) == (T.NM_CONNECT_FAILED, FAILED)
    success = _ask(stack, T.NM_CONNECT, {"connection_name": F.COLON, "password": F.COLON_PASSWORD,
                                         "security_type": "WPA2"}, T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK)
    assert (success.msg_type, success.data) == (T.NM_CONNECTED_OK, {"connection_name": F.COLON})
    assert _connect_calls(stack, runs) == [["device", "wifi", "connect", "Lab\\", "password", F.COLON_PASSWORD],
                                           ["device", "wifi", "connect", F.COLON, "password", F.COLON_PASSWORD]]

    # A password of null (not merely absent) is the only "Password Required" (errorCode 0); nmcli is not run.
    runs = len(stack.nmcli_calls())
    failure = _ask(stack, T.NM_CONNECT, {"connection_name": F.STUDIO, "password": None, "security_type": "WPA3"},
                   T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK)
    assert failure.data == {"errorCode": 0, "errorMessage": "Password Required"}
    assert stack.nmcli_calls(runs) == []

    # Out of reach (listed, too weak to join): the same failure as a wrong password.
    failure = _ask(stack, T.NM_CONNECT, {"connection_name": F.FAR, "password": F.FAR_PASSWORD,
                                         "security_type": "WPA2"}, T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK)
    assert (failure.msg_type, failure.data) == (T.NM_CONNECT_FAILED, FAILED)

    # After every failure above, 1.3.5 forgot nothing: its "(7)"/"(10)" check reads stdout, nmcli writes stderr.
    assert all("forget" not in m.msg_type for m in probe.messages()), "1.3.5 never forgot a failed profile"
    assert not [argv for argv in stack.nmcli_calls() if argv[:2] == ["connection", "delete"]]


def test_network_manager_135_scan_can_be_stale_and_a_hung_connect_blocks_its_answer(
        real_stack: Callable[..., RealStack]) -> None:
    """network-manager 1.3.5 lists before its rescan is done (a new network shows one scan late), and a connect
    that hangs in nmcli gets no answer until nmcli ends; then the answer is a plain failure."""
    stack = real_stack(gui="never", in_phal=("network-manager",), screen_client="never")
    # Rescans take "forever": each list shows what the previous finished scan found.
    stack.write_nmcli_fixture(F.environment(scan_seconds=3600))
    stack.start_bus()
    stack.start_phal()
    probe = stack.probe

    first = _ask(stack, T.NM_SCAN, {}, T.NM_SCAN_COMPLETE)
    assert first.data == {"networks": F.NM_SCAN_NETWORKS}
    # A new network comes up. The next scan.complete does not have it: the rescan has not finished.
    appeared = F.environment(scan_seconds=3600)
    appeared["access_points"].insert(0, {"ssid": "New Net", "bssid": "02:00:00:00:09:01", "security": "WPA2",
                                         "signal": 99, "password": "new-net-password"})
    stack.write_nmcli_fixture(appeared)
    stale = _ask(stack, T.NM_SCAN, {}, T.NM_SCAN_COMPLETE)
    assert stale.data == {"networks": F.NM_SCAN_NETWORKS}, "the list is the one from before the rescan"
    # The rescan finishes (scans now take no time): the next list has it.
    appeared["scan_seconds"] = 0
    stack.write_nmcli_fixture(appeared)
    fresh = _ask(stack, T.NM_SCAN, {}, T.NM_SCAN_COMPLETE)
    now_listed = [{"ssid": "New Net", "security": "WPA2"}] + F.NM_SCAN_NETWORKS
    assert fresh.data == {"networks": now_listed}

    # A connect that hangs in nmcli (an access point that never answers): network-manager's handler waits.
    appeared["hang_connect"] = True
    stack.write_nmcli_fixture(appeared)
    runs = len(stack.nmcli_calls())
    since = probe.mark()
    probe.emit(T.NM_CONNECT_OPEN, {"connection_name": F.CAFE})
    wait_until(lambda: _connect_calls(stack, runs), EVENT_TIMEOUT, what="nmcli asked to connect")
    hanging = wait_until(stack.nmcli_running, EVENT_TIMEOUT, what="the hanging nmcli run")
    stack.quiet_period()
    assert probe.count(T.NM_CONNECTED_OK, since) == probe.count(T.NM_CONNECT_FAILED, since) == 0
    # Meanwhile it still answers other requests (ovos_PHAL runs bus handlers on a pool of threads).
    scan = _ask(stack, T.NM_SCAN, {}, T.NM_SCAN_COMPLETE)
    assert scan.data == {"networks": now_listed}
    # nmcli ends (as its own --wait timeout or a signal ends it): the late answer is a failure naming nothing.
    wait_until(lambda: stack.nmcli_running() == hanging, EVENT_TIMEOUT, what="only the hanging nmcli run left")
    assert stack.stop_nmcli_runs() == hanging
    failure = probe.wait_for(T.NM_CONNECT_FAILED, EVENT_TIMEOUT, since=since)
    assert failure.data == FAILED
    assert _connect_calls(stack, runs) == [["device", "wifi", "connect", F.CAFE]]
    assert stack.nmcli_running() == []


def test_network_manager_135_ignores_nmcli_escaping_and_hands_a_name_to_nmcli_as_it_is(
        real_stack: Callable[..., RealStack]) -> None:
    """nmcli's terse list escapes ':' and '\\' ("Cafe\\: Free:", "Back\\\\Slash:WPA2"); 1.3.5 splits each line on
    every ':' and sends the first two pieces as they are. Its connect passes the name to nmcli untouched, and
    nmcli takes it as written: asked by the real name, nmcli joins."""
    stack = real_stack(gui="never", in_phal=("network-manager",), screen_client="never")
    stack.write_nmcli_fixture(F.environment(access_points=F.ACCESS_POINTS + F.ESCAPED_ACCESS_POINTS))
    stack.start_bus()
    stack.start_phal()

    scan = _ask(stack, T.NM_SCAN, {}, T.NM_SCAN_COMPLETE)
    assert scan.data == {"networks": F.NM_SCAN_NETWORKS + F.NM_SCAN_ESCAPED}

    runs = len(stack.nmcli_calls())
    success = _ask(stack, T.NM_CONNECT_OPEN, {"connection_name": F.CAFE_COLON}, T.NM_CONNECT_FAILED,
                   T.NM_CONNECTED_OK)
    assert (success.msg_type, success.data) == (T.NM_CONNECTED_OK, {"connection_name": F.CAFE_COLON})
    success = _ask(stack, T.NM_CONNECT, {"connection_name": F.BACKSLASH, "password": F.BACKSLASH_PASSWORD,
                                         "security_type": "WPA2"}, T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK)
    assert (success.msg_type, success.data) == (T.NM_CONNECTED_OK, {"connection_name": F.BACKSLASH})
    assert _connect_calls(stack, runs) == [["device", "wifi", "connect", F.CAFE_COLON],
                                           ["device", "wifi", "connect", F.BACKSLASH, "password",
                                            F.BACKSLASH_PASSWORD]]


def test_network_manager_135_answers_a_connect_ended_by_a_newer_one_first(
        real_stack: Callable[..., RealStack]) -> None:
    """Its handlers run on a pool of threads, so a second connect runs while the first still waits in nmcli; but
    the second activation ends the first (nmcli fails it at once, "(60) New connection activation was enqueued"),
    so the answers come in the order the connects were asked: a failure naming nothing, then the success."""
    stack = real_stack(gui="never", in_phal=("network-manager",), screen_client="never")
    stack.write_nmcli_fixture(F.environment(hang_connect=True))
    stack.start_bus()
    stack.start_phal()
    probe = stack.probe
    runs = len(stack.nmcli_calls())
    since = probe.mark()
    probe.emit(T.NM_CONNECT_OPEN, {"connection_name": F.CAFE})
    wait_until(lambda: _connect_calls(stack, runs), EVENT_TIMEOUT, what="nmcli asked to connect")
    hanging = wait_until(stack.nmcli_running, EVENT_TIMEOUT, what="the hanging nmcli run")
    stack.write_nmcli_fixture(F.environment(join_seconds=1))
    probe.emit(T.NM_CONNECT, {"connection_name": F.HOME, "password": F.HOME_PASSWORD, "security_type": "WPA2"})
    probe.wait_for(T.NM_CONNECTED_OK, EVENT_TIMEOUT, since=since)
    answers = [(m.msg_type, m.data) for m in probe.messages(since=since)
               if m.msg_type in (T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK)]
    assert answers == [(T.NM_CONNECT_FAILED, FAILED), (T.NM_CONNECTED_OK, {"connection_name": F.HOME})]
    assert not any(pid in stack.nmcli_running() for pid in hanging)
    assert [c["name"] for c in stack.nmcli_state()["active"]] == [F.HOME]
