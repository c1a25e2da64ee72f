"""Bad input to the alerts, stream and backfill endpoints is a JSON 4xx naming it."""

from __future__ import annotations

import uuid

import falcon.testing

from tests.api.conftest import register
from tests.api.test_telemetry import device_with_bindings

Api = falcon.testing.ASGIConductor


async def test_alert_queries_refuse_bad_parameters(api: Api) -> None:
    a = await register(api)
    ok = await api.simulate_get("/api/v1/alerts/", headers=a.auth)
    assert ok.status_code == 200 and ok.json == {"events": []}
    for params, field in (
        ({"status": "exploded"}, "status"),
        ({"severity": "loud"}, "severity"),
        ({"device_id": "pump-1"}, "device_id"),
        ({"limit": "0"}, "limit"),
    ):
        r = await api.simulate_get("/api/v1/alerts/", params=params, headers=a.auth)
        assert r.status_code == 400 and r.json["field"] == field, params
    for path in (f"/api/v1/alerts/{uuid.uuid4()}/", "/api/v1/alerts/nope/"):
        r = await api.simulate_get(path, headers=a.auth)
        assert r.status_code == 404 and "error" in r.json
    ack = await api.simulate_post(
        f"/api/v1/alerts/{uuid.uuid4()}/acknowledge/", headers=a.auth
    )
    assert ack.status_code == 404
    stream = await api.simulate_get(
        "/api/v1/alerts/stream/", headers={**a.auth, "Last-Event-ID": "yesterday"}
    )
    assert stream.status_code == 400 and stream.json["field"] == "Last-Event-ID"
    assert (await api.simulate_get("/api/v1/alerts/")).status_code == 401


async def test_backfill_checks_its_range_and_the_field_owner(api: Api) -> None:
    a, b = await register(api), await register(api)
    _, (volts,) = await device_with_bindings(api, a, "BF-1", "voltage.volt")
    field = await api.simulate_post(
        "/api/v1/prism/fields/",
        json={"name": "kV", "expression": 'to(v, "kV")', "inputs": {"v": volts}},
        headers=a.auth,
    )
    url = f"/api/v1/prism/fields/{field.json['id']}/backfill/"
    assert (await api.simulate_get(url, headers=a.auth)).status_code == 404
    for body, name in (
        ({"start": "-1h", "end": "-2h"}, "start"),
        ({"start": "last tuesday"}, "start"),
        ({"start": "-500d"}, "start"),
    ):
        r = await api.simulate_post(url, json=body, headers=a.auth)
        assert r.status_code == 400 and r.json["field"] == name, body
    foreign = await api.simulate_post(url, json={}, headers=b.auth)
    assert foreign.status_code == 404
    started = await api.simulate_post(url, json={"start": "-10m"}, headers=a.auth)
    assert started.status_code == 202 and started.json["status"] == "running"
    data = await api.simulate_get(
        f"/api/v1/prism/{field.json['id']}/data/",
        params={"start": "soon"},
        headers=a.auth,
    )
    assert data.status_code == 400 and data.json["field"] == "start"
