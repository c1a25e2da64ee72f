"""Canvas dashboards on the real app: CRUD scoped to the org, share links, and the
public page, query and alerts a link opens."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import falcon.testing
import pytest

from infra.broker import TansuBroker
from schemas.alerts import AlertTransitioned, encode_transition
from schemas.topics import ALERTS_TOPIC
from tests.api.conftest import Account, api_settings, register
from tests.api.test_telemetry import at, device_with_bindings, eventually, gateway

Api = falcon.testing.ASGIConductor
URL = "/api/v1/canvas/"
FRAMERS = "https://portal.example.com https://*.example.org"
BURST = 30


@pytest.fixture(scope="module")
async def api(broker: TansuBroker, data_dir: Path) -> AsyncIterator[Api]:
    """The app with small public limits and a frame-ancestors list."""
    from api.app import create_app

    settings = api_settings(
        broker,
        data_dir,
        canvas_public_rate_per_s=0.05,  # a bucket refills one request per 20 s
        canvas_public_burst=BURST,
        canvas_frame_ancestors=FRAMERS,
        projection_flush_ms=50,
    )
    async with falcon.testing.ASGIConductor(create_app(settings)) as conductor:
        yield conductor


def address() -> str:
    """A client address of its own (each has its own public rate bucket)."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"


def panel(kind: str = "timeseries", **given: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "title": kind.title(),
        "layout": {"x": 0, "y": 0, "w": 6, "h": 4},
        **given,
    }


async def create(api: Api, a: Account, *panels: dict[str, Any]) -> dict[str, Any]:
    body = {"name": "Pump station", "description": "North", "panels": list(panels)}
    r = await api.simulate_post(URL, json=body, headers=a.auth)
    assert r.status_code == 201, r.text
    return dict(r.json)


async def share(api: Api, a: Account, dashboard_id: str) -> str:
    r = await api.simulate_post(f"{URL}{dashboard_id}/share/", headers=a.auth)
    assert r.status_code == 201, r.text
    assert r.json["url"] == f"/api/v1/canvas/public/{r.json['token']}/"
    return str(r.json["token"])


def data_block(page: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="dashboard">(.*?)</script>', page, re.S
    )
    assert found, page
    return dict(json.loads(found.group(1)))


@pytest.fixture(scope="module")
async def plant(api: Api) -> dict[str, Any]:
    """An org with two devices (temperature + pressure, CO2) and another org."""
    a, b = await register(api, "canvas"), await register(api, "other")
    d1, (temp, pres) = await device_with_bindings(
        api, a, "CV-1", "temperature.celsius", "pressure.hectopascal"
    )
    d2, _ = await device_with_bindings(api, a, "CV-2", "co2.ppm")
    return {"a": a, "b": b, "d1": d1, "d2": d2, "temp": temp, "pres": pres}


async def test_crud_answers_the_documented_shapes(
    api: Api, plant: dict[str, Any]
) -> None:
    a, b, temp = plant["a"], plant["b"], plant["temp"]
    made = await create(api, a, panel(binding_ids=[temp]), panel("alerts"))
    assert set(made) == {
        "id",
        "name",
        "description",
        "panels",
        "share",
        "created_at",
        "updated_at",
    }
    assert made["share"] is None and made["created_at"].endswith("Z")
    first, second = made["panels"]
    assert first["binding_ids"] == [temp] and first["field_ids"] == []
    assert first["options"] == {} and first["layout"] == {
        "x": 0,
        "y": 0,
        "w": 6,
        "h": 4,
    }
    assert second["type"] == "alerts" and first["id"] != second["id"]
    one = f"{URL}{made['id']}/"
    listed = await api.simulate_get(URL, headers=a.auth)
    assert made["id"] in [d["id"] for d in listed.json["dashboards"]]
    assert (await api.simulate_get(URL, headers=b.auth)).json == {"dashboards": []}
    assert (await api.simulate_get(one, headers=a.auth)).json == made
    patched = await api.simulate_patch(one, json={"name": "Renamed"}, headers=a.auth)
    assert patched.status_code == 200, patched.text
    assert patched.json["name"] == "Renamed"
    assert patched.json["panels"] == made["panels"]
    assert patched.json["description"] == "North"
    put = await api.simulate_put(
        one, json={"name": "Only", "panels": [first]}, headers=a.auth
    )
    assert put.status_code == 200, put.text
    assert put.json["description"] == "" and put.json["panels"] == [first]
    for call in (api.simulate_get, api.simulate_put, api.simulate_patch):
        r = await call(one, json={"name": "x"}, headers=b.auth)
        assert r.status_code == 404 and "error" in r.json
    foreign_alerts = await api.simulate_get(f"{one}alerts/", headers=b.auth)
    assert foreign_alerts.status_code == 404
    assert (await api.simulate_post(f"{one}share/", headers=b.auth)).status_code == 404
    assert (await api.simulate_delete(one, headers=b.auth)).status_code == 404
    assert (await api.simulate_delete(one, headers=a.auth)).status_code == 204
    assert (await api.simulate_get(one, headers=a.auth)).status_code == 404
    assert (await api.simulate_get(URL)).status_code == 401


