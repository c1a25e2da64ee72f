"""Prism field decisions, with no broker and no expression engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain import prism_fields as pf
from domain.context import Context
from domain.entity import EntityChanged, EntityType, created
from domain.entity_state import EntityState, evolve
from domain.errors import Invalid, NotFound
from domain.states import Binding, PrismField

AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
LATER = AT + timedelta(minutes=5)
CTX = Context("org1", AT, "u1")
POWER = pf.FieldDefinition(
    name="Power",
    expression="voltage * current",
    inputs={"voltage": "bv", "current": "ba"},
    unit="kW",
    declared_unit="kW",
)


def apply(state: EntityState, events: list[EntityChanged]) -> None:
    for event in events:
        assert evolve(state, event).applied, event


def bind(state: EntityState, binding_id: str, org_id: str, slug: str) -> None:
    binding = Binding(device_id="d", channel=0, quantity_slug=slug, created_at="t")
    apply(state, [created(EntityType.BINDING, binding_id, org_id, binding, (), AT)])


def world() -> EntityState:
    """Org 1 has a voltage and a current binding; org 2 a voltage binding."""
    s = EntityState()
    bind(s, "bv", "org1", "voltage.volt")
    bind(s, "ba", "org1", "current.ampere")
    bind(s, "bx", "org2", "voltage.volt")
    return s


def made(state: EntityState, command: pf.Command) -> list[EntityChanged]:
    events = pf.decide(command, state)
    apply(state, events)
    return events


def test_an_inputs_quantity_is_the_slug_of_the_orgs_binding() -> None:
    assert pf.input_quantity(world(), "org1", "voltage", "bv") == "voltage.volt"
    assert pf.input_quantity(world(), "org1", "current", "ba") == "current.ampere"


@pytest.mark.parametrize("binding_id", ["bx", "missing"])
def test_an_input_outside_the_org_is_named(binding_id: str) -> None:
    with pytest.raises(Invalid) as info:
        pf.input_quantity(world(), "org1", "other", binding_id)
    assert info.value.field == "inputs.other"
    assert info.value.message == f"unknown binding {binding_id}"


def test_create_stores_the_compiled_unit_and_shows_updated_at() -> None:
    s = world()
    (event,) = made(s, pf.CreateField(CTX, "f1", POWER))
    assert event.entity_type is EntityType.PRISM_FIELD and event.actor == "u1"
    field = s.get(PrismField, "f1")
    assert field is not None
    assert pf.field_view(field) == {
        "id": "f1",
        "name": "Power",
        "description": "",
        "expression": "voltage * current",
        "inputs": {"voltage": "bv", "current": "ba"},
        "unit": "kW",
        "declared_unit": "kW",
        "align_s": None,
        "created_at": "2026-12-02T08:00:00Z",
        "updated_at": "2026-12-02T08:00:00Z",
    }
    backfill = {"status": "done"}
    assert pf.field_view(field, backfill)["backfill"] == backfill


def test_a_field_must_use_an_input() -> None:
    pf.check_uses_inputs(("voltage",))
    with pytest.raises(Invalid) as info:
        pf.check_uses_inputs(())
    assert str(info.value) == "expression: uses none of the inputs"


def test_redefine_keeps_creation_time() -> None:
    s = world()
    made(s, pf.CreateField(CTX, "f1", POWER))
    doubled = replace(POWER, expression="voltage * current * 2")
    redefine = pf.RedefineField(Context("org1", LATER, "u2"), "f1", doubled)
    (event,) = made(s, redefine)
    assert event.change == "updated" and event.version == 2
    assert (event.occurred_at, event.actor) == (LATER, "u2")
    field = s.get(PrismField, "f1")
    assert field is not None
    view = pf.field_view(field)
    assert view["expression"] == "voltage * current * 2"
    assert view["created_at"] == "2026-12-02T08:00:00Z"
    assert view["updated_at"] == "2026-12-02T08:05:00Z"


def test_another_orgs_field_is_not_found() -> None:
    s = world()
    made(s, pf.CreateField(CTX, "f1", POWER))
    other = Context("org2", LATER)
    with pytest.raises(NotFound, match="prism field f1 not found"):
        pf.decide(pf.RedefineField(other, "f1", POWER), s)
    with pytest.raises(NotFound, match="prism field f1 not found"):
        pf.decide(pf.DeleteField(other, "f1"), s)


def test_delete_removes_the_field() -> None:
    s = world()
    made(s, pf.CreateField(CTX, "f1", POWER))
    (event,) = made(s, pf.DeleteField(Context("org1", LATER, "u2"), "f1"))
    assert event.change == "deleted" and s.get(PrismField, "f1") is None
    assert (event.occurred_at, event.actor) == (LATER, "u2")
