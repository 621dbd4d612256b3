"""The built-in on-screen Wi-Fi method on the real stack: ovos_PHAL runs our plugin and network-manager 1.3.5.

One ovos_PHAL loads ovos-PHAL-plugin-wifi-setup and ovos-PHAL-plugin-network-manager 1.3.5 (unmodified, from
PyPI) by their entry points, as a device does; network-manager finds the stand-in nmcli first on its PATH,
playing nmcli_fixture.py's networks. Our plugin's screen_client is "auto": the on-screen method registers once
network-manager answers. The test plays the user on the page through the page's bus topics (docs/PROTOCOL.md)
and reads what the page would show from the GUI session data the method sends; it sends
mycroft.internet.connected itself, as connectivity-events would once the device is online.
"""
import json
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T

from . import nmcli_fixture as F
from .harness import EVENT_TIMEOUT, RealStack
from stack import wait_until

pytestmark = pytest.mark.integration

SCREEN = T.SCREEN_CLIENT_NAME
# What the page lists for the fixture: one entry per network (Home's second access point merged), the hidden
# one left out, in nmcli's order; "Lab:Guest" by its real name, rebuilt from the "Lab\\" and "Guest" network-manager
# 1.3.5 split it into, its security lost with the third piece of nmcli's line.
LISTED = [
    {"ssid": F.HOME, "security": "WPA2", "secured": True, "security_known": True},
    {"ssid": F.CAFE, "security": "", "secured": False, "security_known": True},
    {"ssid": F.STUDIO, "security": "WPA3", "secured": True, "security_known": True},
    {"ssid": F.LEGACY, "security": "WPA1 WPA2", "secured": True, "security_known": True},
    {"ssid": F.ATTIC, "security": "WPA2", "secured": True, "security_known": True},
    {"ssid": F.COLON, "security": "", "secured": True, "security_known": False},
    {"ssid": F.FAR, "security": "WPA2", "secured": True, "security_known": True},
]
# With the escaped names of nmcli_fixture.ESCAPED_ACCESS_POINTS too: "a:b:c" cannot be rebuilt and is left out.
LISTED_ESCAPED = LISTED + [
    {"ssid": F.CAFE_COLON, "security": "", "secured": True, "security_known": False},
    {"ssid": F.BACKSLASH, "security": "WPA2", "secured": True, "security_known": True},
]
# The only messages that may carry a password: the page's request, and network-manager's, which the
# on-screen method makes from it (network-manager's API takes it on the bus).
PASSWORD_CARRIERS = {T.SCREEN_CONNECT, T.NM_CONNECT}


def _session(stack: RealStack, skill_id: str, since: int = 0) -> Dict[str, Any]:
    """The GUI session data of ``skill_id`` as the page holds it now (each gui.value.set carries all of it)."""
    data: Dict[str, Any] = {}
    for message in stack.probe.messages("gui.value.set", since):
        if message.data.get("__from") == skill_id:
            data.update(message.data)
    return data


def _wait_session(stack: RealStack, skill_id: str, since: int, what: str,
                  until: Callable[[Dict[str, Any]], bool], timeout: float = EVENT_TIMEOUT) -> Dict[str, Any]:
    """Wait until the session data of ``skill_id`` satisfies ``until``; return it."""
    def reached() -> Dict[str, Any]:
        data = _session(stack, skill_id, since)
        return data if until(data) else {}

    return dict(wait_until(reached, timeout, interval=0.1, what=what))


def _steps(stack: RealStack, since: int) -> List[str]:
    """The steps the page went to since a record position (each change once; the step it was on is left out)."""
    steps: List[str] = []
    current = None
    for index, message in enumerate(stack.probe.messages()):
        if message.msg_type != "gui.value.set" or message.data.get("__from") != SCREEN:
            continue
        step = message.data.get("step")
        if step is not None and step != current:
            current = step
            if index >= since:
                steps.append(step)
    return steps


