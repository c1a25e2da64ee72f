"""Shared dashboards, no credential: ``/api/v1/canvas/public/{token}/`` (the HTML
page), its ``query/`` (the explorer's answer, for the dashboard's series only) and
its ``alerts/``.

These resources take no credential (``auth = "none"``) and keep their own limits,
per share token and per client address, instead of the login limit that
``auth = "public"`` would spend: viewers of a dashboard are not logging in.
"""

from __future__ import annotations

import falcon
import falcon.asgi

from api.canvas_page import PublicPages
from api.credentials import sha256
from api.rate_limit import RateLimiter, retry_after
from api.request import body_of
from api.resources.canvas import dashboard_alerts
from api.resources.explorer import (
    DEFAULT_POINTS,
    MAX_POINTS,
    Window,
    answer_series,
    describe_series,
    parse_window,
)
from api.validation import Body, ValidationError
from domain.canvas_views import (
    alert_scope,
    check_on_dashboard,
    check_range,
    public_alert,
    public_view,
    shows_alerts,
)
from domain.clock import Clock
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.errors import NotFound
from domain.isotime import to_micros
from domain.keys import dashboard_share_key
from domain.states import Dashboard
from infra.clickhouse import AsyncStore
from infra.settings import Settings

NOT_SHARED = "this dashboard is no longer shared"


class ShareGate:
    """The dashboard a share token opens, within the public rate limits (one
    bucket per client address, checked first, and one per share token)."""

    def __init__(self, state: EntityState, settings: Settings) -> None:
        self.state = state
        rate, burst = settings.canvas_public_rate_per_s, settings.canvas_public_burst
        self.by_address = RateLimiter(rate, burst)
        self.by_token = RateLimiter(rate, burst)

    def open(self, req: falcon.asgi.Request, token: str) -> Entity[Dashboard]:
        """The shared dashboard; 429 past a limit, 404 for an unknown or revoked
        token."""
        self._limit(self.by_address, req.remote_addr, "per client address")
        digest = sha256(token)
        dashboard = self.state.held_by(Dashboard, dashboard_share_key(digest))
        if dashboard is None:
            raise falcon.HTTPNotFound(description=NOT_SHARED)
        self._limit(self.by_token, digest, "per shared dashboard")
        return dashboard

    @staticmethod
    def _limit(limiter: RateLimiter, key: str, scope: str) -> None:
        wait = limiter.take(key)
        if wait:
            raise falcon.HTTPTooManyRequests(
                description=f"rate limit of {limiter.rate:g} requests/s {scope} "
                "exceeded",
                retry_after=retry_after(wait),
            )


class PublicDashboard:
    """``GET /api/v1/canvas/public/{token}/``: the page (HTML, also for errors)."""

    auth = "none"

    def __init__(self, gate: ShareGate, pages: PublicPages) -> None:
        self.gate = gate
        self.pages = pages

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, token: str
    ) -> None:
        try:
            dashboard = self.gate.open(req, token)
        except falcon.HTTPError as ex:
            self.pages.failure(resp, ex)
            return
        self.pages.dashboard(resp, public_view(dashboard.state, token))


def _series_ids(body: Body, most: int) -> list[str]:
    """``binding_ids`` then ``field_ids`` (either list may hold either kind)."""
    ids: list[str] = []
    for name in ("binding_ids", "field_ids"):
        given = body.strings(name) or []
        ids.extend(i.strip().lower() for i in given)
    ids = list(dict.fromkeys(i for i in ids if i))
    if not ids:
        raise ValidationError("binding_ids", "is required (a list of UUIDs)")
    if len(ids) > most:
        raise ValidationError("binding_ids", f"at most {most} series per query")
    return ids


class PublicQuery:
    """``POST /api/v1/canvas/public/{token}/query/`` with the explorer's
    parameters as a JSON body: ``{"binding_ids", "field_ids"?, "start"?, "end"?,
    "max_points"?}`` -> the explorer's answer ``{timestamps, series, meta}``."""

    auth = "none"

    def __init__(
        self, gate: ShareGate, store: AsyncStore, clock: Clock, settings: Settings
    ) -> None:
        self.gate = gate
        self.store = store
        self.clock = clock
        self.max_series = settings.explorer_max_series
        self.max_days = settings.canvas_max_range_days

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, token: str
    ) -> None:
        dashboard = self.gate.open(req, token)
        body = await body_of(req)
        ids = _series_ids(body, self.max_series)
        check_on_dashboard(dashboard.state, ids)
        described = describe_series(self.gate.state, dashboard.org_id, ids)
        window = self._window(body)
        check_range(window.plan.start, window.plan.end, self.max_days)
        resp.media = await answer_series(
            self.store, dashboard.org_id, described, window
        )

    def _window(self, body: Body) -> Window:
        most = body.integer("max_points", minimum=1, maximum=MAX_POINTS)
        return parse_window(
            to_micros(self.clock()),
            body.string("start") or "-1h",
            body.string("end") or "now",
            str(most or DEFAULT_POINTS),
        )


class PublicAlerts:
    """``GET /api/v1/canvas/public/{token}/alerts/`` -> ``{"events": [...]}``:
    the alerts of the dashboard's series, when it has an ``alerts`` panel."""

    auth = "none"

    def __init__(self, gate: ShareGate, store: AsyncStore) -> None:
        self.gate = gate
        self.store = store

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, token: str
    ) -> None:
        dashboard = self.gate.open(req, token)
        if not shows_alerts(dashboard.state):
            raise NotFound("this dashboard shows no alerts")
        scope = alert_scope(self.gate.state, dashboard)
        events = await dashboard_alerts(self.store, scope, dashboard.org_id, req)
        resp.media = {"events": [public_alert(e) for e in events]}
