"""Real stack: messages the plugin sends while ovos-messagebus is down go out, in order, once the bus is back."""
import time
from typing import Any, Callable, List

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T

from .harness import EVENT_TIMEOUT, RECONNECT_TIMEOUT, START_TIMEOUT, RealStack
from stack import BusRecorder, wait_until

pytestmark = pytest.mark.integration

# The client's activate.{id} falls due SETTLE s after it registered, and its session times out TIMEOUT s after it
# began: both while the bus is down.
SETTLE = 3.0
TIMEOUT = 6.0
# ovos-bus-client 1.5.0 tries again 5 s after it lost the connection, then 10 s after that try failed. The bus
# comes back after the first try (which fails) and seconds before the second, so a recorder connected as soon
# as the port opens is on the bus before the plugin is, and sees everything the plugin sends once it is back.
RESTART_AFTER = 9.5
REMOTE = {T.K_CLIENT: "test-remote-client", T.K_TYPE: T.TYPE_REMOTE, T.K_DISPLAY_TEXT: "A test client",
          T.K_HAS_GUI: False, T.K_REQUIRES_INPUT: False}


def _ours(messages: List[Any], client_id: str) -> List[str]:
    """The topics, in arrival order, of the plugin's messages about this client's session and the round's end."""
    wanted = {T.activate_topic(client_id), T.deactivate_topic(client_id), T.SETUP_FAILED}
    return [m.msg_type for m in messages if m.msg_type in wanted]


def test_an_activation_due_while_the_bus_restarts_reaches_its_client_in_order(
        real_stack: Callable[..., RealStack]) -> None:
    """The bus is stopped (SIGTERM, SIGKILL after a bound) just after a session began and started again on its
    port: the client's activate.{id}, then its deactivate.{id} and setup.failed, all sent during the outage,
    arrive once each and in that order after the bus is back."""
    stack = real_stack(gui="never", registration_settle=SETTLE, activation_timeout=TIMEOUT)
    stack.start_bus()
    stack.start_phal()
    probe = stack.probe
    client_id = probe.request(T.REGISTER_CLIENT, T.CLIENT_REGISTERED, REMOTE, timeout=EVENT_TIMEOUT).data[T.K_ID]
    registered = time.monotonic()
    probe.emit(T.SET_ACTIVE_CLIENT, {T.K_REQ_ID: client_id})
    # The session has begun (so the bus carried the request) before the bus goes.
    wait_until(lambda: (stack.status().get("active_client") or {}).get(T.K_ID) == client_id, EVENT_TIMEOUT,
               what="the session of the client begun")
    probe.close()  # the recorder of the first bus run; a fresh one watches the second
    ended_by = stack.messagebus.stop()  # as a service manager stops it: SIGTERM, SIGKILL after a bound
    assert time.monotonic() - registered < SETTLE - 0.5, f"the bus ({ended_by}) was not down before the activation fell due"
    time.sleep(max(0.0, registered + RESTART_AFTER - time.monotonic()))
    stack.messagebus.start(START_TIMEOUT)
    watcher = BusRecorder(stack.home.port).connect(START_TIMEOUT)
    try:
        watcher.wait_for(T.SETUP_FAILED, RECONNECT_TIMEOUT)
        stack.quiet_period()
        assert _ours(watcher.messages(), client_id) == [
            T.activate_topic(client_id), T.deactivate_topic(client_id), T.SETUP_FAILED]
    finally:
        watcher.close()
