"""The consumer loop against a scripted stand-in consumer: batching, idle reports,
commits after the handler, reconnects that resume after the last handled record."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from infra.consumer import (
    BEGINNING,
    Backoff,
    ConsumerLoop,
    Fetch,
    GroupSubscription,
    ManualAssignment,
    NotConnected,
    Records,
    TopicPartition,
    next_positions,
)
from infra.settings import Settings

TP = TopicPartition("t", 0)
FETCH = Fetch(timeout_ms=10, max_records=100, max_wait_ms=5)
QUICK = Backoff(first_s=0.001, max_s=0.004)


def record(offset: int, tp: TopicPartition = TP) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        tp.topic, tp.partition, offset, 0, 0, None, b"v", None, 0, 1, ()
    )


def batch(*offsets: int) -> Records:
    return {TP: [record(o) for o in offsets]}


@dataclass
class Script:
    """What every consumer the loop makes answers, shared across reconnects."""

    fetches: list[Records | Exception] = field(default_factory=list)
    end: int = 0
    made: list[FakeConsumer] = field(default_factory=list)
    fail_start: int = 0  # how many consumers fail to start
    end_offsets_gate: asyncio.Event | None = None  # holds end_offsets until set


class FakeConsumer:
    """The part of AIOKafkaConsumer the loop uses, answering from a script."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.calls: list[tuple[Any, ...]] = []
        self.commits: list[dict[TopicPartition, int]] = []
        self.stopped = False
        self.listener: Any = None

    async def start(self) -> None:
        if self.script.fail_start:
            self.script.fail_start -= 1
            raise ConnectionError("broker down")

    async def stop(self) -> None:
        self.stopped = True

    def subscribe(self, topics: list[str], listener: Any) -> None:
        self.calls.append(("subscribe", tuple(topics)))
        self.listener = listener

    def assign(self, partitions: list[TopicPartition]) -> None:
        self.calls.append(("assign", tuple(partitions)))

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.calls.append(("seek", offset))

    async def seek_to_beginning(self, tp: TopicPartition) -> None:
        self.calls.append(("seek", BEGINNING))

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[Any, int]:
        if self.script.end_offsets_gate is not None:
            await self.script.end_offsets_gate.wait()
        return {tp: self.script.end for tp in tps}

    async def committed(self, tp: TopicPartition) -> int | None:
        return 7

    async def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        self.commits.append({tp: meta.offset for tp, meta in offsets.items()})

    async def getmany(self, timeout_ms: int, max_records: int) -> Records:
        await asyncio.sleep(0.001)
        if not self.script.fetches:
            return {}
        answer = self.script.fetches.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_loop(
    script: Script,
    source: GroupSubscription | ManualAssignment,
    handler: Callable[[Records], Any],
    **kwargs: Any,
) -> ConsumerLoop:
    def make() -> Any:
        script.made.append(FakeConsumer(script))
        return script.made[-1]

    return ConsumerLoop(
        Settings(data_dir=Path("/nonexistent")),
        "test-loop",
        source,
        handler,
        FETCH,
        backoff=QUICK,
        make_consumer=make,
        **kwargs,
    )


async def until(condition: Callable[[], bool], polls: int = 2000) -> None:
    for _ in range(polls):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")


def test_next_positions_are_after_each_partitions_last_record() -> None:
    other = TopicPartition("t", 1)
    records = {TP: [record(3), record(4)], other: [record(9, other)]}
    assert next_positions(records) == {TP: 5, other: 10}


def test_backoff_doubles_up_to_its_ceiling() -> None:
    backoff = Backoff(first_s=0.5, max_s=3.0)
    assert [backoff.after(d) for d in (0.5, 1.0, 2.0, 3.0)] == [1.0, 2.0, 3.0, 3.0]


