"""The SSE fan-out: filtering, repeats dropped, bounded client queues, replay."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from api.alert_hub import AlertHub, Interest, drain
from infra.settings import Settings
from schemas.alerts import AlertTransitioned, encode_transition


def hub(buffer: int = 3, replay: int = 5) -> AlertHub:
    settings = Settings(
        data_dir=Path("/nonexistent"),
        sse_client_buffer=buffer,
        sse_replay_events=replay,
    )
    return AlertHub(settings)


def transition(seq: int, org: str = "a", status: str = "active") -> bytes:
    now = datetime.now(UTC)
    return encode_transition(
        AlertTransitioned(
            event_id=f"e{seq}",
            org_id=org,
            rule_id="r",
            rule_name="rule",
            series_id="s",
            device_id="d1",
            device="Pump",
            quantity="Vibration",
            quantity_slug=None,
            severity="critical",
            status=status,
            value=1.0,
            triggered_at=now,
            at=now,
            alert_seq=seq,
            source_partition=0,
            source_topic="t",
        )
    )


async def test_only_the_org_and_filter_of_a_client_reach_it() -> None:
    h = hub(buffer=10)
    mine = h.subscribe(Interest("a", severity="critical", device_id="d1"))
    other_org = h.subscribe(Interest("b"))
    other_device = h.subscribe(Interest("a", device_id="d2"))
    h._take(0, transition(1))
    h._take(1, transition(2, org="b"))
    assert [offset for offset, _ in _queued(mine)] == [0]
    assert [offset for offset, _ in _queued(other_org)] == [1]
    assert _queued(other_device) == []


async def test_a_repeated_transition_is_dropped() -> None:
    h = hub(buffer=10)
    sub = h.subscribe(Interest("a"))
    h._take(0, transition(1))
    h._take(1, transition(1))  # the same transition re-sent after a crash
    h._take(2, transition(1, status="resolved"))
    assert [offset for offset, _ in _queued(sub)] == [0, 2]


async def test_a_slow_client_is_cut_off_not_buffered_without_bound() -> None:
    h = hub(buffer=3)
    sub = h.subscribe(Interest("a"))
    for i in range(100):
        h._take(i, transition(i))
    assert sub.overflowed and sub.queue.qsize() <= 4
    got = [item async for item in drain(sub, heartbeat_s=0.1)]
    assert [offset for offset, _ in got] == [0, 1, 2]  # then the stream ends


async def test_replay_comes_from_the_ring_while_it_holds_the_gap() -> None:
    h = hub(replay=5)
    for i in range(8):
        h._take(i, transition(i))
    ring = h.replayable(4)
    assert ring is not None and [o for o, _ in ring] == [5, 6, 7]
    assert h.replayable(1) is None  # older than the ring: ClickHouse answers


def _queued(sub: object) -> list[tuple[int, AlertTransitioned]]:
    queue = sub.queue  # type: ignore[attr-defined]
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return [i for i in items if i is not None]
