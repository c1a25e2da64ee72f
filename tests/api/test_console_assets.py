"""The console's static files: served read-only with their types and caching, no
way out of the directory, the vendored uPlot exactly as released, no inline code."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.console.assets import STATIC_DIR
from api.console.pages import TEMPLATES
from infra.settings import Settings

UPLOT = STATIC_DIR / "vendor" / "uplot"
# uplot 1.6.32 from the npm registry (npm pack uplot@1.6.32; the tarball's sha512 is
# the registry's dist.integrity, recorded in VERSION).
UPLOT_SHA256 = {
    "uPlot.iife.min.js": "19c8d4c6ad88929a79f4ae49d6f7161566dfd0ba3d15cc495e974f787eb78f1f",
    "uPlot.min.css": "df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04",
    "LICENSE": "8f989229699b4fe2f1a0432d0e9edc338a8a911e250e2d1b01ecd770a5f5b1bd",
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(data_dir=tmp_path, jwt_secret="x" * 40))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def test_vendored_uplot_matches_the_pinned_release() -> None:
    for name, digest in UPLOT_SHA256.items():
        assert hashlib.sha256((UPLOT / name).read_bytes()).hexdigest() == digest, name
    version = (UPLOT / "VERSION").read_text()
    assert version.startswith("uplot 1.6.32\n")
    assert "(v1.6.32)" in (UPLOT / "uPlot.iife.min.js").read_text()[:100]
    assert "MIT License" in (UPLOT / "LICENSE").read_text()


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/static/console.css", "text/css"),
        ("/static/canvas-public.js", "text/javascript"),
        ("/static/js/devices.js", "text/javascript"),
        ("/static/vendor/uplot/uPlot.iife.min.js", "text/javascript"),
        ("/static/favicon.svg", "image/svg+xml"),
    ],
)
async def test_static_files_have_their_type(
    client: httpx.AsyncClient, path: str, media: str
) -> None:
    r = await client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.content == (STATIC_DIR / path.removeprefix("/static/")).read_bytes()


async def test_own_files_revalidate_and_vendor_files_are_cached(
    client: httpx.AsyncClient,
) -> None:
    own = await client.get("/static/console.css")
    assert own.headers["cache-control"] == "no-cache"
    again = await client.get(
        "/static/console.css", headers={"If-None-Match": own.headers["etag"]}
    )
    assert again.status_code == 304
    vendor = await client.get("/static/vendor/uplot/uPlot.min.css")
    assert vendor.headers["cache-control"] == "public, max-age=86400"


async def test_static_route_needs_no_credential_and_is_not_rate_limited(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(40):  # more than the public (login) limit's burst
        assert (await client.get("/static/tokens.css")).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/static/nope.js",
        "/static/js/",
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2f..%2fapi/app.py",
        "/static/vendor/../../pages.py",
        "/static//etc/passwd",
    ],
)
async def test_unknown_or_outside_paths_are_json_404(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert "error" in r.json()


async def test_static_files_are_read_only(client: httpx.AsyncClient) -> None:
    r = await client.post("/static/console.css", json={})
    assert r.status_code == 405
    assert "error" in r.json()
    assert (await client.head("/static/console.css")).status_code == 200


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_templates_hold_no_inline_script_style_or_handler() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not INLINE_SCRIPT.search(text), template.name
        assert "style=" not in text and "<style" not in text, template.name
        assert not HANDLER.search(text), template.name
        assert "javascript:" not in text, template.name


def test_scripts_build_no_markup_from_strings() -> None:
    """Data reaches the DOM as text nodes: no innerHTML, no inline style attributes."""
    for script in STATIC_DIR.rglob("*.js"):
        if "vendor" in script.parts:
            continue
        text = script.read_text()
        for smell in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval("):
            assert smell not in text, f"{script.name}: {smell}"
        assert 'setAttribute("style"' not in text, script.name
