from __future__ import annotations

from datetime import UTC, datetime

from api.ingest_parse import validate
from domain.isotime import to_micros

NOW = datetime(2026, 4, 13, 12, 0, tzinfo=UTC)
ACTIVE = {"b1", "b2"}


def test_values_go_to_their_columns() -> None:
    out = validate(
        [
            {"binding_id": "b1", "value": 22.5, "quality": 200},
            {"binding_id": "b2", "value": "OPEN"},
            {
                "binding_id": "b1",
                "value": {"x": 1},
                "timestamp": "2026-04-13T11:00:00Z",
            },
        ],
        ACTIVE,
        NOW,
    )
    assert out.errors == []
    assert out.kinds == [0, 1, 2]
    assert out.numbers == [22.5, 0.0, 0.0]
    assert out.texts == ["", "OPEN", '{"x":1}']
    assert out.qualities == [200, 0, 0]
    assert out.timestamps[0] == to_micros(NOW)
    assert out.timestamps[2] == to_micros(datetime(2026, 4, 13, 11, tzinfo=UTC))


def test_invalid_measurements_are_reported_by_index() -> None:
    out = validate(
        [
            {"binding_id": "b1", "value": 1},
            {"binding_id": "other", "value": 1},
            {"binding_id": "b1", "value": True},
            {"binding_id": "b1", "value": 1, "quality": 256},
            {"binding_id": "b1", "value": 1, "timestamp": "yesterday"},
            {"binding_id": "b1", "value": 1, "timestamp": "2027-01-01T00:00:00Z"},
            "nope",
            {"value": 3},
            {"binding_id": "b1", "value": float("nan")},
        ],
        ACTIVE,
        NOW,
    )
    assert out.accepted == 1
    assert [(e["index"], e["field"]) for e in out.errors] == [
        (1, "binding_id"),
        (2, "value"),
        (3, "quality"),
        (4, "timestamp"),
        (5, "timestamp"),
        (6, "measurement"),
        (7, "binding_id"),
        (8, "value"),
    ]


def test_zone_less_timestamp_is_utc() -> None:
    out = validate(
        [{"binding_id": "b1", "value": 1, "timestamp": "2026-04-13T10:00:00"}],
        ACTIVE,
        NOW,
    )
    assert out.timestamps == [to_micros(datetime(2026, 4, 13, 10, tzinfo=UTC))]
