"""Alert transitions projected into ClickHouse: one alert per event id, its furthest
status, repeats dropped, and the replay query behind Last-Event-ID."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.alerts import AlertsProjection, list_events, transitions_after
from schemas.alerts import AlertTransitioned, encode_transition
from schemas.topics import ALERTS_TOPIC


def fired(event_id: str, org: str, device: str = "d1") -> AlertTransitioned:
    now = datetime.now(UTC)
    return AlertTransitioned(
        event_id=event_id,
        org_id=org,
        rule_id="r1",
        rule_name="High",
        series_id="b1",
        device_id=device,
        device="Pump 1",
        quantity="Vibration",
        quantity_slug="vibration.acceleration.rms",
        severity="critical",
        status="active",
        value=4.8,
        triggered_at=now,
        at=now,
        alert_seq=1,
        source_partition=0,
        source_topic="t",
    )


async def test_transitions_fold_into_alerts_and_replay_without_repeats(
    platform: Any,
) -> None:
    first = "0b7e8f7a-2f43-4d1f-9c8f-000000000001"
    second = "0b7e8f7a-2f43-4d1f-9c8f-000000000002"
    active = fired(first, "org-a")
    later = active.at + timedelta(seconds=5)
    sequence = [
        active,
        active,  # re-emitted after a crash: same transition id
        replace(active, status="acknowledged", at=later, actor="u1"),
        replace(active, status="resolved", at=later, value=3.1),
        fired(second, "org-a", device="d2"),
        fired("0b7e8f7a-2f43-4d1f-9c8f-000000000003", "org-b"),
    ]
    topic = platform.settings.topic(ALERTS_TOPIC)
    for event in sequence:
        await platform.producer.send(
            topic, encode_transition(event), key=event.event_id.encode()
        )
    store = platform.store
    for _ in range(100):
        alerts = await list_events(store, "org-a")
        if len(alerts) == 2 and alerts[-1]["status"] == "resolved":
            break
        await asyncio.sleep(0.1)
    by_id = {a["event_id"]: a for a in alerts}
    assert by_id[first]["status"] == "resolved" and by_id[first]["value"] == 4.8
    assert by_id[first]["acknowledged_by"] == "u1"
    assert by_id[first]["resolved_value"] == 3.1
    assert by_id[second]["status"] == "active" and by_id[second]["resolved_at"] is None
    assert [
        a["event_id"] for a in await list_events(store, "org-a", status="active")
    ] == [second]
    assert await list_events(store, "org-a", device_id="d2") == [by_id[second]]
    replayed = await transitions_after(store, "org-a", 0, 100)
    assert [(o, e.status) for o, e in replayed] == [
        (2, "acknowledged"),
        (3, "resolved"),
        (4, "active"),
    ]
    everything = await transitions_after(store, "org-a", -1, 100)
    assert [o for o, _ in everything] == [0, 2, 3, 4]  # the repeat at 1 is dropped
    rows = await store.query(
        f"SELECT toString(transition_id), count() FROM {store.database}.alert_transitions "
        "WHERE org_id = 'org-a' GROUP BY transition_id HAVING count() > 1"
    )
    assert rows.rows == []  # the repeat was never stored


async def test_a_restarted_projection_still_knows_what_it_stored(
    platform: Any,
) -> None:
    """A stream worker killed between sending a transition and saving its state
    sends it again after the restart: the new projection skips it."""
    event = fired("0b7e8f7a-2f43-4d1f-9c8f-000000000009", "org-c")
    value = encode_transition(event)
    topic = platform.settings.topic(ALERTS_TOPIC)
    await platform.producer.send(topic, value, key=event.event_id.encode())
    store = platform.store
    for _ in range(100):
        if await list_events(store, "org-c"):
            break
        await asyncio.sleep(0.1)
    restarted = AlertsProjection()
    await restarted.resumed(store, f"{store.database}.alert_transitions")
    assert restarted.columns("t", 0, 99, None, value) is None
    fresh = fired("0b7e8f7a-2f43-4d1f-9c8f-00000000000a", "org-c")
    row = restarted.columns("t", 0, 100, None, encode_transition(fresh))
    assert row is not None and row["transition_id"] == [fresh.transition_id]
    assert restarted.columns("t", 0, 101, None, encode_transition(fresh)) is None
