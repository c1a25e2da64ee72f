"""HTTP hardening on the real app: nosniff and no-store, /metrics behind a token,
paged lists in their reference envelopes, CORS preflights before authentication,
API keys managed by signed-in users only, and a deadline on request bodies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import falcon.testing
import httpx
import jwt
import orjson
import pytest

from api.alert_hub import Interest
from api.app import VigilApp, create_app
from infra.broker import TansuBroker
from infra.settings import Settings
from tests.api.conftest import Account, api_settings, register
from tests.api.test_telemetry import device_with_bindings

Api = falcon.testing.ASGIConductor
ORIGIN = "https://dash.example.com"
METRICS_TOKEN = "metrics-token-for-the-hardening-suite"
BODY_TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
async def api(broker: TansuBroker, data_dir: Path) -> AsyncIterator[Api]:
    settings = api_settings(
        broker,
        data_dir,
        cors_origins=f"{ORIGIN}, https://other.example.com",
        metrics_token=METRICS_TOKEN,
        body_timeout_s=BODY_TIMEOUT_S,
        sse_max_streams=3,
        sse_max_streams_per_org=2,
    )
    async with falcon.testing.ASGIConductor(create_app(settings)) as conductor:
        yield conductor


def _unstarted(tmp_path: Path, **overrides: Any) -> httpx.AsyncClient:
    """An app with default settings but ``overrides``, never started (enough for
    answers that need no platform)."""
    settings = Settings(data_dir=tmp_path, jwt_secret="x" * 40, **overrides)
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://vigil.test")


def _assert_private(r: falcon.testing.Result) -> None:
    assert r.headers["x-content-type-options"] == "nosniff", r.headers
    assert r.headers["cache-control"] == "no-store", r.headers


# 1. nosniff everywhere; no-store unless the answer chose its own caching.


async def test_answers_carrying_secrets_are_no_store_and_nosniff(api: Api) -> None:
    a = await register(api)
    login = {"email": a.email, "password": a.password}
    platform_login = await api.simulate_post("/api/v1/auth/login/", json=login)
    refreshed = await api.simulate_post(
        "/api/v1/auth/token/refresh/", json={"refresh": platform_login.json["refresh"]}
    )
    answers = [
        await api.simulate_post("/api/auth/login", json=login),
        await api.simulate_post("/api/auth/refresh", json={"refresh_token": a.refresh}),
        platform_login,
        refreshed,
        await api.simulate_post("/api/keys", json={"name": "k"}, headers=a.auth),
        await api.simulate_post(
            "/api/v1/ingest/tokens/", json={"name": "t"}, headers=a.auth
        ),
        await api.simulate_post(
            "/api/watchers",
            json={"name": "Mail", "system_prompt": "Watch invoices"},
            headers=a.auth,
        ),
        await api.simulate_get("/api/watchers", headers=a.auth),  # ingest tokens
        await api.simulate_get("/api/auth/me", headers=a.auth),
    ]
    assert [r.status_code for r in answers] == [200] * 4 + [201] * 3 + [200] * 2
    for r in answers:
        _assert_private(r)


async def test_errors_and_operations_answers_are_nosniff_too(api: Api) -> None:
    for r in (
        await api.simulate_get("/api/v1/nope/"),
        await api.simulate_get("/api/v1/devices/"),  # 401
        await api.simulate_post("/api/auth/login", body=b"{", headers=_JSON),
        await api.simulate_get("/healthz"),
        await api.simulate_get("/nope"),
    ):
        assert r.status_code in {200, 400, 401, 404}
        _assert_private(r)


async def test_answers_that_choose_their_caching_keep_it(api: Api) -> None:
    doc = await api.simulate_get("/api/openapi.json")
    assert doc.headers["cache-control"] == "public, max-age=300"
    page = await api.simulate_get("/login")
    assert page.headers["cache-control"] == "no-cache"
    script = await api.simulate_get("/static/js/api.js")
    assert script.headers["cache-control"] == "no-cache"
    for r in (doc, page, script):
        assert r.headers["x-content-type-options"] == "nosniff"


_JSON = {"Content-Type": "application/json"}


# 2. /metrics: off by default, behind VIGIL_METRICS_TOKEN when one is set.


async def test_metrics_are_off_by_default(tmp_path: Path) -> None:
    async with _unstarted(tmp_path) as c:
        r = await c.get("/metrics")
    assert r.status_code == 404
    assert r.json() == {"error": "no such path: /metrics"}


async def test_metrics_enabled_without_a_token_are_open(tmp_path: Path) -> None:
    async with _unstarted(tmp_path, metrics_enabled=True) as c:
        r = await c.get("/metrics")
    assert r.status_code == 200 and "vigil_http_requests" in r.text


async def test_metrics_need_the_configured_bearer_token(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "x"}):
        r = await api.simulate_get("/metrics", headers=headers)
        assert r.status_code == 401, headers
        assert r.json == {
            "error": "/metrics needs the VIGIL_METRICS_TOKEN bearer token"
        }
        assert r.headers["www-authenticate"] == "Bearer"
    ok = await api.simulate_get(
        "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert ok.status_code == 200 and "vigil_http_requests_total" in ok.text
    _assert_private(ok)


# 3. Every list checks limit/offset and pages inside its reference envelope.

LISTS = {
    "/api/v1/alerts/rules/": "rules",
    "/api/v1/prism/fields/": "fields",
    "/api/keys": "keys",
    "/api/v1/alerts/": "events",
}


async def _three_of_each(api: Api, a: Account) -> None:
    _, (volts,) = await device_with_bindings(api, a, "HH-1", "voltage.volt")
    for n in range(3):
        rule = {
            "name": f"Hot {n}",
            "target_type": "org_quantity",
            "quantity_slug": "temperature.celsius",
            "condition": "above",
            "threshold": 30 + n,
        }
        field = {"name": f"Double {n}", "expression": "2 * v", "inputs": {"v": volts}}
        for url, body in (
            ("/api/v1/alerts/rules/", rule),
            ("/api/v1/prism/fields/", field),
            ("/api/keys", {"name": f"key {n}"}),
        ):
            r = await api.simulate_post(url, json=body, headers=a.auth)
            assert r.status_code == 201, r.text


async def test_rules_fields_and_keys_page_inside_their_envelopes(api: Api) -> None:
    a = await register(api)
    await _three_of_each(api, a)
    for url, key in list(LISTS.items())[:3]:
        everything = (await api.simulate_get(url, headers=a.auth)).json
        assert list(everything) == [key] and len(everything[key]) == 3, url
        ids = [item["id"] for item in everything[key]]
        r = await api.simulate_get(url, params={"limit": 2}, headers=a.auth)
        assert list(r.json) == [key]
        assert [x["id"] for x in r.json[key]] == ids[:2], url
        r = await api.simulate_get(
            url, params={"limit": 2, "offset": 2}, headers=a.auth
        )
        assert [x["id"] for x in r.json[key]] == ids[2:], url
        r = await api.simulate_get(url, params={"offset": 5}, headers=a.auth)
        assert r.json == {key: []}


async def test_bad_limit_or_offset_is_400_on_every_list(api: Api) -> None:
    a = await register(api)
    for url in LISTS:
        for params, name in (
            ({"limit": -1}, "limit"),
            ({"limit": 0}, "limit"),
            ({"limit": 1001}, "limit"),
            ({"limit": "all"}, "limit"),
            ({"offset": -1}, "offset"),
        ):
            r = await api.simulate_get(url, params=params, headers=a.auth)
            assert r.status_code == 400, (url, params, r.text)
            assert r.json["field"] == name and "error" in r.json


# 4. CORS preflights are answered before authentication.


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_preflight_needs_no_credential(api: Api) -> None:
    for url in ("/api/v1/devices/", "/api/keys", "/api/v1/alerts/rules/x/"):
        r = await api.simulate_options(url, headers=_preflight(ORIGIN))
        assert r.status_code == 204, (url, r.text)
        assert r.content == b""
        assert r.headers["access-control-allow-origin"] == ORIGIN
        assert "POST" in r.headers["access-control-allow-methods"]
        allowed = r.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed
        assert r.headers["access-control-max-age"] == "600"
        assert "Origin" in r.headers["vary"]
        assert "access-control-allow-credentials" not in r.headers


async def test_preflight_from_an_unlisted_origin_gets_no_cors_headers(
    api: Api,
) -> None:
    r = await api.simulate_options(
        "/api/v1/devices/", headers=_preflight("https://evil.example")
    )
    assert r.status_code == 204
    assert not any(h.startswith("access-control-") for h in r.headers)


async def test_listed_origin_can_read_answers_and_options_alone_still_needs_auth(
    api: Api,
) -> None:
    a = await register(api)
    r = await api.simulate_get(
        "/api/v1/devices/", headers={**a.auth, "Origin": "https://other.example.com"}
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://other.example.com"
    assert "Retry-After" in r.headers["access-control-expose-headers"]
    plain = await api.simulate_options("/api/v1/devices/")  # not a preflight
    assert plain.status_code == 401


async def test_without_configured_origins_preflights_get_no_cors_headers(
    tmp_path: Path,
) -> None:
    async with _unstarted(tmp_path) as c:
        r = await c.options("/api/v1/devices/", headers=_preflight(ORIGIN))
    assert r.status_code == 204
    assert not any(h.startswith("access-control-") for h in r.headers)


# 5. Managing API keys needs a signed-in user, not an API key.


async def test_api_key_cannot_create_or_revoke_keys(api: Api) -> None:
    a = await register(api)
    made = await api.simulate_post(
        "/api/keys",
        json={"name": "rw", "permissions": ["read", "write"]},
        headers=a.auth,
    )
    key = made.json["key"]
    rw = {"Authorization": f"Bearer {key['full_key']}"}
    for r in (
        await api.simulate_post("/api/keys", json={"name": "copy"}, headers=rw),
        await api.simulate_delete(f"/api/keys/{key['id']}", headers=rw),
    ):
        assert r.status_code == 403, r.text
        assert r.json == {
            "error": "this needs a signed-in user (an access token or the session "
            "cookie), not an API key"
        }
    listed = await api.simulate_get("/api/keys", headers=rw)
    assert [k["id"] for k in listed.json["keys"]] == [key["id"]]  # no copy made
    # The platform reference lets an org API key create gateway tokens.
    token = await api.simulate_post(
        "/api/v1/ingest/tokens/", json={"name": "gw"}, headers=rw
    )
    assert token.status_code == 201


async def test_session_cookie_user_can_manage_keys(api: Api) -> None:
    a = await register(api)
    login = await api.simulate_post(
        "/api/auth/login", json={"email": a.email, "password": a.password}
    )
    jar = {"vigil_session": login.cookies["vigil_session"].value}
    same_origin = {"Origin": "http://falconframework.org"}
    made = await api.simulate_post(
        "/api/keys", json={"name": "c"}, cookies=jar, headers=same_origin
    )
    assert made.status_code == 201, made.text
    gone = await api.simulate_delete(
        f"/api/keys/{made.json['key']['id']}", cookies=jar, headers=same_origin
    )
    assert gone.status_code == 200


# 6. A request body must arrive within VIGIL_BODY_TIMEOUT_S.

Receive = Callable[[], Awaitable[dict[str, Any]]]


async def _raw_post(
    app: VigilApp, path: str, receive: Receive, length: int
) -> tuple[int, dict[str, str], Any]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [
        (b"host", b"vigil.test"),
        (b"content-type", b"application/json"),
        (b"content-length", str(length).encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5555),
    }
    await asyncio.wait_for(app(scope, receive, send), 10)
    start = sent[0]
    names = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], names, orjson.loads(body)


def _trickle(chunks: list[bytes], pause_s: float, then_hang: bool) -> Receive:
    """A client sending ``chunks`` ``pause_s`` apart, then (maybe) nothing more."""
    queue = list(chunks)

    async def receive() -> dict[str, Any]:
        if not queue:
            await asyncio.Event().wait()  # a half-sent body: the rest never comes
        await asyncio.sleep(pause_s)
        chunk = queue.pop(0)
        more = bool(queue) or then_hang
        return {"type": "http.request", "body": chunk, "more_body": more}

    return receive


async def test_half_sent_body_is_408_and_closes(api: Api) -> None:
    started = time.monotonic()
    status, headers, body = await _raw_post(
        api.app, "/api/auth/login", _trickle([b'{"email": '], 0, True), 100
    )
    assert status == 408
    assert body == {"error": f"request body not received within {BODY_TIMEOUT_S:g} s"}
    assert headers["connection"] == "close"
    assert headers["content-type"].startswith("application/json")
    assert headers["x-content-type-options"] == "nosniff"
    assert time.monotonic() - started < 5


async def test_withheld_body_is_408_before_the_app_reads_it(api: Api) -> None:
    status, headers, body = await _raw_post(
        api.app, "/api/auth/login", _trickle([], 0, True), 100
    )
    assert status == 408 and "request body not received" in body["error"]
    assert headers["connection"] == "close"


async def test_slow_body_within_the_deadline_is_served(api: Api) -> None:
    chunks = [b'{"email": "nobody@example.com", ', b'"password": "wrong-password"}']
    length = sum(map(len, chunks))
    status, _, body = await _raw_post(
        api.app, "/api/auth/login", _trickle(chunks, 0.1, False), length
    )
    assert status == 401, body


async def test_oversized_body_refused_below_falcon_carries_the_headers(
    api: Api,
) -> None:
    status, headers, body = await _raw_post(
        api.app, "/api/auth/login", _trickle([b"{}"], 0, False), 10**9
    )
    assert status == 413 and "request body over" in body["error"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


# 7. Live alert streams are bounded per process and per org.


def org_of(who: Account) -> str:
    """The org in the account's access token."""
    claims: dict[str, Any] = jwt.decode(who.access, options={"verify_signature": False})
    return str(claims["org"])


async def test_live_streams_are_limited_per_org_and_per_process(api: Api) -> None:
    """Streams held open (subscribed on the app's hub, as an open stream is); the
    next one over a limit is refused before it starts."""
    a, b, c = await register(api), await register(api), await register(api)
    app = api.app
    assert isinstance(app, VigilApp)
    hub = app.parts.hub
    url = "/api/v1/alerts/stream/"
    held = [hub.subscribe(Interest(org_of(a))) for _ in range(2)]
    try:
        third = await api.simulate_get(url, headers=a.auth)  # the org's limit: 2
        assert third.status_code == 429, third.text
        assert third.headers["retry-after"] == "5"
        assert "VIGIL_SSE_MAX_STREAMS_PER_ORG" in third.json["error"]
        held.append(hub.subscribe(Interest(org_of(b))))  # 3 in all
        full = await api.simulate_get(url, headers=c.auth)  # the process's: 3
        assert full.status_code == 503, full.text
        assert full.headers["retry-after"] == "5" and "error" in full.json
    finally:
        for sub in held:
            hub.unsubscribe(sub)
    assert hub.connections() == 0
