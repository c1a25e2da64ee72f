"""Every error is JSON with the right status, on the real app and platform."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import falcon
import falcon.asgi
import falcon.testing
import pytest

from api.app import create_app
from infra.settings import Settings


class Echo:
    """A JSON-reading route, so body errors can be exercised before real ones exist."""

    auth = "none"

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.media = {"got": await req.get_media()}


class Boom:
    auth = "none"

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        raise RuntimeError("secret internals /etc/passwd")


@pytest.fixture(scope="module")
async def client(
    broker: Any, data_dir: Any, request: pytest.FixtureRequest
) -> AsyncIterator[falcon.testing.ASGIConductor]:
    import uuid

    tag = uuid.uuid4().hex[:8]
    settings = Settings(
        data_dir=data_dir,
        kafka_bootstrap=broker.bootstrap,
        topic_prefix=f"h{tag}.",
        clickhouse_database=f"h_{tag}",
        consumer_group_prefix=f"h{tag}",
        rebalance_timeout_s=1.0,
        max_body_bytes=1000,
        faust_enabled=True,
        metrics_enabled=True,  # off by default (tests/api/test_http_hardening.py)
    )
    app = create_app(settings)
    app.falcon.add_route("/test/echo", Echo())
    app.falcon.add_route("/test/boom", Boom())
    async with falcon.testing.ASGIConductor(app) as conductor:
        yield conductor


async def test_healthz(client: falcon.testing.ASGIConductor) -> None:
    r = await client.simulate_get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok"}


async def test_readyz_is_ready_once_started(
    client: falcon.testing.ASGIConductor,
) -> None:
    r = await client.simulate_get("/readyz")
    assert r.status_code == 200, r.json
    assert r.json["checks"] == {
        "broker": "ok",
        "clickhouse": "ok",
        "read_model": "ok",
        "projectors": "ok",
        "streams": "ok",  # Faust runs in this app: partitions assigned
    }


async def test_metrics_are_prometheus_text(
    client: falcon.testing.ASGIConductor,
) -> None:
    await client.simulate_get("/healthz")
    r = await client.simulate_get("/metrics")
    assert r.status_code == 200
    assert (
        'vigil_http_requests_total{method="GET",route="/healthz",status="200"}'
        in r.text
    )
    assert "vigil_entity_offset" in r.text
    assert "vigil_sse_streams 0.0" in r.text and "vigil_alert_hub_offset" in r.text


async def test_openapi_document(client: falcon.testing.ASGIConductor) -> None:
    r = await client.simulate_get("/api/openapi.json")
    assert r.status_code == 200
    assert r.json["openapi"].startswith("3.1")
    assert {"/healthz", "/readyz", "/metrics"} <= set(r.json["paths"])


async def test_unknown_path_is_json_404(client: falcon.testing.ASGIConductor) -> None:
    r = await client.simulate_get("/api/v1/nope/")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert r.json == {"error": "no such path: /api/v1/nope/"}


async def test_wrong_method_is_json_405(client: falcon.testing.ASGIConductor) -> None:
    r = await client.simulate_delete("/healthz")
    assert r.status_code == 405
    assert "DELETE" in r.json["error"]


async def test_malformed_json_is_400(client: falcon.testing.ASGIConductor) -> None:
    r = await client.simulate_post(
        "/test/echo", body=b'{"a": ', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert set(r.json) == {"error"}


async def test_valid_json_passes(client: falcon.testing.ASGIConductor) -> None:
    r = await client.simulate_post("/test/echo", json={"a": [1, 2]})
    assert r.status_code == 200 and r.json == {"got": {"a": [1, 2]}}


async def test_wrong_content_type_is_415(client: falcon.testing.ASGIConductor) -> None:
    r = await client.simulate_post(
        "/test/echo",
        body=b"a=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415, r.text
    assert "application/json" in r.json["error"]


async def test_oversized_body_is_413(client: falcon.testing.ASGIConductor) -> None:
    r = await client.simulate_post("/test/echo", json={"pad": "x" * 2000})
    assert r.status_code == 413
    assert "1000 bytes" in r.json["error"]


async def test_unexpected_error_is_500_without_internals(
    client: falcon.testing.ASGIConductor,
) -> None:
    r = await client.simulate_get("/test/boom")
    assert r.status_code == 500
    assert r.json == {"error": "internal error"}


async def test_faust_app_runs_in_process(client: falcon.testing.ASGIConductor) -> None:
    app: Callable[..., Any] = client.app
    assert app.platform.faust is not None
    assert app.platform.faust.started
