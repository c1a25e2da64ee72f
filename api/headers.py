"""Headers every answer carries: ``nosniff``, ``no-store`` unless the answer chose
its own caching, and CORS for the configured origins (preflights answered before
authentication)."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID"
EXPOSE_HEADERS = "Retry-After, Idempotent-Replayed"
PREFLIGHT_MAX_AGE_S = "600"


class SecurityHeaders:
    """Falcon middleware: ``X-Content-Type-Options: nosniff`` on every answer, and
    ``Cache-Control: no-store`` on every answer that does not set its own (tokens,
    keys and account data must not sit in a browser or proxy cache; the console's
    static files, its pages, the public dashboard page, the SSE streams and the
    OpenAPI document choose theirs)."""

    async def process_response(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        resource: Any,
        req_succeeded: bool,
    ) -> None:
        resp.set_header("X-Content-Type-Options", "nosniff")
        if resp.get_header("Cache-Control") is None:
            resp.set_header("Cache-Control", "no-store")


def parse_origins(text: str) -> frozenset[str]:
    """The configured origins, normalised (``*`` stays ``*``)."""
    return frozenset(o.rstrip("/").lower() for o in text.replace(",", " ").split())


def is_preflight(req: falcon.asgi.Request) -> bool:
    """A browser's CORS preflight: OPTIONS with Origin and the method it asks for."""
    return (
        req.method == "OPTIONS"
        and req.get_header("Origin") is not None
        and req.get_header("Access-Control-Request-Method") is not None
    )


class Cors:
    """Falcon middleware: a preflight is answered 204 before any credential is
    asked for (browsers send none with it); an allowed origin gets the
    ``Access-Control-*`` headers on the preflight and on the answer itself. No
    credentials mode: cross-origin callers send a Bearer token, and the session
    cookie stays same-origin (SameSite=Lax, Origin-checked writes)."""

    def __init__(self, origins: str) -> None:
        self.origins = parse_origins(origins)

    def allowed(self, origin: str | None) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for ``origin``, if allowed."""
        if origin is None or not self.origins:
            return None
        if "*" in self.origins:
            return "*"
        return origin if origin.rstrip("/").lower() in self.origins else None

    async def process_request(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        if is_preflight(req):
            resp.status = falcon.HTTP_204
            resp.complete = True  # no routing, no authentication, no responder

    async def process_response(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        resource: Any,
        req_succeeded: bool,
    ) -> None:
        if not self.origins:
            return
        resp.append_header("Vary", "Origin")
        allow = self.allowed(req.get_header("Origin"))
        if allow is None:
            return
        resp.set_header("Access-Control-Allow-Origin", allow)
        if is_preflight(req):
            resp.set_header("Access-Control-Allow-Methods", ALLOW_METHODS)
            resp.set_header("Access-Control-Allow-Headers", ALLOW_HEADERS)
            resp.set_header("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_S)
        else:
            resp.set_header("Access-Control-Expose-Headers", EXPOSE_HEADERS)
