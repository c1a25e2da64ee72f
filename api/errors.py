"""Map every error to a JSON body ``{"error": "..."}`` with the right status."""

from __future__ import annotations

import logging
from typing import Any

import falcon
import falcon.asgi

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
    else:
        message = ex.description or ex.title or "error"
    body: dict[str, Any] = {"error": message}
    resp.media = body
    resp.content_type = falcon.MEDIA_JSON


async def on_not_found(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, ex: Exception, params: Any
) -> None:
    """Missing, or in another org (the same answer): 404."""
    raise falcon.HTTPNotFound(description=str(ex)) from ex


async def on_unauthorized(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, ex: Exception, params: Any
) -> None:
    """A credential or password not accepted: 401 with a Bearer challenge."""
    raise falcon.HTTPUnauthorized(description=str(ex), challenges=["Bearer"]) from ex


async def on_conflict(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, ex: Exception, params: Any
) -> None:
    """A write the log rejected (taken key, stale version): 409."""
    raise falcon.HTTPConflict(description=str(ex)) from ex


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
    app.add_error_handler(NotFound, on_not_found)
    app.add_error_handler(Unauthorized, on_unauthorized)
    app.add_error_handler(Conflict, on_conflict)
    app.add_error_handler(BrokerUnavailable, on_unavailable)
    app.add_error_handler(WriteNotVisible, on_unavailable)
    app.add_error_handler(NotDurableYet, on_unavailable)
    app.add_error_handler(StoreError, on_unavailable)
    app.add_error_handler(Invalid, on_invalid)
