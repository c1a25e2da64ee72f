"""Prometheus metrics: request counts and latency per route, platform gauges."""

from __future__ import annotations

import hmac
import time
from typing import Any

import falcon
import falcon.asgi
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from api.alert_hub import AlertHub
from api.auth import unauthorized
from infra.stack import Platform


class Metrics:
    """One registry per app, so several apps (tests) never collide. ``GET
    /metrics`` is served only when ``enabled`` or given a ``token`` (then it asks
    for ``Authorization: Bearer <token>``): the route names and counts describe
    the deployment to anyone who can read them."""

    auth = "none"  # its own token, not a user's credential

    def __init__(
        self, platform: Platform, enabled: bool = False, token: str = ""
    ) -> None:
        self.enabled = enabled or bool(token)
        self.token = token
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "vigil_http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "vigil_http_request_seconds",
            "HTTP request latency by route template",
            ["route"],
            registry=self.registry,
        )
        Gauge(
            "vigil_entity_offset",
            "Last entity-log offset folded into this process's read model",
            registry=self.registry,
        ).set_function(lambda: platform.model.state.offset)
        Gauge(
            "vigil_projected_rows",
            "Rows written by this process's projectors",
            registry=self.registry,
        ).set_function(lambda: sum(p.rows_written for p in platform.projectors))

    def watch_hub(self, hub: AlertHub) -> None:
        """Gauges of the live alert stream."""
        for name, text, read in (
            ("vigil_sse_streams", "Open live alert streams", hub.connections),
            (
                "vigil_alert_hub_offset",
                "Last alerts-topic offset read",
                lambda: hub.position,
            ),
            (
                "vigil_alert_hub_reconnects",
                "Times the alert stream's consumer failed and reconnected",
                lambda: hub.failures,
            ),
        ):
            Gauge(name, text, registry=self.registry).set_function(read)

    async def process_request(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        req.context.started = time.perf_counter()

    async def process_response(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        resource: Any,
        req_succeeded: bool,
    ) -> None:
        route = req.uri_template if resource is not None else "unmatched"
        status = str(resp.status_code)
        self.requests.labels(route, req.method, status).inc()
        started = getattr(req.context, "started", None)
        if started is not None:
            self.latency.labels(route).observe(time.perf_counter() - started)

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        """Prometheus text exposition."""
        self._check_access(req)
        resp.data = generate_latest(self.registry)
        resp.content_type = CONTENT_TYPE_LATEST
        resp.status = falcon.HTTP_200

    def _check_access(self, req: falcon.asgi.Request) -> None:
        """404 while off; 401 without the configured bearer token."""
        if not self.enabled:
            raise falcon.HTTPRouteNotFound()
        if not self.token:
            return
        scheme, _, given = (req.get_header("Authorization") or "").partition(" ")
        expected = self.token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), expected
        ):
            raise unauthorized("/metrics needs the VIGIL_METRICS_TOKEN bearer token")
