"""Real stack, gui "always": the selection page lists both real clients and hands over to GUISetup (scenario 4)."""
from typing import Any, Callable, Dict

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T

from .harness import BALENA, EVENT_TIMEOUT, GUI_CLIENT, RealStack

pytestmark = pytest.mark.integration

NM_SUCCESS = "ovos.phal.nm.connection.successful"
GUISETUP_PAGE = "GuiClientLoader"


def _session_data(stack: RealStack, skill_id: str, since: int, until: int) -> Dict[str, Any]:
    """The GUI session data a skill had set between two record positions, as the GUI would hold it."""
    data: Dict[str, Any] = {}
    for message in stack.probe.messages(since=since)[:until - since]:
        if message.msg_type == "gui.value.set" and message.data.get("__from") == skill_id:
            data.update(message.data)
    return data


def test_gui_launch_shows_both_clients_and_hands_over_to_guisetup(real_stack: Callable[..., RealStack]) -> None:
    """user.activated shows our page with both clients; selecting GUISetup activates it until its success."""
    stack = real_stack(gui="always")
    ids = {name: reply[T.K_ID] for name, reply in stack.start().items()}
    probe = stack.probe

    since = probe.mark()
    probe.emit(T.USER_ACTIVATED)
    shown = stack.wait_from_skill("gui.page.show", T.PLUGIN_ID, since)
    assert T.GUI_PAGE in shown.data["page_names"]
    session = _session_data(stack, T.PLUGIN_ID, since, probe.mark())
    assert session[T.SESSION_PAGE_TYPE] == T.PAGE_TYPE_SELECT
    listed = {record[T.K_CLIENT]: record for record in session[T.SESSION_CLIENTS]}
    assert set(listed) == {BALENA, GUI_CLIENT}
    for name, client_id in ids.items():
        assert listed[name][T.K_ID] == listed[name][T.K_ID_LONG] == client_id
    assert listed[GUI_CLIENT][T.K_TYPE] == "onDevice" and listed[BALENA][T.K_TYPE] == "Remote"
    assert probe.count(T.activate_topic(ids[BALENA]), since) == 0, "with a screen, nothing starts unasked"

    chosen = probe.mark()
    # What the selection page sends when the user taps "On Device Setup".
    probe.emit(T.CLIENT_SELECT, {T.K_CLIENT: GUI_CLIENT, T.K_ID: ids[GUI_CLIENT]})
    request = probe.wait_for(T.SET_ACTIVE_CLIENT, EVENT_TIMEOUT, since=chosen)
    assert request.data[T.K_REQ_CLIENT] == request.data[T.K_CLIENT] == GUI_CLIENT
    assert request.data[T.K_REQ_ID] == request.data[T.K_ID] == ids[GUI_CLIENT]
    probe.wait_for(T.activate_topic(ids[GUI_CLIENT]), EVENT_TIMEOUT, since=chosen)
    # Our page lets go of the screen, and GUISetup puts its own page up.
    probe.wait_for("mycroft.gui.screen.close", EVENT_TIMEOUT, since=chosen,
                   where=lambda m: m.data.get("skill_id") == T.PLUGIN_ID)
    own_page = stack.wait_from_skill("gui.page.show", GUI_CLIENT, chosen)
    assert own_page.data["page_names"] == [GUISETUP_PAGE]
    assert stack.status()["active_client"][T.K_CLIENT] == GUI_CLIENT

    # What ovos-PHAL-plugin-network-manager sends once nmcli joined the network.
    joined = probe.mark()
    probe.emit(NM_SUCCESS)
    removal = probe.wait_for(T.REMOVE_ACTIVE_CLIENT, EVENT_TIMEOUT, since=joined)
    assert removal.data == {T.K_CLIENT: GUI_CLIENT}
    probe.wait_for(T.deactivate_topic(ids[GUI_CLIENT]), EVENT_TIMEOUT, since=joined)
    assert stack.status()["active_client"] is None

    online = probe.mark()
    probe.emit(T.INTERNET_CONNECTED)
    probe.wait_for(T.STOP_SETUP, EVENT_TIMEOUT, since=online)
    stack.quiet_period()
    assert probe.count(T.SHELL_STATUS_OK, since) == 1
    assert probe.count(T.STOP_SETUP, since) == 1
    assert probe.count(T.activate_topic(ids[GUI_CLIENT]), since) == 1
    assert probe.count(T.activate_topic(ids[BALENA]), since) == 0


def test_guisetup_still_takes_the_session_after_a_kit_client_left(real_stack: Callable[..., RealStack]) -> None:
    """The released GUISetup drops its handlers on anyone's client.deregistered: after a kit-based client shut
    down (the kit deregisters), tapping "On Device Setup" still activates GUISetup and its page comes up."""
    from ovos_PHAL_plugin_wifi_setup.methods.kit import NetworkSetupClient

    stack = real_stack(gui="always")
    ids = {name: reply[T.K_ID] for name, reply in stack.start("gui-network").items()}
    probe = stack.probe

    kit = NetworkSetupClient(probe.client, "test-kit-client", "Set up with the kit", client_type="Remote")
    since = probe.mark()
    kit.start()
    stack.wait_registered("test-kit-client", since)
    left = probe.mark()
    kit.shutdown()
    probe.wait_for(T.CLIENT_DEREGISTERED, EVENT_TIMEOUT, since=left,
                   where=lambda m: m.data.get(T.K_CLIENT) == "test-kit-client")

    since = probe.mark()
    probe.emit(T.USER_ACTIVATED)
    stack.wait_from_skill("gui.page.show", T.PLUGIN_ID, since)
    chosen = probe.mark()
    probe.emit(T.CLIENT_SELECT, {T.K_CLIENT: GUI_CLIENT, T.K_ID: ids[GUI_CLIENT]})
    probe.wait_for(T.activate_topic(ids[GUI_CLIENT]), EVENT_TIMEOUT, since=chosen)
    own_page = stack.wait_from_skill("gui.page.show", GUI_CLIENT, chosen)
    assert own_page.data["page_names"] == [GUISETUP_PAGE]
    assert stack.status()["active_client"][T.K_CLIENT] == GUI_CLIENT
