from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from domain.entity import EntityChanged, EntityType
from domain.entity_state import EntityState, evolve
from domain.errors import NotFound
from domain.states import Binding, Device, User

DEVICE = EntityType.DEVICE
AT = datetime(2026, 1, 1, tzinfo=UTC)


def device(name: str = "a", site_id: str | None = None) -> Device:
    return Device(
        created_at="2026-01-01T00:00:00Z",
        hardware_id=f"HW-{name}",
        display_name=name,
        site_id=site_id,
    )


def created(eid: str, keys: tuple[str, ...] = (), name: str = "a") -> EntityChanged:
    return EntityChanged(DEVICE, eid, "org1", 1, "created", device(name), AT, keys)


def changed(eid: str, version: int, keys: tuple[str, ...] = ()) -> EntityChanged:
    return EntityChanged(DEVICE, eid, "org1", version, "updated", device("x"), AT, keys)


def test_create_makes_entity_visible() -> None:
    s = EntityState()
    assert evolve(s, created("d1", name="a")).applied
    entity = s.get(Device, "d1")
    assert entity is not None and entity.state == device("a") and entity.version == 1


def test_first_claim_of_unique_key_wins() -> None:
    s = EntityState()
    assert evolve(s, created("d1", ("hw:SIM-001",))).applied
    second = evolve(s, created("d2", ("hw:SIM-001",)))
    assert not second.applied
    assert second.conflict_key == "hw:SIM-001"
    assert s.get(Device, "d2") is None


def test_create_of_existing_id_is_rejected() -> None:
    s = EntityState()
    evolve(s, created("d1"))
    assert not evolve(s, created("d1")).applied


def test_update_needs_next_version() -> None:
    s = EntityState()
    evolve(s, created("d1"))
    assert not evolve(s, changed("d1", 3)).applied
    assert evolve(s, changed("d1", 2)).applied
    entity = s.get(Device, "d1")
    assert entity is not None and entity.version == 2


def test_update_moves_unique_key() -> None:
    s = EntityState()
    evolve(s, created("d1", ("hw:A",)))
    evolve(s, changed("d1", 2, ("hw:B",)))
    assert s.holder("hw:A") is None
    assert s.holder("hw:B") == (DEVICE, "d1")
    assert evolve(s, created("d2", ("hw:A",))).applied


def test_update_cannot_take_anothers_key() -> None:
    s = EntityState()
    evolve(s, created("d1", ("hw:A",)))
    evolve(s, created("d2", ("hw:B",)))
    out = evolve(s, changed("d2", 2, ("hw:A",)))
    assert not out.applied and out.conflict_key == "hw:A"
    assert s.holder("hw:B") == (DEVICE, "d2")


def test_delete_releases_keys_and_hides_entity() -> None:
    s = EntityState()
    evolve(s, created("d1", ("hw:A",)))
    assert evolve(
        s, EntityChanged(DEVICE, "d1", "org1", 2, "deleted", None, AT)
    ).applied
    assert s.get(Device, "d1") is None
    assert s.holder("hw:A") is None
    assert evolve(s, created("d9", ("hw:A",))).applied


def test_change_to_missing_entity_is_rejected() -> None:
    s = EntityState()
    assert not evolve(s, changed("nope", 2)).applied


def test_indexes_follow_org_and_parent_fields() -> None:
    s = EntityState()
    state = Binding(created_at="t", device_id="d1", channel=0, quantity_slug="x")
    kind = EntityType.BINDING
    evolve(s, EntityChanged(kind, "b1", "org1", 1, "created", state, AT))
    assert set(s.where(Binding, "device_id", "d1")) == {"b1"}
    assert set(s.in_org(Binding, "org1")) == {"b1"}
    moved = msgspec.structs.replace(state, device_id="d2")
    evolve(s, EntityChanged(kind, "b1", "org1", 2, "updated", moved, AT))
    assert s.where(Binding, "device_id", "d1") == {}
    assert set(s.where(Binding, "device_id", "d2")) == {"b1"}
    evolve(s, EntityChanged(kind, "b1", "org1", 3, "deleted", None, AT))
    assert s.in_org(Binding, "org1") == {}
    assert s.where(Binding, "device_id", "d2") == {}


def test_held_by_checks_the_entity_type() -> None:
    s = EntityState()
    evolve(s, created("d1", ("k",)))
    assert s.held_by(Device, "k") is not None
    assert s.held_by(User, "k") is None


def test_updates_keep_creation_order() -> None:
    s = EntityState()
    for eid in ("a", "b", "c"):
        evolve(s, created(eid))
    evolve(s, changed("a", 2))
    assert list(s.in_org(Device, "org1")) == ["a", "b", "c"]
    assert list(s.of_type(Device)) == ["a", "b", "c"]
    assert s.in_org(Device, "org1")["a"].version == 2


def test_require_answers_missing_and_foreign_alike() -> None:
    s = EntityState()
    evolve(s, created("d1"))
    assert s.require(Device, "d1", "org1").entity_id == "d1"
    for org, eid in (("org2", "d1"), ("org1", "nope")):
        with pytest.raises(NotFound, match=f"^device {eid} not found$"):
            s.require(Device, eid, org)
