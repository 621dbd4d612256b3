"""The client registry: one ordered dict of records keyed by uuid4 ids, with a name index; no I/O."""
import uuid
from threading import RLock
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

from ovos_PHAL_plugin_wifi_setup import topics as t


class ClientRecord(NamedTuple):
    """One registered network client, as the plugin issued it (a NamedTuple: cheap to make at import)."""

    client_id: str
    name: str
    client_type: str
    display_text: str
    has_gui: bool = False
    requires_input: bool = False

    def as_payload(self) -> dict:
        """Return the record as sent on the wire, in both key spellings."""
        return {
            t.K_CLIENT: self.name,
            t.K_ID: self.client_id,
            t.K_ID_LONG: self.client_id,
            t.K_TYPE: self.client_type,
            t.K_TYPE_LONG: self.client_type,
            t.K_DISPLAY_TEXT: self.display_text,
            t.K_DISPLAY_TEXT_LONG: self.display_text,
            t.K_HAS_GUI: self.has_gui,
            t.K_HAS_GUI_LONG: self.has_gui,
            t.K_REQUIRES_INPUT: self.requires_input,
            t.K_REQUIRES_INPUT_LONG: self.requires_input,
        }


class UnknownClient(LookupError):
    """A request named a client the registry does not hold."""

    def __init__(self, name: Optional[str] = None, client_id: Optional[str] = None):
        if client_id is not None:
            sentence = f"no client is registered with id '{client_id}'"
        elif name is not None:
            sentence = f"no client is registered with the name '{name}'"
        else:
            sentence = "the request names no client (give 'client' or 'client_id')"
        super().__init__(sentence)
        self.name = name
        self.client_id = client_id


class ClientMismatch(LookupError):
    """A request named a client by id and by a name that belongs to someone else."""

    def __init__(self, record: ClientRecord, name: str):
        super().__init__(f"id '{record.client_id}' belongs to client '{record.name}', not '{name}'")
        self.record = record
        self.name = name


class ClientRegistry:
    """Registered clients in registration order; every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = RLock()
        self._by_id: Dict[str, ClientRecord] = {}
        self._id_by_name: Dict[str, str] = {}
        self._payloads: Optional[List[dict]] = None  # the wire form of every record, until the next change

    def register(self, name: str, client_type: str, display_text: str,
                 has_gui: bool = False, requires_input: bool = False) -> Tuple[ClientRecord, bool]:
        """Add a client, or update the display fields of one already known by name.

        Returns the record and whether it is new; a known name keeps its id and its place.
        """
        with self._lock:
            known_id = self._id_by_name.get(name)
            if known_id is not None:
                record = self._by_id[known_id]._replace(client_type=client_type, display_text=display_text,
                                 has_gui=has_gui, requires_input=requires_input)
                self._by_id[known_id] = record
                self._payloads = None
                return record, False
            record = ClientRecord(client_id=str(uuid.uuid4()), name=name, client_type=client_type,
                                  display_text=display_text, has_gui=has_gui, requires_input=requires_input)
            self._by_id[record.client_id] = record
            self._id_by_name[name] = record.client_id
            self._payloads = None
            return record, True

    def unregister(self, client_id: str) -> ClientRecord:
        """Remove a client by id and return its record; raise UnknownClient if there is none."""
        with self._lock:
            record = self._by_id.pop(client_id, None)
            if record is None:
                raise UnknownClient(client_id=client_id)
            del self._id_by_name[record.name]
            self._payloads = None
            return record

    def get(self, client_id: str) -> Optional[ClientRecord]:
        """Return the record with this id, or None."""
        with self._lock:
            return self._by_id.get(client_id)

    def name_of(self, client_id: str) -> str:
        """A client's name for a log or error sentence; its id once it is no longer registered."""
        record = self.get(client_id)
        return record.name if record else client_id

    def display_text_of(self, client_id: str) -> str:
        """What a page calls a client; its id once it is no longer registered."""
        record = self.get(client_id)
        return record.display_text if record else client_id

    def by_name(self, name: str) -> Optional[ClientRecord]:
        """Return the record with this name, or None."""
        with self._lock:
            known_id = self._id_by_name.get(name)
            return self._by_id[known_id] if known_id is not None else None

    def resolve(self, name: Optional[str] = None, client_id: Optional[str] = None) -> ClientRecord:
        """Find a client by id (the name must then match) or else by name; raise on no match."""
        with self._lock:
            if client_id is not None:
                record = self._by_id.get(client_id)
                if record is None:
                    raise UnknownClient(name=name, client_id=client_id)
                if name is not None and record.name != name:
                    raise ClientMismatch(record, name)
                return record
            if name is not None:
                record = self.by_name(name)
                if record is None:
                    raise UnknownClient(name=name)
                return record
            raise UnknownClient()

    def payloads(self) -> List[dict]:
        """Every record's wire form in registration order, as a fresh list (the dicts are built once per change)."""
        with self._lock:
            if self._payloads is None:
                self._payloads = [record.as_payload() for record in self._by_id.values()]
            return list(self._payloads)

    def first_without_input(self, excluding: Iterable[str] = ()) -> Optional[ClientRecord]:
        """Return the first client in registration order that needs no input, skipping some ids."""
        skipped = set(excluding)
        with self._lock:
            for record in self._by_id.values():
                if not record.requires_input and record.client_id not in skipped:
                    return record
        return None

    def __len__(self) -> int:
        """Count the registered clients."""
        return len(self._by_id)
