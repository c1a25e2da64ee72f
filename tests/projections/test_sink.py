from __future__ import annotations

import pyarrow as pa

from projections.sink import Batch, BatchingSink, batch_token
from tests.clock import ManualClock


def col(*values: int) -> dict[str, list[int]]:
    return {"v": list(values)}


def test_partition_is_due_when_full() -> None:
    sink = BatchingSink(max_rows=3, max_age_s=10, clock=ManualClock())
    sink.add(0, 5, col(1, 2))
    assert sink.due() == []
    sink.add(0, 6, col(3))
    assert sink.due() == [0]


def test_partition_is_due_when_old() -> None:
    clock = ManualClock()
    sink = BatchingSink(max_rows=100, max_age_s=0.2, clock=clock)
    sink.add(1, 0, col(1))
    clock.now = 0.1
    assert sink.due() == []
    clock.now = 0.25
    assert sink.due() == [1]


def test_batch_covers_offset_range_and_token_names_it() -> None:
    sink = BatchingSink(max_rows=100, max_age_s=1, clock=ManualClock())
    sink.add(2, 10, col(1))
    sink.add(2, 11, None)
    sink.add(2, 12, {"v": [2, 3]})
    batch = sink.take(2)
    assert batch is not None
    assert (batch.first, batch.last, batch.rows) == (10, 12, 3)
    assert batch.columns == {"v": [1, 2, 3]}
    assert batch.token("archive", "TID") == "archive:TID:2:10-12"
    assert sink.take(2) is None


def test_partitions_are_buffered_apart() -> None:
    sink = BatchingSink(max_rows=2, max_age_s=1, clock=ManualClock())
    sink.add(0, 1, col(1))
    sink.add(1, 1, col(1, 2))
    assert sink.due() == [1]
    assert sorted(sink.due(force=True)) == [0, 1]
    sink.drop([0])
    assert sink.due(force=True) == [1]
    assert sink.buffered_rows == 2


def test_arrow_blocks_are_buffered_and_written_as_one_chunk() -> None:
    schema = pa.schema([("v", pa.int64())])
    sink = BatchingSink(max_rows=4, max_age_s=1, clock=ManualClock())
    sink.add(0, 1, pa.record_batch([pa.array([1, 2])], schema=schema))
    sink.add(0, 2, None)
    sink.add(0, 3, pa.record_batch([pa.array([], pa.int64())], schema=schema))
    sink.add(0, 4, pa.record_batch([pa.array([3, 4])], schema=schema))
    assert sink.due() == [0]
    batch = sink.take(0)
    assert batch is not None and (batch.first, batch.last, batch.rows) == (1, 4, 4)
    table = batch.table(schema)
    assert table.column("v").num_chunks == 1
    assert table.column("v").to_pylist() == [1, 2, 3, 4]


def test_python_columns_make_the_same_table() -> None:
    schema = pa.schema([("v", pa.int64())])
    sink = BatchingSink(max_rows=100, max_age_s=1, clock=ManualClock())
    sink.add(0, 1, col(1, 2))
    batch = sink.take(0)
    assert batch is not None
    assert batch.table(schema).equals(pa.Table.from_pydict(col(1, 2), schema=schema))


def test_one_insert_of_several_partitions_has_one_token_for_their_ranges() -> None:
    one = Batch(0, 10, 19)
    two = Batch(3, 5, 7)
    assert batch_token([one], "m", "t") == one.token("m", "t") == "m:t:0:10-19"
    assert batch_token([one, two], "m", "t") == "m:t:0:10-19+3:5-7"
    many = [Batch(p, 10**12, 10**12 + 5) for p in range(12)]
    token = batch_token(many, "m", "t")
    assert len(token) <= 200 and token == batch_token(list(many), "m", "t")
    assert token != batch_token(many[:-1], "m", "t")
