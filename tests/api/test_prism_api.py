"""Prism field definitions: checked at create, scoped to the org."""

from __future__ import annotations

import falcon.testing

from tests.api.conftest import register
from tests.api.test_telemetry import device_with_bindings

Api = falcon.testing.ASGIConductor


async def test_field_definitions_are_checked_and_scoped(api: Api) -> None:
    a, b = await register(api), await register(api)
    _, (volts, amps) = await device_with_bindings(
        api, a, "PR-1", "voltage.volt", "current.ampere"
    )
    url = "/api/v1/prism/fields/"
    body = {
        "name": "Power",
        "expression": "voltage * current",
        "inputs": {"voltage": volts, "current": amps},
        "unit": "kW",
    }
    made = await api.simulate_post(url, json=body, headers=a.auth)
    assert made.status_code == 201, made.text
    assert made.json["unit"] == "kW" and made.json["inputs"]["current"] == amps
    for expression, named in (
        ("voltage * volts", "volts"),
        ("voltage + current", "mismatch"),
        ("__import__('os')", "__import__"),
        ("voltage.real", "attribute"),
    ):
        bad = await api.simulate_post(
            url, json={**body, "expression": expression, "unit": None}, headers=a.auth
        )
        assert bad.status_code == 400, expression
        assert bad.json["field"] == "expression" and named in bad.json["error"]
    foreign = await api.simulate_post(url, json=body, headers=b.auth)
    assert foreign.status_code == 400 and foreign.json["field"] == "inputs.voltage"
    wrong_unit = await api.simulate_post(
        url, json={**body, "unit": "degC"}, headers=a.auth
    )
    assert wrong_unit.status_code == 400
    listed = await api.simulate_get(url, headers=a.auth)
    assert [f["id"] for f in listed.json["fields"]] == [made.json["id"]]
    assert (await api.simulate_get(url, headers=b.auth)).json == {"fields": []}
    one = f"{url}{made.json['id']}/"
    assert (await api.simulate_get(one, headers=b.auth)).status_code == 404
    edited = await api.simulate_patch(
        one, json={"expression": "voltage * current * 2"}, headers=a.auth
    )
    assert edited.status_code == 200 and edited.json["unit"] == "kW"
    data = await api.simulate_get(
        f"/api/v1/prism/{made.json['id']}/data/", headers=a.auth
    )
    assert data.status_code == 200 and data.json["points"] == []
    assert data.json["meta"]["start"] < data.json["meta"]["end"]
    assert (await api.simulate_delete(one, headers=a.auth)).status_code == 204
    assert (await api.simulate_get(one, headers=a.auth)).status_code == 404
