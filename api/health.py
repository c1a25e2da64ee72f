"""Liveness and readiness."""

from __future__ import annotations

import falcon
import falcon.asgi

from infra.stack import Platform


class Health:
    """``GET /healthz``: the process serves requests."""

    auth = "none"

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.media = {"status": "ok"}


class Ready:
    """``GET /readyz``: 200 only when broker, ClickHouse and read model are ready."""

    auth = "none"

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        if not self.platform.started:
            resp.status = falcon.HTTP_503
            resp.media = {"error": "not ready: starting", "checks": {}}
            return
        checks = await self.platform.readiness()
        failing = [name for name, state in checks.items() if state != "ok"]
        if failing:
            resp.status = falcon.HTTP_503
            resp.set_header("Retry-After", "2")
            resp.media = {"error": f"not ready: {', '.join(failing)}", "checks": checks}
        else:
            resp.media = {"status": "ready", "checks": checks}
