"""Ingest -> Kafka -> ClickHouse -> explorer and latest, on the real parts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing
import pytest

from tests.api.conftest import Account, register

Api = falcon.testing.ASGIConductor


async def device_with_bindings(
    api: Api, a: Account, hw: str, *slugs: str
) -> tuple[str, list[str]]:
    dev = await api.simulate_post(
        "/api/v1/devices/",
        json={"hardware_id": hw, "display_name": f"Pump {hw}"},
        headers=a.auth,
    )
    assert dev.status_code == 201
    ids = []
    for ch, slug in enumerate(slugs):
        b = await api.simulate_post(
            f"/api/v1/devices/{dev.json['id']}/bindings/",
            json={"channel": ch, "quantity_slug": slug},
            headers=a.auth,
        )
        ids.append(b.json["id"])
    return dev.json["id"], ids


async def gateway(api: Api, a: Account, hw: str | None = None) -> dict[str, str]:
    body: dict[str, Any] = {"name": "gw"}
    if hw:
        body["hardware_id"] = hw
    r = await api.simulate_post("/api/v1/ingest/tokens/", json=body, headers=a.auth)
    return {"Authorization": f"Bearer {r.json['raw_token']}"}


async def explore(api: Api, a: Account, ids: list[str], **params: Any) -> Any:
    r = await api.simulate_get(
        "/api/v1/explorer/query/",
        params={"binding_ids": ",".join(ids), **params},
        headers=a.auth,
    )
    return r


async def eventually(
    api: Api, a: Account, ids: list[str], count: int, **params: Any
) -> Any:
    """Poll the explorer until ``count`` non-null values are visible."""
    for _ in range(100):
        r = await explore(api, a, ids, **params)
        assert r.status_code == 200, r.text
        seen = sum(v is not None for s in r.json["series"] for v in s["values"])
        if seen >= count:
            return r.json
        await asyncio.sleep(0.1)
    raise AssertionError(f"only {seen} of {count} values became visible: {r.json}")


def at(minutes_ago: float) -> str:
    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
async def fleet(api: Api) -> dict[str, Any]:
    a = await register(api)
    d1, b1 = await device_with_bindings(
        api, a, "SIM-001", "temperature.celsius", "pressure.hectopascal"
    )
    d2, b2 = await device_with_bindings(api, a, "SIM-002", "co2.ppm")
    return {
        "a": a,
        "d1": d1,
        "b1": b1,
        "d2": d2,
        "b2": b2,
        "gw1": await gateway(api, a, "SIM-001"),
        "gw": await gateway(api, a),
    }


async def test_reference_ingest_example_is_queryable(
    api: Api, fleet: dict[str, Any]
) -> None:
    a, (t, p) = fleet["a"], fleet["b1"]
    r = await api.simulate_post(
        "/api/v1/ingest/",
        headers=fleet["gw1"],
        json={
            "hardware_id": "SIM-001",
            "measurements": [
                {"binding_id": t, "value": 22.5, "quality": 200},
                {"binding_id": p, "value": 1013.2},
            ],
        },
    )
    assert r.status_code == 202, r.text
    assert (
        r.json["accepted"] == 2 and r.json["rejected"] == 0 and r.json["errors"] == []
    )
    data = await eventually(api, a, [t, p], 2, start="-15m")
    labels = {s["binding_id"]: (s["label"], s["unit"]) for s in data["series"]}
    assert labels[t] == ("Pump SIM-001 / Temperature", "°C")
    assert labels[p] == ("Pump SIM-001 / Pressure", "hPa")
    # The latest-value view is filled by the same insert, just after the raw rows.
    for _ in range(50):
        latest = await api.simulate_get(
            f"/api/v1/devices/{fleet['d1']}/latest/", headers=a.auth
        )
        readings = {x["binding_id"]: x for x in latest.json["readings"]}
        if t in readings:
            break
        await asyncio.sleep(0.1)
    assert readings[t]["value"] == 22.5 and readings[t]["unit"] == "°C"
    assert readings[t]["quantity"] == "Temperature" and readings[t]["time"].endswith(
        "Z"
    )
    device = await api.simulate_get(f"/api/v1/devices/{fleet['d1']}/", headers=a.auth)
    assert device.json["is_online"] is True and device.json["last_seen_at"]
    online = await api.simulate_get(
        "/api/v1/devices/", params={"online": "true"}, headers=a.auth
    )
    assert [d["hardware_id"] for d in online.json["results"]] == ["SIM-001"]


async def test_other_devices_binding_is_rejected_by_index(
    api: Api, fleet: dict[str, Any]
) -> None:
    r = await api.simulate_post(
        "/api/v1/ingest/",
        headers=fleet["gw"],
        json={
            "hardware_id": "SIM-001",
            "measurements": [
                {"binding_id": fleet["b1"][0], "value": 1.0},
                {"binding_id": fleet["b2"][0], "value": 400},
            ],
        },
    )
    assert r.status_code == 202
    assert r.json["accepted"] == 1
    assert r.json["errors"] == [
        {
            "index": 1,
            "field": "binding_id",
            "error": "not an active binding of this device",
        }
    ]


async def test_atomic_mode_stores_nothing_on_any_error(
    api: Api, fleet: dict[str, Any]
) -> None:
    r = await api.simulate_post(
        "/api/v1/ingest/",
        params={"mode": "atomic"},
        headers=fleet["gw"],
        json={
            "hardware_id": "SIM-001",
            "measurements": [
                {"binding_id": fleet["b1"][0], "value": 1.0},
                {"binding_id": fleet["b1"][0], "value": None},
            ],
        },
    )
    assert r.status_code == 400 and r.json["accepted"] == 0
    assert r.json["errors"][0]["index"] == 1


async def test_scoped_token_cannot_ingest_for_another_device(
    api: Api, fleet: dict[str, Any]
) -> None:
    r = await api.simulate_post(
        "/api/v1/ingest/",
        headers=fleet["gw1"],
        json={
            "hardware_id": "SIM-002",
            "measurements": [{"binding_id": fleet["b2"][0], "value": 1}],
        },
    )
    assert r.status_code == 403 and "SIM-001" in r.json["error"]


async def test_user_token_cannot_ingest_and_unknown_device_is_404(
    api: Api, fleet: dict[str, Any]
) -> None:
    body = {
        "hardware_id": "SIM-001",
        "measurements": [{"binding_id": fleet["b1"][0], "value": 1}],
    }
    r = await api.simulate_post("/api/v1/ingest/", headers=fleet["a"].auth, json=body)
    assert r.status_code == 403
    r = await api.simulate_post(
        "/api/v1/ingest/", headers=fleet["gw"], json={**body, "hardware_id": "NOPE"}
    )
    assert r.status_code == 404


async def test_too_many_measurements_is_413(api: Api, fleet: dict[str, Any]) -> None:
    many = [{"binding_id": fleet["b1"][0], "value": 1}] * 10_001
    r = await api.simulate_post(
        "/api/v1/ingest/",
        headers=fleet["gw"],
        json={"hardware_id": "SIM-001", "measurements": many},
    )
    assert r.status_code == 413 and "10000" in r.json["error"]


async def test_retry_with_idempotency_key_is_stored_once(
    api: Api, fleet: dict[str, Any]
) -> None:
    a, t = fleet["a"], fleet["b1"][0]
    ts = at(30)
    body = {
        "hardware_id": "SIM-001",
        "measurements": [{"binding_id": t, "value": 5.0}],
    }  # default ts
    headers = {**fleet["gw"], "Idempotency-Key": "retry-1"}
    first = await api.simulate_post("/api/v1/ingest/", headers=headers, json=body)
    again = await api.simulate_post("/api/v1/ingest/", headers=headers, json=body)
    assert (
        first.json == again.json and again.headers.get("Idempotent-Replayed") == "true"
    )
    store = api.app.platform.store
    await asyncio.sleep(1.0)
    rows = await store.query(
        f"SELECT count() FROM {store.database}.measurements WHERE binding_id = {{b:UUID}} AND value = 5.0",
        {"b": t},
    )
    assert rows.scalar() == 1
    # the same (binding, timestamp) twice keeps the last value
    for value in (1.0, 9.0):
        await api.simulate_post(
            "/api/v1/ingest/",
            headers=fleet["gw"],
            json={
                "hardware_id": "SIM-001",
                "measurements": [{"binding_id": t, "value": value, "timestamp": ts}],
            },
        )
    start = (datetime.now(UTC) - timedelta(minutes=31)).isoformat()
    end = (datetime.now(UTC) - timedelta(minutes=29)).isoformat()
    for _ in range(50):
        data = (await explore(api, a, [t], start=start, end=end, max_points=2000)).json
        values = [v for v in data["series"][0]["values"] if v is not None]
        if values == [9.0]:
            break
        await asyncio.sleep(0.1)
    assert values == [9.0]


async def test_null_alignment_across_series(api: Api, fleet: dict[str, Any]) -> None:
    a, (t, p) = fleet["a"], fleet["b1"]
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)

    def ts(minute: int) -> str:
        return (base + timedelta(minutes=minute, seconds=10)).isoformat()

    await api.simulate_post(
        "/api/v1/ingest/",
        headers=fleet["gw"],
        json={
            "hardware_id": "SIM-001",
            "measurements": [
                {"binding_id": t, "value": 1.0, "timestamp": ts(0)},
                {"binding_id": t, "value": 3.0, "timestamp": ts(0)[:-6] + "+00:00"},
                {"binding_id": p, "value": 10.0, "timestamp": ts(1)},
                {"binding_id": t, "value": 5.0, "timestamp": ts(2)},
                {"binding_id": p, "value": 20.0, "timestamp": ts(2)},
            ],
        },
    )
    start, end = base.isoformat(), (base + timedelta(minutes=3)).isoformat()
    data = await eventually(api, a, [t, p], 4, start=start, end=end, max_points=3)
    assert len(data["timestamps"]) == 3
    values = {s["binding_id"]: s["values"] for s in data["series"]}
    assert values[t] == [3.0, None, 5.0]  # same (binding, ts): the last write wins
    assert values[p] == [None, 10.0, 20.0]
    assert data["timestamps"][0] == base.isoformat().replace("+00:00", "Z")


async def test_seven_days_at_100_points(api: Api, fleet: dict[str, Any]) -> None:
    a, t = fleet["a"], fleet["b1"][0]
    ms = [
        {"binding_id": t, "value": float(h), "timestamp": at(h * 60)}
        for h in range(0, 24 * 7, 3)
    ]
    await api.simulate_post(
        "/api/v1/ingest/",
        headers=fleet["gw"],
        json={"hardware_id": "SIM-001", "measurements": ms},
    )
    data = await eventually(api, a, [t], 50, start="-7d", max_points=100)
    assert len(data["timestamps"]) <= 100
    assert len(data["series"][0]["values"]) == len(data["timestamps"])
    assert data["meta"]["source"] == "1h"


async def test_explorer_errors_name_the_problem(
    api: Api, fleet: dict[str, Any]
) -> None:
    a = fleet["a"]
    missing = "00000000-0000-4000-8000-000000000000"
    r = await explore(api, a, [fleet["b1"][0], missing])
    assert r.status_code == 404 and missing in r.json["error"]
    other = await register(api)
    r = await explore(api, other, [fleet["b1"][0]])
    assert r.status_code == 404
    for params, field in [
        ({"start": "yesterday"}, "start"),
        ({"end": "soon"}, "end"),
        ({"max_points": "0"}, "max_points"),
        ({"start": "-1h", "end": "-2h"}, "start"),
    ]:
        r = await explore(api, a, [fleet["b1"][0]], **params)
        assert r.status_code == 400 and r.json["field"] == field, (params, r.json)
    r = await api.simulate_get("/api/v1/explorer/query/", headers=a.auth)
    assert r.status_code == 400 and r.json["field"] == "binding_ids"
