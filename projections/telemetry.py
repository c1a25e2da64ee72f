"""Read-side telemetry queries: explorer buckets, latest values, last-seen times."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, cast

import orjson

from infra.clickhouse import AsyncStore
from projections.explorer import Plan
from schemas.events import NUMBER, OBJECT

_SOURCES = {
    "raw": (
        "SELECT toString(binding_id), "
        "intDiv(toUnixTimestamp64Micro(ts) - {{origin:Int64}}, {{bucket:Int64}}) AS i, "
        "{average} FROM {db}.measurements FINAL "
        "WHERE org_id = {{org:String}} AND binding_id IN {{ids:Array(UUID)}} "
        "AND ts >= fromUnixTimestamp64Micro({{start:Int64}}, 'UTC') "
        "AND ts < fromUnixTimestamp64Micro({{end:Int64}}, 'UTC') AND kind = 0 "
        "GROUP BY binding_id, i ORDER BY i{settings}"
    ),
    "rollup": (
        "SELECT toString(binding_id), "
        "intDiv(toInt64(toUnixTimestamp(bucket)) * 1000000 - {{origin:Int64}}, "
        "{{bucket:Int64}}) AS i, {average} "
        "FROM {db}.{table} "
        "WHERE org_id = {{org:String}} AND binding_id IN {{ids:Array(UUID)}} "
        "AND bucket >= toDateTime(intDiv({{origin:Int64}}, 1000000), 'UTC') "
        "AND bucket < toDateTime(intDiv({{end:Int64}} + 999999, 1000000), 'UTC') "
        "GROUP BY binding_id, i ORDER BY i{settings}"
    ),
}
_ROLLUP_TABLES = {"1m": "measurements_1m", "1h": "measurements_1h"}

# Float64 sums of values near 1e308 overflow, and an infinite average comes back as
# null. Such a bucket is asked again with these: the values scaled down by 2^-1000
# first (exact for powers of two; ClickHouse must not fold the factor out of the
# aggregate), which gives every average of finite values. A rollup row whose stored
# sum already overflowed falls back to its max (+inf), min (-inf) or the midpoint of
# both (NaN): within the bucket's range, and exact when its values were all equal.
SAFE_AVERAGE = (
    "if(isFinite(avg(value)), avg(value), avg(value * exp2(-1000)) * exp2(1000))"
)
_SAFE_ROLLUP = (
    "multiIf(isFinite(sum(sum) / sum(count)), sum(sum) / sum(count), "
    "isFinite(sum(sum * exp2(-1000)) / sum(count) * exp2(1000)), "
    "sum(sum * exp2(-1000)) / sum(count) * exp2(1000), "
    "sum(sum) > 0, max(max), sum(sum) < 0, min(min), min(min) / 2 + max(max) / 2)"
)
SAFE_SETTINGS = " SETTINGS optimize_arithmetic_operations_in_aggregate_functions = 0"
_AVERAGES = {
    "raw": ("avg(value)", SAFE_AVERAGE),
    "rollup": ("sum(sum) / sum(count)", _SAFE_ROLLUP),
}


def averages_sql(database: str, source: str, safe: bool) -> str:
    """The bucket-average query of a plan's source, overflow-safe if asked."""
    kind = "raw" if source == "raw" else "rollup"
    fast, careful = _AVERAGES[kind]
    return _SOURCES[kind].format(
        db=database,
        table=_ROLLUP_TABLES.get(source, ""),
        average=careful if safe else fast,
        settings=SAFE_SETTINGS if safe else "",
    )


async def bucket_averages(
    store: AsyncStore, org_id: str, series_ids: list[str], p: Plan
) -> list[tuple[str, int, float | None]]:
    """(series id, bucket index, average) for every bucket holding data; the
    average is None only if even the overflow-safe form is not finite."""
    params = {
        "org": org_id,
        "ids": series_ids,
        "origin": p.origin,
        "bucket": p.bucket,
        "start": p.start,
        "end": p.end,
    }
    rows = await store.query(averages_sql(store.database, p.source, False), params)
    if _overflowed([v for _, _, v in rows.rows]):  # rare: ask again, overflow-safe
        rows = await store.query(averages_sql(store.database, p.source, True), params)
    return [
        (str(b), int(i), None if v is None or not math.isfinite(v) else float(v))
        for b, i, v in rows.rows
    ]


def _overflowed(averages: list[float | None]) -> bool:
    """Whether an average came back null (JSON's infinity) or not finite; a sum
    past the float range as well, which only costs a second, equal answer."""
    if None in averages:
        return True
    return not math.isfinite(sum(cast("list[float]", averages)))


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