def _connect_calls(stack: RealStack) -> List[List[str]]:
    """The nmcli runs that asked to join a network."""
    return [argv for argv in stack.nmcli_calls() if argv[:3] == ["device", "wifi", "connect"]]


def _open_the_screen_method(stack: RealStack, listed: List[Dict[str, Any]] = LISTED) -> str:
    """user.activated, then tap "Choose a Wi-Fi network on this screen" on the selection page, and wait for the
    network list (``listed``); return the id the on-screen method registered with."""
    probe = stack.probe
    asked = probe.mark()
    probe.emit(T.USER_ACTIVATED)
    # It registers once network-manager answers its question (at start, or again when the round opens).
    registered = stack.wait_registered(SCREEN)
    selection = _wait_session(stack, T.PLUGIN_ID, asked, "the selection page listing the on-screen method",
                              lambda d: any(c.get(T.K_CLIENT) == SCREEN for c in d.get(T.SESSION_CLIENTS, [])))
    assert selection[T.SESSION_PAGE_TYPE] == T.PAGE_TYPE_SELECT
    assert T.GUI_PAGE in stack.wait_from_skill("gui.page.show", T.PLUGIN_ID, asked).data["page_names"]
    offered = next(c for c in selection[T.SESSION_CLIENTS] if c[T.K_CLIENT] == SCREEN)
    assert offered[T.K_DISPLAY_TEXT] == "Choose a Wi-Fi network on this screen"
    assert offered[T.K_TYPE] == "onDevice" and offered[T.K_ID] == registered[T.K_ID]

    chosen = probe.mark()
    # What the selection page sends when the user taps the method.
    probe.emit(T.CLIENT_SELECT, {T.K_CLIENT: SCREEN, T.K_ID: registered[T.K_ID]})
    probe.wait_for(T.activate_topic(registered[T.K_ID]), EVENT_TIMEOUT, since=chosen)
    shown = stack.wait_from_skill("gui.page.show", SCREEN, chosen)
    assert shown.data["page_names"] == [T.GUI_PAGE]
    shown_list = _wait_session(stack, SCREEN, chosen, "the network list", lambda d: d.get("step") == "list")
    assert shown_list[T.SESSION_PAGE_TYPE] == T.PAGE_TYPE_NETWORKS
    assert shown_list["networks_model"] == listed
    assert shown_list["selected_ssid"] == "" and shown_list["error"] == ""
    assert _steps(stack, chosen) == ["scanning", "list"]
    assert stack.status()["active_client"][T.K_CLIENT] == SCREEN
    return str(registered[T.K_ID])


