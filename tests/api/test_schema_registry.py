"""The read-only schema registry lists measurement_batch.v2 as the next version."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import falcon.asgi
import falcon.testing
import pytest

from api.resources.schema_registry import PREFIX, routes
from infra.settings import Settings
from schemas.topics import DERIVED_TOPIC, MEASUREMENTS_TOPIC


@pytest.fixture
async def registry() -> AsyncIterator[falcon.testing.ASGIConductor]:
    app = falcon.asgi.App()
    for path, resource in routes(Settings(topic_prefix="p.")):
        app.add_route(path, resource)
    async with falcon.testing.ASGIConductor(app) as conductor:
        yield conductor


@pytest.mark.parametrize("topic", [MEASUREMENTS_TOPIC, DERIVED_TOPIC])
async def test_batch_subjects_list_v1_and_v2(
    registry: falcon.testing.ASGIConductor, topic: str
) -> None:
    subject = f"p.{topic}-value"
    versions = await registry.simulate_get(f"{PREFIX}/subjects/{subject}/versions")
    assert versions.json == [1, 2]
    latest = await registry.simulate_get(f"{PREFIX}/subjects/{subject}/versions/latest")
    assert latest.json["version"] == 2
    fields = json.loads(latest.json["schema"])["fields"]
    assert fields[-1]["name"] == "source" and fields[-1]["default"] == "ingest"
    first = await registry.simulate_get(f"{PREFIX}/subjects/{subject}/versions/1")
    by_id = await registry.simulate_get(f"{PREFIX}/schemas/ids/{first.json['id']}")
    assert "source" not in [
        f["name"] for f in json.loads(by_id.json["schema"])["fields"]
    ]


async def test_subjects_are_unchanged_by_a_new_version(
    registry: falcon.testing.ASGIConductor,
) -> None:
    subjects = await registry.simulate_get(f"{PREFIX}/subjects")
    assert f"p.{MEASUREMENTS_TOPIC}-value" in subjects.json
    assert len(subjects.json) == len(set(subjects.json)) == 12
