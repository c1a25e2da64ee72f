"""Alert transitions in ClickHouse: the projection and the read-side queries.

An alert (``event_id``) is one firing of a rule on a series; its transitions
(active, acknowledged, resolved) are rows. The alert's status is its furthest
transition (the lifecycle only moves forward), so a list is one GROUP BY.

The evaluator sends a transition before its table state is saved, so a stream
worker killed in between sends it again after the restart (same ``transition_id``,
a later offset on the topic: consumers of ``vigil.alerts.v1`` dedupe by id). The
projection skips an id it already stored, remembering the most recent
:data:`RECENT_IDS` (read back from ClickHouse whenever it resumes); should one slip
past that, queries still group it away.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from domain.isotime import iso
from infra.clickhouse import AsyncStore
from projections.sink import MICROS, POSITION
from schemas.alerts import AlertTransitioned, decode_transition
from schemas.codec import decode_or_skip
from schemas.topics import ALERTS_TOPIC

log = logging.getLogger(__name__)
RECENT_IDS = 50_000  # transition ids the projection remembers having stored

_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("transition_id", pa.string()),
    ("event_id", pa.string()),
    ("org_id", pa.string()),
    ("rule_id", pa.string()),
    ("rule_name", pa.string()),
    ("series_id", pa.string()),
    ("device_id", pa.string()),
    ("device", pa.string()),
    ("quantity", pa.string()),
    ("quantity_slug", pa.string()),
    ("severity", pa.string()),
    ("status", pa.string()),
    ("value", pa.float64()),
    ("triggered_at", MICROS),
    ("at", MICROS),
    ("alert_seq", pa.uint32()),
    ("source_partition", pa.uint16()),
    ("source_topic", pa.string()),
    ("actor", pa.string()),
]


class AlertsProjection:
    """One row per alert transition, with its position on ``vigil.alerts.v1``."""

    name = "alerts"
    topic = ALERTS_TOPIC
    table = "alert_transitions"
    flush_ms = 50  # the alert stream waits for these rows (api.alert_hub)
    schema = pa.schema(
        [
            *_COLUMNS,
            *POSITION,
        ]
    )

    def __init__(self) -> None:
        self._stored: OrderedDict[str, None] = OrderedDict()

    async def resumed(self, store: AsyncStore, table: str) -> None:
        """Remember the ids of the most recent transitions already stored."""
        rows = await store.query(
            f"SELECT toString(transition_id) FROM {table} "  # noqa: S608 - our table
            f"ORDER BY at DESC LIMIT {RECENT_IDS}"
        )
        self._stored.clear()
        for (transition,) in reversed(rows.rows):
            self._remember(str(transition))

    def _remember(self, transition: str) -> None:
        self._stored[transition] = None
        self._stored.move_to_end(transition)
        while len(self._stored) > RECENT_IDS:
            self._stored.popitem(last=False)

    def columns(
        self,
        topic_id: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
    ) -> dict[str, list[Any]] | None:
        """The transition as one row; None for one already stored."""
        event = decode_or_skip(decode_transition, value, offset, "alert transition")
        if event is None:
            return None
        if event.transition_id in self._stored:
            log.info("alert transition %s sent again: skipped", event.transition_id)
            return None
        self._remember(event.transition_id)
        row = {name: getattr(event, name) for name, _ in _COLUMNS}
        row["transition_id"] = event.transition_id
        row.update(topic_id=topic_id, partition=partition, offset=offset)
        return {name: [v] for name, v in row.items()}


_RANK = "multiIf(t.status = 'resolved', 3, t.status = 'acknowledged', 2, 1)"
_EVENTS = f"""
SELECT toString(t.event_id) AS event_id, any(t.rule_id) AS rule_id,
       any(t.rule_name) AS rule_name, any(t.severity) AS severity,
       any(t.series_id) AS series_id, any(t.device_id) AS device_id,
       any(t.device) AS device, any(t.quantity) AS quantity,
       any(t.quantity_slug) AS quantity_slug,
       argMax(t.status, {_RANK}) AS status,
       anyIf(t.value, t.status = 'active') AS value,
       min(t.triggered_at) AS triggered_at,
       maxIf(t.at, t.status = 'acknowledged') AS acknowledged_at,
       anyIf(t.actor, t.status = 'acknowledged') AS acknowledged_by,
       maxIf(t.at, t.status = 'resolved') AS resolved_at,
       anyIf(t.value, t.status = 'resolved') AS resolved_value,
       anyIf(t.actor, t.status = 'resolved') AS resolved_by,
       any(t.alert_seq) AS alert_seq, any(t.source_partition) AS source_partition
