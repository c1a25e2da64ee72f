"""Inputs that answered 500 or were accepted: each is a 400 naming the problem in
words, or (an overflowing average) a 200 with a finite value."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon.testing
import pytest

from api.validation import MAX_DEPTH
from tests.api.conftest import register
from tests.api.test_telemetry import device_with_bindings, explore, gateway

Api = falcon.testing.ASGIConductor
HUGE = 1e308  # two of them sum past Float64's largest finite value


@pytest.fixture(scope="module")
async def plant(api: Api) -> dict[str, Any]:
    a = await register(api)
    device, (volts, amps) = await device_with_bindings(
        api, a, "HARD-1", "voltage.volt", "current.ampere"
    )
    field = await api.simulate_post(
        "/api/v1/prism/fields/",
        json={
            "name": "Power",
            "expression": "voltage * current",
            "inputs": {"voltage": volts, "current": amps},
        },
        headers=a.auth,
    )
    assert field.status_code == 201, field.text
    return {
        "a": a,
        "device": device,
        "volts": volts,
        "amps": amps,
        "field": field.json["id"],
        "gw": await gateway(api, a, "HARD-1"),
    }


def nested(levels: int) -> Any:
    """An object ``levels`` deep: {"a": {"a": ... 1}}."""
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


async def ingest(api: Api, plant: dict[str, Any], *measurements: Any) -> Any:
    return await api.simulate_post(
        "/api/v1/ingest/",
        headers=plant["gw"],
        json={"hardware_id": "HARD-1", "measurements": list(measurements)},
    )


async def test_query_times_outside_storage_range_are_400(
    api: Api, plant: dict[str, Any]
) -> None:
    a = plant["a"]
    for url in ("/api/v1/explorer/query/", f"/api/v1/prism/{plant['field']}/data/"):
        for params, name in [
            ({"start": "-1000000d"}, "start"),
            ({"start": "-" + "9" * 5000 + "w"}, "start"),
            ({"start": "0001-01-01T00:00:00Z"}, "start"),
            ({"end": "9999-12-31T23:59:59-23:00"}, "end"),
        ]:
            r = await api.simulate_get(
                url, params={"binding_ids": plant["volts"], **params}, headers=a.auth
            )
            assert r.status_code == 400, (url, params, r.text)
            assert r.json == {
                "error": f"{name}: must be between 1900-01-01 and 2299-12-31 (UTC)",
                "field": name,
            }
    r = await explore(api, a, [plant["volts"]], start="1900-01-01T00:00:00Z")
    assert r.status_code == 200, r.text


async def test_backfill_range_outside_storage_is_400(
    api: Api, plant: dict[str, Any]
) -> None:
    r = await api.simulate_post(
        f"/api/v1/prism/fields/{plant['field']}/backfill/",
        json={"start": "-1000000d"},
        headers=plant["a"].auth,
    )
    assert r.status_code == 400
    assert r.json == {
        "error": "start: must be between 1900-01-01 and 2299-12-31 (UTC)",
        "field": "start",
    }


async def test_overflowing_average_answers_finite_value_from_every_source(
    api: Api, plant: dict[str, Any]
) -> None:
    a, volts = plant["a"], plant["volts"]
    moment = datetime.now(UTC).replace(second=30, microsecond=0) - timedelta(minutes=2)
    stamps = [(moment + timedelta(seconds=s)).isoformat() for s in (0, 1)]
    r = await ingest(
        api,
        plant,
        *({"binding_id": volts, "value": HUGE, "timestamp": t} for t in stamps),
    )
    assert r.status_code == 202 and r.json["accepted"] == 2, r.text
    for _ in range(100):  # raw rows, then the 1 min and 1 h rollups
        raw = await explore(api, a, [volts], start="-15m", max_points="1")
        assert raw.status_code == 200, raw.text
        if raw.json["timestamps"]:
            break
        await asyncio.sleep(0.1)
    assert raw.json["series"][0]["values"] == [HUGE]
    for start, points, source in (("-7h", "300", "1m"), ("-3d", "1", "1h")):
        for _ in range(20):  # seen once empty in a full run: wait a little, and say
            r = await explore(api, a, [volts], start=start, max_points=points)
            assert r.status_code == 200, r.text
            if r.json["timestamps"]:
                break
            await asyncio.sleep(0.1)
        assert r.json["meta"]["source"] == source
        assert r.json["series"][0]["values"] == [HUGE], (source, r.json)


async def test_average_of_huge_values_of_both_signs_is_exact(
    api: Api, plant: dict[str, Any]
) -> None:
    a, amps = plant["a"], plant["amps"]
    moment = datetime.now(UTC) - timedelta(minutes=1)
    values = (HUGE, HUGE, -1.5e308)  # the sum overflows on the way, not the mean
    r = await ingest(
        api,
        plant,
        *(
            {
                "binding_id": amps,
                "value": v,
                "timestamp": (moment + timedelta(milliseconds=i)).isoformat(),
            }
            for i, v in enumerate(values)
        ),
    )
    assert r.status_code == 202, r.text
    for _ in range(100):
        r = await explore(api, a, [amps], start="-15m", max_points="1")
        assert r.status_code == 200, r.text
        if r.json["timestamps"]:
            break
        await asyncio.sleep(0.1)
    assert r.json["series"][0]["values"] == [pytest.approx(0.5e308 / 3)]


async def test_deeply_nested_bodies_are_400(api: Api, plant: dict[str, Any]) -> None:
    too_deep = f"body: nests objects and arrays over {MAX_DEPTH} deep"
    r = await ingest(api, plant, {"binding_id": plant["volts"], "value": nested(255)})
    assert r.status_code == 400
    assert r.json == {"error": too_deep, "field": "body"}
    r = await ingest(api, plant, {"binding_id": plant["volts"], "value": nested(20)})
    assert r.status_code == 202 and r.json["accepted"] == 1, r.text
    r = await api.simulate_post(
        "/api/v1/sites/",
        json={"name": "Deep", "extra": nested(MAX_DEPTH)},
        headers=plant["a"].auth,
    )
    assert r.status_code == 400 and r.json["field"] == "body"
    r = await api.simulate_post(
        "/api/v1/sites/",
        body=b"[" * 2000 + b"]" * 2000,
        headers={**plant["a"].auth, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json == {
        "error": f"request body nests objects and arrays over {MAX_DEPTH} deep"
    }


async def test_control_characters_in_names_and_ids_are_400(
    api: Api, plant: dict[str, Any]
) -> None:
    a = plant["a"]
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/api/v1/devices/", {"hardware_id": "HW\x00", "display_name": "x"}, "hardware_id"),
        ("/api/v1/devices/", {"hardware_id": "HW-2", "display_name": "a\nb"}, "display_name"),
        ("/api/v1/sites/", {"name": "Plant\x7f"}, "name"),
        ("/api/v1/sites/", {"name": "Plant", "description": "a\x00b"}, "description"),
        ("/api/v1/canvas/", {"name": "Board\r\nX-Injected: 1"}, "name"),
        ("/api/v1/ingest/tokens/", {"name": "gw\x1b[31m"}, "name"),
        (
            "/api/v1/canvas/",
            {"name": "Board", "panels": [{"type": "line", "title": "T\x00",
             "binding_ids": [plant["volts"]], "layout": {"x": 0, "y": 0, "w": 1, "h": 1}}]},
            "panels[0].title",
        ),
        (
            "/api/v1/prism/fields/",
            {"name": "Power\x00", "expression": "voltage", "inputs": {"voltage": plant["volts"]}},
            "name",
        ),
        ("/api/watchers", {"name": "W\x00", "system_prompt": "Watch"}, "name"),
        ("/api/watchers", {"name": "W", "system_prompt": "a\x00b"}, "system_prompt"),
        (
            "/api/v1/alerts/rules/",
            {"name": "Hot\u2028Cold", "binding_id": plant["volts"],
             "condition": "above", "threshold": 1.0},
            "name",
        ),
        (
            f"/api/v1/devices/{plant['device']}/bindings/",
            {"channel": 9, "quantity_slug": "voltage.volt\x00"},
            "quantity_slug",
        ),
    ]  # fmt: skip
    for url, body, field in cases:
        r = await api.simulate_post(url, json=body, headers=a.auth)
        assert r.status_code == 400, (url, r.text)
        assert r.json["field"] == field, (url, r.json)
        assert "control characters" in r.json["error"], (url, r.json)
    r = await api.simulate_post(
        "/api/v1/sites/",
        json={"name": "Plant", "description": "line one\n\tline two"},
        headers=a.auth,
    )
    assert r.status_code == 201, r.text
    assert r.json["description"] == "line one\n\tline two"


async def test_registration_refuses_odd_emails_and_names(api: Api) -> None:
    for email in (
        "<script>@x.example",
        "a\x00b@x.example",
        "ab\n@x.example",
        "a b@x.example",
        "ab@localhost",
        ".ab@x.example",
        "a..b@x.example",
        "ab@-x.example",
        "x" * 65 + "@x.example",
    ):
        r = await api.simulate_post(
            "/api/auth/register", json={"email": email, "password": "correct-horse"}
        )
        assert r.status_code == 400, email
        assert r.json["field"] == "email", (email, r.json)
    r = await api.simulate_post(
        "/api/auth/register",
        json={"email": "ok@x.example", "password": "correct-horse", "name": "A\x00"},
    )
    assert r.status_code == 400 and r.json["field"] == "name"
    r = await api.simulate_post(
        "/api/auth/register",
        json={"email": "o'k.mate+tag@mail.x-y.example", "password": "correct-horse"},
    )
    assert r.status_code == 201, r.text


async def test_email_channel_destination_must_be_an_email(
    api: Api, plant: dict[str, Any]
) -> None:
    a = plant["a"]
    w = await api.simulate_post(
        "/api/watchers", json={"name": "W", "system_prompt": "Watch"}, headers=a.auth
    )
    assert w.status_code == 201, w.text
    r = await api.simulate_post(
        f"/api/watchers/{w.json['watcher']['id']}/channels",
        json={"type": "email", "destination": "<script>@x.example"},
        headers=a.auth,
    )
    assert r.status_code == 400 and r.json["field"] == "destination", r.text


async def test_json_null_bodies_are_400_where_a_body_is_optional(
    api: Api, plant: dict[str, Any]
) -> None:
    a = plant["a"]
    backfill = f"/api/v1/prism/fields/{plant['field']}/backfill/"
    w = await api.simulate_post(
        "/api/watchers", json={"name": "W2", "system_prompt": "Watch"}, headers=a.auth
    )
    invoke = f"/api/watchers/{w.json['watcher']['id']}/invoke"
    for url in (backfill, invoke):
        for raw in (b"null", b"[]", b"false"):
            r = await api.simulate_post(
                url,
                body=raw,
                headers={**a.auth, "Content-Type": "application/json"},
            )
            assert r.status_code == 400, (url, raw, r.text)
            assert r.json == {"error": "body: must be a JSON object", "field": "body"}
    started = await api.simulate_post(backfill, headers=a.auth)  # no body: defaults
    assert started.status_code == 202, started.text


async def test_undecodable_bodies_are_answered_in_words(
    api: Api, plant: dict[str, Any]
) -> None:
    headers = {**plant["a"].auth, "Content-Type": "application/json"}
    for raw, error in (
        (b'{"name": "\xff"}', "request body is not valid UTF-8"),
        (
            b'{"name": ',
            "request body is not valid JSON: unexpected end of data "
            "(line 1, column 10)",
        ),
        (
            b'{"name": 1e400}',
            "request body is not valid JSON: number is infinity when parsed as "
            "double (line 1, column 10)",
        ),
    ):
        r = await api.simulate_post("/api/v1/sites/", body=raw, headers=headers)
        assert r.status_code == 400, raw
        assert r.json == {"error": error}, raw
