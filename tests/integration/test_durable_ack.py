"""VIGIL_ACK_AFTER=projection: an acknowledged write is already in ClickHouse when
the answer arrives (what survives losing the embedded memory-only broker), and a
projection that cannot store it makes the write answer 503, claiming nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import falcon.testing
import pytest

from api.app import VigilApp, create_app
from infra.broker import TansuBroker
from tests.api.conftest import api_settings, register
from tests.api.test_telemetry import device_with_bindings, gateway

Api = falcon.testing.ASGIConductor


@pytest.fixture(scope="module")
async def durable(
    broker: TansuBroker, data_dir: Path
) -> AsyncIterator[tuple[Api, VigilApp]]:
    app = create_app(api_settings(broker, data_dir, ack_after="projection"))
    async with falcon.testing.ASGIConductor(app) as conductor:
        yield conductor, app


async def count(app: VigilApp, sql: str) -> int:
    store = app.platform.store
    return int((await store.query(sql.format(db=store.database))).scalar())


async def test_an_acknowledged_ingest_is_already_stored(
    durable: tuple[Api, VigilApp],
) -> None:
    api, app = durable
    a = await register(api, "durable")
    _, (binding,) = await device_with_bindings(api, a, "DUR-1", "temperature.celsius")
    now = datetime.now(UTC).replace(microsecond=0)
    body = {
        "hardware_id": "DUR-1",
        "measurements": [
            {
                "binding_id": binding,
                "value": float(i),
                "timestamp": (now - timedelta(seconds=i)).isoformat(),
            }
            for i in range(50)
        ],
    }
    r = await api.simulate_post(
        "/api/v1/ingest/", json=body, headers=await gateway(api, a)
    )
    assert r.status_code == 202, r.text
    stored = await count(
        app,
        "SELECT count() FROM {db}.measurements "
        f"WHERE binding_id = toUUID('{binding}')",
    )
    assert stored == 50  # no wait, no poll: the 202 came after the insert


async def test_an_acknowledged_entity_write_is_already_archived(
    durable: tuple[Api, VigilApp],
) -> None:
    api, app = durable
    a = await register(api, "durable-site")
    r = await api.simulate_post(
        "/api/v1/sites/", json={"name": "Durable plant"}, headers=a.auth
    )
    assert r.status_code == 201, r.text
    archived = await count(
        app,
        f"SELECT count() FROM {{db}}.entity_archive WHERE entity_id = '{r.json['id']}'",
    )
    assert archived == 1


async def test_without_a_projection_the_write_is_503_not_a_false_ack(
    broker: TansuBroker, data_dir: Path
) -> None:
    settings = api_settings(
        broker,
        data_dir,
        ack_after="projection",
        projectors_enabled=False,  # nothing will ever store the batch
        write_timeout_s=1.0,
    )
    app = create_app(settings)
    async with falcon.testing.ASGIConductor(app) as api:
        r = await api.simulate_post(
            "/api/auth/register",
            json={"email": "nobody@example.com", "password": "correct-horse"},
        )
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "2"
        assert r.json == {
            "error": "durable storage is temporarily unavailable; retry later"
        }
