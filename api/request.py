"""Read a request's JSON body."""

from __future__ import annotations

import io

import falcon
import falcon.asgi

from api.validation import Body, check_depth


async def body_of(req: falcon.asgi.Request) -> Body:
    """The JSON body as a validated object (400 when absent, not an object or
    nested over :data:`api.validation.MAX_DEPTH` levels)."""
    media = await req.get_media(default_when_empty=None)
    return _body(media)


async def optional_body_of(req: falcon.asgi.Request) -> Body:
    """The JSON body, or an empty object when the request has no body at all (a
    body of ``null`` or any other non-object is still a 400)."""
    raw = await req.stream.read()
    if not raw.strip():
        return Body({})
    return Body(check_depth(_parse(req, raw)))


async def json_bytes_of(req: falcon.asgi.Request) -> bytes | None:
    """The raw body when the request says plain ``application/json`` (what the
    app's JSON handler reads); else None, and :func:`body_of` must read it."""
    media_type = (req.content_type or "").split(";")[0].strip()
    if media_type != falcon.MEDIA_JSON:
        return None
    return await req.stream.read()


def body_from(req: falcon.asgi.Request, raw: bytes) -> Body:
    """What :func:`body_of` gives (or raises) for body bytes already read."""
    return _body(_parse(req, raw))


def _parse(req: falcon.asgi.Request, raw: bytes) -> object:
    """The JSON value of ``raw`` as the app's JSON handler reads it (None if empty)."""
    handler = req.options.media_handlers[falcon.MEDIA_JSON]
    try:
        return handler.deserialize(io.BytesIO(raw), req.content_type, len(raw))
    except falcon.MediaNotFoundError:
        return None


def _body(media: object) -> Body:
    if media is None:
        raise falcon.HTTPBadRequest(description="a JSON body is required")
    return Body(check_depth(media))
