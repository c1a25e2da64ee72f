"""Request limits: body size (ASGI level, with or without Content-Length), the time
a body may take to arrive, and JSON-only content types on requests that carry a
body."""

from __future__ import annotations

import asyncio
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


class BodyTimedOut(falcon.HTTPError):
    """The request body did not arrive in time: 408, and the connection closes
    (the rest of the body is never read, so the connection cannot be reused)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(
            falcon.HTTP_408,
            description=f"request body not received within {timeout_s:g} s",
            headers={"Connection": "close"},
        )


class BodyLimit:
    """ASGI wrapper: 413 when Content-Length or the streamed body exceeds a limit;
    408 when the body is not complete ``timeout_s`` after the request arrived
    (a client trickling or withholding its body holds a connection that long at
    most). None: no time limit."""

    def __init__(
        self, app: Any, max_bytes: int, timeout_s: float | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Headers may come as a one-shot iterable: read them once, pass a list on.
        headers = [tuple(pair) for pair in scope.get("headers", ())]
        scope = {**scope, "headers": headers}
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _reply(send, 413, f"request body over {self.max_bytes} bytes")
            return
        body = _BodyReader(receive, self.max_bytes, self.timeout_s)
        started = False

        async def tracked_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, body.receive, tracked_send)
        except falcon.HTTPError as ex:
            # Raised by our receive before Falcon had a request to answer with (its
            # first read): answer here.
            if started:
                raise
            await _reply(send, ex.status_code, ex.description or "bad request")


class _BodyReader:
    """One request's ``receive``: counts body bytes and bounds the wait for them;
    once the body is complete, later calls (disconnect watches) pass through."""

    def __init__(
        self, receive: Receive, max_bytes: int, timeout_s: float | None
    ) -> None:
        self._receive = receive
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s or 0.0
        now = asyncio.get_running_loop().time()
        self._deadline = None if timeout_s is None else now + timeout_s
        self._seen = 0
        self._complete = False

    async def receive(self) -> Any:
        if self._complete:
            return await self._receive()
        try:
            async with asyncio.timeout_at(self._deadline):
                message = await self._receive()
        except TimeoutError:
            raise BodyTimedOut(self.timeout_s) from None
        if message["type"] != "http.request":
            self._complete = True
            return message
        self._seen += len(message.get("body", b""))
        if self._seen > self.max_bytes:
            raise falcon.HTTPContentTooLarge(
                description=f"request body over {self.max_bytes} bytes"
            )
        self._complete = not message.get("more_body", False)
        return message


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _reply(send: Send, status: int, message: str) -> None:
    """An error answered below Falcon, shaped like Falcon's (JSON, the headers
    every answer carries); the connection closes after it."""
    body = orjson.dumps({"error": message})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"cache-control", b"no-store"),
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
