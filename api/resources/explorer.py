"""The explorer query and each device's latest readings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import falcon
import falcon.asgi

from api.auth import Principal, principal_of
from api.entities import EntityAccess
from api.validation import ValidationError, parse_int
from domain.clock import Clock
from domain.entity_state import EntityState
from domain.isotime import iso, iso_from_micros, to_micros
from domain.states import Binding, Device, PrismField
from infra.clickhouse import AsyncStore
from infra.settings import Settings
from projections.explorer import BadQuery, Plan, assemble, parse_time, plan
from projections.telemetry import bucket_averages, latest_readings
from schemas import quantities

DEFAULT_POINTS = 500
MAX_POINTS = 10_000


class Explorer:
    """``GET /api/v1/explorer/query/?binding_ids=…&start=…&end=…&max_points=…``."""

    def __init__(
        self, state: EntityState, store: AsyncStore, clock: Clock, settings: Settings
    ) -> None:
        self.state = state
        self.store = store
        self.clock = clock
        self.max_series = settings.explorer_max_series

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        ids = self._ids(req.get_param("binding_ids") or "")
        now_us = to_micros(self.clock())
        resp.media = await query_series(
            self.state, self.store, now_us, req, who, ids, "-1h"
        )

    def _ids(self, raw: str) -> list[str]:
        ids = list(dict.fromkeys(x.strip() for x in raw.split(",") if x.strip()))
        if not ids:
            raise ValidationError("binding_ids", "is required (comma-separated UUIDs)")
        limit = self.max_series
        if len(ids) > limit:
            raise ValidationError("binding_ids", f"at most {limit} series per query")
        return ids


def describe_series(
    state: EntityState, org_id: str, ids: list[str]
) -> dict[str, dict[str, Any]]:
    """Label and unit of each binding or Prism field id; 404 naming unknown ids."""
    found: dict[str, dict[str, Any]] = {}
    missing = []
    for series_id in ids:
        described = _describe_one(state, org_id, series_id)
        if described is None:
            missing.append(series_id)
        else:
            found[series_id] = {"binding_id": series_id, **described}
    if missing:
        raise falcon.HTTPNotFound(
            description=f"unknown binding ids: {', '.join(missing)}"
        )
    return found


def _describe_one(
    state: EntityState, org_id: str, series_id: str
) -> dict[str, Any] | None:
    binding = state.owned(Binding, series_id, org_id)
    if binding is not None:
        device = state.get(Device, binding.state.device_id)
        q = quantities.catalog()[binding.state.quantity_slug]
        name = device.state.display_name if device else "?"
        return {"label": f"{name} / {q.name}", "unit": q.base_unit_symbol}
    field = state.owned(PrismField, series_id, org_id)
    if field is not None:
        return {"label": field.state.name, "unit": field.state.unit}
    return None


@dataclass(frozen=True)
class Window:
    """A query's buckets (the plan) and the most points it was asked for."""

    plan: Plan
    max_points: int


def parse_window(now: int, start: str, end: str, max_points: str) -> Window:
    """The planned window of ``start``/``end`` (ISO-8601 or relative to ``now``,
    UTC microseconds) and ``max_points``; 400 naming a parameter that is off."""
    try:
        end_us = parse_time(end, now, "end")
        start_us = parse_time(start, now, "start")
        most = parse_int("max_points", max_points, 1, MAX_POINTS)
        return Window(plan(start_us, end_us, most), most)
    except BadQuery as ex:
        raise ValidationError(ex.parameter, str(ex).split(": ", 1)[-1]) from ex


async def query_series(
    state: EntityState,
    store: AsyncStore,
    now: int,
    req: falcon.asgi.Request,
    who: Principal,
    ids: list[str],
    default_start: str,
) -> dict[str, Any]:
    """The explorer answer for ``ids`` over the request's start/end/max_points
    (relative times count back from ``now``, in UTC microseconds)."""
    described = describe_series(state, who.org_id, ids)
    window = parse_window(
        now,
        req.get_param("start") or default_start,
        req.get_param("end") or "now",
        req.get_param("max_points") or str(DEFAULT_POINTS),
    )
    return await answer_series(store, who.org_id, described, window)


async def answer_series(
    store: AsyncStore,
    org_id: str,
    described: dict[str, dict[str, Any]],
    window: Window,
) -> dict[str, Any]:
    """The explorer's columnar answer: one shared axis, each described series'
    bucket averages on it (``None`` where it has none), and the plan."""
    ids, p = list(described), window.plan
    rows = await bucket_averages(store, org_id, ids, p)
    axis, values = assemble(p, ids, rows)
    return {
        "timestamps": axis,
        "series": [{**described[i], "values": values[i]} for i in ids],
        "meta": {
            "start": iso_from_micros(p.start),
            "end": iso_from_micros(p.end),
            "bucket_seconds": p.bucket / 1_000_000,
            "source": p.source,
            "max_points": window.max_points,
        },
    }


class Latest:
    """``GET /api/v1/devices/{device_id}/latest/``."""

    def __init__(self, entities: EntityAccess, store: AsyncStore) -> None:
        self.e = entities
        self.store = store

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        device = self.e.own(Device, device_id, principal_of(req))
        readings = await latest_readings(self.store, device.org_id, device.entity_id)
        out = []
        for r in readings:
            binding = self.e.state.get(Binding, r["binding_id"])
            if binding is None:
                continue  # a deleted binding's history is not a current reading
            q = quantities.catalog()[binding.state.quantity_slug]
            out.append(
                {
                    "binding_id": r["binding_id"],
                    "channel": binding.state.channel,
                    "quantity": q.name,
                    "quantity_slug": q.slug,
                    "unit": q.base_unit_symbol,
                    "value": r["value"],
                    "time": iso(r["time"]),
                }
            )
        out.sort(key=lambda r: r["channel"])
        resp.media = {"device_id": device.entity_id, "readings": out}
