"""Registry decisions (sites, devices, bindings) with no broker."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain import bindings as b
from domain import registry as r
from domain.context import Context
from domain.entity import EntityChanged
from domain.entity_state import EntityState, evolve
from domain.errors import Conflict, Invalid, NotFound
from domain.states import Binding, Device, Site

AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
CTX = Context("org1", AT, "u1")
OTHER = Context("org2", AT, "u2")


def apply(state: EntityState, events: list[EntityChanged]) -> None:
    for event in events:
        assert evolve(state, event).applied, event


def run(
    state: EntityState, command: r.Command | b.BindingCommand
) -> list[EntityChanged]:
    if isinstance(command, b.BindChannels | b.UpdateBinding | b.DeleteBinding):
        events = b.decide_binding(command, state)
    else:
        events = r.decide(command, state)
    apply(state, events)
    return events


def world() -> EntityState:
    s = EntityState()
    run(s, r.CreateSite(CTX, "s1", {"name": "Plant"}))
    fields = {"hardware_id": "HW-1", "display_name": "Pump", "site_id": "s1"}
    run(s, r.CreateDevice(CTX, "d1", fields))
    run(s, b.BindChannels(CTX, "d1", [b.Channel("b1", 0, "temperature")]))
    return s


def test_create_site_fills_defaults_and_times() -> None:
    s = EntityState()
    (event,) = run(s, r.CreateSite(CTX, "s1", {"name": "Plant"}))
    site = s.get(Site, "s1")
    assert site is not None and site.state.timezone == "UTC"
    assert site.state.created_at == site.state.updated_at == "2026-12-02T08:00:00Z"
    assert event.actor == "u1" and event.occurred_at == AT


def test_hardware_id_is_unique_per_org_only() -> None:
    s = world()
    again = r.CreateDevice(CTX, "d2", {"hardware_id": "HW-1", "display_name": "x"})
    with pytest.raises(Conflict, match="hardware_id 'HW-1' already exists"):
        r.decide(again, s)
    elsewhere = r.CreateDevice(
        OTHER, "d3", {"hardware_id": "HW-1", "display_name": "x"}
    )
    assert len(run(s, elsewhere)) == 1


def test_device_site_must_be_in_the_org() -> None:
    s = world()
    fields = {"hardware_id": "HW-9", "display_name": "x", "site_id": "s1"}
    with pytest.raises(Invalid, match="site s1 not found") as caught:
        r.decide(r.CreateDevice(OTHER, "d9", fields), s)
    assert caught.value.field == "site_id"


def test_renaming_hardware_id_moves_the_key_and_frees_the_old_one() -> None:
    s = world()
    (event,) = run(s, r.UpdateDevice(CTX, "d1", {"hardware_id": "HW-2"}))
    assert event.unique_keys == ("device.hw:org1:HW-2",)
    fresh = r.CreateDevice(CTX, "d2", {"hardware_id": "HW-1", "display_name": "y"})
    assert len(run(s, fresh)) == 1


def test_keeping_own_hardware_id_on_update_is_no_conflict() -> None:
    s = world()
    run(s, r.UpdateDevice(CTX, "d1", {"hardware_id": "HW-1", "display_name": "P"}))
    device = s.get(Device, "d1")
    assert device is not None and device.state.display_name == "P"


def test_deleting_a_device_deletes_its_bindings_first() -> None:
    s = world()
    events = run(s, r.DeleteDevice(CTX, "d1"))
    assert [(e.entity_type, e.change) for e in events] == [
        ("binding", "deleted"),
        ("device", "deleted"),
    ]
    assert s.get(Binding, "b1") is None and s.holder("binding.channel:d1:0") is None


def test_deleting_a_site_detaches_its_devices() -> None:
    s = world()
    run(s, r.DeleteSite(CTX, "s1"))
    device = s.get(Device, "d1")
    assert device is not None and device.state.site_id is None
    assert s.get(Site, "s1") is None


def test_foreign_and_misplaced_ids_are_not_found() -> None:
    s = world()
    with pytest.raises(NotFound, match="device d1 not found"):
        r.decide(r.DeleteDevice(OTHER, "d1"), s)
    run(s, r.CreateDevice(CTX, "d2", {"hardware_id": "HW-2", "display_name": "z"}))
    with pytest.raises(NotFound, match="binding b1 not found"):
        b.decide_binding(b.DeleteBinding(CTX, "d2", "b1"), s)
