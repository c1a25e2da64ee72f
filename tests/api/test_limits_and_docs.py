"""Rate limits answer 429 with Retry-After; every route is in the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

import httpx

from api.app import create_app
from infra.settings import Settings


def _app(tmp_path: Path, **overrides: object) -> httpx.AsyncClient:
    settings = Settings(data_dir=tmp_path, jwt_secret="x" * 40, **overrides)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://vigil.test")


async def test_login_rate_limit_is_429_with_retry_after(tmp_path: Path) -> None:
    async with _app(tmp_path, auth_rate_limit_per_s=0.1, auth_rate_limit_burst=2) as c:
        codes = []
        for _ in range(3):
            r = await c.post("/api/auth/login", json={"email": "bad", "password": "x"})
            codes.append(r.status_code)
        assert codes == [400, 400, 429]
        assert int(r.headers["Retry-After"]) >= 1
        assert "rate limit" in r.json()["error"]


async def test_every_route_is_documented(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, jwt_secret="x" * 40))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as c:
        doc = (await c.get("/api/openapi.json")).json()
    routes = set()
    for root in app.falcon._router._roots:
        stack = [root]
        while stack:
            node = stack.pop()
            if node.resource is not None:
                routes.add(node.uri_template)
            stack.extend(node.children)
    assert len(routes) > 20
    missing = {r for r in routes if r not in doc["paths"]}
    assert not missing
