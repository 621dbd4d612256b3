"""The client registry on its own: plain objects, no bus."""
import threading
import uuid

import pytest

from ovos_PHAL_plugin_wifi_setup.manager.registry import ClientMismatch, ClientRegistry, UnknownClient


@pytest.fixture
def registry() -> ClientRegistry:
    """A fresh, empty registry."""
    return ClientRegistry()


def test_register_issues_uuid4_ids(registry: ClientRegistry) -> None:
    """A new client gets a random version-4 uuid, never derived from its name."""
    record, created = registry.register("a", "Remote", "A")
    assert created
    assert uuid.UUID(record.client_id).version == 4
    other = ClientRegistry().register("a", "Remote", "A")[0]
    assert other.client_id != record.client_id


def test_reregistration_keeps_id_and_place_and_updates_text(registry: ClientRegistry) -> None:
    """Registering a known name again returns the same id, new display fields, same order."""
    first, _ = registry.register("a", "Remote", "A")
    registry.register("b", "onDevice", "B")
    again, created = registry.register("a", "onDevice", "A2", has_gui=True, requires_input=True)
    assert not created
    assert again.client_id == first.client_id
    assert (again.display_text, again.client_type, again.has_gui, again.requires_input) == ("A2", "onDevice", True, True)
    assert [p["client"] for p in registry.payloads()] == ["a", "b"]
    assert len(registry) == 2


def test_lookups_by_id_and_name(registry: ClientRegistry) -> None:
    """get() finds by id, by_name() by name, and both miss with None."""
    record, _ = registry.register("a", "Remote", "A")
    assert registry.get(record.client_id) == record
    assert registry.by_name("a") == record
    assert registry.get("nope") is None
    assert registry.by_name("nope") is None


def test_unregister_removes_and_unknown_raises(registry: ClientRegistry) -> None:
    """unregister() returns the record; a second time raises UnknownClient naming the id."""
    record, _ = registry.register("a", "Remote", "A")
    assert registry.unregister(record.client_id) == record
    assert registry.by_name("a") is None
    with pytest.raises(UnknownClient) as raised:
        registry.unregister(record.client_id)
    assert raised.value.client_id == record.client_id
    assert record.client_id in str(raised.value)


def test_resolve_rules(registry: ClientRegistry) -> None:
    """resolve() prefers the id, checks the name against it, falls back to the name."""
    a, _ = registry.register("a", "Remote", "A")
    registry.register("b", "Remote", "B")
    assert registry.resolve(client_id=a.client_id) == a
    assert registry.resolve(name="a", client_id=a.client_id) == a
    assert registry.resolve(name="a") == a
    with pytest.raises(ClientMismatch) as mismatch:
        registry.resolve(name="b", client_id=a.client_id)
    assert "belongs to client 'a', not 'b'" in str(mismatch.value)
    with pytest.raises(UnknownClient):
        registry.resolve(name="zzz")
    with pytest.raises(UnknownClient):
        registry.resolve(client_id=str(uuid.uuid4()))
    with pytest.raises(UnknownClient, match="names no client"):
        registry.resolve()


def test_first_without_input_skips_input_and_excluded(registry: ClientRegistry) -> None:
    """The headless pick is the first client in order that needs no input and was not excluded."""
    registry.register("screen", "onDevice", "S", requires_input=True)
    r1, _ = registry.register("r1", "Remote", "R1")
    r2, _ = registry.register("r2", "Remote", "R2")
    assert registry.first_without_input() == r1
    assert registry.first_without_input(excluding={r1.client_id}) == r2
    assert registry.first_without_input(excluding={r1.client_id, r2.client_id}) is None


def test_payload_has_both_spellings(registry: ClientRegistry) -> None:
    """The wire form carries the short and the long key for every field."""
    record, _ = registry.register("a", "Remote", "A", has_gui=True)
    payload = record.as_payload()
    assert payload["id"] == payload["client_id"] == record.client_id
    assert payload["type"] == payload["client_plugin_type"] == "Remote"
    assert payload["display_text"] == payload["client_plugin_display_text"] == "A"
    assert payload["has_gui"] is payload["client_plugin_has_gui"] is True
    assert payload["requires_input"] is payload["client_plugin_requires_input"] is False


def test_concurrent_registration_gives_one_id_per_name(registry: ClientRegistry) -> None:
    """Threads registering the same names at once end with exactly one id per name."""
    ids: dict = {}
    lock = threading.Lock()

    def work(n: int) -> None:
        for i in range(200):
            record, _ = registry.register(f"c{i % 20}", "Remote", f"T{n}")
            with lock:
                ids.setdefault(record.name, set()).add(record.client_id)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(registry) == 20
    assert all(len(found) == 1 for found in ids.values())


def test_payloads_follow_every_change(registry: ClientRegistry) -> None:
    """payloads() is a fresh list each call and reflects registration, re-registration and removal."""
    a, _ = registry.register("a", "Remote", "A")
    first = registry.payloads()
    assert first == [a.as_payload()] and registry.payloads() is not first
    registry.register("a", "Remote", "A2")
    registry.register("b", "onDevice", "B")
    assert [(p["client"], p["display_text"]) for p in registry.payloads()] == [("a", "A2"), ("b", "B")]
    registry.unregister(a.client_id)
    assert [p["client"] for p in registry.payloads()] == ["b"]
