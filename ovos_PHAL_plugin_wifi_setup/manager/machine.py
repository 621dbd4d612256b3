"""The setup state machine: states declared once, transitions as named edges behind one locked entry point."""
from enum import Enum
from threading import RLock
from typing import Dict, FrozenSet, NamedTuple, Optional


class SetupState(Enum):
    """Where network setup stands; everything else the plugin reports is derived from this."""

    IDLE = "idle"
    """No setup round is open; the watchdog may launch one."""

    WAITING = "waiting"
    """A headless round is open and waits for a client that needs no input to register."""

    SELECTING = "selecting"
    """The selection page is on screen and the user is choosing a client."""

    ACTIVE = "active"
    """One client runs its setup session."""

    CHECKING = "checking"
    """The active client ended its session; the plugin checks the internet before closing the round."""

    SKIPPED = "skipped"
    """The user chose "Connect later": no launch on the plugin's own until user.activated or a restart."""

    NEVER = "never"
    """The user chose "Never connect": no launch on the plugin's own, across restarts, until user.activated."""

    @property
    def in_round(self) -> bool:
        """True while a setup round is open."""
        return self in _ROUND_STATES

    @property
    def declined(self) -> bool:
        """True while the user has said to stay offline."""
        return self in (SetupState.SKIPPED, SetupState.NEVER)


_ROUND_STATES = frozenset({SetupState.WAITING, SetupState.SELECTING, SetupState.ACTIVE, SetupState.CHECKING})


class SetupEvent(Enum):
    """The named edges of the machine."""

    SHOW_PAGE = "show_page"
    WAIT_FOR_CLIENT = "wait_for_client"
    ACTIVATE = "activate"
    CLIENT_DONE = "client_done"
    PAGE_CLOSED = "page_closed"
    GIVE_UP = "give_up"
    COMPLETE = "complete"
    SKIP = "skip"
    NEVER = "never"
    SHUT_DOWN = "shut_down"


_ANY: FrozenSet[SetupState] = frozenset(SetupState)
# A launch may start from these: no round, or one whose client already finished.
_LAUNCHABLE = frozenset({SetupState.IDLE, SetupState.CHECKING, SetupState.SKIPPED, SetupState.NEVER})

# event -> (states it may be fired in, state it leads to)
TRANSITIONS: Dict[SetupEvent, "tuple[FrozenSet[SetupState], SetupState]"] = {
    SetupEvent.SHOW_PAGE: (_ANY, SetupState.SELECTING),
    SetupEvent.WAIT_FOR_CLIENT: (_LAUNCHABLE, SetupState.WAITING),
    SetupEvent.ACTIVATE: (_ANY, SetupState.ACTIVE),
    SetupEvent.CLIENT_DONE: (frozenset({SetupState.ACTIVE}), SetupState.CHECKING),
    SetupEvent.PAGE_CLOSED: (frozenset({SetupState.SELECTING}), SetupState.IDLE),
    SetupEvent.GIVE_UP: (_ROUND_STATES, SetupState.IDLE),
    SetupEvent.COMPLETE: (_ROUND_STATES, SetupState.IDLE),
    SetupEvent.SKIP: (_ANY, SetupState.SKIPPED),
    SetupEvent.NEVER: (_ANY, SetupState.NEVER),
    SetupEvent.SHUT_DOWN: (_ANY, SetupState.IDLE),
}


class IllegalTransition(RuntimeError):
    """An event was fired in a state that has no edge for it."""

    def __init__(self, event: SetupEvent, state: SetupState):
        super().__init__(f"Can't {event.value} when {state.name}")
        self.event = event
        self.state = state


class Transition(NamedTuple):
    """One step of the machine: what it was, what happened, what it is now (a NamedTuple: cheap to make at import)."""

    event: SetupEvent
    old: SetupState
    new: SetupState
    old_client: Optional[str]
    new_client: Optional[str]

    @property
    def round_opened(self) -> bool:
        """True when this step opened a setup round."""
        return self.new.in_round and not self.old.in_round

    @property
    def client_left(self) -> Optional[str]:
        """The id of the client whose session this step ended, if any."""
        if self.old is SetupState.ACTIVE and (self.new is not SetupState.ACTIVE or self.new_client != self.old_client):
            return self.old_client
        return None


class SetupMachine:
    """Holds the state and the active client's id; fire() is the one way to change them."""

    def __init__(self, initial: SetupState = SetupState.IDLE, lock: Optional[RLock] = None):
        """Start in a state outside a round; lock is the owner's, where the machine's state is part of a larger one."""
        if initial.in_round:
            raise ValueError(f"a machine cannot start in {initial.name}")
        self.lock = lock if lock is not None else RLock()
        self._state = initial
        self._active: Optional[str] = None

    @property
    def state(self) -> SetupState:
        """The current state."""
        return self._state

    @property
    def active_client(self) -> Optional[str]:
        """The id of the client in session (ACTIVE) or being checked (CHECKING), else None."""
        return self._active

    def can(self, event: SetupEvent) -> bool:
        """True when the event has an edge from the current state."""
        return self._state in TRANSITIONS[event][0]

    def fire(self, event: SetupEvent, client_id: Optional[str] = None) -> Transition:
        """Take the edge for this event; ACTIVATE needs the client's id. Raise IllegalTransition if there is none."""
        with self.lock:
            allowed, target = TRANSITIONS[event]
            if self._state not in allowed:
                raise IllegalTransition(event, self._state)
            if event is SetupEvent.ACTIVATE and not client_id:
                raise ValueError("ACTIVATE needs the id of the client to activate")
            old_state, old_client = self._state, self._active
            if target is SetupState.ACTIVE:
                new_client: Optional[str] = client_id
            elif target is SetupState.CHECKING:
                new_client = old_client
            else:
                new_client = None
            self._state, self._active = target, new_client
            return Transition(event, old_state, target, old_client, new_client)