def _files_holding(root: Path, secrets: tuple, skip: Path) -> List[str]:
    """Every file below ``root`` (but ``skip``) whose bytes hold one of ``secrets``."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and skip not in p.parents):
        content = path.read_bytes()
        found += [f"{path.relative_to(root)}: {s!r}" for s in secrets if s.encode("utf-8") in content]
    return found


def test_user_picks_a_network_on_screen_a_wrong_password_then_the_right_one_and_the_round_completes(
        real_stack: Callable[..., RealStack]) -> None:
    """The selection page offers "Choose a Wi-Fi network on this screen"; tapped, it lists the networks; a wrong
    password says so on the page, the right one joins, the method ends its session, and the round completes
    once the device is online. nmcli was asked exactly twice; the password went nowhere else."""
    stack = real_stack(gui="always", in_phal=("network-manager",), screen_client="auto",
                       screen_connect_timeout=45)
    stack.write_nmcli_fixture(F.environment())
    stack.start_bus()
    started = stack.probe.mark()
    stack.start_phal()
    probe = stack.probe
    client_id = _open_the_screen_method(stack)

    # A wrong password: nmcli is asked with it, refuses, and the page says the password was not accepted.
    tried = probe.mark()
    probe.emit(T.SCREEN_CONNECT, {"ssid": F.HOME, "password": F.WRONG_PASSWORD})
    failed = _wait_session(stack, SCREEN, tried, "the failure on the page", lambda d: d.get("step") == "failed")
    assert failed["error"].startswith(f"The password for {F.HOME} was not accepted."), failed["error"]
    assert failed["selected_ssid"] == F.HOME
    assert failed["networks_model"] == LISTED, "the list stays, so the user can try again or pick another"
    assert _steps(stack, tried) == ["connecting", "failed"]
    assert _connect_calls(stack) == [["device", "wifi", "connect", F.HOME, "password", F.WRONG_PASSWORD]]
    request = probe.wait_for(T.NM_CONNECT, EVENT_TIMEOUT, since=tried)
    assert request.data == {"connection_name": F.HOME, "password": F.WRONG_PASSWORD, "security_type": "WPA2"}
    assert stack.status()["active_client"][T.K_CLIENT] == SCREEN, "the session goes on"

    # The right one: joined; the page says so and the method ends its own session.
    again = probe.mark()
    probe.emit(T.SCREEN_CONNECT, {"ssid": F.HOME, "password": F.HOME_PASSWORD})
    probe.wait_for(T.NM_CONNECTED_OK, EVENT_TIMEOUT, since=again)
    removal = probe.wait_for(T.REMOVE_ACTIVE_CLIENT, EVENT_TIMEOUT, since=again)
    assert removal.data[T.K_CLIENT] == SCREEN
    probe.wait_for(T.deactivate_topic(client_id), EVENT_TIMEOUT, since=again)
    assert "connected" in _steps(stack, again)
    assert _connect_calls(stack) == [["device", "wifi", "connect", F.HOME, "password", F.WRONG_PASSWORD],
                                     ["device", "wifi", "connect", F.HOME, "password", F.HOME_PASSWORD]]
    assert [c["name"] for c in stack.nmcli_state()["active"]] == [F.HOME]
    assert stack.status()["active_client"] is None

    # connectivity-events would say this once the device is online: the round completes, once.
    stack.complete_round_once(since=started)
    assert probe.count(T.activate_topic(client_id), started) == 1
    assert probe.count(T.NM_CONNECT, started) == 2 and probe.count(T.NM_CONNECT_OPEN, started) == 0

    # The passwords: in nmcli's argv (above), in the page's and network-manager's requests, nowhere else.
    secrets = (F.WRONG_PASSWORD, F.HOME_PASSWORD)
    status = json.dumps(stack.status(), ensure_ascii=False)
    assert not [s for s in secrets if s in status], "status"
    assert stack.state_file.exists()
    assert _files_holding(stack.root, secrets, skip=stack.nmcli_dir) == [], "logs, state, config, GUI data"
    carriers = {m.msg_type for m in probe.messages() if any(s in m.serialize() for s in secrets)}
    assert carriers == PASSWORD_CARRIERS


def test_a_connect_that_hangs_ends_in_a_failure_on_screen_and_the_user_can_try_again(
        real_stack: Callable[..., RealStack]) -> None:
    """nmcli never finishes a connect: after screen_connect_timeout the page says the network did not answer
    and keeps the list; network-manager's late failure changes nothing; tried again, the network joins."""
    timeout = 3
    stack = real_stack(gui="always", in_phal=("network-manager",), screen_client="auto",
                       screen_connect_timeout=timeout)
    stack.write_nmcli_fixture(F.environment(hang_connect=True))
    stack.start_bus()
    stack.start_phal()
    probe = stack.probe
    client_id = _open_the_screen_method(stack)

    # An open network: sent at once on tap; nmcli hangs.
    tapped = probe.mark()
    probe.emit(T.SCREEN_CONNECT, {"ssid": F.CAFE})
    request = probe.wait_for(T.NM_CONNECT_OPEN, EVENT_TIMEOUT, since=tapped)
    assert request.data == {"connection_name": F.CAFE}
    hanging = wait_until(stack.nmcli_running, EVENT_TIMEOUT, what="the hanging nmcli connect")
    failed = _wait_session(stack, SCREEN, tapped, "the timeout shown on the page",
                           lambda d: d.get("step") == "failed")
    assert F.CAFE in failed["error"] and "did not answer" in failed["error"], failed["error"]
    assert failed["selected_ssid"] == F.CAFE and failed["networks_model"] == LISTED
    assert _steps(stack, tapped) == ["connecting", "failed"]
    assert probe.count(T.NM_CONNECT_FAILED, tapped) == probe.count(T.NM_CONNECTED_OK, tapped) == 0, \
        "the failure on screen is the method's own: network-manager has not answered"
    assert stack.nmcli_running() == hanging, "nmcli still hangs"
    assert stack.status()["active_client"][T.K_CLIENT] == SCREEN, "the session goes on"

    # nmcli ends at last: network-manager's late failure names no network; nothing is in flight, nothing changes.
    late = probe.mark()
    assert stack.stop_nmcli_runs() == hanging
    probe.wait_for(T.NM_CONNECT_FAILED, EVENT_TIMEOUT, since=late)
    stack.quiet_period()
    assert _session(stack, SCREEN) == failed, "the page still shows the timeout"
    assert probe.count(T.REMOVE_ACTIVE_CLIENT, late) == 0

    # The access point answers now: tried again, it joins, and the session ends.
    stack.write_nmcli_fixture(F.environment())
    again = probe.mark()
    probe.emit(T.SCREEN_CONNECT, {"ssid": F.CAFE})
    probe.wait_for(T.NM_CONNECTED_OK, EVENT_TIMEOUT, since=again)
    removal = probe.wait_for(T.REMOVE_ACTIVE_CLIENT, EVENT_TIMEOUT, since=again)
    assert removal.data[T.K_CLIENT] == SCREEN
    probe.wait_for(T.deactivate_topic(client_id), EVENT_TIMEOUT, since=again)
    assert _connect_calls(stack) == [["device", "wifi", "connect", F.CAFE], ["device", "wifi", "connect", F.CAFE]]
    assert [c["name"] for c in stack.nmcli_state()["active"]] == [F.CAFE]