async def test_each_fetched_batch_reaches_the_handler_and_empty_fetches_idle() -> None:
    script = Script(fetches=[batch(0, 1), batch(2)])
    seen: list[int] = []
    idle = asyncio.Event()

    async def handle(records: Records) -> None:
        seen.extend(r.offset for rs in records.values() for r in rs)

    async def on_idle() -> None:
        idle.set()

    loop = make_loop(script, ManualAssignment((TP,)), handle, on_idle=on_idle)
    await loop.start()
    await asyncio.wait_for(idle.wait(), 2)
    await loop.stop()
    assert seen == [0, 1, 2]
    assert loop.next_offsets == {TP: 3}
    assert script.made[0].calls[:2] == [("assign", (TP,)), ("seek", BEGINNING)]
    assert script.made[0].stopped


async def test_a_start_chosen_from_the_end_offset_seeks_there() -> None:
    script = Script(end=50)
    loop = make_loop(script, ManualAssignment((TP,), lambda end: end - 10), _ignore)
    await loop.start()
    await loop.stop()
    assert ("seek", 40) in script.made[0].calls
    assert loop.next_offsets == {TP: 40}


async def test_a_group_commits_a_batch_only_after_its_handler_succeeded() -> None:
    script = Script(fetches=[batch(0, 1), batch(2, 3)])
    calls = 0

    async def handle(records: Records) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("insert failed")

    source = GroupSubscription(("t",), "g", commit_handled=True)
    loop = make_loop(script, source, handle)
    await loop.start()
    await until(lambda: loop.failed is not None)
    consumer = script.made[0]
    assert consumer.commits == [{TP: 2}]
    assert isinstance(loop.failed, RuntimeError) and loop.failures == 1
    assert not consumer.stopped  # stop() still runs its final flush on it
    await loop.stop()
    assert consumer.stopped


async def test_a_group_loop_passes_assignments_and_revocations_on() -> None:
    changes: list[tuple[str, set[TopicPartition]]] = []

    async def assigned(tps: set[TopicPartition]) -> None:
        changes.append(("assigned", tps))

    async def revoked(tps: set[TopicPartition]) -> None:
        changes.append(("revoked", tps))

    script = Script()
    source = GroupSubscription(("t",), "g", assigned, revoked)
    loop = make_loop(script, source, _ignore)
    await loop.start()
    listener = script.made[0].listener
    await listener.on_partitions_assigned({TP})
    await listener.on_partitions_revoked({TP})
    assert await loop.committed(TP) == 7
    await loop.stop()
    assert changes == [("assigned", {TP}), ("revoked", {TP})]


async def test_a_failed_consumer_is_replaced_and_resumes_after_the_last_record() -> (
    None
):
    script = Script(fetches=[batch(5, 6), ConnectionError("lost"), batch(7)])
    seen: list[int] = []

    async def handle(records: Records) -> None:
        seen.extend(r.offset for rs in records.values() for r in rs)
        if seen[-1] == 6:
            script.fail_start = 1  # the first reconnect fails too

    source = ManualAssignment((TP,), 5)
    loop = make_loop(script, source, handle, reconnect=True)
    await loop.start()
    await until(lambda: seen == [5, 6, 7])
    await loop.stop()
    assert loop.failures == 2 and loop.failed is None
    assert [c.stopped for c in script.made] == [True, True, True]
    assert ("seek", 7) in script.made[2].calls  # after the last handled record


async def test_stop_runs_the_final_flush_while_the_consumer_is_open() -> None:
    script = Script()
    loop = make_loop(script, GroupSubscription(("t",), "g"), _ignore)
    await loop.start()

    async def final() -> None:
        await loop.commit({TP: 3})

    await loop.stop(final)
    assert script.made[0].commits == [{TP: 3}] and script.made[0].stopped
    with pytest.raises(NotConnected):
        await loop.commit({TP: 4})


async def test_a_cancelled_start_leaves_no_consumer_open() -> None:
    script = Script(end=10, end_offsets_gate=asyncio.Event())
    loop = make_loop(script, ManualAssignment((TP,), lambda end: end), _ignore)
    starting = asyncio.create_task(loop.start())
    await until(lambda: bool(script.made))
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert script.made[0].stopped
    await loop.stop()  # nothing left to stop


async def _ignore(records: Records) -> None:
    return None
