"""Real stack: the old clients' remove.active.client on each stop.setup.event ends no other session (scenario 7)."""
from typing import Any, Callable

import pytest

from ovos_PHAL_plugin_wifi_setup import topics as T

from .harness import BALENA_PHAL_NAME, EVENT_TIMEOUT, GUI_CLIENT, RealStack

pytestmark = pytest.mark.integration

# A client written from the published event documentation: long keys only.
DOCS_CLIENT = {
    T.K_CLIENT: "test-docs-client",
    T.K_TYPE_LONG: "Remote",
    T.K_DISPLAY_TEXT_LONG: "Set up from the documentation",
    T.K_HAS_GUI_LONG: False,
    T.K_REQUIRES_INPUT_LONG: True,
}


def _sent_by(name: str) -> Callable[[Any], bool]:
    """Match a message whose `client` is ``name``."""
    return lambda message: message.data.get(T.K_CLIENT) == name


def test_old_clients_removal_requests_on_stop_setup_do_not_end_another_session(
        real_stack: Callable[..., RealStack]) -> None:
    """While another client is active, balena's and GUISetup's reflex remove.active.client are ignored."""
    stack = real_stack(gui="never")
    stack.start()
    probe = stack.probe
    registered = probe.request(T.REGISTER_CLIENT, T.CLIENT_REGISTERED, DOCS_CLIENT, timeout=EVENT_TIMEOUT)
    docs_id = registered.data[T.K_ID_LONG]

    since = probe.mark()
    probe.emit(T.SET_ACTIVE_CLIENT, {T.K_REQ_CLIENT: DOCS_CLIENT[T.K_CLIENT], T.K_REQ_ID: docs_id})
    probe.wait_for(T.activate_topic(docs_id), EVENT_TIMEOUT, since=since)

    # A round-ending announcement on the bus (here sent by the test, as a peer would): both released
    # clients answer every one of these with a request to remove "the active client", naming themselves.
    ended = probe.mark()
    probe.emit(T.STOP_SETUP)
    for name in (BALENA_PHAL_NAME, GUI_CLIENT):
        probe.wait_for(T.REMOVE_ACTIVE_CLIENT, EVENT_TIMEOUT, since=ended, where=_sent_by(name))
    # Any deactivation would follow the requests at once; wait a moment for it to show.
    stack.quiet_period()

    assert probe.count(T.deactivate_topic(docs_id), since) == 0
    status = stack.status()
    assert status["active_client"] is not None and status["active_client"][T.K_ID] == docs_id

    # The active client's own request still ends its session.
    own = probe.mark()
    probe.emit(T.REMOVE_ACTIVE_CLIENT, {T.K_ID_LONG: docs_id})
    probe.wait_for(T.deactivate_topic(docs_id), EVENT_TIMEOUT, since=own)
    assert stack.status()["active_client"] is None
