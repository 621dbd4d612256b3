"""The boundary: turn any inbound message data into checked values or a BadRequest naming the field."""
from typing import Any, NamedTuple, Optional, Sequence, Tuple

from ovos_PHAL_plugin_wifi_setup import topics as t


class BadRequest(ValueError):
    """An inbound payload that breaks the contract; the message names the field at fault."""

    def __init__(self, message: str, name: Optional[str] = None, client_id: Optional[str] = None):
        super().__init__(message)
        self.name = name
        self.client_id = client_id


class Registration(NamedTuple):
    """What a client asks to be registered as (a NamedTuple, as every record here: cheap to make at import)."""

    name: str
    client_type: str
    display_text: str
    has_gui: bool
    requires_input: bool
    unknown_type: bool


class Target(NamedTuple):
    """A client named by a request, by name, by id, or both; either may be None."""

    name: Optional[str]
    client_id: Optional[str]

    def describe(self) -> str:
        """Name the client for a log line: by name and id as given, or "no client"."""
        parts = ([f"'{self.name}'"] if self.name is not None else []) + \
            ([f"id {self.client_id}"] if self.client_id is not None else [])
        return "client " + " ".join(parts) if parts else "no client"


def as_dict(data: Any) -> dict:
    """Return the payload as a dict; None counts as empty, anything else that is not a dict is refused."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadRequest(f"the payload must be a JSON object, not {_kind(data)}")
    return data


def first_alias(data: dict, aliases: Sequence[str]) -> Tuple[Optional[str], Any]:
    """Return (key, value) of the first alias present with a non-null value, or (None, None)."""
    for key in aliases:
        if data.get(key) is not None:
            return key, data[key]
    return None, None


def _kind(value: Any) -> str:
    """Name a JSON value's kind for an error sentence."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _string(data: dict, aliases: Sequence[str], max_len: int, required: bool) -> Optional[str]:
    """Read a string field by its aliases, checking type, emptiness and length."""
    key, value = first_alias(data, aliases)
    if key is None:
        if required:
            raise BadRequest(f"'{aliases[0]}' is required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{key}' must be a string, not {_kind(value)}")
    if not value.strip():
        if required:
            raise BadRequest(f"'{key}' must not be empty")
        return None
    if len(value) > max_len:
        raise BadRequest(f"'{key}' is {len(value)} characters long; at most {max_len} are allowed")
    return value


def _flag(data: dict, aliases: Sequence[str]) -> bool:
    """Read an optional JSON boolean by its aliases; absent means False."""
    key, value = first_alias(data, aliases)
    if key is None:
        return False
    if not isinstance(value, bool):
        raise BadRequest(f"'{key}' must be true or false, not {_kind(value)}")
    return value


def client_name_of(data: Any) -> Optional[str]:
    """Best-effort name of the client a payload speaks for, for failure replies; never raises."""
    if isinstance(data, dict):
        name = data.get(t.K_CLIENT)
        if isinstance(name, str) and 0 < len(name) <= t.MAX_CLIENT_LEN:
            return name
    return None


def parse_registration(data: Any) -> Registration:
    """Check a register.client payload; raise BadRequest naming the field at fault."""
    payload = as_dict(data)
    name = None
    try:
        name = _string(payload, t.CLIENT_ALIASES, t.MAX_CLIENT_LEN, required=True)
        client_type = _string(payload, t.TYPE_ALIASES, t.MAX_TYPE_LEN, required=True)
        display_text = _string(payload, t.DISPLAY_TEXT_ALIASES, t.MAX_DISPLAY_TEXT_LEN, required=True)
        has_gui = _flag(payload, t.HAS_GUI_ALIASES)
        requires_input = _flag(payload, t.REQUIRES_INPUT_ALIASES)
    except BadRequest as e:
        raise BadRequest(str(e), name=name or client_name_of(payload)) from None
    assert name is not None and client_type is not None and display_text is not None  # noqa: S101 - required=True
    return Registration(name=name, client_type=client_type, display_text=display_text,
                        has_gui=has_gui, requires_input=requires_input,
                        unknown_type=client_type not in t.KNOWN_TYPES)


def parse_target(data: Any, name_aliases: Sequence[str] = t.CLIENT_ALIASES,
                 id_aliases: Sequence[str] = t.ID_ALIASES) -> Target:
    """Read which client a request names, by name and/or id; empty strings count as not given."""
    payload = as_dict(data)
    try:
        name = _string(payload, name_aliases, t.MAX_CLIENT_LEN, required=False)
    except BadRequest as e:
        raise BadRequest(str(e)) from None
    try:
        # An id longer than a uuid can never match; the cap only bounds what we echo back.
        client_id = _string(payload, id_aliases, t.MAX_CLIENT_LEN, required=False)
    except BadRequest as e:
        raise BadRequest(str(e), name=name) from None
    return Target(name=name, client_id=client_id)


MAX_ERROR_LEN = 1024


def parse_error_text(data: Any) -> Optional[str]:
    """Read the optional 'error' sentence of a setup failure report; never refuses the report for it.

    No length refuses a report (a client's long traceback must not void its failure report): an over-long
    sentence is cut to MAX_ERROR_LEN; an 'error' that is not a string is not a sentence and reads as none.
    """
    value = as_dict(data).get(t.K_ERROR)
    if not isinstance(value, str) or not value.strip():
        return None
    if len(value) > MAX_ERROR_LEN:
        return value[:MAX_ERROR_LEN - 1] + "…"
    return value


def parse_connected(data: Any) -> Optional[bool]:
    """Read a connectivity state, as {state: "connected"|"disconnected"} or {connected: bool}; None if neither."""
    payload = data if isinstance(data, dict) else {}
    if isinstance(payload.get("connected"), bool):
        return payload["connected"]
    state = payload.get("state")
    return {"connected": True, "disconnected": False}.get(state) if isinstance(state, str) else None


def parse_check_answer(data: Any) -> Tuple[Optional[bool], Optional[bool]]:
    """Read ovos.PHAL.internet_check.response's (internet_connected, network_connected), each None if not a bool."""
    payload = data if isinstance(data, dict) else {}
    internet, network = payload.get("internet_connected"), payload.get("network_connected")
    return (internet if isinstance(internet, bool) else None, network if isinstance(network, bool) else None)


def parse_page_serial(data: Any) -> Optional[int]:
    """Read client.select.page.removed's page_serial (the page that went); None where it names none."""
    payload = data if isinstance(data, dict) else {}
    serial = payload.get(t.K_PAGE_SERIAL)
    return serial if isinstance(serial, int) and not isinstance(serial, bool) else None
