"""Alert rules are stored, validated and scoped to the org."""

from __future__ import annotations

import falcon.testing

from tests.api.conftest import register

Api = falcon.testing.ASGIConductor


async def test_alert_rule_crud(api: Api) -> None:
    a, b = await register(api), await register(api)
    dev = (
        await api.simulate_post(
            "/api/v1/devices/",
            json={"hardware_id": "R-1", "display_name": "Pump 1"},
            headers=a.auth,
        )
    ).json
    binding = (
        await api.simulate_post(
            f"/api/v1/devices/{dev['id']}/bindings/",
            json={"channel": 0, "quantity_slug": "vibration.acceleration.rms"},
            headers=a.auth,
        )
    ).json
    body = {
        "name": "High vibration",
        "binding_id": binding["id"],
        "condition": "above",
        "threshold": 4.0,
        "hysteresis": 0.5,
        "for_s": 30,
        "severity": "critical",
    }
    made = await api.simulate_post("/api/v1/alerts/rules/", json=body, headers=a.auth)
    assert made.status_code == 201, made.text
    assert made.json["target_type"] == "binding" and made.json["threshold"] == 4.0
    listed = await api.simulate_get("/api/v1/alerts/rules/", headers=a.auth)
    assert [r["id"] for r in listed.json["rules"]] == [made.json["id"]]
    url = f"/api/v1/alerts/rules/{made.json['id']}/"
    changed = await api.simulate_patch(url, json={"severity": "info"}, headers=a.auth)
    assert changed.status_code == 200 and changed.json["severity"] == "info"
    assert changed.json["threshold"] == 4.0
    assert (await api.simulate_get(url, headers=b.auth)).status_code == 404
    assert (await api.simulate_get("/api/v1/alerts/rules/", headers=b.auth)).json == {
        "rules": []
    }
    assert (await api.simulate_delete(url, headers=a.auth)).status_code == 204
    assert (await api.simulate_get(url, headers=a.auth)).status_code == 404


async def test_bad_rules_name_the_field(api: Api) -> None:
    a, b = await register(api), await register(api)
    dev = (
        await api.simulate_post(
            "/api/v1/devices/",
            json={"hardware_id": "R-2", "display_name": "x"},
            headers=a.auth,
        )
    ).json
    binding = (
        await api.simulate_post(
            f"/api/v1/devices/{dev['id']}/bindings/",
            json={"channel": 0, "quantity_slug": "co2.ppm"},
            headers=a.auth,
        )
    ).json
    cases = [
        ({"name": "n", "binding_id": binding["id"], "condition": "above"}, "threshold"),
        (
            {"name": "n", "binding_id": binding["id"], "condition": "sideways"},
            "condition",
        ),
        (
            {
                "name": "n",
                "binding_id": binding["id"],
                "condition": "outside",
                "low": 5,
                "high": 1,
            },
            "low",
        ),
        (
            {"name": "n", "binding_id": binding["id"], "condition": "no_data"},
            "silence_s",
        ),
        ({"name": "n", "condition": "above", "threshold": 1}, "binding_id"),
        (
            {
                "name": "n",
                "target_type": "org_quantity",
                "quantity_slug": "nope",
                "condition": "above",
                "threshold": 1,
            },
            "quantity_slug",
        ),
        (
            {
                "name": "n",
                "binding_id": binding["id"],
                "condition": "above",
                "threshold": 1,
                "severity": "meh",
            },
            "severity",
        ),
        (  # an id this kind of target does not use must still be one
            {
                "name": "n",
                "target_type": "org_quantity",
                "quantity_slug": "co2.ppm",
                "device_id": "g28ff099-86cc-186d-b7be-8e1e96adb6f8",
                "condition": "above",
                "threshold": 1,
            },
            "device_id",
        ),
    ]
    for body, field in cases:
        r = await api.simulate_post("/api/v1/alerts/rules/", json=body, headers=a.auth)
        assert r.status_code == 400 and r.json["field"] == field, (body, r.json)
    foreign = {
        "name": "n",
        "binding_id": binding["id"],
        "condition": "above",
        "threshold": 1,
    }
    r = await api.simulate_post("/api/v1/alerts/rules/", json=foreign, headers=b.auth)
    assert r.status_code == 404
    site_rule = {
        "name": "CO2 high",
        "target_type": "org_quantity",
        "quantity_slug": "co2.ppm",
        "condition": "above",
        "threshold": 1200,
    }
    assert (
        await api.simulate_post("/api/v1/alerts/rules/", json=site_rule, headers=a.auth)
    ).status_code == 201
