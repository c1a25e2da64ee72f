"""The alert evaluator's fold, with a plain dict as its table (no Faust, no Kafka)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.entity import EntityChanged, EntityStateBase, created, deleted
from domain.entity_state import EntityState, evolve
from domain.states import AlertRule, Binding, Device
from schemas.alerts import AlertCommandIssued, alert_event_id
from schemas.events import NUMBER, TEXT, MeasurementBatch
from streams.alert_fold import (
    POSITION_STRIDE,
    Entry,
    Source,
    Update,
    fold_command,
    fold_points,
    fold_tick,
)
from streams.rules import RuleIndex

S = 1_000_000
TOPIC = "vigil.measurements.v1"
SOURCE = Source(TOPIC, 2, 7)

AT = datetime(2026, 1, 1, tzinfo=UTC)


def apply(state: EntityState, event: EntityChanged) -> None:
    assert evolve(state, event).applied, event


def put(state: EntityState, entity_id: str, org_id: str, s: EntityStateBase) -> None:
    apply(state, created(s.entity_type, entity_id, org_id, s, (), AT))


def world(**rule: Any) -> EntityState:
    """A pump's CO2 binding in org 1 and one rule on it (above 1000 by default)."""
    s = EntityState()
    put(s, "d1", "org1", Device(hardware_id="HW", display_name="Pump", created_at="t"))
    binding = Binding(
        device_id="d1", channel=0, quantity_slug="co2.ppm", created_at="t"
    )
    put(s, "b1", "org1", binding)
    definition: dict[str, Any] = {
        "name": "CO2 high",
        "binding_id": "b1",
        "condition": "above",
        "threshold": 1000.0,
        "severity": "critical",
        "created_at": "t",
        **rule,
    }
    put(s, "r1", "org1", AlertRule(**definition))
    return s


def batch(*points: tuple[int, float], org_id: str = "org1", kind: int = NUMBER) -> Any:
    n = len(points)
    return MeasurementBatch(
        org_id=org_id,
        device_id="d1",
        hardware_id="HW",
        binding_ids=["b1"] * n,
        timestamps=[ts for ts, _ in points],
        kinds=[kind] * n,
        numbers=[v for _, v in points],
        texts=[""] * n,
        qualities=[0] * n,
    )


def store(table: dict[str, Any], updates: list[Update]) -> None:
    """What the agent does with updates."""
    for update in updates:
        if update.value is None:
            table.pop(update.key, None)
        else:
            table[update.key] = update.value


def test_a_breach_fires_once_with_a_stable_id_and_its_source() -> None:
    rules, table = RuleIndex(world()), {}
    (update,) = fold_points(
        rules, table, batch((10 * S, 900.0), (11 * S, 1500.0)), SOURCE
    )
    (fired,) = update.transitions
    assert update.key == "r1|b1" and fired.status == "active"
    assert fired.event_id == alert_event_id("r1", "b1", 1, 11 * S)
    assert (fired.source_topic, fired.source_partition) == (TOPIC, 2)
    assert (fired.device, fired.device_id, fired.quantity_slug) == (
        "Pump",
        "d1",
        "co2.ppm",
    )
    assert fired.severity == "critical" and fired.value == 1500.0
    assert fired.triggered_at == datetime.fromtimestamp(11, UTC)
    assert update.value is not None
    assert update.value["s"]["position"] == 7 * POSITION_STRIDE + 1
    store(table, [update])
    (again,) = fold_points(
        rules, table, batch((10 * S, 900.0), (11 * S, 1500.0)), SOURCE
    )
    assert again.transitions == [] and again.value == update.value


def test_points_of_another_org_or_not_numbers_are_ignored() -> None:
    rules = RuleIndex(world())
    assert fold_points(rules, {}, batch((S, 2000.0), org_id="org2"), SOURCE) == []
    assert fold_points(rules, {}, batch((S, 2000.0), kind=TEXT), SOURCE) == []


