"""Usage and cost (``GET /api/usage``): sums over the recorded agent actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import falcon
import falcon.asgi

from api.auth import principal_of
from api.entities import EntityAccess
from domain import states
from infra.clickhouse import AsyncStore
from projections.watcher_reads import assistant_usage, usage_by_watcher


def month_start(now: datetime) -> datetime:
    """The first instant of ``now``'s month (UTC)."""
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


_ZERO = {
    "cost": 0.0,
    "invocations": 0,
    "alerts": 0,
    "emails": 0,
    "month_cost": 0.0,
    "month_invocations": 0,
}


def usage_view(
    rows: list[dict[str, Any]],
    names: dict[str, str],
    assistant: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Totals, this month, per live watcher (deleted watchers are left out), and
    the assistant (Argus answers and investigations), which the totals include."""
    ai = assistant or {
        "cost": 0.0,
        "invocations": 0,
        "month_cost": 0.0,
        "month_invocations": 0,
    }
    by_id = {r["watcher_id"]: r for r in rows}
    live = [(wid, by_id.get(wid, _ZERO)) for wid in names]
    watchers: list[dict[str, Any]] = [
        {
            "watcher_id": wid,
            "watcher_name": names[wid],
            "cost": round(float(r["cost"]), 10),
            "invocations": int(r["invocations"]),
            "alerts": int(r["alerts"]),
            "emails": int(r["emails"]),
        }
        for wid, r in live
    ]
    return {
        "total_cost": round(sum(float(r["cost"]) for _, r in live) + ai["cost"], 10),
        "total_invocations": sum(w["invocations"] for w in watchers)
        + ai["invocations"],
        "total_alerts": sum(w["alerts"] for w in watchers),
        "total_emails": sum(w["emails"] for w in watchers),
        "current_month": {
            "cost": round(
                sum(float(r["month_cost"]) for _, r in live) + ai["month_cost"], 10
            ),
            "invocations": sum(int(r["month_invocations"]) for _, r in live)
            + ai["month_invocations"],
        },
        "watchers": watchers,
        "assistant": {"cost": ai["cost"], "invocations": ai["invocations"]},
    }


class Usage:
    """``GET /api/usage``."""

    def __init__(self, entities: EntityAccess, store: AsyncStore) -> None:
        self.entities = entities
        self.store = store

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        watchers = self.entities.state.in_org(states.Watcher, who.org_id)
        names = {w.entity_id: w.state.name for w in watchers.values()}
        month = month_start(self.entities.now())
        rows = await usage_by_watcher(self.store, who.org_id, month)
        ai = await assistant_usage(self.store, who.org_id, month)
        resp.media = {"usage": usage_view(rows, names, ai)}
