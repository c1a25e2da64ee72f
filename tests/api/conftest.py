"""An app on the real platform, shared by the API tests of a module."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from infra.broker import TansuBroker
from infra.settings import Settings


def api_settings(broker: TansuBroker, data_dir: Path, **overrides: Any) -> Settings:
    tag = uuid.uuid4().hex[:8]
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "kafka_bootstrap": broker.bootstrap,
        "topic_prefix": f"a{tag}.",
        "clickhouse_database": f"a_{tag}",
        "consumer_group_prefix": f"a{tag}",
        "rebalance_timeout_s": 1.0,
        "faust_enabled": False,
        "auth_rate_limit_burst": 10_000,
        "jwt_secret": "test-secret-for-the-api-suite-" + tag,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture(scope="module")
async def api(
    broker: TansuBroker, data_dir: Path
) -> AsyncIterator[falcon.testing.ASGIConductor]:
    app = create_app(api_settings(broker, data_dir))
    async with falcon.testing.ASGIConductor(app) as conductor:
        yield conductor


@dataclass
class Account:
    """A registered user and their bearer header."""

    email: str
    password: str
    user_id: str
    access: str
    refresh: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


async def register(api: falcon.testing.ASGIConductor, name: str = "u") -> Account:
    email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    r = await api.simulate_post(
        "/api/auth/register", json={"email": email, "password": "correct-horse"}
    )
    assert r.status_code == 201, r.text
    tokens = r.json["tokens"]
    return Account(
        email,
        "correct-horse",
        r.json["user"]["user_id"],
        tokens["access_token"],
        tokens["refresh_token"],
    )
