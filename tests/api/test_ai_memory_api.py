"""Argus memory (``/api/v1/ai/argus/memory/``) against the real app (broker, chDB,
projectors): create, read-your-writes, semantic search, filters, org isolation,
validation, and the agents' ``remember``/``recall``."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import falcon.testing
import numpy as np
import pytest

from agents import embeddings
from agents.ai_memory import recall, remember
from api.app import VigilApp, create_app
from domain import ai_memory as rules
from domain.isotime import parse_iso
from domain.states import User
from infra.broker import TansuBroker
from tests.api.conftest import Account, api_settings, register

URL = "/api/v1/ai/argus/memory/"
Api = falcon.testing.ASGIConductor

UNRELATED = (
    "CO2 sensor on Floor 2 prone to drift",
    "Quarterly fire drill held in building A",
    "Badge reader at the loading dock replaced",
    "Night shift prefers alerts by SMS",
    "Rooftop solar inverter firmware updated",
)


@pytest.fixture(scope="module")
async def app(broker: TansuBroker, data_dir: Path) -> AsyncIterator[VigilApp]:
    yield create_app(api_settings(broker, data_dir, projection_flush_ms=20))


@pytest.fixture(scope="module")
async def api(app: VigilApp) -> AsyncIterator[Api]:
    async with falcon.testing.ASGIConductor(app) as conductor:
        yield conductor


async def post(api: Api, who: Account, **body: Any) -> dict[str, Any]:
    r = await api.simulate_post(URL, json=body, headers=who.auth)
    assert r.status_code == 201, r.text
    return r.json  # type: ignore[no-any-return]


async def listed(api: Api, who: Account, **params: Any) -> list[dict[str, Any]]:
    r = await api.simulate_get(URL, params=params, headers=who.auth)
    assert r.status_code == 200, r.text
    return r.json["memories"]  # type: ignore[no-any-return]


async def made(api: Api, who: Account, path: str, **body: Any) -> str:
    r = await api.simulate_post(path, json=body, headers=who.auth)
    assert r.status_code == 201, r.text
    return r.json["id"]  # type: ignore[no-any-return]


async def test_a_created_memory_is_answered_and_listed_at_once(api: Api) -> None:
    who = await register(api)
    memory = await post(
        api,
        who,
        content="Pump 2 bearing replaced Jan 2026",
        memory_type="maintenance",
        salience=0.8,
    )
    assert set(memory) >= {"id", "content", "memory_type", "salience", "created_at"}
    assert (memory["memory_type"], memory["salience"]) == ("maintenance", 0.8)
    assert (memory["device_id"], memory["site_id"]) == (None, None)
    assert memory["source"] == "manual" and memory["created_at"].endswith("Z")
    # Read-your-writes: the POST answered once the projection stored it.
    assert await listed(api, who) == [memory]
    defaults = await post(api, who, content="  CO2 sensor on Floor 2 prone to drift ")
    assert defaults["content"] == "CO2 sensor on Floor 2 prone to drift"
    assert (defaults["memory_type"], defaults["salience"]) == ("observation", 0.5)
    assert [m["id"] for m in await listed(api, who)] == [defaults["id"], memory["id"]]
    assert [m["id"] for m in await listed(api, who, limit=1)] == [defaults["id"]]


async def test_search_ranks_the_relevant_memory_first(api: Api) -> None:
    who = await register(api)
    for text in UNRELATED[:2]:
        await post(api, who, content=text, salience=1.0)
    pump = await post(api, who, content="Pump 2 bearing replaced Jan 2026")
    for text in UNRELATED[2:]:
        await post(api, who, content=text, salience=1.0)
    found = await listed(api, who, q="pump bearing failure")
    assert found[0]["id"] == pump["id"]
    assert len(found) == 6 and all("score" in m for m in found)
    scores = [m["score"] for m in found]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[1] + 0.1
    assert "score" not in (await listed(api, who))[0]  # a listing is not ranked


async def test_the_score_is_the_documented_formula(api: Api) -> None:
    who = await register(api)
    memory = await post(api, who, content="Chiller 1 setpoint changed to 6 C")
    (found,) = await listed(api, who, q="chiller temperature setpoint")
    similarity = float(
        np.dot(
            embeddings.embed_one(memory["content"]),
            embeddings.embed_one("chiller temperature setpoint"),
        )
    )
    age = (datetime.now(UTC) - parse_iso(memory["created_at"])).total_seconds()
    expected = rules.score(similarity, 0.5, age)
    assert found["score"] == pytest.approx(expected, abs=1e-5)
    assert found["score"] == pytest.approx(
        0.75 * similarity + 0.15 * 0.5 + 0.10 * math.exp(-age / (30 * 86_400)),
        abs=1e-5,
    )


async def test_another_orgs_memories_are_never_returned(api: Api) -> None:
    mine, theirs = await register(api), await register(api)
    secret = await post(api, theirs, content="Pump 2 bearing replaced Jan 2026")
    device = await made(
        api, theirs, "/api/v1/devices/", hardware_id="P-2", display_name="P"
    )
    await post(api, theirs, content="Pump 2 bearing noisy", device_id=device)
    assert await listed(api, mine) == []
    assert await listed(api, mine, q="pump bearing failure") == []
    assert await listed(api, mine, device_id=device) == []
    assert await listed(api, mine, q="pump", device_id=device) == []
    own = await post(api, mine, content="Boiler flue inspected")
    found = await listed(api, mine, q="Pump 2 bearing replaced Jan 2026")
    assert [m["id"] for m in found] == [own["id"]]
    assert secret["id"] in {m["id"] for m in await listed(api, theirs, q="pump")}


async def test_filters_narrow_listings_and_searches(api: Api) -> None:
    who = await register(api)
    site = await made(api, who, "/api/v1/sites/", name="Plant")
    device = await made(
        api, who, "/api/v1/devices/", hardware_id="P-1", display_name="P", site_id=site
    )
    on_device = await post(
        api, who, content="Pump 1 seal leaking", memory_type="anomaly", device_id=device
    )
    on_site = await post(api, who, content="Plant pump room flooded once", site_id=site)
    loose = await post(api, who, content="Pump spares kept in store B")
    assert on_device["device_id"] == device and on_site["site_id"] == site

    async def ids(**params: Any) -> list[str]:
        return [m["id"] for m in await listed(api, who, **params)]

    assert await ids(device_id=device) == [on_device["id"]]
    assert await ids(site_id=site) == [on_site["id"]]
    assert await ids(memory_type="anomaly") == [on_device["id"]]
    assert await ids(memory_type="observation", q="pump") in (
        [on_site["id"], loose["id"]],
        [loose["id"], on_site["id"]],
    )
    assert await ids(q="pump", device_id=device) == [on_device["id"]]
    assert await ids(memory_type="maintenance") == []


async def test_invalid_bodies_and_parameters_are_400_naming_the_field(
    api: Api,
) -> None:
    who, other = await register(api), await register(api)
    foreign_device = await made(
        api, other, "/api/v1/devices/", hardware_id="F-1", display_name="F"
    )
    foreign_site = await made(api, other, "/api/v1/sites/", name="Theirs")
    for body, field in (
        ({}, "content"),
        ({"content": "   "}, "content"),
        ({"content": 5}, "content"),
        ({"content": "x" * 10_001}, "content"),
        ({"content": "x", "memory_type": "rumour"}, "memory_type"),
        ({"content": "x", "salience": 1.5}, "salience"),
        ({"content": "x", "salience": -0.1}, "salience"),
        ({"content": "x", "salience": "high"}, "salience"),
        ({"content": "x", "device_id": foreign_device}, "device_id"),
        ({"content": "x", "device_id": "no-such-device"}, "device_id"),
        ({"content": "x", "site_id": foreign_site}, "site_id"),
    ):
        r = await api.simulate_post(URL, json=body, headers=who.auth)
        assert r.status_code == 400 and r.json["field"] == field, (body, r.text)
    for params, field in (
        ({"memory_type": "rumour"}, "memory_type"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"q": "x" * 1_001}, "q"),
    ):
        r = await api.simulate_get(URL, params=params, headers=who.auth)
        assert r.status_code == 400 and r.json["field"] == field, (params, r.text)
    assert await listed(api, who) == []  # nothing refused was stored
    assert (await api.simulate_get(URL)).status_code == 401


async def test_agents_remember_and_recall_through_the_same_store(
    api: Api, app: VigilApp
) -> None:
    who = await register(api)
    parts = app.parts
    user = parts.entities.state.get(User, who.user_id)
    assert user is not None
    org_id = user.org_id
    memory = await remember(
        parts.facts,
        parts.entities.state,
        org_id,
        "Compressor 3 trips when ambient exceeds 35 C",
        memory_id="agent-memory-1",
        at=datetime.now(UTC),
        memory_type="anomaly",
        salience=0.9,
    )
    assert memory["source"] == "agent"
    (found,) = await recall(parts.store, org_id, "compressor tripping in heat")
    assert found["id"] == "agent-memory-1" and found["score"] > 0.5
    assert [m["id"] for m in await listed(api, who)] == ["agent-memory-1"]
    assert await recall(parts.store, "another-org", "compressor") == []


async def test_a_memory_stored_twice_is_returned_once(api: Api, app: VigilApp) -> None:
    who = await register(api)
    texts = ("Pump 4 impeller replaced", "Pump 4 impeller worn", "Fan 9 belt slack")
    for text in texts:
        await post(api, who, content=text)
    mine = await listed(api, who)
    store = app.parts.store
    # As a replay past the deduplication window would: every row stored again.
    copy = (
        f"INSERT INTO {store.database}.ai_memories SELECT * FROM "
        f"{store.database}.ai_memories WHERE memory_id IN {{ids:Array(String)}}"
    )
    for _ in range(2):
        await store.command(copy, {"ids": [m["id"] for m in mine]})
    assert await listed(api, who) == mine
    # limit 3: the top 6 rows hold only 2 ids, so the exact query runs.
    for limit in (1, 2, 3, 10):
        found = await listed(api, who, q="pump impeller", limit=limit)
        ids = [m["id"] for m in found]
        assert len(ids) == len(set(ids)) == min(limit, 3), limit
    assert {m["content"] for m in found} == set(texts)