def test_a_late_failure_from_network_manager_is_not_blamed_on_the_next_try_and_its_join_shows(
        real_stack: Callable[..., RealStack]) -> None:
    """The open Cafe hangs past screen_connect_timeout; the user then joins Home. Home's activation ends Cafe's,
    whose nmcli fails at once: network-manager answers that failure (naming nothing) before Home's success. The
    failure is Cafe's; the page shows "Connected to Home" for at least 3 s, then that it checks the internet,
    and the method ends its session."""
    timeout = 3
    stack = real_stack(gui="always", in_phal=("network-manager",), screen_client="auto",
                       screen_connect_timeout=timeout)
    stack.write_nmcli_fixture(F.environment(hang_connect=True))
    stack.start_bus()
    stack.start_phal()
    probe = stack.probe
    client_id = _open_the_screen_method(stack)

    tapped = probe.mark()
    probe.emit(T.SCREEN_CONNECT, {"ssid": F.CAFE})
    wait_until(stack.nmcli_running, EVENT_TIMEOUT, what="the hanging nmcli connect")
    failed = _wait_session(stack, SCREEN, tapped, "the timeout shown on the page",
                           lambda d: d.get("step") == "failed")
    assert F.CAFE in failed["error"] and "did not answer" in failed["error"], failed["error"]

    # The access point answers now; a join takes a second, as a real one takes a few.
    stack.write_nmcli_fixture(F.environment(join_seconds=1))
    again = probe.mark()
    probe.emit(T.SCREEN_CONNECT, {"ssid": F.HOME, "password": F.HOME_PASSWORD})
    probe.wait_for(T.NM_CONNECTED_OK, EVENT_TIMEOUT, since=again)
    answers = [m.msg_type for m in probe.messages(since=again) if m.msg_type in (T.NM_CONNECT_FAILED,
                                                                                 T.NM_CONNECTED_OK)]
    assert answers == [T.NM_CONNECT_FAILED, T.NM_CONNECTED_OK], "Cafe's late failure came first"
    connected = _wait_session(stack, SCREEN, again, "Connected to Home", lambda d: d.get("step") == "connected")
    shown_at = time.monotonic()
    assert connected["selected_ssid"] == F.HOME and connected["error"] == ""
    removal = probe.wait_for(T.REMOVE_ACTIVE_CLIENT, EVENT_TIMEOUT, since=again)
    assert time.monotonic() - shown_at >= 2.5, "Connected went before it could be read"
    assert removal.data[T.K_CLIENT] == SCREEN
    probe.wait_for(T.deactivate_topic(client_id), EVENT_TIMEOUT, since=again)
    assert _steps(stack, again) == ["connecting", "connected", "checking"]
    assert _connect_calls(stack) == [["device", "wifi", "connect", F.CAFE],
                                     ["device", "wifi", "connect", F.HOME, "password", F.HOME_PASSWORD]]
    assert [c["name"] for c in stack.nmcli_state()["active"]] == [F.HOME]
    assert stack.nmcli_running() == []


