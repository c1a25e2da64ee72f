"""Alert rule decisions and the one rule builder, with no broker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain import alert_rules as ar
from domain.alerting import Condition, Rule
from domain.context import Context
from domain.entity import EntityChanged, EntityStateBase, EntityType, created
from domain.entity_state import EntityState, evolve
from domain.errors import Invalid, NotFound
from domain.states import AlertRule, Binding, Device, PrismField, Site

AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
LATER = AT + timedelta(minutes=5)
CTX = Context("org1", AT, "u1")
QUANTITIES = {"co2.ppm", "temperature.celsius"}
ABOVE = ar.RuleDefinition(name="CO2 high", condition="above", threshold=1200.0)


def apply(state: EntityState, events: list[EntityChanged]) -> None:
    for event in events:
        assert evolve(state, event).applied, event


def put(state: EntityState, entity_id: str, org_id: str, s: EntityStateBase) -> None:
    apply(state, [created(s.entity_type, entity_id, org_id, s, (), AT)])


def world() -> EntityState:
    """Org 1 has a site, a device on it, a binding and a field; org 2 a binding."""
    s = EntityState()
    put(s, "s1", "org1", Site(name="Plant", created_at="t"))
    device = Device(hardware_id="HW", display_name="Pump", site_id="s1", created_at="t")
    put(s, "d1", "org1", device)
    put(s, "b1", "org1", co2_binding("d1"))
    put(s, "b2", "org2", co2_binding("d9"))
    field = PrismField(
        name="x2", expression="x * 2", inputs={"x": "b1"}, created_at="t"
    )
    put(s, "f1", "org1", field)
    return s


def co2_binding(device_id: str) -> Binding:
    return Binding(
        device_id=device_id, channel=0, quantity_slug="co2.ppm", created_at="t"
    )


def create(
    target: ar.RuleTarget, definition: ar.RuleDefinition = ABOVE
) -> ar.CreateAlertRule:
    return ar.CreateAlertRule(CTX, "r1", target, definition)


def made(state: EntityState, command: ar.Command) -> list[EntityChanged]:
    events = ar.decide(command, state)
    apply(state, events)
    return events


def test_a_binding_rule_stores_and_shows_only_its_target() -> None:
    s = world()
    (event,) = made(s, create(ar.RuleTarget("binding", binding_id="b1")))
    assert event.entity_type is EntityType.ALERT_RULE and event.actor == "u1"
    rule = s.get(AlertRule, "r1")
    assert rule is not None and rule.state.created_at == "2026-12-02T08:00:00Z"
    assert ar.rule_view(rule) == {
        "id": "r1",
        "target_type": "binding",
        "binding_id": "b1",
        "name": "CO2 high",
        "severity": "warning",
        "for_s": 0.0,
        "enabled": True,
        "condition": "above",
        "threshold": 1200.0,
        "low": None,
        "high": None,
        "hysteresis": 0.0,
        "silence_s": None,
        "created_at": "2026-12-02T08:00:00Z",
    }


def test_a_quantity_rule_keeps_only_the_fields_of_its_target_type() -> None:
    s = world()
    target = ar.RuleTarget(
        "site_quantity", binding_id="b1", site_id="s1", quantity_slug="co2.ppm"
    )
    made(s, create(target))
    rule = s.get(AlertRule, "r1")
    assert rule is not None and rule.state.binding_id is None
    view = ar.rule_view(rule)
    assert list(view)[:4] == ["id", "target_type", "quantity_slug", "site_id"]
    assert "binding_id" not in view and "device_id" not in view


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (ar.RuleTarget("binding", binding_id="b2"), "binding b2 not found"),
        (ar.RuleTarget("binding", binding_id="nope"), "binding nope not found"),
        (ar.RuleTarget("field", field_id="b1"), "prism field b1 not found"),
        (
            ar.RuleTarget("device_quantity", device_id="d9", quantity_slug="co2.ppm"),
            "device d9 not found",
        ),
        (
            ar.RuleTarget("site_quantity", site_id="s9", quantity_slug="co2.ppm"),
            "site s9 not found",
        ),
    ],
)
def test_a_target_outside_the_org_is_not_found(
    target: ar.RuleTarget, message: str
) -> None:
    with pytest.raises(NotFound, match=message):
        checked(target.target_type, reader(target))


def test_an_orgs_target_is_read_whole() -> None:
    target = ar.RuleTarget("device_quantity", device_id="d1", quantity_slug="co2.ppm")
    assert checked("device_quantity", reader(target)) == target


def test_an_unknown_quantity_is_refused_before_its_device_is_read() -> None:
    read: list[str] = []
    target = ar.RuleTarget("device_quantity", quantity_slug="nope")
    with pytest.raises(Invalid) as info:
        checked("device_quantity", reader(target, read))
    assert info.value.field == "quantity_slug"
    assert str(info.value) == "quantity_slug: unknown quantity 'nope'"
    assert read == ["quantity_slug"]


def test_a_missing_target_field_is_named() -> None:
    with pytest.raises(Invalid) as info:
        checked("binding", reader(ar.RuleTarget("binding")))
    assert info.value.field == "binding_id"


def test_an_unknown_target_type_is_named() -> None:
    with pytest.raises(Invalid) as info:
        checked("planet", reader(ar.RuleTarget("planet")))
    assert info.value.field == "target_type"


def reader(
    target: ar.RuleTarget, read: list[str] | None = None
) -> Callable[[str], str | None]:
    """Read a target's fields by name, noting each name read in ``read``."""

    def read_one(name: str) -> str | None:
        if read is not None:
            read.append(name)
        value: str | None = getattr(target, name)
        return value

    return read_one


