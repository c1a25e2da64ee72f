"""Canvas dashboard decisions and views, with no broker."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from domain import canvas as cv
from domain.canvas_views import (
    alert_scope,
    check_on_dashboard,
    check_range,
    dashboard_view,
    public_alert,
    public_view,
    share_url,
)
from domain.context import Context
from domain.entity import EntityChanged, EntityType, created, deleted
from domain.entity_state import EntityState, evolve
from domain.errors import Invalid, NotFound
from domain.keys import dashboard_share_key
from domain.states import Binding, Dashboard, PanelLayout, PrismField

AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
LATER = AT + timedelta(minutes=5)
CTX = Context("org1", AT, "u1")
CELL = PanelLayout(x=0, y=0, w=6, h=4)
CHART = cv.PanelDraft(
    "timeseries", "Temperature", CELL, binding_ids=("b1",), fresh_id="p1"
)
ALERTS = cv.PanelDraft("alerts", "Alerts", CELL, fresh_id="p2")


def apply(state: EntityState, events: list[EntityChanged]) -> None:
    for event in events:
        assert evolve(state, event).applied, event


def world() -> EntityState:
    """Org 1: bindings b1, b2 on device d1, b3 on d2, and field f1; org 2: bx."""
    s = EntityState()
    for binding_id, org, device in (
        ("b1", "org1", "d1"),
        ("b2", "org1", "d1"),
        ("b3", "org1", "d2"),
        ("bx", "org2", "d9"),
    ):
        b = Binding(device_id=device, channel=0, quantity_slug="x", created_at="t")
        apply(s, [created(EntityType.BINDING, binding_id, org, b, (), AT)])
    f = PrismField(name="Power", expression="v", inputs={"v": "b1"}, created_at="t")
    apply(s, [created(EntityType.PRISM_FIELD, "f1", "org1", f, (), AT)])
    return s


def made(state: EntityState, command: cv.Command) -> list[EntityChanged]:
    events = cv.decide(command, state)
    apply(state, events)
    return events


def dashboard(state: EntityState, dashboard_id: str = "db1") -> Dashboard:
    found = state.get(Dashboard, dashboard_id)
    assert found is not None
    return found.state


def create(state: EntityState, *panels: cv.PanelDraft) -> None:
    definition = cv.DashboardDefinition("Plant", panels or (CHART, ALERTS))
    made(state, cv.CreateDashboard(CTX, "db1", definition))


def test_create_gives_each_panel_an_id_and_shows_no_share() -> None:
    s = world()
    create(s)
    entity = s.get(Dashboard, "db1")
    assert entity is not None and entity.entity_type is EntityType.DASHBOARD
    view = dashboard_view(entity)
    assert view["share"] is None and view["updated_at"] == view["created_at"]
    assert view["panels"][0] == {
        "id": "p1",
        "type": "timeseries",
        "title": "Temperature",
        "binding_ids": ["b1"],
        "field_ids": [],
        "options": {},
        "layout": {"x": 0, "y": 0, "w": 6, "h": 4},
    }
    assert view["panels"][1]["type"] == "alerts"


@pytest.mark.parametrize(
    ("panel", "field"),
    [
        (replace(CHART, type="pie"), "panels[0].type"),
        (replace(CHART, binding_ids=("b1", "bx")), "panels[0].binding_ids[1]"),
        (replace(CHART, binding_ids=("f1",)), "panels[0].binding_ids[0]"),
        (replace(CHART, field_ids=("b1",)), "panels[0].field_ids[0]"),
        (replace(CHART, binding_ids=()), "panels[0].binding_ids"),
        (replace(CHART, binding_ids=("b1",) * 51), "panels[0].binding_ids"),
        (replace(CHART, layout=PanelLayout(x=0, y=0, w=0, h=1)), "panels[0].layout.w"),
        (replace(CHART, layout=PanelLayout(x=-1, y=0, w=1, h=1)), "panels[0].layout.x"),
        (
            replace(CHART, layout=PanelLayout(x=0, y=0, w=1, h=1001)),
            "panels[0].layout.h",
        ),
    ],
)
def test_a_bad_panel_is_named(panel: cv.PanelDraft, field: str) -> None:
    with pytest.raises(Invalid) as info:
        create(world(), panel)
    assert info.value.field == field


def test_a_dashboard_holds_at_most_fifty_panels() -> None:
    with pytest.raises(Invalid) as info:
        create(world(), *[CHART] * 51)
    assert info.value.field == "panels"


def test_an_alerts_panel_needs_no_ids_and_fields_are_series() -> None:
    s = world()
    create(s, ALERTS, replace(CHART, binding_ids=(), field_ids=("f1",)))
    assert [p.type for p in dashboard(s).panels] == ["alerts", "timeseries"]


def test_redefine_keeps_known_panel_ids_once_and_the_share() -> None:
    s = world()
    create(s)
    made(s, cv.ShareDashboard(CTX, "db1", "tok", "digest"))
    later = replace(CTX, at=LATER)
    panels = (
        replace(CHART, requested_id="p1", fresh_id="n1"),
        replace(CHART, requested_id="p1", fresh_id="n2"),
        replace(CHART, requested_id="elsewhere", fresh_id="n3"),
    )
    definition = cv.DashboardDefinition("Plant 2", panels, "desc")
    (event,) = made(s, cv.RedefineDashboard(later, "db1", definition))
    d = dashboard(s)
    assert [p.id for p in d.panels] == ["p1", "n2", "n3"]
    assert (d.name, d.description, d.share_token) == ("Plant 2", "desc", "tok")
    assert d.created_at == "2026-12-02T08:00:00Z"
    assert d.updated_at == "2026-12-02T08:05:00Z"
    assert event.unique_keys == (dashboard_share_key("digest"),)


def test_keep_panels_leaves_panels_unchecked() -> None:
    s = world()
    create(s)
    b1 = s.get(Binding, "b1")
    assert b1 is not None
    apply(s, [deleted(b1, AT)])
    renamed = cv.DashboardDefinition("Renamed")
    made(s, cv.RedefineDashboard(CTX, "db1", renamed, keep_panels=True))
    assert dashboard(s).name == "Renamed" and len(dashboard(s).panels) == 2
    with pytest.raises(Invalid):
        made(s, cv.RedefineDashboard(CTX, "db1", replace(renamed, panels=(CHART,))))


def test_share_rotates_and_unshare_releases_the_key() -> None:
    s = world()
    create(s)
    made(s, cv.ShareDashboard(CTX, "db1", "tok1", "d1"))
    assert s.held_by(Dashboard, dashboard_share_key("d1")) is not None
    made(s, cv.ShareDashboard(CTX, "db1", "tok2", "d2"))
    assert s.held_by(Dashboard, dashboard_share_key("d1")) is None
    entity = s.held_by(Dashboard, dashboard_share_key("d2"))
    assert entity is not None
    assert dashboard_view(entity)["share"] == {
        "token": "tok2",
        "url": "/api/v1/canvas/public/tok2/",
    }
    made(s, cv.UnshareDashboard(CTX, "db1"))
    assert s.held_by(Dashboard, dashboard_share_key("d2")) is None
    assert dashboard(s).share_token is None
    assert cv.decide(cv.UnshareDashboard(CTX, "db1"), s) == []


def test_delete_releases_the_share_and_other_orgs_cannot_touch_it() -> None:
    s = world()
    create(s)
    made(s, cv.ShareDashboard(CTX, "db1", "tok", "d"))
    other = replace(CTX, org_id="org2")
    for command in (
        cv.ShareDashboard(other, "db1", "t", "x"),
        cv.UnshareDashboard(other, "db1"),
        cv.DeleteDashboard(other, "db1"),
    ):
        with pytest.raises(NotFound):
            cv.decide(command, s)
    made(s, cv.DeleteDashboard(CTX, "db1"))
    assert s.held_by(Dashboard, dashboard_share_key("d")) is None


def test_public_view_says_where_to_read() -> None:
    s = world()
    create(s)
    view = public_view(dashboard(s), "tok")
    assert view["query_url"] == "/api/v1/canvas/public/tok/query/"
    assert view["alerts_url"] == "/api/v1/canvas/public/tok/alerts/"
    assert "share" not in view and "id" not in view
    without = public_view(
        msgspec.structs.replace(dashboard(s), panels=dashboard(s).panels[:1]), "t"
    )
    assert without["alerts_url"] is None
    assert share_url("abc") == "/api/v1/canvas/public/abc/"


def test_a_share_reads_only_its_series_over_a_bounded_range() -> None:
    s = world()
    create(s, CHART, replace(CHART, binding_ids=(), field_ids=("f1",)))
    check_on_dashboard(dashboard(s), ["b1", "f1"])
    with pytest.raises(NotFound) as info:
        check_on_dashboard(dashboard(s), ["b1", "b2", "bx"])
    assert "b2, bx" in str(info.value)
    day = 86_400_000_000
    check_range(0, 400 * day, 400)
    with pytest.raises(Invalid) as bad:
        check_range(0, 400 * day + 1, 400)
    assert bad.value.field == "start"


def test_alert_scope_is_the_devices_of_live_bindings_and_the_fields() -> None:
    s = world()
    three = replace(CHART, binding_ids=("b1", "b2", "b3"), field_ids=("f1",))
    create(s, three, ALERTS)
    b3 = s.get(Binding, "b3")
    assert b3 is not None
    entity = s.get(Dashboard, "db1")
    assert entity is not None
    assert alert_scope(s, entity) == (["d1", "d2"], ["f1"])
    apply(s, [deleted(b3, AT)])
    assert alert_scope(s, entity) == (["d1"], ["f1"])


def test_a_public_alert_names_no_user_or_rule() -> None:
    event = {"event_id": "e", "rule_id": "r", "acknowledged_by": "u1", "value": 3.0}
    shown = public_alert(event)
    assert shown["event_id"] == "e" and shown["value"] == 3.0
    assert "rule_id" not in shown and "acknowledged_by" not in shown