def test_the_table_keeps_its_json_format() -> None:
    rules, table = RuleIndex(world()), {}
    store(table, fold_points(rules, table, batch((S, 2000.0)), SOURCE))
    value = table["r1|b1"]
    assert set(value) == {"s", "p", "t", "f", "r"}
    assert (value["p"], value["t"], value["f"]) == (2, TOPIC, 1.0)
    assert value["r"] == ("CO2 high", "critical", "org1")
    assert value["s"]["status"] == "active" and value["s"]["alert_seq"] == 1


def test_a_changelog_value_in_json_reads_back() -> None:
    raw = {
        "s": {
            "status": "active",
            "breach_since": 1.0,
            "last_ts": 1.0,
            "last_value": 5.0,
            "position": 3,
            "alert_seq": 2,
            "quiet_since": None,
        },
        "p": 0,
        "t": TOPIC,
        "f": 1.0,
        "r": ["n", "warning", "org1"],  # JSON has no tuples
    }
    entry = Entry.from_json(raw)
    assert entry.rule == ("n", "warning", "org1") and entry.state.alert_seq == 2
    assert Entry.from_json(entry.to_json()) == entry


def acknowledge(at: datetime, alert_seq: int) -> AlertCommandIssued:
    return AlertCommandIssued(
        "acknowledge", at, "r1", "b1", alert_seq, actor="u1", command_id="c1"
    )


def test_acknowledge_names_the_actor_and_ignores_an_earlier_firing() -> None:
    rules, table = RuleIndex(world()), {}
    store(table, fold_points(rules, table, batch((S, 2000.0)), SOURCE))
    at = datetime.fromtimestamp(5, UTC)
    stale = acknowledge(at, alert_seq=0)
    assert fold_command(rules, table, 2, stale) == []
    ack = acknowledge(at, alert_seq=1)
    (update,) = fold_command(rules, table, 2, ack)
    (moved,) = update.transitions
    assert moved.status == "acknowledged" and moved.actor == "u1"
    assert moved.event_id == alert_event_id("r1", "b1", 1, 1 * S)


def test_a_pending_breach_fires_on_the_tick_of_its_partition_only() -> None:
    rules, table = RuleIndex(world(for_s=30.0)), {}
    store(table, fold_points(rules, table, batch((S, 2000.0)), SOURCE))
    assert table["r1|b1"]["s"]["status"] == "pending"
    assert fold_tick(rules, table, 3, 100.0) == []
    tick = AlertCommandIssued("tick", datetime.fromtimestamp(100, UTC), command_id="t")
    (update,) = fold_command(rules, table, 2, tick)
    assert [t.status for t in update.transitions] == ["active"]


def test_a_deleted_rule_resolves_what_it_fired_and_is_forgotten() -> None:
    state = world()
    rules, table = RuleIndex(state), {}
    store(table, fold_points(rules, table, batch((S, 2000.0)), SOURCE))
    rule = state.get(AlertRule, "r1")
    assert rule is not None
    apply(state, deleted(rule, AT))
    (update,) = fold_tick(RuleIndex(state), table, 2, 50.0)
    assert update.key == "r1|b1" and update.value is None
    (resolved,) = update.transitions
    assert resolved.status == "resolved" and resolved.rule_name == "CO2 high"
    assert resolved.severity == "critical"
    assert resolved.event_id == alert_event_id("r1", "b1", 1, 1 * S)


def test_a_retired_key_that_never_fired_is_forgotten_silently() -> None:
    state = world(for_s=30.0)
    rules, table = RuleIndex(state), {}
    store(table, fold_points(rules, table, batch((S, 2000.0)), SOURCE))
    rule = state.get(AlertRule, "r1")
    assert rule is not None
    apply(state, deleted(rule, AT))
    assert fold_tick(RuleIndex(state), table, 2, 50.0) == [Update("r1|b1", None, [])]