async def test_bad_definitions_are_400_naming_the_field(
    api: Api, plant: dict[str, Any]
) -> None:
    a, temp = plant["a"], plant["temp"]
    foreign = (await device_with_bindings(api, plant["b"], "CV-Y", "co2.ppm"))[1][0]
    ok = panel(binding_ids=[temp])
    layout = {"x": 0, "y": 0, "w": 0, "h": 1}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"panels": [ok]}, "name"),
        ({"name": "x", "panels": {"a": 1}}, "panels"),
        (
            {"name": "x", "panels": [ok, panel("pie", binding_ids=[temp])]},
            "panels[1].type",
        ),
        (
            {"name": "x", "panels": [panel(binding_ids=[foreign])]},
            "panels[0].binding_ids[0]",
        ),
        (
            {"name": "x", "panels": [panel(binding_ids=["nope"])]},
            "panels[0].binding_ids[0]",
        ),
        ({"name": "x", "panels": [panel(field_ids=[temp])]}, "panels[0].field_ids[0]"),
        ({"name": "x", "panels": [panel("stat")]}, "panels[0].binding_ids"),
        ({"name": "x", "panels": [{**ok, "layout": layout}]}, "panels[0].layout.w"),
        ({"name": "x", "panels": [{**ok, "layout": None}]}, "panels[0].layout"),
        ({"name": "x", "panels": [{**ok, "title": None}]}, "panels[0].title"),
        ({"name": "x", "panels": [{**ok, "options": [1]}]}, "panels[0].options"),
        ({"name": "x", "panels": [ok] * 51}, "panels"),
        ({"name": "x", "panels": ["chart"]}, "panels[0]"),
    ]
    for body, field in cases:
        r = await api.simulate_post(URL, json=body, headers=a.auth)
        assert r.status_code == 400, (field, r.text)
        assert r.json["field"] == field, (field, r.json)


async def test_a_share_link_opens_an_html_page_without_credentials(
    api: Api, plant: dict[str, Any]
) -> None:
    a, temp = plant["a"], plant["temp"]
    made = await create(
        api, a, panel(binding_ids=[temp], title="</script><script>alert(1)</script>")
    )
    token = await share(api, a, made["id"])
    shown = await api.simulate_get(f"{URL}{made['id']}/", headers=a.auth)
    assert shown.json["share"] == {"token": token, "url": f"{URL}public/{token}/"}
    page = await api.simulate_get(f"{URL}public/{token}/", remote_addr=address())
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert f"frame-ancestors {FRAMERS}" in policy
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "x-frame-options" not in page.headers
    assert page.text.count("<script") == 3  # the data block and two files
    assert '<script src="/static/canvas-public.js"></script>' in page.text
    assert "uPlot.iife.min.js" in page.text and "uPlot.min.css" in page.text
    block = data_block(page.text)
    assert block["query_url"] == f"{URL}public/{token}/query/"
    assert block["panels"][0]["binding_ids"] == [temp]
    assert block["panels"][0]["title"] == "</script><script>alert(1)</script>"
    assert f'id="panel-{made["panels"][0]["id"]}"' in page.text
    rotated = await share(api, a, made["id"])
    old = await api.simulate_get(f"{URL}public/{token}/", remote_addr=address())
    assert old.status_code == 404 and "no longer shared" in old.text
    new = await api.simulate_get(f"{URL}public/{rotated}/", remote_addr=address())
    assert new.status_code == 200


