"""The setup state machine on its own: shape, legal edges and refusals."""
from collections import deque

import pytest

from ovos_PHAL_plugin_wifi_setup.manager.machine import (TRANSITIONS, IllegalTransition, SetupEvent, SetupMachine,
                                                 SetupState)

END_STATES = (SetupState.IDLE, SetupState.SKIPPED, SetupState.NEVER)
LAUNCH_EVENTS = (SetupEvent.SHOW_PAGE, SetupEvent.WAIT_FOR_CLIENT, SetupEvent.ACTIVATE)


def reachable(start: SetupState) -> set:
    """Every state the transition table reaches from start."""
    seen, todo = {start}, deque([start])
    while todo:
        state = todo.popleft()
        for allowed, target in TRANSITIONS.values():
            if state in allowed and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_every_state_is_reachable_from_idle() -> None:
    """No state is declared that the table cannot reach."""
    assert reachable(SetupState.IDLE) == set(SetupState)


def test_every_end_state_can_start_a_new_round() -> None:
    """From each end state a launch edge leads into a round."""
    for state in END_STATES:
        assert any(state in TRANSITIONS[event][0] and TRANSITIONS[event][1].in_round for event in LAUNCH_EVENTS), state


def test_every_round_state_can_end() -> None:
    """From every state in a round, IDLE or a declined state is reachable."""
    for state in SetupState:
        if state.in_round:
            assert reachable(state) & set(END_STATES), state


def test_every_state_has_a_docstring() -> None:
    """Each member says what it means."""
    import inspect
    source = inspect.getsource(SetupState)
    for state in SetupState:
        assert f"{state.name} = " in source
    assert source.count('"""') >= 2 * (len(SetupState) + 1)


def test_illegal_event_is_refused_with_a_sentence() -> None:
    """An event without an edge raises and changes nothing."""
    machine = SetupMachine()
    with pytest.raises(IllegalTransition, match="Can't page_closed when IDLE"):
        machine.fire(SetupEvent.PAGE_CLOSED)
    with pytest.raises(IllegalTransition, match="Can't client_done when IDLE"):
        machine.fire(SetupEvent.CLIENT_DONE)
    assert machine.state is SetupState.IDLE


def test_activate_needs_a_client() -> None:
    """ACTIVATE without an id is a programming error, not a state change."""
    machine = SetupMachine()
    with pytest.raises(ValueError):
        machine.fire(SetupEvent.ACTIVATE)
    assert machine.state is SetupState.IDLE


def test_switching_clients_reports_who_left() -> None:
    """Activating b while a is active names a as the client that left."""
    machine = SetupMachine()
    machine.fire(SetupEvent.ACTIVATE, "a")
    step = machine.fire(SetupEvent.ACTIVATE, "b")
    assert (step.client_left, step.new_client, machine.active_client) == ("a", "b", "b")


def test_client_done_keeps_the_client_for_checking() -> None:
    """CHECKING remembers which client ended, so a failure report can still name it."""
    machine = SetupMachine()
    machine.fire(SetupEvent.ACTIVATE, "a")
    step = machine.fire(SetupEvent.CLIENT_DONE)
    assert step.client_left == "a"
    assert machine.state is SetupState.CHECKING and machine.active_client == "a"
    machine.fire(SetupEvent.COMPLETE)
    assert machine.active_client is None


def test_round_flags_are_derived() -> None:
    """in_round and declined follow from the state alone."""
    assert {s for s in SetupState if s.in_round} == {SetupState.WAITING, SetupState.SELECTING,
                                                     SetupState.ACTIVE, SetupState.CHECKING}
    assert {s for s in SetupState if s.declined} == {SetupState.SKIPPED, SetupState.NEVER}


def test_cannot_start_inside_a_round() -> None:
    """The machine starts in IDLE or a declined state only."""
    with pytest.raises(ValueError):
        SetupMachine(SetupState.ACTIVE)
    assert SetupMachine(SetupState.NEVER).state is SetupState.NEVER


@pytest.mark.parametrize("event", list(SetupEvent))
def test_each_event_from_each_state_is_legal_or_refused(event: SetupEvent) -> None:
    """Every (state, event) pair either follows the table or raises without a change."""
    allowed, target = TRANSITIONS[event]
    for state in SetupState:
        machine = SetupMachine()
        machine._state = state  # white-box: place the machine in each state
        if state in allowed:
            assert machine.fire(event, "x").new is target
        else:
            with pytest.raises(IllegalTransition):
                machine.fire(event, "x")
            assert machine.state is state
