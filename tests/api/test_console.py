"""The console's pages: strict headers, the login redirect, sign-out, and every page
in the OpenAPI document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.console.pages import PAGES
from infra.settings import Settings

SESSION_PAGES = [p.path.replace("{dashboard_id}", "d-1") for p in PAGES if p.session]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(data_dir=tmp_path, jwt_secret="x" * 40))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_home_sends_a_browser_without_session_to_login(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/")
    assert r.status_code == 303
    assert r.headers["location"] == "/login"
    client.cookies.set("vigil_session", "anything")
    assert (await client.get("/")).headers["location"] == "/devices"


@pytest.mark.parametrize("path", SESSION_PAGES)
async def test_pages_redirect_to_login_and_come_back(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(f"{path}?x=1")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")
    assert httpx.URL(r.headers["location"]).params["next"] == f"{path}?x=1"


@pytest.mark.parametrize("path", [*SESSION_PAGES, "/login", "/docs"])
async def test_pages_are_html_under_a_strict_policy(
    client: httpx.AsyncClient, path: str
) -> None:
    client.cookies.set("vigil_session", "anything")
    r = await client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert '<script type="module" src="/static/js/' in r.text


async def test_each_page_loads_its_script_and_marks_its_nav_entry(
    client: httpx.AsyncClient,
) -> None:
    client.cookies.set("vigil_session", "anything")
    for spec in PAGES:
        html = (await client.get(spec.path.replace("{dashboard_id}", "d"))).text
        script = f"/static/js/{spec.name}.js"
        assert script in html
        assert (await client.get(script)).status_code == 200
        if spec.layout == "layout":
            nav = "canvas" if spec.name == "dashboard" else spec.name
            assert f'data-nav="{nav}" aria-current="page"' in html


async def test_login_and_docs_need_no_session(client: httpx.AsyncClient) -> None:
    for path in ("/login", "/docs"):
        r = await client.get(path)
        assert r.status_code == 200
        assert 'data-session="no"' in r.text


async def test_logout_clears_the_cookie_for_same_origin_requests(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.post("/logout")
    assert refused.status_code == 403
    r = await client.post("/logout", headers={"Origin": "http://t"})
    assert r.status_code == 204
    cookie = r.headers["set-cookie"]
    assert cookie.startswith('vigil_session="";') and "expires=" in cookie


async def test_every_console_route_is_in_the_openapi_document(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/api/openapi.json")).json()["paths"]
    for spec in PAGES:
        operation = paths[spec.path]["get"]
        assert operation["tags"] == ["console"]
        assert "text/html" in operation["responses"]["200"]["content"]
    assert {"/", "/logout", "/favicon.ico", "/static/{path}"} <= set(paths)
