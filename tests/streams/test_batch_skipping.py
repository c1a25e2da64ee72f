"""The agents skip a batch by its binding ids alone when no rule and no Prism
field reads any of them (the values are then never decoded)."""

from __future__ import annotations

from domain.entity_state import EntityState
from domain.states import PrismField
from schemas.events import MeasurementBatch, batch_binding_ids, encode_batch
from streams.alert_fold import Source, fold_points
from streams.prism.alignment import FieldIndex
from streams.rules import RuleIndex
from tests.streams.test_alert_fold import put, world


def encoded(*binding_ids: str) -> bytes:
    n = len(binding_ids)
    batch = MeasurementBatch(
        "org1", "d1", "HW", list(binding_ids), [1] * n, [0] * n, [5000.0] * n,
        [""] * n, [0] * n,
    )  # fmt: skip
    return encode_batch(batch)


def with_field(state: EntityState) -> EntityState:
    field = PrismField(
        name="x2", expression="x * 2", inputs={"x": "b1"}, created_at="t"
    )
    put(state, "f1", "org1", field)
    return state


def test_a_batch_of_a_watched_series_is_decoded() -> None:
    data = encoded("b1", "b9", "b1")
    assert sorted(batch_binding_ids(data)) == ["b1", "b9"]
    assert RuleIndex(world()).watches_any(batch_binding_ids(data))
    assert FieldIndex(with_field(world())).reads_any(batch_binding_ids(data))


def test_a_batch_nobody_watches_is_skipped() -> None:
    data = encoded("b9", "b8")
    assert not RuleIndex(world()).watches_any(batch_binding_ids(data))
    assert not FieldIndex(with_field(world())).reads_any(batch_binding_ids(data))


def test_skipping_changes_nothing_the_fold_would_have_done() -> None:
    rules = RuleIndex(world())
    unwatched = MeasurementBatch(
        "org1", "d1", "HW", ["b9"] * 3, [1, 2, 3], [0] * 3, [9e9] * 3, [""] * 3, [0] * 3
    )
    assert not rules.watches_any(unwatched.binding_ids)
    assert fold_points(rules, {}, unwatched, Source("t", 0, 1)) == []
