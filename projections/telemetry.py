"""Read-side telemetry queries: explorer buckets, latest values, last-seen times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from infra.clickhouse import AsyncStore
from projections.explorer import Plan
from schemas.events import NUMBER, OBJECT

_SOURCES = {
    "raw": (
        "SELECT toString(binding_id), "
        "intDiv(toUnixTimestamp64Micro(ts) - {{origin:Int64}}, {{bucket:Int64}}) AS i, "
        "avg(value) FROM {db}.measurements FINAL "
        "WHERE org_id = {{org:String}} AND binding_id IN {{ids:Array(UUID)}} "
        "AND ts >= fromUnixTimestamp64Micro({{start:Int64}}, 'UTC') "
        "AND ts < fromUnixTimestamp64Micro({{end:Int64}}, 'UTC') AND kind = 0 "
        "GROUP BY binding_id, i ORDER BY i"
    ),
    "rollup": (
        "SELECT toString(binding_id), "
        "intDiv(toInt64(toUnixTimestamp(bucket)) * 1000000 - {{origin:Int64}}, "
        "{{bucket:Int64}}) AS i, sum(sum) / sum(count) "
        "FROM {db}.{table} "
        "WHERE org_id = {{org:String}} AND binding_id IN {{ids:Array(UUID)}} "
        "AND bucket >= toDateTime(intDiv({{origin:Int64}}, 1000000), 'UTC') "
        "AND bucket < toDateTime(intDiv({{end:Int64}} + 999999, 1000000), 'UTC') "
        "GROUP BY binding_id, i ORDER BY i"
    ),
}
_ROLLUP_TABLES = {"1m": "measurements_1m", "1h": "measurements_1h"}


async def bucket_averages(
    store: AsyncStore, org_id: str, series_ids: list[str], p: Plan
) -> list[tuple[str, int, float]]:
    """(series id, bucket index, average) for every bucket holding data."""
    if p.source == "raw":
        sql = _SOURCES["raw"].format(db=store.database)
    else:
        sql = _SOURCES["rollup"].format(
            db=store.database, table=_ROLLUP_TABLES[p.source]
        )
    rows = await store.query(
        sql,
        {
            "org": org_id,
            "ids": series_ids,
            "origin": p.origin,
            "bucket": p.bucket,
            "start": p.start,
            "end": p.end,
        },
    )
    return [(str(b), int(i), float(v)) for b, i, v in rows.rows]


async def latest_readings(
    store: AsyncStore, org_id: str, device_id: str
) -> list[dict[str, Any]]:
    """Each binding's newest value on one device."""
    rows = await store.query(
        "SELECT toString(binding_id), max(last_ts), argMaxMerge(kind), "
        f"argMaxMerge(value), "
        f"argMaxMerge(text) FROM {store.database}.latest "
        "WHERE org_id = {org:String} AND device_id = {device:UUID} "
        "GROUP BY binding_id",
        {"org": org_id, "device": device_id},
    )
    return [
        {"binding_id": b, "time": ts, "value": _value(kind, value, text)}
        for b, ts, kind, value, text in rows.rows
    ]


def _value(kind: int, number: float, text: str) -> Any:
    if kind == NUMBER:
        return number
    if kind == OBJECT:
        return orjson.loads(text)
    return text


async def last_seen(store: AsyncStore) -> dict[str, datetime]:
    """When each device last reported (from the latest-value table)."""
    rows = await store.query(
        f"SELECT toString(device_id), max(last_ts) FROM {store.database}.latest "
        "GROUP BY device_id"
    )
    return {device: ts for device, ts in rows.rows}
