"""Column-wise Avro primitives write and read exactly what fastavro does."""

from __future__ import annotations

import io
import random
from typing import Any

import fastavro
import numpy as np
import pyarrow as pa
import pytest

from schemas import SchemaError
from schemas.avro_columns import (
    Reader,
    double_array,
    long_array,
    long_bytes,
    string_array,
    string_bytes,
    unzigzag,
    zigzag,
)

EDGES = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, 2**31, -(2**31), 2**63 - 1, -(2**63)]


def fastavro_bytes(schema: Any, datum: Any) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), datum)
    return out.getvalue()


def array_of(items: str) -> dict[str, str]:
    return {"type": "array", "items": items}


def random_longs(rng: random.Random, n: int) -> list[int]:
    return [
        rng.choice([*EDGES, rng.randint(-(2**63), 2**63 - 1), rng.randint(-99, 99)])
        for _ in range(n)
    ]


@pytest.mark.parametrize("seed", range(20))
def test_long_arrays_match_fastavro_both_ways(seed: int) -> None:
    rng = random.Random(seed)
    values = random_longs(rng, rng.choice([0, 1, 7, 300]))
    expected = fastavro_bytes(array_of("long"), values)
    assert long_array(np.array(values, dtype=np.int64)) == expected
    reader = Reader(expected)
    assert reader.longs().tolist() == values and reader.pos == len(expected)


def test_scalars_match_fastavro() -> None:
    for value in EDGES:
        assert long_bytes(value) == fastavro_bytes("long", value)
        assert Reader(long_bytes(value)).long() == value
    for text in ["", "a", "Grüße", "日本語", "😀" * 40, "x" * 5000]:
        assert string_bytes(text) == fastavro_bytes("string", text)
        assert Reader(string_bytes(text)).string() == text


def test_zigzag_round_trips_the_whole_range() -> None:
    values = np.array(EDGES, dtype=np.int64)
    assert unzigzag(zigzag(values)).tolist() == EDGES
    assert zigzag(np.array([0, -1, 1, -2], dtype=np.int64)).tolist() == [0, 1, 2, 3]


def test_double_arrays_match_fastavro_bit_for_bit() -> None:
    values = [
        0.0,
        -0.0,
        1.5,
        float("inf"),
        -float("inf"),
        5e-324,
        1.7976931348623157e308,
    ]
    expected = fastavro_bytes(array_of("double"), values)
    assert double_array(np.array(values)) == expected
    assert Reader(expected).doubles().tobytes() == np.array(values).tobytes()
    nan = fastavro_bytes(array_of("double"), [float("nan")])
    assert double_array(np.array([float("nan")])) == nan


@pytest.mark.parametrize("seed", range(20))
def test_string_arrays_match_fastavro(seed: int) -> None:
    rng = random.Random(seed)
    pool = ["", "a", "é", "日本語", "\u0000", "😀" * rng.randint(0, 70), "x" * 300]
    texts = [rng.choice(pool) for _ in range(rng.choice([0, 1, 5, 200]))]
    expected = fastavro_bytes(array_of("string"), texts)
    assert string_array(pa.array(texts, pa.string())) == expected
    assert string_array(pa.array(texts, pa.large_string())) == expected
    sliced = pa.array(["before", *texts, "after"], pa.string()).slice(1, len(texts))
    assert string_array(sliced) == expected


def test_strings_of_one_length_are_read_at_once() -> None:
    ids = [
        "6f1c0f4e-2b9a-4f7e-9a51-0c8d4f3b2a10",
        "0d9e8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
    ]
    column = ids * 50
    data = fastavro_bytes(array_of("string"), column)
    reader = Reader(data)
    assert reader.strings().to_pylist() == column and reader.pos == len(data)
    empty = fastavro_bytes(array_of("string"), [""] * 9)
    assert Reader(empty).strings().to_pylist() == [""] * 9


def test_strings_of_mixed_lengths_are_left_to_fastavro() -> None:
    data = fastavro_bytes(array_of("string"), ["a", "bb", "a"])
    reader = Reader(data)
    assert reader.strings() is None and reader.pos == 0


def test_arrays_in_several_blocks_and_sized_blocks_are_read() -> None:
    # Blocks of 2 then 1 items, the second with a negative count and a byte size.
    longs = long_bytes(2) + long_bytes(5) + long_bytes(-7)
    longs += long_bytes(-1) + long_bytes(1) + long_bytes(300) + b"\x00"
    assert Reader(longs).longs().tolist() == [5, -7, 300]
    strings = long_bytes(1) + string_bytes("ab") + long_bytes(-2) + long_bytes(6)
    strings += string_bytes("cd") + string_bytes("ef") + b"\x00"
    assert Reader(strings).strings().to_pylist() == ["ab", "cd", "ef"]


def test_truncated_or_invalid_bodies_are_schema_errors() -> None:
    whole = long_array(np.array([1, 2**40, 3], dtype=np.int64))
    with pytest.raises(SchemaError):
        Reader(whole[:4]).longs()
    with pytest.raises(SchemaError):
        Reader(double_array(np.array([1.0, 2.0]))[:-3]).doubles()
    with pytest.raises(SchemaError):
        Reader(string_bytes("abc")[:-1]).string()
    with pytest.raises(SchemaError):
        Reader(long_bytes(2) + b"\xff\xfe").string()  # not UTF-8
    with pytest.raises(SchemaError):
        Reader(b"\x02" + long_bytes(2) + b"\xff\xfe\x00").strings()
