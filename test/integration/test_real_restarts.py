"""Real stack: after a messagebus or ovos_PHAL restart, clients and activations still work (scenarios 5, 6)."""
from typing import Callable, Dict

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T

from .harness import BALENA, BALENA_PHAL_NAME, EVENT_TIMEOUT, GUI_CLIENT, RealStack

pytestmark = pytest.mark.integration


def _listed_ids(status: Dict) -> Dict[str, str]:
    """Client name to id, as a status answer lists them."""
    return {record[T.K_CLIENT]: record[T.K_ID] for record in status["clients"]}


def test_bus_restart_keeps_ids_and_an_activation_reaches_its_client_once(real_stack: Callable[..., RealStack]) -> None:
    """ovos-messagebus is killed and restarted on its port: everyone reconnects, ids stay, activations arrive once."""
    stack = real_stack(gui="never")
    ids = {name: reply[T.K_ID] for name, reply in stack.start().items()}
    # balena stays in its portal step once activated, so a duplicate run of wifi-connect would show.
    stack.set_wifi_connect("portal")
    probe = stack.probe
    # The bus must not die before GUISetup has handled its client.registered (it subscribes activate.{id} there):
    # the recorder may see the reply first, and GUISetup never asks again for an id it missed.
    assert stack.clients is not None
    stack.clients.wait_for_log(f"Client Registered with WIFI Plugin: {ids[GUI_CLIENT]}", EVENT_TIMEOUT)

    restarted = probe.mark()
    stack.restart_bus()
    status = stack.wait_plugin_connected()
    stack.wait_clients_connected()

    assert _listed_ids(status) == ids
    # The registry survived, so the plugin does not ask clients to register again.
    assert probe.count(T.ALIVE, restarted) == 0
    assert probe.count(T.CLIENT_REGISTERED, restarted) == 0

    since = probe.mark()
    probe.emit(T.SET_ACTIVE_CLIENT, {T.K_REQ_CLIENT: GUI_CLIENT, T.K_REQ_ID: ids[GUI_CLIENT]})
    stack.wait_from_skill("gui.page.show", GUI_CLIENT, since)
    probe.emit(T.SET_ACTIVE_CLIENT, {T.K_REQ_CLIENT: BALENA, T.K_REQ_ID: ids[BALENA]})
    probe.wait_for(T.deactivate_topic(ids[GUI_CLIENT]), EVENT_TIMEOUT, since=since)
    probe.wait_for(T.activate_topic(ids[BALENA]), EVENT_TIMEOUT, since=since)
    stack.wait_from_skill("gui.page.show", BALENA_PHAL_NAME, since)
    stack.quiet_period()

    assert probe.count(T.activate_topic(ids[GUI_CLIENT]), since) == 1
    assert len(stack.from_skill("gui.page.show", GUI_CLIENT, since)) == 1, "GUISetup acted on one activation once"
    assert probe.count(T.activate_topic(ids[BALENA]), since) == 1
    assert len(stack.wifi_connect_runs()) == 1, "balena ran wifi-connect once for one activation"
    assert stack.status()["active_client"][T.K_CLIENT] == BALENA


def test_phal_restart_makes_clients_register_again_and_new_ids_work(real_stack: Callable[..., RealStack]) -> None:
    """ovos_PHAL restarts while the clients stay up: alive makes them register again, and the new ids activate."""
    stack = real_stack(gui="never")
    old_ids = {name: reply[T.K_ID] for name, reply in stack.start().items()}
    probe = stack.probe

    stack.phal.stop()
    restarted = probe.mark()
    stack.start_phal()
    new_ids = {name: stack.wait_registered(name, restarted)[T.K_ID] for name in (BALENA, GUI_CLIENT)}
    assert _listed_ids(stack.status()) == new_ids
    # The registry lives in memory: a new process hands out new ids.
    assert not set(new_ids.values()) & set(old_ids.values())

    since = probe.mark()
    probe.emit(T.SET_ACTIVE_CLIENT, {T.K_REQ_ID: new_ids[GUI_CLIENT]})
    probe.wait_for(T.activate_topic(new_ids[GUI_CLIENT]), EVENT_TIMEOUT, since=since)
    stack.wait_from_skill("gui.page.show", GUI_CLIENT, since)
    stack.quiet_period()
    assert len(stack.from_skill("gui.page.show", GUI_CLIENT, since)) == 1
    assert stack.status()["active_client"][T.K_ID] == new_ids[GUI_CLIENT]

    stale = probe.mark()
    probe.emit(T.SET_ACTIVE_CLIENT, {T.K_REQ_ID: old_ids[BALENA]})
    refusal = probe.wait_for(T.ACTIVATION_FAILURE, EVENT_TIMEOUT, since=stale)
    assert refusal.data[T.K_ID] == old_ids[BALENA] and refusal.data[T.K_ERROR]
    assert stack.status()["active_client"][T.K_ID] == new_ids[GUI_CLIENT], "a refused request changes nothing"