def test_names_with_a_colon_or_a_backslash_show_as_they_are_and_join(real_stack: Callable[..., RealStack]) -> None:
    """nmcli escapes ':' and '\\' in its terse list and network-manager 1.3.5 splits on every ':': the page lists
    "Lab:Guest", "Cafe: Free" and "Back\\Slash" by their real names (the first two of unknown security), leaves out
    "a:b:c" whose end is lost, and "Lab:Guest" joins with its password: nmcli is asked for "Lab:Guest" itself."""
    stack = real_stack(gui="always", in_phal=("network-manager",), screen_client="auto")
    stack.write_nmcli_fixture(F.environment(access_points=F.ACCESS_POINTS + F.ESCAPED_ACCESS_POINTS))
    stack.start_bus()
    stack.start_phal()
    probe = stack.probe
    client_id = _open_the_screen_method(stack, LISTED_ESCAPED)

    tried = probe.mark()
    probe.emit(T.SCREEN_CONNECT, {"ssid": F.COLON, "password": F.COLON_PASSWORD})
    request = probe.wait_for(T.NM_CONNECT, EVENT_TIMEOUT, since=tried)
    assert request.data == {"connection_name": F.COLON, "password": F.COLON_PASSWORD, "security_type": ""}
    assert probe.wait_for(T.NM_CONNECTED_OK, EVENT_TIMEOUT, since=tried).data == {"connection_name": F.COLON}
    probe.wait_for(T.deactivate_topic(client_id), EVENT_TIMEOUT, since=tried)
    assert _connect_calls(stack) == [["device", "wifi", "connect", F.COLON, "password", F.COLON_PASSWORD]]
    assert [c["name"] for c in stack.nmcli_state()["active"]] == [F.COLON]
    assert "connected" in _steps(stack, tried)


def test_an_open_network_with_a_colon_in_its_name_joins_without_a_password(
        real_stack: Callable[..., RealStack]) -> None:
    """"Cafe: Free" (open; network-manager 1.3.5 sent "Cafe\\" secured with " Free") is tried with no password, as
    an open network, and joins."""
    stack = real_stack(gui="always", in_phal=("network-manager",), screen_client="auto")
    stack.write_nmcli_fixture(F.environment(access_points=F.ACCESS_POINTS + F.ESCAPED_ACCESS_POINTS))
    stack.start_bus()
    stack.start_phal()
    probe = stack.probe
    _open_the_screen_method(stack, LISTED_ESCAPED)
    tried = probe.mark()
    probe.emit(T.SCREEN_CONNECT, {"ssid": F.CAFE_COLON, "password": ""})
    assert probe.wait_for(T.NM_CONNECT_OPEN, EVENT_TIMEOUT, since=tried).data == {"connection_name": F.CAFE_COLON}
    probe.wait_for(T.REMOVE_ACTIVE_CLIENT, EVENT_TIMEOUT, since=tried)
    assert _connect_calls(stack) == [["device", "wifi", "connect", F.CAFE_COLON]]
    assert [c["name"] for c in stack.nmcli_state()["active"]] == [F.CAFE_COLON]
