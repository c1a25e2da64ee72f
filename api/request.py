"""Read a request's JSON body."""

from __future__ import annotations

import falcon
import falcon.asgi

from api.validation import Body


async def body_of(req: falcon.asgi.Request) -> Body:
    """The JSON body as a validated object (400 when absent or not an object)."""
    media = await req.get_media(default_when_empty=None)
    if media is None:
        raise falcon.HTTPBadRequest(description="a JSON body is required")
    return Body(media)
