"""Map every error to a JSON body ``{"error": "..."}`` with the right status."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import falcon
import falcon.asgi

from api.validation import MAX_DEPTH
from domain.errors import Conflict, Invalid, NotFound, Unauthorized
from infra.clickhouse import StoreError
from infra.kafka import BrokerUnavailable
from projections.entitylog import WriteNotVisible
from projections.progress import NotDurableYet

log = logging.getLogger(__name__)
RETRY_AFTER_S = "2"


def serialize_error(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, ex: falcon.HTTPError
) -> None:
    """Write an HTTPError as ``{"error": ...}`` (never HTML, never a traceback)."""
    if isinstance(ex, falcon.HTTPRouteNotFound):
        message = f"no such path: {req.path}"
    elif isinstance(ex, falcon.HTTPMethodNotAllowed):
        message = f"method {req.method} not allowed on {req.path}"
    elif isinstance(ex, falcon.MediaMalformedError):
        message = malformed_body(ex.__cause__)
    else:
        message = ex.description or ex.title or "error"
    body: dict[str, Any] = {"error": message}
    resp.media = body
    resp.content_type = falcon.MEDIA_JSON


def malformed_body(cause: BaseException | None) -> str:
    """Why a body is not JSON, in words (not the decoder's exception text)."""
    if isinstance(cause, UnicodeError):
        return "request body is not valid UTF-8"
    if isinstance(cause, json.JSONDecodeError):  # orjson's errors are these too
        if "depth limit" in cause.msg:  # orjson's own limit, 1024 levels
            return f"request body nests objects and arrays over {MAX_DEPTH} deep"
        return (
            f"request body is not valid JSON: {cause.msg} "
            f"(line {cause.lineno}, column {cause.colno})"
        )
    return "request body is not valid JSON"


# Each refusal of the domain and the HTTP error it is answered with (the message
# is the domain's): missing or in another org (the same answer), a credential or
# password not accepted, a write the log rejected (taken key, stale version).
REFUSALS: dict[type[Exception], Callable[[str], falcon.HTTPError]] = {
    NotFound: lambda text: falcon.HTTPNotFound(description=text),
    Unauthorized: lambda text: falcon.HTTPUnauthorized(
        description=text, challenges=["Bearer"]
    ),
    Conflict: lambda text: falcon.HTTPConflict(description=text),
}


async def on_refusal(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, ex: Exception, params: Any
) -> None:
    """A domain refusal: its HTTP error from :data:`REFUSALS`."""
    for kind, answer in REFUSALS.items():
        if isinstance(ex, kind):
            raise answer(str(ex)) from ex
    raise ex


async def on_unavailable(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, ex: Exception, params: Any
) -> None:
    """Kafka or ClickHouse cannot serve now: 503 with Retry-After (details logged)."""
    log.warning("%s %s: %s", req.method, req.path, ex)
    what = "storage" if isinstance(ex, StoreError) else "the event log"
    if isinstance(ex, WriteNotVisible):
        what = "the read model"
    if isinstance(ex, NotDurableYet):
        what = "durable storage"
    raise falcon.HTTPServiceUnavailable(
        description=f"{what} is temporarily unavailable; retry later",
        retry_after=int(RETRY_AFTER_S),
    ) from ex


async def on_unexpected(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, ex: Exception, params: Any
) -> None:
    """Anything else: log it whole, answer a plain 500 without internals."""
    if isinstance(ex, falcon.HTTPError):
        raise ex
    log.exception("unhandled error on %s %s", req.method, req.path)
    raise falcon.HTTPInternalServerError(description="internal error") from ex


async def on_invalid(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, ex: Exception, params: Any
) -> None:
    """A missing or invalid field: 400 naming it."""
    assert isinstance(ex, Invalid)  # noqa: S101 - registered for it
    resp.status = falcon.HTTP_400
    resp.media = {"error": str(ex), "field": ex.field}


def install(app: falcon.asgi.App[Any, Any]) -> None:
    """Register the serializer and the handlers, most general first."""
    app.set_error_serializer(serialize_error)
    app.add_error_handler(Exception, on_unexpected)
    for refusal in REFUSALS:
        app.add_error_handler(refusal, on_refusal)
    app.add_error_handler(BrokerUnavailable, on_unavailable)
    app.add_error_handler(WriteNotVisible, on_unavailable)
    app.add_error_handler(NotDurableYet, on_unavailable)
    app.add_error_handler(StoreError, on_unavailable)
    app.add_error_handler(Invalid, on_invalid)