FROM {{db}}.alert_transitions AS t
WHERE t.org_id = {{{{org:String}}}} {{where}}
GROUP BY t.event_id
{{having}}
ORDER BY triggered_at DESC, event_id
LIMIT {{{{limit:UInt32}}}} OFFSET {{{{offset:UInt32}}}}
"""


@dataclass(frozen=True)
class AlertScope:
    """Alerts of any of these devices, or of any of these series."""

    device_ids: Sequence[str] = ()
    series_ids: Sequence[str] = ()


async def list_events(
    store: AsyncStore,
    org_id: str,
    *,
    status: str | None = None,
    severity: str | None = None,
    device_id: str | None = None,
    event_id: str | None = None,
    among: AlertScope | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Alerts of one org, newest first, filtered (``among``: only alerts of
    those devices or series)."""
    where, having = [], ""
    params: dict[str, Any] = {"org": org_id, "limit": limit, "offset": offset}
    if among is not None:
        where.append(
            "(t.device_id IN {devices:Array(String)} "
            "OR t.series_id IN {series:Array(String)})"
        )
        params.update(devices=list(among.device_ids), series=list(among.series_ids))
    if severity:
        where.append("t.severity = {severity:String}")
        params["severity"] = severity
    if device_id:
        where.append("t.device_id = {device:String}")
        params["device"] = device_id
    if event_id:
        where.append("t.event_id = {event:UUID}")
        params["event"] = event_id
    if status:
        having = "HAVING status = {status:String}"
        params["status"] = status
    sql = _EVENTS.format(
        db=store.database,
        where="".join(f" AND {w}" for w in where),
        having=having,
    )
    rows = await store.query(sql, params)
    return [_event_view(r) for r in rows.dicts()]


def _event_view(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("acknowledged_at", "resolved_at"):
        if row[name] is not None and row[name].timestamp() <= 0:
            row[name] = None  # maxIf over no rows gives the epoch
    if row["resolved_at"] is None:
        row["resolved_value"] = row["resolved_by"] = None
    if row["acknowledged_at"] is None:
        row["acknowledged_by"] = None
    return {
        **row,
        "binding_id": row["series_id"],
        "triggered_at": _iso(row["triggered_at"]),
        "acknowledged_at": _iso(row["acknowledged_at"]),
        "resolved_at": _iso(row["resolved_at"]),
    }


async def transitions_after(
    store: AsyncStore, org_id: str, after_offset: int, limit: int
) -> list[tuple[int, AlertTransitioned]]:
    """An org's transitions past an offset of the alerts topic, first emission of
    each (for a Last-Event-ID replay older than the in-memory window)."""
    names = ", ".join(
        f"argMin({n}, offset)" for n, _ in _COLUMNS if n != "transition_id"
    )
    rows = await store.query(
        f"SELECT min(offset) AS o, {names} FROM {store.database}.alert_transitions "
        "WHERE org_id = {org:String} GROUP BY transition_id "
        "HAVING o > {after:Int64} ORDER BY o LIMIT {limit:UInt32}",
        {"org": org_id, "after": after_offset, "limit": limit},
    )
    fields = [n for n, _ in _COLUMNS if n != "transition_id"]
    out = []
    for row in rows.rows:
        values = dict(zip(fields, row[1:], strict=True))
        values["triggered_at"] = _utc(values["triggered_at"])
        values["at"] = _utc(values["at"])
        out.append((int(row[0]), AlertTransitioned(**values)))
    return out


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    # A zone-less time from the store is UTC (iso() would take it as local time).
    return None if moment is None else iso(_utc(moment))
