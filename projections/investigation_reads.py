"""Read investigations, and the evidence an investigation gathers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from domain.isotime import iso
from infra.clickhouse import AsyncStore
from projections.telemetry import SAFE_AVERAGE, SAFE_SETTINGS

_FIELDS = (
    "investigation_id, status, trigger, alert_event_id, device_id, title, findings, "
    "evidence, model, prompt_tokens, completion_tokens, cost_usd, created_at, at"
)


async def list_investigations(
    store: AsyncStore,
    org_id: str,
    *,
    status: str | None = None,
    investigation_id: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """An org's investigations (newest version of each), newest first."""
    where, params = "", {"org": org_id, "limit": limit}
    if status is not None:
        where += " AND status = {status:String}"
        params["status"] = status
    if investigation_id is not None:
        where += " AND investigation_id = {id:String}"
        params["id"] = investigation_id
    sql = f"""
    SELECT {_FIELDS} FROM {store.database}.investigations FINAL
    WHERE org_id = {{org:String}} {where}
    ORDER BY created_at DESC LIMIT {{limit:UInt32}}
    """
    rows = await store.query(sql, params)
    return [_view(r) for r in rows.dicts()]


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["investigation_id"],
        "status": row["status"],
        "trigger": row["trigger"],
        "alert_event_id": row["alert_event_id"],
        "device_id": row["device_id"],
        "title": row["title"],
        "findings": row["findings"],
        "evidence": orjson.loads(row["evidence"] or "{}"),
        "model": row["model"],
        "prompt_tokens": int(row["prompt_tokens"]),
        "completion_tokens": int(row["completion_tokens"]),
        "cost_usd": float(row["cost_usd"]),
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["at"]),
    }


async def series_summary(
    store: AsyncStore, org_id: str, binding_id: str, hours: float = 6.0
) -> dict[str, Any]:
    """Min, max, average and count of a series' numbers over the last hours."""
    sql = f"""
    SELECT min(value), max(value), {SAFE_AVERAGE}, toUInt32(count())
    FROM {store.database}.measurements
    WHERE org_id = {{org:String}} AND binding_id = {{binding:UUID}} AND kind = 0
      AND ts >= now64(6) - toIntervalSecond({{seconds:UInt32}}){SAFE_SETTINGS}
    """
    params = {"org": org_id, "binding": binding_id, "seconds": int(hours * 3600)}
    row = (await store.query(sql, params)).rows[0]
    count = int(row[3])
    if not count:
        return {"hours": hours, "count": 0}
    return {
        "hours": hours,
        "count": count,
        "min": float(row[0]),
        "max": float(row[1]),
        "avg": None if row[2] is None else round(float(row[2]), 6),
    }


def _iso(moment: datetime) -> str:
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
