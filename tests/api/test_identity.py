"""Accounts, sessions, refresh rotation, cookies, API keys, gateway tokens."""

from __future__ import annotations

import falcon.testing

from tests.api.conftest import register

Api = falcon.testing.ASGIConductor


async def test_register_returns_user_and_tokens(api: Api) -> None:
    r = await api.simulate_post(
        "/api/auth/register",
        json={"email": "New.User@Example.com", "password": "longenough", "name": "N"},
    )
    assert r.status_code == 201
    assert r.json["user"]["email"] == "new.user@example.com"
    assert r.json["tokens"]["expires_in"] == 900
    assert set(r.json["tokens"]) == {"access_token", "refresh_token", "expires_in"}


async def test_duplicate_email_is_409(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_post(
        "/api/auth/register", json={"email": a.email.upper(), "password": "whatever12"}
    )
    assert r.status_code == 409 and "email" in r.json["error"]


async def test_bad_bodies_name_the_field(api: Api) -> None:
    cases = [
        ({"email": "nope", "password": "longenough"}, "email"),
        ({"email": "a@b.co", "password": "short"}, "password"),
        ({"password": "longenough"}, "email"),
        ({"email": ("x" * 250) + "@b.co", "password": "longenough"}, "email"),
    ]
    for body, field in cases:
        r = await api.simulate_post("/api/auth/register", json=body)
        assert r.status_code == 400, body
        assert r.json["field"] == field and field in r.json["error"]


async def test_login_and_me(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_post(
        "/api/auth/login", json={"email": a.email, "password": a.password}
    )
    assert r.status_code == 200
    access = r.json["tokens"]["access_token"]
    me = await api.simulate_get(
        "/api/auth/me", headers={"Authorization": f"Bearer {access}"}
    )
    assert me.status_code == 200
    assert me.json["user"]["user_id"] == a.user_id
    assert me.json["user"]["role"] == "owner"
    assert me.json["user"]["account_id"]


async def test_wrong_password_is_401(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_post(
        "/api/auth/login", json={"email": a.email, "password": "wrong-pass"}
    )
    assert r.status_code == 401 and r.json == {"error": "invalid email or password"}


async def test_missing_or_garbage_credentials_are_401(api: Api) -> None:
    assert (await api.simulate_get("/api/auth/me")).status_code == 401
    for header in ("Bearer nonsense", "Basic abc", "Bearer vk_nope", "Bearer gw_nope"):
        r = await api.simulate_get("/api/auth/me", headers={"Authorization": header})
        assert r.status_code == 401 and "error" in r.json


async def test_refresh_rotates_and_reuse_revokes_family(api: Api) -> None:
    a = await register(api)
    first = await api.simulate_post(
        "/api/auth/refresh", json={"refresh_token": a.refresh}
    )
    assert first.status_code == 200
    newer = first.json["tokens"]["refresh_token"]
    assert newer != a.refresh
    reuse = await api.simulate_post(
        "/api/auth/refresh", json={"refreshToken": a.refresh}
    )
    assert reuse.status_code == 401
    after = await api.simulate_post("/api/auth/refresh", json={"refresh_token": newer})
    assert after.status_code == 401  # the whole family is revoked


async def test_refresh_accepts_camel_case(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_post("/api/auth/refresh", json={"refreshToken": a.refresh})
    assert r.status_code == 200 and "access_token" in r.json["tokens"]


async def test_platform_login_and_refresh_shapes(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_post(
        "/api/v1/auth/login/", json={"email": a.email, "password": a.password}
    )
    assert r.status_code == 200 and set(r.json) == {"access", "refresh"}
    r2 = await api.simulate_post(
        "/api/v1/auth/token/refresh/", json={"refresh": r.json["refresh"]}
    )
    assert r2.status_code == 200 and set(r2.json) == {"access", "refresh"}
    me = await api.simulate_get(
        "/api/auth/me", headers={"Authorization": f"Bearer {r2.json['access']}"}
    )
    assert me.status_code == 200


async def test_access_token_is_not_a_refresh_token(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_post("/api/auth/refresh", json={"refresh_token": a.access})
    assert r.status_code == 401


async def test_session_cookie_works_with_origin_check(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_post(
        "/api/auth/login", json={"email": a.email, "password": a.password}
    )
    cookie = r.cookies["vigil_session"]
    assert cookie.http_only and cookie.same_site.lower() == "lax"
    jar = {"vigil_session": cookie.value}
    me = await api.simulate_get("/api/auth/me", cookies=jar)
    assert me.status_code == 200
    no_origin = await api.simulate_post(
        "/api/v1/sites/", json={"name": "S"}, cookies=jar
    )
    assert no_origin.status_code == 403
    evil = await api.simulate_post(
        "/api/v1/sites/",
        json={"name": "S"},
        cookies=jar,
        headers={"Origin": "https://evil.example"},
    )
    assert evil.status_code == 403
    same = await api.simulate_post(
        "/api/v1/sites/",
        json={"name": "S"},
        cookies=jar,
        headers={"Origin": "http://falconframework.org"},
    )
    assert same.status_code == 201, same.text


async def test_api_keys_shown_once_and_scoped(api: Api) -> None:
    a = await register(api)
    made = await api.simulate_post("/api/keys", json={"name": "ro"}, headers=a.auth)
    assert made.status_code == 201
    key = made.json["key"]
    assert (
        key["full_key"].startswith("vk_") and key["key_prefix"] == key["full_key"][:10]
    )
    assert key["permissions"] == ["read"]
    ro = {"Authorization": f"Bearer {key['full_key']}"}
    assert (await api.simulate_get("/api/v1/devices/", headers=ro)).status_code == 200
    denied = await api.simulate_post("/api/v1/sites/", json={"name": "x"}, headers=ro)
    assert denied.status_code == 403 and "read-only" in denied.json["error"]
    listed = await api.simulate_get("/api/keys", headers=a.auth)
    entry = next(k for k in listed.json["keys"] if k["id"] == key["id"])
    assert "full_key" not in entry and entry["usage_count"] == 2


async def test_write_key_can_write_and_revoked_key_stops(api: Api) -> None:
    a = await register(api)
    made = await api.simulate_post(
        "/api/keys",
        json={"name": "rw", "permissions": ["read", "write"]},
        headers=a.auth,
    )
    rw = {"Authorization": f"Bearer {made.json['key']['full_key']}"}
    assert (
        await api.simulate_post("/api/v1/sites/", json={"name": "k"}, headers=rw)
    ).status_code == 201
    gone = await api.simulate_delete(
        f"/api/keys/{made.json['key']['id']}", headers=a.auth
    )
    assert gone.status_code == 200 and gone.json == {"success": True}
    assert (await api.simulate_get("/api/v1/sites/", headers=rw)).status_code == 401


async def test_bad_permission_is_400(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_post(
        "/api/keys", json={"name": "x", "permissions": ["root"]}, headers=a.auth
    )
    assert r.status_code == 400 and r.json["field"] == "permissions"


async def test_gateway_token_only_ingests(api: Api) -> None:
    a = await register(api)
    r = await api.simulate_post(
        "/api/v1/ingest/tokens/",
        json={"name": "Dev Token", "hardware_id": "SIM-001"},
        headers=a.auth,
    )
    assert r.status_code == 201
    assert r.json["raw_token"].startswith("gw_") and r.json["hardware_id"] == "SIM-001"
    assert {"id", "name", "created_at"} <= set(r.json)
    gw = {"Authorization": f"Bearer {r.json['raw_token']}"}
    listing = await api.simulate_get("/api/v1/devices/", headers=gw)
    assert listing.status_code == 403
    tokens = await api.simulate_get("/api/v1/ingest/tokens/", headers=a.auth)
    assert tokens.json["count"] == 1 and "raw_token" not in tokens.json["results"][0]
    gone = await api.simulate_delete(
        f"/api/v1/ingest/tokens/{r.json['id']}/", headers=a.auth
    )
    assert gone.status_code == 204
