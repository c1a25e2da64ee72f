"""The body limit holds for streamed bodies without a Content-Length."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
import orjson

from api.body_limits import BodyLimit
from api.errors import install


class Echo:
    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.media = {"n": len(await req.stream.read())}


def _app(limit: int) -> BodyLimit:
    inner = falcon.asgi.App()
    install(inner)
    inner.add_route("/echo", Echo())
    return BodyLimit(inner, limit)


async def _call(
    app: BodyLimit, chunks: list[bytes], headers: list[Any]
) -> tuple[int, Any]:
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "path": "/echo",
        "raw_path": b"/echo",
        "query_string": b"",
        "headers": headers,
        "scheme": "http",
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    status = sent[0]["status"]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return status, orjson.loads(body)


async def test_streamed_body_over_limit_is_413() -> None:
    status, body = await _call(_app(100), [b"x" * 60, b"x" * 60], [])
    assert status == 413
    assert body == {"error": "request body over 100 bytes"}


async def test_declared_length_over_limit_is_413_before_reading() -> None:
    status, body = await _call(_app(100), [b""], [(b"content-length", b"5000")])
    assert status == 413 and "100 bytes" in body["error"]


async def test_streamed_body_under_limit_passes() -> None:
    status, body = await _call(_app(100), [b"x" * 40, b"x" * 40], [])
    assert (status, body) == (200, {"n": 80})
