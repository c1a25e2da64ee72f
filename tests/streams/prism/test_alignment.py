"""Prism fields in the stream: alignment of inputs and the field state (pure)."""

from __future__ import annotations

import pytest

from streams.prism.alignment import (
    MAX_PENDING,
    PENDING_HORIZON_US,
    CompiledField,
    FieldState,
    evaluate,
)
from streams.prism.expression import compile_expression

S = 1_000_000


def power(align_s: float = 1.0) -> CompiledField:
    program = compile_expression("voltage * current", {"voltage": "V", "current": "A"})
    inputs = {"voltage": "b-v", "current": "b-a"}
    return CompiledField("f", "org", program, int(align_s * S), inputs)


def test_two_inputs_meet_in_a_bucket() -> None:
    field, state = power(), FieldState()
    assert evaluate(field, state, [("voltage", 10 * S + 200_000, 230.0)]) == []
    out = evaluate(field, state, [("current", 10 * S + 700_000, 2.0)])
    assert out == [(10 * S, 460.0)]


def test_a_bucket_starts_over_once_computed() -> None:
    field, state = power(), FieldState()
    evaluate(field, state, [("voltage", 10 * S, 230.0), ("current", 10 * S, 2.0)])
    assert state.buckets == {}
    assert evaluate(field, state, [("voltage", 10 * S + 500_000, 240.0)]) == []
    again = evaluate(field, state, [("current", 10 * S + 600_000, 2.0)])
    assert again == [(10 * S, 480.0)]


def test_inputs_in_different_buckets_do_not_combine() -> None:
    field, state = power(), FieldState()
    out = evaluate(field, state, [("voltage", 10 * S, 230.0), ("current", 11 * S, 2.0)])
    assert out == []


def test_one_input_is_evaluated_at_each_point() -> None:
    program = compile_expression('to(t, "degF")', {"t": "degC"})
    field = CompiledField("f", "org", program, 0, {"t": "b"})
    out = evaluate(field, FieldState(), [("t", 1, 100.0), ("t", 2, 0.0)])
    assert out == [(1, pytest.approx(212.0)), (2, pytest.approx(32.0))]


def test_a_large_batch_of_one_input_still_pairs_with_the_other() -> None:
    field, state = power(align_s=0.001), FieldState()
    ms = 1000
    evaluate(field, state, [("voltage", i * ms, 2.0) for i in range(5000)])
    out = evaluate(field, state, [("current", i * ms, 3.0) for i in range(5000)])
    assert len(out) == 5000 and {v for _, v in out} == {6.0}


def test_pending_buckets_are_bounded_by_time_and_count() -> None:
    field, state = power(), FieldState()
    evaluate(field, state, [("voltage", i * S, 1.0) for i in range(1000)])
    assert min(state.buckets) == 1000 * S - 1 * S - PENDING_HORIZON_US
    fine, fine_state = power(align_s=0.001), FieldState()
    evaluate(
        fine, fine_state, [("voltage", i * 1000, 1.0) for i in range(MAX_PENDING + 9)]
    )
    assert len(fine_state.buckets) == MAX_PENDING
    assert min(fine_state.buckets) == 9 * 1000


def test_state_survives_a_json_round_trip() -> None:
    program = compile_expression('mavg(x, "1m")', {"x": "W"})
    field = CompiledField("f", "org", program, 0, {"x": "b"})
    state = FieldState()
    evaluate(field, state, [("x", 0, 10.0), ("x", S, 20.0)])
    again = FieldState.from_json(state.to_json())
    assert evaluate(field, again, [("x", 2 * S, 30.0)]) == [(2 * S, 20.0)]
