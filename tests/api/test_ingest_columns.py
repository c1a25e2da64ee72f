"""The ingest fast path gives exactly the per-item validator's verdict: the same
columns when it takes a body, and the validator's own answer when it does not."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import pytest

from api.ingest_columns import (
    MIN_FAST_BODY,
    Submission,
    Verdict,
    decode_request,
    fast_columns,
    fast_request,
    judge,
)
from schemas.batch_codec import BatchHeader, PointColumns
from schemas.events import MeasurementBatch

NOW = datetime(2026, 4, 13, 12, 0, tzinfo=UTC)
HEADER = BatchHeader("batch-1", "org1", "d1", "SIM-001", 1, "key", "ingest")
B1 = "6f1c0f4e-2b9a-4f7e-9a51-0c8d4f3b2a10"
B2 = "0d9e8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b"
B3 = "x"  # ids of other lengths work too
ACTIVE = {B1, B2, B3}


def body(*measurements: Any, **extra: Any) -> bytes:
    return orjson.dumps(
        {"hardware_id": "SIM-001", "measurements": measurements, **extra}
    )


def raw_body(items: str) -> bytes:
    """A body written by hand, for JSON that orjson would not produce."""
    return f'{{"hardware_id":"SIM-001","measurements":[{items}]}}'.encode()


def slow(raw: bytes) -> Verdict:
    measurements = orjson.loads(raw)["measurements"]
    return judge(Submission("SIM-001", measurements), ACTIVE, NOW)


def fast(raw: bytes) -> Verdict | None:
    request = decode_request(raw)
    if request is None:
        return None
    return judge(Submission("SIM-001", request.measurements, raw), ACTIVE, NOW)


def taken(raw: bytes) -> bool:
    request = decode_request(raw)
    return request is not None and (
        fast_columns(request.measurements, ACTIVE, NOW) is not None
    )


def lists(verdict: Verdict) -> dict[str, Any]:
    p = verdict.passed
    if isinstance(p, PointColumns):
        p = MeasurementBatch.of(HEADER, p)
    return {
        "binding_ids": p.binding_ids,
        "timestamps": p.timestamps,
        "kinds": p.kinds,
        # bit patterns: -0.0 and 0.0 must not pass for each other
        "numbers": np.array(p.numbers, dtype=np.float64).tobytes(),
        "texts": p.texts,
        "qualities": p.qualities,
        "errors": verdict.errors,
        "accepted": verdict.accepted,
    }


def same_verdict(raw: bytes) -> None:
    expected, got = slow(raw), fast(raw)
    if got is not None:
        assert lists(got) == lists(expected), raw
        if expected.accepted:  # and the same Kafka record
            assert got.record(HEADER) == expected.record(HEADER)


def m(value: Any = 1.5, **fields: Any) -> dict[str, Any]:
    return {"binding_id": B1, "value": value, **fields}


TAKEN = {
    "numbers": [m(0), m(-0.0), m(22.5), m(-7), m(1e308), m(-1e308), m(5e-324)],
    "big integers": [m(2**53 + 1), m(2**64 - 1), m(-(2**63))],
    "naive is UTC": [m(timestamp="2026-04-13T10:00:00")],
    "zulu": [m(timestamp="2026-04-13T10:00:00Z")],
    "offsets": [
        m(timestamp="2026-04-13T10:00:00+05:30"),
        m(timestamp="2026-04-13T01:00:00-08:00"),
        m(timestamp="2026-04-13T10:00:00+00:00"),
        m(timestamp="2026-04-13T10:00:00-00:00"),
    ],
    "fractions": [
        m(timestamp="2026-04-13T10:00:00.5Z"),
        m(timestamp="2026-04-13T10:00:00.123456Z"),
        m(timestamp="2026-04-13T10:00:00.000001+01:00"),
        m(timestamp="2026-04-13 10:00:00.25"),
    ],
    "bounds": [
        m(timestamp="2026-04-13T12:10:00Z"),  # exactly 10 minutes ahead
        m(timestamp="2026-04-13T13:10:00+01:00"),
        m(timestamp="2000-01-01T00:00:00Z"),  # exactly the oldest
        m(timestamp="2000-01-01T05:30:00+05:30"),
    ],
    "qualities": [m(quality=0), m(quality=255), m(quality=None), m(timestamp=None)],
    "duplicate bindings": [m(i) for i in range(50)]
    + [{"binding_id": B2, "value": 2}, {"binding_id": B3, "value": 3}],
}


@pytest.mark.parametrize("case", TAKEN)
def test_the_fast_path_takes_plain_numeric_bodies_with_the_same_columns(
    case: str,
) -> None:
    raw = body(*TAKEN[case])
    assert taken(raw)
    same_verdict(raw)
    assert slow(raw).errors == []


def test_hand_written_numbers_read_as_float_reads_them() -> None:
    for literal in ["-0", "-0.0", "1E5", "1e-7", "0.1000000000000000055511151231257827021181583404541015625",
                    "123456789012345678901234567890", "18446744073709551616", "1.5e-400"]:  # fmt: skip
        raw = raw_body(f'{{"binding_id":"{B1}","value":{literal}}}')
        assert taken(raw), literal
        same_verdict(raw)


DECLINED = {
    "bool": m(True),
    "null": m(None),
    "string": m("OPEN"),
    "object": m({"x": 1}),
    "no value": {"binding_id": B1},
    "no binding": {"value": 1},
    "other binding": {"binding_id": "nope", "value": 1},
    "not an object": "nope",
    "quality too big": m(quality=256),
    "quality negative": m(quality=-1),
    "quality float": m(quality=1.0),
    "quality bool": m(quality=True),
    "a minute too far ahead": m(timestamp="2026-04-13T12:10:00.000001Z"),
    "before 2000": m(timestamp="1999-12-31T23:59:59.999999Z"),
    "before 2000 by offset": m(timestamp="2000-01-01T00:59:59+01:00"),
    "lower-case z": m(timestamp="2026-04-13T10:00:00z"),
    "lower-case t": m(timestamp="2026-04-13t10:00:00Z"),
    "seven digits": m(timestamp="2026-04-13T10:00:00.1234567Z"),
    "rounding digits": m(timestamp="2026-04-13T10:00:00.9999999"),
    "compact offset": m(timestamp="2026-04-13T10:00:00+0530"),
    "hour offset": m(timestamp="2026-04-13T10:00:00+05"),
    "odd offset": m(timestamp="2026-04-13T10:00:00+03:68"),
    "date only": m(timestamp="2026-04-13"),
    "no seconds": m(timestamp="2026-04-13T10:00"),
    "not a day": m(timestamp="2026-02-29T00:00:00Z"),
    "hour 24": m(timestamp="2026-04-13T24:00:00Z"),
    "leap second": m(timestamp="2016-12-31T23:59:60Z"),
    "year zero": m(timestamp="0000-01-01T00:00:00Z"),
    "number timestamp": m(timestamp=1_776_000_000),
    "words": m(timestamp="yesterday"),
    "extra field": m(unit="C"),
}


@pytest.mark.parametrize("case", DECLINED)
def test_the_fast_path_declines_what_it_cannot_vouch_for(case: str) -> None:
    raw = body(m(1), DECLINED[case], m(2))
    assert not taken(raw)
    same_verdict(raw)  # the fallback: the per-item validator itself


def test_bodies_msgspec_refuses_go_the_per_item_way() -> None:
    assert decode_request(b"") is None
    assert decode_request(b"not json") is None
    assert decode_request(b"[]") is None
    assert decode_request(body(m(), note="extra")) is None
    assert decode_request(raw_body(f'{{"binding_id":"{B1}","value":1e400}}')) is None
    assert decode_request(b'{"hardware_id":"\xff","measurements":[]}') is None
    assert decode_request(b'\xef\xbb\xbf{"hardware_id":"h","measurements":[]}') is None
    nested = "[" * 1100 + "]" * 1100
    assert decode_request(raw_body(f'{{"binding_id":"{B1}","value":{nested}}}')) is None


def test_duplicate_keys_keep_the_last_value_on_both_paths() -> None:
    raw = raw_body(f'{{"binding_id":"nope","binding_id":"{B1}","value":1,"value":2}}')
    assert taken(raw)
    same_verdict(raw)
    assert lists(slow(raw))["binding_ids"] == [B1]


def random_timestamp(rng: random.Random) -> str:
    def part(width: int, *edges: int) -> str:
        if edges and rng.random() < 0.5:
            return str(rng.choice(edges)).zfill(width)
        return str(rng.randint(0, 10**width - 1)).zfill(width)

    year = rng.choice(["1999", "2000", "2026", str(rng.randint(1990, 2030)), part(4)])
    text = f"{year}-{part(2, 1, 2, 4, 12, 13)}-{part(2, 1, 13, 29, 31)}"
    text += rng.choice("TT t") + f"{part(2, 0, 11, 12, 23, 24)}:{part(2, 0, 9, 59, 60)}"
    text += ":" + part(2, 0, 59, 60)
    if rng.random() < 0.5:
        text += "." + "".join(
            rng.choice("0123456789") for _ in range(rng.randint(1, 8))
        )
    zone = rng.random()
    if zone < 0.3:
        text += rng.choice("ZZz")
    elif zone < 0.7:
        text += (
            rng.choice("+-") + part(2, 0, 1, 14, 23, 24) + rng.choice([":", ":", ""])
        )
        text += part(2, 0, 30, 59, 60)
    return text


@pytest.mark.parametrize("seed", range(10))
def test_random_timestamps_agree_with_the_iso_parser(seed: int) -> None:
    rng = random.Random(seed)
    fast_taken = 0
    for _ in range(300):
        raw = body(m(1, timestamp=random_timestamp(rng)))
        same_verdict(raw)
        fast_taken += taken(raw)
    assert fast_taken > 0


def random_item(rng: random.Random) -> Any:
    item: dict[str, Any] = {"binding_id": rng.choice([B1, B1, B2, B3, "nope"])}
    item["value"] = rng.choice(
        [
            rng.uniform(-1e6, 1e6),
            rng.randint(-(2**63), 2**64 - 1),
            0,
            -0.0,
            True,
            None,
            "OPEN",
            {"a": [1]},
        ]  # fmt: skip
    )
    if rng.random() < 0.6:
        item["timestamp"] = rng.choice(
            [
                None,
                "2026-04-13T11:00:00Z",
                "2026-04-13T11:00:00.5+02:00",
                "2026-04-13T11:00:00",
                "2026-04-13T12:30:00Z",
                "1999-01-01T00:00:00Z",
                random_timestamp(rng),
            ]  # fmt: skip
        )
    if rng.random() < 0.4:
        item["quality"] = rng.choice([None, 0, 17, 255, 256, -1, 2.0])
    return item if rng.random() < 0.97 else rng.choice(["x", 3, None, []])


@pytest.mark.parametrize("seed", range(20))
def test_random_bodies_get_the_same_verdict_either_way(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        clean = rng.random() < 0.5
        items = [
            m(rng.uniform(-100, 100), quality=rng.choice([None, 200]))
            if clean
            else random_item(rng)
            for _ in range(rng.randint(1, 30))
        ]
        raw = body(*items)
        same_verdict(raw)
        if clean:
            assert taken(raw)


def test_only_bodies_large_enough_to_gain_take_the_fast_path() -> None:
    small = body(*[m(i) for i in range(10)])
    large = body(*[m(i) for i in range(400)])
    assert len(small) < MIN_FAST_BODY <= len(large)
    assert fast_request(small) is None and fast_request(None) is None
    request = fast_request(large)
    assert request is not None and len(request.measurements) == 400


def test_a_large_body_makes_the_same_record_either_way() -> None:
    forms = ["2026-04-13T10:00:00Z", "2026-04-13T10:00:00.25+02:00", None,
             "2026-04-13 11:59:59.999999", "2000-01-01T00:00:00Z"]  # fmt: skip
    items = [
        m(i * 0.5 - 100, timestamp=forms[i % 5], quality=[None, 0, 255][i % 3])
        for i in range(500)
    ]
    raw = body(*items, *[{"binding_id": B2, "value": -i} for i in range(100)])
    assert taken(raw)
    same_verdict(raw)  # columns and record bytes
    assert slow(raw).accepted == 600
