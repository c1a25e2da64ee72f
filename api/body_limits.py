"""Request limits: body size (ASGI level, with or without Content-Length) and
JSON-only content types on requests that carry a body."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
import orjson

Scope = dict[str, Any]
Receive = Any
Send = Any

BODY_METHODS = {"POST", "PUT", "PATCH"}


class BodyTooLarge(Exception):
    """The request body passed the limit while it was being read."""


class BodyLimit:
    """ASGI wrapper: 413 when Content-Length or the streamed body exceeds a limit."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Headers may come as a one-shot iterable: read them once, pass a list on.
        headers = [tuple(pair) for pair in scope.get("headers", ())]
        scope = {**scope, "headers": headers}
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _reply_413(send, self.max_bytes)
            return
        seen = 0

        async def counted_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise falcon.HTTPContentTooLarge(
                        description=f"request body over {self.max_bytes} bytes"
                    )
            return message

        await self.app(scope, counted_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _reply_413(send: Send, limit: int) -> None:
    body = orjson.dumps({"error": f"request body over {limit} bytes"})
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# Paths that take a raw body (a forwarded mail), not JSON.
RAW_BODY_PREFIXES = ("/api/inbound/",)


class RequireJson:
    """Falcon middleware: a request with a body must say it is JSON (else 415)."""

    async def process_request(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        if req.method not in BODY_METHODS or req.content_length == 0:
            return
        if req.path.startswith(RAW_BODY_PREFIXES):
            return
        media = (req.content_type or "").split(";")[0].strip().lower()
        if not media and not _has_body(req):
            return
        if media != "application/json" and not media.endswith("+json"):
            raise falcon.HTTPUnsupportedMediaType(
                description="Content-Type must be application/json, "
                f"not {media or 'none'}"
            )


def _has_body(req: falcon.asgi.Request) -> bool:
    length = req.content_length
    chunked = "chunked" in (req.get_header("Transfer-Encoding") or "").lower()
    return bool(length) or chunked
