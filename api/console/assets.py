"""Static files of the console under ``/static/``: Falcon's static route, with
caching headers, GET/HEAD only and a JSON 404 naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import falcon
import falcon.asgi

STATIC_DIR = Path(__file__).resolve().parent / "static"
PREFIX = "/static/"
VENDOR_PREFIX = "/static/vendor/"
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Pinned third-party files change only with a release; our own scripts are
# revalidated on every load (cheap: the static route answers 304 on a match).
VENDOR_CACHE = "public, max-age=86400"
OWN_CACHE = "no-cache"


def cache_control(path: str) -> str:
    """The Cache-Control of a static path."""
    return VENDOR_CACHE if path.startswith(VENDOR_PREFIX) else OWN_CACHE


class StaticHeaders:
    """Falcon middleware: read-only methods and the headers of every static file."""

    async def process_request(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        if req.path.startswith(PREFIX) and req.method not in READ_METHODS:
            raise falcon.HTTPMethodNotAllowed(["GET", "HEAD"])

    async def process_response(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        resource: Any,
        req_succeeded: bool,
    ) -> None:
        if not req.path.startswith(PREFIX):
            return
        resp.set_header("X-Content-Type-Options", "nosniff")
        if resp.status_code == 404:
            resp.media = {"error": f"no such file: {req.path}"}
            resp.content_type = falcon.MEDIA_JSON
        elif req_succeeded:
            resp.set_header("Cache-Control", cache_control(req.path))


class Favicon:
    """``GET /favicon.ico``: the icon browsers ask for on pages that name none
    (the public dashboard page), so they log no 404."""

    auth = "none"

    def __init__(self) -> None:
        self.svg = (STATIC_DIR / "favicon.svg").read_bytes()

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.content_type = "image/svg+xml"
        resp.data = self.svg
        resp.set_header("Cache-Control", VENDOR_CACHE)


def add_static(app: falcon.asgi.App[Any, Any]) -> None:
    """Serve ``static/`` at ``/static/`` (Falcon refuses traversal outside it)."""
    app.add_static_route(PREFIX, str(STATIC_DIR))
    app.add_middleware(StaticHeaders())
    app.add_route("/favicon.ico", Favicon())
