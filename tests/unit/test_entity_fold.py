from __future__ import annotations

from projections.entities import EntityState, evolve
from schemas.events import EntityChanged


def created(eid: str, keys: tuple[str, ...] = (), **state: object) -> EntityChanged:
    return EntityChanged("device", eid, "org1", 1, "created", dict(state), keys)


def test_create_makes_entity_visible() -> None:
    s = EntityState()
    assert evolve(s, created("d1", name="a")).applied
    entity = s.get("device", "d1")
    assert entity is not None and entity.state == {"name": "a"} and entity.version == 1


def test_first_claim_of_unique_key_wins() -> None:
    s = EntityState()
    assert evolve(s, created("d1", ("hw:SIM-001",))).applied
    second = evolve(s, created("d2", ("hw:SIM-001",)))
    assert not second.applied
    assert second.conflict_key == "hw:SIM-001"
    assert s.get("device", "d2") is None


def test_create_of_existing_id_is_rejected() -> None:
    s = EntityState()
    evolve(s, created("d1"))
    assert not evolve(s, created("d1")).applied


def test_update_needs_next_version() -> None:
    s = EntityState()
    evolve(s, created("d1"))
    stale = EntityChanged("device", "d1", "org1", 3, "updated", {"x": 1})
    assert not evolve(s, stale).applied
    fresh = EntityChanged("device", "d1", "org1", 2, "updated", {"x": 1})
    assert evolve(s, fresh).applied
    entity = s.get("device", "d1")
    assert entity is not None and entity.version == 2


def test_update_moves_unique_key() -> None:
    s = EntityState()
    evolve(s, created("d1", ("hw:A",)))
    evolve(s, EntityChanged("device", "d1", "org1", 2, "updated", {}, ("hw:B",)))
    assert s.holder("hw:A") is None
    assert s.holder("hw:B") == ("device", "d1")
    assert evolve(s, created("d2", ("hw:A",))).applied


def test_update_cannot_take_anothers_key() -> None:
    s = EntityState()
    evolve(s, created("d1", ("hw:A",)))
    evolve(s, created("d2", ("hw:B",)))
    out = evolve(s, EntityChanged("device", "d2", "org1", 2, "updated", {}, ("hw:A",)))
    assert not out.applied and out.conflict_key == "hw:A"
    assert s.holder("hw:B") == ("device", "d2")


def test_delete_releases_keys_and_hides_entity() -> None:
    s = EntityState()
    evolve(s, created("d1", ("hw:A",)))
    assert evolve(s, EntityChanged("device", "d1", "org1", 2, "deleted", None)).applied
    assert s.get("device", "d1") is None
    assert s.holder("hw:A") is None
    assert evolve(s, created("d9", ("hw:A",))).applied


def test_change_to_missing_entity_is_rejected() -> None:
    s = EntityState()
    assert not evolve(s, EntityChanged("device", "nope", "o", 2, "updated", {})).applied
