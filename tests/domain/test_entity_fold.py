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


def test_indexes_follow_org_and_parent_fields() -> None:
    s = EntityState()
    b = EntityChanged("binding", "b1", "org1", 1, "created", {"device_id": "d1"})
    evolve(s, b)
    assert set(s.where("binding", "device_id", "d1")) == {"b1"}
    assert set(s.in_org("binding", "org1")) == {"b1"}
    moved = EntityChanged("binding", "b1", "org1", 2, "updated", {"device_id": "d2"})
    evolve(s, moved)
    assert s.where("binding", "device_id", "d1") == {}
    assert set(s.where("binding", "device_id", "d2")) == {"b1"}
    evolve(s, EntityChanged("binding", "b1", "org1", 3, "deleted", None))
    assert s.in_org("binding", "org1") == {}
    assert s.where("binding", "device_id", "d2") == {}


def test_held_by_checks_the_entity_type() -> None:
    s = EntityState()
    evolve(s, created("d1", ("k",)))
    assert s.held_by("device", "k") is not None
    assert s.held_by("user", "k") is None


def test_updates_keep_creation_order() -> None:
    s = EntityState()
    for eid in ("a", "b", "c"):
        evolve(s, created(eid))
    evolve(s, EntityChanged("device", "a", "org1", 2, "updated", {"x": 1}))
    assert list(s.in_org("device", "org1")) == ["a", "b", "c"]
    assert list(s.of_type("device")) == ["a", "b", "c"]
    assert s.in_org("device", "org1")["a"].version == 2
