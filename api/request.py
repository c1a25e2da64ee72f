"""Read a request's JSON body."""

from __future__ import annotations

import io

import falcon
import falcon.asgi

from api.validation import Body


async def body_of(req: falcon.asgi.Request) -> Body:
    """The JSON body as a validated object (400 when absent or not an object)."""
    media = await req.get_media(default_when_empty=None)
    return _body(media)


async def json_bytes_of(req: falcon.asgi.Request) -> bytes | None:
    """The raw body when the request says plain ``application/json`` (what the
    app's JSON handler reads); else None, and :func:`body_of` must read it."""
    media_type = (req.content_type or "").split(";")[0].strip()
    if media_type != falcon.MEDIA_JSON:
        return None
    return await req.stream.read()


def body_from(req: falcon.asgi.Request, raw: bytes) -> Body:
    """What :func:`body_of` gives (or raises) for body bytes already read."""
    handler = req.options.media_handlers[falcon.MEDIA_JSON]
    try:
        media = handler.deserialize(io.BytesIO(raw), req.content_type, len(raw))
    except falcon.MediaNotFoundError:
        media = None
    return _body(media)


def _body(media: object) -> Body:
    if media is None:
        raise falcon.HTTPBadRequest(description="a JSON body is required")
    return Body(media)