def checked(target_type: str, read: Callable[[str], str | None]) -> ar.RuleTarget:
    return ar.checked_target(target_type, read, "org1", world(), QUANTITIES)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"threshold": None}, "threshold"),
        ({"condition": "sideways"}, "condition"),
        ({"condition": "outside", "low": 5.0, "high": 1.0}, "low"),
        ({"condition": "no_data"}, "silence_s"),
        ({"severity": "meh"}, "severity"),
        ({"for_s": -1.0}, "for_s"),
    ],
)
def test_a_rule_that_cannot_be_evaluated_names_the_field(
    changes: dict[str, object], field: str
) -> None:
    definition = replace(ABOVE, **changes)  # type: ignore[arg-type]
    target = ar.RuleTarget("org_quantity", quantity_slug="co2.ppm")
    with pytest.raises(Invalid) as info:
        ar.decide(create(target, definition), world())
    assert info.value.field == field


def test_redefine_keeps_creation_time_and_retargets() -> None:
    s = world()
    made(s, create(ar.RuleTarget("binding", binding_id="b1")))
    target = ar.RuleTarget("org_quantity", quantity_slug="co2.ppm")
    severe = replace(ABOVE, severity="critical")
    command = ar.RedefineAlertRule(Context("org1", LATER, "u2"), "r1", target, severe)
    (event,) = made(s, command)
    assert event.change == "updated" and event.version == 2
    assert (event.occurred_at, event.actor) == (LATER, "u2")
    rule = s.get(AlertRule, "r1")
    assert rule is not None
    view = ar.rule_view(rule)
    assert view["created_at"] == "2026-12-02T08:00:00Z"
    assert view["updated_at"] == "2026-12-02T08:05:00Z"
    assert view["severity"] == "critical" and "binding_id" not in view
    assert rule.state.binding_id is None


def test_another_orgs_rule_cannot_be_redefined_or_deleted() -> None:
    s = world()
    made(s, create(ar.RuleTarget("binding", binding_id="b1")))
    target = ar.RuleTarget("binding", binding_id="b2")
    other = Context("org2", LATER)
    redefine = ar.RedefineAlertRule(other, "r1", target, ABOVE)
    with pytest.raises(NotFound, match="alert rule r1 not found"):
        ar.decide(redefine, s)
    with pytest.raises(NotFound, match="alert rule r1 not found"):
        ar.decide(ar.DeleteAlertRule(other, "r1"), s)


def test_delete_removes_the_rule() -> None:
    s = world()
    made(s, create(ar.RuleTarget("field", field_id="f1")))
    (event,) = made(s, ar.DeleteAlertRule(Context("org1", LATER, "u2"), "r1"))
    assert event.change == "deleted" and s.get(AlertRule, "r1") is None
    assert (event.occurred_at, event.actor) == (LATER, "u2")


def test_rule_from_state_is_the_state_machines_rule() -> None:
    state = AlertRule(
        name="n",
        condition="outside",
        low=1.0,
        high=5.0,
        hysteresis=0.5,
        severity="info",
        for_s=30.0,
        created_at="t",
    )
    expected = Rule("r1", Condition("outside", low=1.0, high=5.0, hysteresis=0.5))
    assert ar.rule_from_state("r1", state) == replace(
        expected, severity="info", for_s=30.0
    )