async def test_public_query_is_the_explorer_answer_for_the_dashboards_series(
    api: Api, plant: dict[str, Any]
) -> None:
    a, temp, pres = plant["a"], plant["temp"], plant["pres"]
    gw = await gateway(api, a, "CV-1")
    r = await api.simulate_post(
        "/api/v1/ingest/",
        headers=gw,
        json={
            "hardware_id": "CV-1",
            "measurements": [
                {"binding_id": temp, "value": 21.5, "timestamp": at(3)},
                {"binding_id": temp, "value": 22.5, "timestamp": at(2)},
            ],
        },
    )
    assert r.status_code == 202, r.text
    await eventually(api, a, [temp], 2, start="-15m")
    made = await create(api, a, panel(binding_ids=[temp]))
    token = await share(api, a, made["id"])
    query = f"{URL}public/{token}/query/"
    start, end = at(15), at(-1)
    body = {"binding_ids": [temp], "start": start, "end": end}
    got = await api.simulate_post(query, json=body, remote_addr=address())
    assert got.status_code == 200, got.text
    explorer = await api.simulate_get(
        "/api/v1/explorer/query/",
        params={"binding_ids": temp, "start": start, "end": end},
        headers=a.auth,
    )
    assert got.json == explorer.json
    assert [v for v in got.json["series"][0]["values"] if v is not None] == [
        21.5,
        22.5,
    ]
    for ids in ([pres], [temp, pres], [str(uuid.uuid4())]):
        r = await api.simulate_post(
            query, json={"binding_ids": ids}, remote_addr=address()
        )
        assert r.status_code == 404 and "not on this dashboard" in r.json["error"]
    long = {"binding_ids": [temp], "start": "-401d"}
    r = await api.simulate_post(query, json=long, remote_addr=address())
    assert r.status_code == 400 and r.json["field"] == "start"
    ok = await api.simulate_post(
        query, json={**long, "start": "-400d"}, remote_addr=address()
    )
    assert ok.status_code == 200
    for bad, field in (
        ({}, "binding_ids"),
        ({"binding_ids": [temp], "end": "soon"}, "end"),
    ):
        r = await api.simulate_post(query, json=bad, remote_addr=address())
        assert r.status_code == 400 and r.json["field"] == field


async def test_public_requests_are_rate_limited_per_address_and_per_link(
    api: Api, plant: dict[str, Any]
) -> None:
    made = await create(api, plant["a"], panel(binding_ids=[plant["temp"]]))
    token = await share(api, plant["a"], made["id"])
    page = f"{URL}public/{token}/"
    here = address()
    codes = [
        (await api.simulate_get(page, remote_addr=here)).status_code
        for _ in range(BURST + 1)
    ]
    assert codes[:BURST] == [200] * BURST and codes[-1] == 429
    limited = await api.simulate_get(page, remote_addr=here)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert "text/html" in limited.headers["content-type"]
    query = await api.simulate_post(
        f"{page}query/", json={"binding_ids": [plant["temp"]]}, remote_addr=here
    )
    assert query.status_code == 429 and "per client address" in query.json["error"]
    # Another address spends the same link's bucket, already empty.
    there = await api.simulate_get(page, remote_addr=address())
    assert there.status_code == 429


async def test_a_revoked_link_is_gone_for_page_query_and_alerts(
    api: Api, plant: dict[str, Any]
) -> None:
    a = plant["a"]
    made = await create(api, a, panel(binding_ids=[plant["temp"]]), panel("alerts"))
    token = await share(api, a, made["id"])
    revoke = f"{URL}{made['id']}/share/"
    assert (await api.simulate_delete(revoke, headers=a.auth)).status_code == 204
    assert (await api.simulate_delete(revoke, headers=a.auth)).status_code == 204
    page = await api.simulate_get(f"{URL}public/{token}/", remote_addr=address())
    assert page.status_code == 404
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "This dashboard is no longer shared" in page.text
    assert "content-security-policy" in page.headers
    query = await api.simulate_post(
        f"{URL}public/{token}/query/",
        json={"binding_ids": [plant["temp"]]},
        remote_addr=address(),
    )
    assert query.status_code == 404 and "no longer shared" in query.json["error"]
    alerts = await api.simulate_get(
        f"{URL}public/{token}/alerts/", remote_addr=address()
    )
    assert alerts.status_code == 404 and "error" in alerts.json
    shown = await api.simulate_get(f"{URL}{made['id']}/", headers=a.auth)
    assert shown.json["share"] is None


