from __future__ import annotations

from projections.sink import BatchingSink


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def col(*values: int) -> dict[str, list[int]]:
    return {"v": list(values)}


def test_partition_is_due_when_full() -> None:
    sink = BatchingSink(max_rows=3, max_age_s=10, clock=Clock())
    sink.add(0, 5, col(1, 2))
    assert sink.due() == []
    sink.add(0, 6, col(3))
    assert sink.due() == [0]


def test_partition_is_due_when_old() -> None:
    clock = Clock()
    sink = BatchingSink(max_rows=100, max_age_s=0.2, clock=clock)
    sink.add(1, 0, col(1))
    clock.now = 0.1
    assert sink.due() == []
    clock.now = 0.25
    assert sink.due() == [1]


def test_batch_covers_offset_range_and_token_names_it() -> None:
    sink = BatchingSink(max_rows=100, max_age_s=1, clock=Clock())
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
    sink = BatchingSink(max_rows=2, max_age_s=1, clock=Clock())
    sink.add(0, 1, col(1))
    sink.add(1, 1, col(1, 2))
    assert sink.due() == [1]
    assert sorted(sink.due(force=True)) == [0, 1]
    sink.drop([0])
    assert sink.due(force=True) == [1]
    assert sink.buffered_rows == 2
