from __future__ import annotations

import pytest

from domain.alerting import (
    Condition,
    Rule,
    RuleError,
    SeriesState,
    acknowledge,
    check_manual_move,
    observe,
    resolve,
    tick,
)
from domain.errors import Conflict


def run(rule: Rule, points: list[tuple[float, float]]) -> tuple[SeriesState, list[str]]:
    state, seen = SeriesState(), []
    for i, (ts, value) in enumerate(points):
        state, out = observe(rule, state, ts, value, i)
        seen += [t.status for t in out]
    return state, seen


def test_threshold_crossing_fires_once_and_resolves_once() -> None:
    rule = Rule("r", Condition("above", threshold=4.0), "critical")
    state, seen = run(rule, [(0, 1.0), (1, 4.8), (2, 5.0), (3, 3.0), (4, 2.0)])
    assert seen == ["active", "resolved"]
    assert state.status == "resolved" and state.alert_seq == 1


def test_redelivered_measurement_changes_nothing() -> None:
    rule = Rule("r", Condition("above", threshold=4.0))
    state, out = observe(rule, SeriesState(), 1, 5.0, position=7)
    assert [t.status for t in out] == ["active"]
    again, out2 = observe(rule, state, 1, 5.0, position=7)
    assert again == state and out2 == []


def test_for_duration_ignores_shorter_excursions() -> None:
    rule = Rule("r", Condition("above", threshold=10), for_s=60)
    _, seen = run(rule, [(0, 11), (30, 12), (45, 5)])
    assert seen == ["ok"]  # pending, then back to ok: never active
    _, seen = run(rule, [(0, 11), (30, 12), (61, 12)])
    assert seen == ["active"]


def test_pending_fires_on_tick_without_new_data() -> None:
    rule = Rule("r", Condition("above", threshold=10), for_s=60)
    state, _ = observe(rule, SeriesState(), 0, 11, 0)
    assert tick(rule, state, 30)[1] == []
    state, out = tick(rule, state, 61)
    assert [t.status for t in out] == ["active"] and state.status == "active"


def test_hysteresis_keeps_alert_until_far_enough_back() -> None:
    rule = Rule("r", Condition("above", threshold=10, hysteresis=2))
    _, seen = run(rule, [(0, 11), (1, 9), (2, 8.5), (3, 7.9)])
    assert seen == ["active", "resolved"]


def test_outside_and_below() -> None:
    outside = Rule("r", Condition("outside", low=0, high=10))
    assert run(outside, [(0, 5), (1, -1)])[1] == ["active"]
    below = Rule("r", Condition("below", threshold=3))
    assert run(below, [(0, 5), (1, 2), (2, 4)])[1] == ["active", "resolved"]


def test_rate_of_change() -> None:
    rule = Rule("r", Condition("rate_of_change", threshold=1.0))
    assert run(rule, [(0, 0), (10, 5), (20, 30)])[1] == ["active"]


def test_no_data_fires_when_silent_and_resolves_on_data() -> None:
    rule = Rule("r", Condition("no_data", silence_s=300))
    state, _ = observe(rule, SeriesState(), 0, 1.0, 0)
    assert tick(rule, state, 200)[1] == []
    state, out = tick(rule, state, 301)
    assert [t.status for t in out] == ["active"]
    assert tick(rule, state, 900)[1] == []  # fires once
    state, out = observe(rule, state, 950, 1.0, 1)
    assert [t.status for t in out] == ["resolved"]


def test_acknowledge_then_resolve_by_hand() -> None:
    rule = Rule("r", Condition("above", threshold=1))
    state, _ = observe(rule, SeriesState(), 0, 2, 0)
    state, out = acknowledge(state, 1)
    assert [t.status for t in out] == ["acknowledged"]
    assert acknowledge(state, 2)[1] == []
    state, out = resolve(state, 3)
    assert [t.status for t in out] == ["resolved"] and state.status == "resolved"
    again, out = observe(rule, state, 4, 5, 1)
    assert [t.status for t in out] == ["active"] and again.alert_seq == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "above"}, "threshold"),
        ({"kind": "outside", "low": 5, "high": 1}, "low"),
        ({"kind": "no_data"}, "silence_s"),
        ({"kind": "sideways"}, "kind"),
    ],
)
def test_bad_conditions_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(RuleError) as info:
        Condition(**kwargs)
    assert info.value.field == field


def test_bad_severity_is_refused() -> None:
    with pytest.raises(RuleError, match="severity"):
        Rule("r", Condition("above", threshold=1), severity="meh")


def test_a_manually_resolved_no_data_alert_waits_a_full_silence_again() -> None:
    rule = Rule("r", Condition("no_data", silence_s=10))
    state, _ = observe(rule, SeriesState(), 0, 1.0, 0)
    state, out = tick(rule, state, 11)
    assert [t.status for t in out] == ["active"]
    state, out = resolve(state, 12)
    assert [t.status for t in out] == ["resolved"]
    assert tick(rule, state, 13)[1] == []  # still silent, but just resolved
    state, out = tick(rule, state, 22.5)
    assert [t.status for t in out] == ["active"] and state.alert_seq == 2


def test_a_late_point_does_not_flip_the_state() -> None:
    rule = Rule("r", Condition("above", threshold=4.0))
    state, _ = observe(rule, SeriesState(), 10, 5.0, 0)
    assert state.status == "active"
    late, out = observe(rule, state, 5, 1.0, 1)  # older than what was seen
    assert out == [] and late.status == "active" and late.position == 1


@pytest.mark.parametrize(
    ("status", "kind"),
    [("active", "acknowledge"), ("active", "resolve"), ("acknowledged", "resolve")],
)
def test_a_firing_alert_allows_its_manual_moves(status: str, kind: str) -> None:
    check_manual_move(status, kind)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("acknowledged", "acknowledge"),
        ("resolved", "acknowledge"),
        ("resolved", "resolve"),
    ],
)
def test_a_manual_move_the_status_does_not_allow_is_a_conflict(
    status: str, kind: str
) -> None:
    with pytest.raises(Conflict) as info:
        check_manual_move(status, kind)
    assert str(info.value) == f"alert is {status}: cannot {kind} it"