async def test_a_field_panel_reads_the_fields_derived_series(
    api: Api, plant: dict[str, Any]
) -> None:
    a = plant["a"]
    _, (volts,) = await device_with_bindings(api, a, "CV-V", "voltage.volt")
    gw = await gateway(api, a, "CV-V")
    points = [
        {"binding_id": volts, "value": v, "timestamp": at(4 - i)}
        for i, v in enumerate((230.0, 240.0))
    ]
    r = await api.simulate_post(
        "/api/v1/ingest/",
        headers=gw,
        json={"hardware_id": "CV-V", "measurements": points},
    )
    assert r.status_code == 202, r.text
    await eventually(api, a, [volts], 2, start="-15m")
    field = await api.simulate_post(
        "/api/v1/prism/fields/",
        json={"name": "kV", "expression": 'to(v, "kV")', "inputs": {"v": volts}},
        headers=a.auth,
    )
    assert field.status_code == 201, field.text
    field_id = field.json["id"]
    backfill = f"/api/v1/prism/fields/{field_id}/backfill/"
    started = await api.simulate_post(backfill, json={"start": "-15m"}, headers=a.auth)
    assert started.status_code == 202, started.text
    await eventually(api, a, [field_id], 2, start="-15m")  # the backfill is in
    made = await create(api, a, panel("stat", field_ids=[field_id]))
    token = await share(api, a, made["id"])
    got = await api.simulate_post(
        f"{URL}public/{token}/query/",
        json={"field_ids": [field_id], "start": "-15m"},
        remote_addr=address(),
    )
    assert got.status_code == 200, got.text
    values = [v for v in got.json["series"][0]["values"] if v is not None]
    assert values == pytest.approx([0.23, 0.24])
    series = got.json["series"][0]
    assert series["binding_id"] == field_id and series["unit"] == "kV"
    assert series["label"] == "kV"


def fired(org_id: str, device_id: str, series_id: str) -> AlertTransitioned:
    now = datetime.now(UTC) - timedelta(seconds=1)
    return AlertTransitioned(
        event_id=str(uuid.uuid4()),
        org_id=org_id,
        rule_id="r1",
        rule_name="Hot",
        series_id=series_id,
        device_id=device_id,
        device="Pump CV-1",
        quantity="Temperature",
        quantity_slug="temperature.celsius",
        severity="critical",
        status="active",
        value=95.0,
        triggered_at=now,
        at=now,
        alert_seq=1,
        source_partition=0,
        source_topic="t",
        actor="someone",
    )


async def test_alerts_are_those_of_the_dashboards_devices(
    api: Api, plant: dict[str, Any]
) -> None:
    a = plant["a"]
    me = await api.simulate_get("/api/auth/me", headers=a.auth)
    org = me.json["user"]["account_id"]
    platform = api.app.platform  # type: ignore[attr-defined]
    mine = fired(org, plant["d1"], plant["temp"])
    elsewhere = fired(org, plant["d2"], str(uuid.uuid4()))
    topic = platform.settings.topic(ALERTS_TOPIC)
    for event in (mine, elsewhere):
        await platform.producer.send(
            topic, encode_transition(event), key=event.event_id.encode()
        )
    made = await create(api, a, panel(binding_ids=[plant["pres"]]), panel("alerts"))
    url = f"{URL}{made['id']}/alerts/"
    for _ in range(100):
        listed = await api.simulate_get(url, headers=a.auth)
        assert listed.status_code == 200, listed.text
        if listed.json["events"]:
            break
        await asyncio.sleep(0.1)
    assert [e["event_id"] for e in listed.json["events"]] == [mine.event_id]
    assert listed.json["events"][0]["rule_id"] == "r1"
    bad = await api.simulate_get(url, params={"status": "x"}, headers=a.auth)
    assert bad.status_code == 400 and bad.json["field"] == "status"
    token = await share(api, a, made["id"])
    public = await api.simulate_get(
        f"{URL}public/{token}/alerts/", remote_addr=address()
    )
    assert public.status_code == 200
    (shown,) = public.json["events"]
    assert shown["event_id"] == mine.event_id and shown["value"] == 95.0
    assert "rule_id" not in shown and "acknowledged_by" not in shown
    plain = await create(api, a, panel(binding_ids=[plant["temp"]]))
    other = await share(api, a, plain["id"])
    none = await api.simulate_get(f"{URL}public/{other}/alerts/", remote_addr=address())
    assert none.status_code == 404
    page = await api.simulate_get(f"{URL}public/{other}/", remote_addr=address())
    assert data_block(page.text)["alerts_url"] is None
