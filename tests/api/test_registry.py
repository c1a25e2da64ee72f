"""Sites, devices, bindings, quantities, PDP: shapes, conflicts and tenancy."""

from __future__ import annotations

import falcon.testing

from tests.api.conftest import Account, register

Api = falcon.testing.ASGIConductor


async def make_device(api: Api, a: Account, hw: str, **extra: object) -> dict:
    r = await api.simulate_post(
        "/api/v1/devices/",
        json={"hardware_id": hw, "display_name": f"Dev {hw}", **extra},
        headers=a.auth,
    )
    assert r.status_code == 201, r.text
    return r.json


async def test_site_crud(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_post(
        "/api/v1/sites/", json={"name": "Pump Station 3"}, headers=a.auth
    )
    assert r.status_code == 201
    site_id = r.json["id"]
    listed = await api.simulate_get("/api/v1/sites/", headers=a.auth)
    assert (
        listed.json["count"] == 1
        and listed.json["results"][0]["name"] == "Pump Station 3"
    )
    changed = await api.simulate_patch(
        f"/api/v1/sites/{site_id}/", json={"timezone": "Europe/Berlin"}, headers=a.auth
    )
    assert changed.status_code == 200 and changed.json["timezone"] == "Europe/Berlin"
    bad = await api.simulate_patch(
        f"/api/v1/sites/{site_id}/", json={"timezone": "Mars/Base"}, headers=a.auth
    )
    assert bad.status_code == 400 and bad.json["field"] == "timezone"
    assert (
        await api.simulate_delete(f"/api/v1/sites/{site_id}/", headers=a.auth)
    ).status_code == 204
    assert (
        await api.simulate_get(f"/api/v1/sites/{site_id}/", headers=a.auth)
    ).status_code == 404


async def test_device_create_list_detail(api: Api) -> None:
    a = await register(api)
    site = (
        await api.simulate_post(
            "/api/v1/sites/", json={"name": "Pump Station 3"}, headers=a.auth
        )
    ).json
    dev = await make_device(api, a, "SN-PS3-PUMP1", site_id=site["id"])
    assert dev["node_type"] == "sensor_node" and dev["site"]["name"] == "Pump Station 3"
    await make_device(api, a, "SIM-002", node_type="gateway")
    listed = await api.simulate_get("/api/v1/devices/", headers=a.auth)
    assert listed.json["count"] == 2
    entry = listed.json["results"][0]
    assert {
        "id",
        "display_name",
        "hardware_id",
        "is_online",
        "site",
        "binding_count",
    } <= set(entry)
    by_site = await api.simulate_get(
        "/api/v1/devices/", params={"site_id": site["id"]}, headers=a.auth
    )
    assert [d["hardware_id"] for d in by_site.json["results"]] == ["SN-PS3-PUMP1"]
    found = await api.simulate_get(
        "/api/v1/devices/", params={"search": "sim-0"}, headers=a.auth
    )
    assert [d["hardware_id"] for d in found.json["results"]] == ["SIM-002"]
    offline = await api.simulate_get(
        "/api/v1/devices/", params={"online": "false"}, headers=a.auth
    )
    assert offline.json["count"] == 2
    detail = await api.simulate_get(f"/api/v1/devices/{dev['id']}/", headers=a.auth)
    assert detail.json["bindings"] == [] and detail.json["last_seen_at"] is None
    paged = await api.simulate_get(
        "/api/v1/devices/", params={"limit": 1, "offset": 1}, headers=a.auth
    )
    assert paged.json["count"] == 2 and len(paged.json["results"]) == 1


async def test_duplicate_hardware_id_is_409_per_org(api: Api) -> None:
    a, b = await register(api), await register(api)
    await make_device(api, a, "SIM-001")
    again = await api.simulate_post(
        "/api/v1/devices/",
        json={"hardware_id": "SIM-001", "display_name": "x"},
        headers=a.auth,
    )
    assert again.status_code == 409
    await make_device(api, b, "SIM-001")  # another org may use the same id


async def test_device_body_errors_name_the_field(api: Api) -> None:
    a = await register(api)
    for body, field in [
        ({"display_name": "x"}, "hardware_id"),
        ({"hardware_id": "h"}, "display_name"),
        (
            {"hardware_id": "h", "display_name": "x", "node_type": "toaster"},
            "node_type",
        ),
        ({"hardware_id": "h", "display_name": "x", "site_id": "not-a-uuid"}, "site_id"),
        ({"hardware_id": 7, "display_name": "x"}, "hardware_id"),
    ]:
        r = await api.simulate_post("/api/v1/devices/", json=body, headers=a.auth)
        assert r.status_code == 400 and r.json["field"] == field, (body, r.json)


async def test_bindings(api: Api) -> None:
    a = await register(api)
    dev = await make_device(api, a, "B-1")
    url = f"/api/v1/devices/{dev['id']}/bindings/"
    r = await api.simulate_post(
        url,
        json={"channel": 0, "quantity_slug": "temperature.celsius", "role": "sensor"},
        headers=a.auth,
    )
    assert r.status_code == 201
    assert r.json["quantity"] == {
        "slug": "temperature.celsius",
        "name": "Temperature",
        "base_unit_symbol": "°C",
    }
    assert r.json["sample_rate_tier"] == "low" and r.json["is_active"] is True
    dup = await api.simulate_post(
        url, json={"channel": 0, "quantity_slug": "pressure.bar"}, headers=a.auth
    )
    assert dup.status_code == 409
    unknown = await api.simulate_post(
        url, json={"channel": 1, "quantity_slug": "nope.nope"}, headers=a.auth
    )
    assert unknown.status_code == 400 and unknown.json["field"] == "quantity_slug"
    negative = await api.simulate_post(
        url, json={"channel": -1, "quantity_slug": "pressure.bar"}, headers=a.auth
    )
    assert negative.status_code == 400 and negative.json["field"] == "channel"
    listed = await api.simulate_get(url, headers=a.auth)
    assert isinstance(listed.json, list) and listed.json[0]["channel"] == 0
    off = await api.simulate_patch(
        f"{url}{r.json['id']}/", json={"is_active": False}, headers=a.auth
    )
    assert off.json["is_active"] is False
    detail = await api.simulate_get(f"/api/v1/devices/{dev['id']}/", headers=a.auth)
    assert detail.json["bindings"][0]["quantity"]["slug"] == "temperature.celsius"
    assert (
        await api.simulate_delete(f"{url}{r.json['id']}/", headers=a.auth)
    ).status_code == 204
    reuse = await api.simulate_post(
        url, json={"channel": 0, "quantity_slug": "pressure.bar"}, headers=a.auth
    )
    assert reuse.status_code == 201


async def test_other_orgs_ids_are_404_everywhere(api: Api) -> None:
    a, b = await register(api), await register(api)
    site = (
        await api.simulate_post("/api/v1/sites/", json={"name": "A"}, headers=a.auth)
    ).json
    dev = await make_device(api, a, "X-1")
    bind = (
        await api.simulate_post(
            f"/api/v1/devices/{dev['id']}/bindings/",
            json={"channel": 0, "quantity_slug": "co2.ppm"},
            headers=a.auth,
        )
    ).json
    key = (
        await api.simulate_post("/api/keys", json={"name": "k"}, headers=a.auth)
    ).json["key"]
    tok = (
        await api.simulate_post(
            "/api/v1/ingest/tokens/", json={"name": "t"}, headers=a.auth
        )
    ).json
    probes = [
        ("GET", f"/api/v1/sites/{site['id']}/"),
        ("PATCH", f"/api/v1/sites/{site['id']}/"),
        ("DELETE", f"/api/v1/sites/{site['id']}/"),
        ("GET", f"/api/v1/devices/{dev['id']}/"),
        ("PATCH", f"/api/v1/devices/{dev['id']}/"),
        ("DELETE", f"/api/v1/devices/{dev['id']}/"),
        ("GET", f"/api/v1/devices/{dev['id']}/bindings/"),
        ("POST", f"/api/v1/devices/{dev['id']}/bindings/"),
        ("GET", f"/api/v1/devices/{dev['id']}/bindings/{bind['id']}/"),
        ("DELETE", f"/api/v1/devices/{dev['id']}/bindings/{bind['id']}/"),
        ("POST", f"/api/v1/devices/{dev['id']}/peripherals/"),
        ("DELETE", f"/api/keys/{key['id']}"),
        ("GET", f"/api/v1/ingest/tokens/{tok['id']}/"),
        ("DELETE", f"/api/v1/ingest/tokens/{tok['id']}/"),
    ]
    for method, url in probes:
        body = {"name": "z"} if method in {"PATCH", "POST"} else None
        r = await api.simulate_request(method, url, json=body, headers=b.auth)
        missing = await api.simulate_request(
            method,
            url.replace(
                url.split("/")[-2] if url.endswith("/") else url.split("/")[-1],
                "00000000-0000-4000-8000-000000000000",
            ),
            json=body,
            headers=b.auth,
        )
        assert r.status_code == 404, (method, url, r.status_code)
        assert missing.status_code == 404
    assert (await api.simulate_get("/api/v1/devices/", headers=b.auth)).json[
        "count"
    ] == 0
    still = await api.simulate_get(f"/api/v1/devices/{dev['id']}/", headers=a.auth)
    assert still.status_code == 200


async def test_quantity_catalog(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_get(
        "/api/v1/quantities/canonical/", params={"limit": 1000}, headers=a.auth
    )
    assert r.json["count"] >= 140 and len(r.json["results"]) == r.json["count"]
    thermal = await api.simulate_get(
        "/api/v1/quantities/canonical/",
        params={"phenomenon_class": "thermal"},
        headers=a.auth,
    )
    assert thermal.json["count"] > 5
    assert {q["phenomenon_class"] for q in thermal.json["results"]} == {"thermal"}
    alias = await api.simulate_get(
        "/api/v1/quantities/canonical/", params={"domain": "mechanical"}, headers=a.auth
    )
    assert {q["phenomenon_class"] for q in alias.json["results"]} == {"mechanical"}
    vib = await api.simulate_get(
        "/api/v1/quantities/canonical/", params={"search": "vibration"}, headers=a.auth
    )
    assert "vibration.acceleration.rms" in {q["slug"] for q in vib.json["results"]}
    one = await api.simulate_get(
        "/api/v1/quantities/canonical/temperature.celsius/", headers=a.auth
    )
    assert one.json == {
        "slug": "temperature.celsius",
        "name": "Temperature",
        "base_unit_symbol": "°C",
        "si_unit": "K",
        "phenomenon_class": "thermal",
        "description": "Thermodynamic temperature relative to 273.15 K",
    }
    assert (
        await api.simulate_get("/api/v1/quantities/canonical/nope/", headers=a.auth)
    ).status_code == 404
    bad = await api.simulate_get(
        "/api/v1/quantities/canonical/",
        params={"phenomenon_class": "magic"},
        headers=a.auth,
    )
    assert bad.status_code == 400


async def test_pdp_registry_and_attach(api: Api) -> None:
    a = await register(api)
    types = await api.simulate_get(
        "/api/v1/pdp/types/",
        params={"peripheral_class": "thermal", "contribution_status": "official"},
        headers=a.auth,
    )
    assert types.json["count"] >= 5
    first = types.json["results"][0]
    assert set(first) == {
        "pdp_type_id",
        "name",
        "peripheral_class",
        "version",
        "contribution_status",
        "is_public",
    }
    everything = await api.simulate_get("/api/v1/pdp/types/", headers=a.auth)
    assert everything.json["count"] >= 24
    export = await api.simulate_get("/api/v1/pdp/catalog/export/", headers=a.auth)
    assert export.json["count"] >= 24 and "teds" in export.json["types"][0]
    dev = await make_device(api, a, "PDP-1")
    att = await api.simulate_post(
        f"/api/v1/devices/{dev['id']}/peripherals/",
        json={"pdp_type_id": "CLR-H-002", "channel": 4},
        headers=a.auth,
    )
    assert att.status_code == 201
    assert [b["channel"] for b in att.json["bindings"]] == [4, 5, 6]
    assert att.json["bindings"][2]["quantity_slug"] == "pressure.barometric.hectopascal"
    again = await api.simulate_post(
        f"/api/v1/devices/{dev['id']}/peripherals/",
        json={"pdp_type_id": "CLR-T-001", "channel": 5},
        headers=a.auth,
    )
    assert again.status_code == 409
    unknown = await api.simulate_post(
        f"/api/v1/devices/{dev['id']}/peripherals/",
        json={"pdp_type_id": "NOPE", "channel": 0},
        headers=a.auth,
    )
    assert unknown.status_code == 400 and unknown.json["field"] == "pdp_type_id"
