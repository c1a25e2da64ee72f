"""Build the Falcon ASGI app around a :class:`Platform`."""

from __future__ import annotations

import logging
from typing import Any

import falcon
import falcon.asgi
import falcon.media
import orjson

from api import errors
from api.health import Health, Ready
from api.limits import BodyLimit, RequireJson
from api.metrics import Metrics
from api.openapi import HEALTH_PATHS, OpenApi, build_document
from infra.settings import Settings
from infra.stack import Platform

log = logging.getLogger(__name__)


class Lifespan:
    """Start the platform before the first request; stop it at shutdown."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def process_startup(self, scope: Any, event: Any) -> None:
        await self.platform.start()

    async def process_shutdown(self, scope: Any, event: Any) -> None:
        await self.platform.stop()


def _json_handler() -> falcon.media.JSONHandler:
    return falcon.media.JSONHandler(
        dumps=lambda obj: orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode(),
        loads=orjson.loads,
    )


class VigilApp:
    """The ASGI callable: the Falcon app behind the body-size limit."""

    def __init__(self, falcon_app: falcon.asgi.App, platform: Platform, limit: int):
        self.falcon = falcon_app
        self.platform = platform
        self._asgi = BodyLimit(falcon_app, limit)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._asgi(scope, receive, send)


def create_app(
    settings: Settings | None = None, platform: Platform | None = None
) -> VigilApp:
    """Build the app; the platform starts with the ASGI lifespan."""
    settings = settings or Settings.from_env()
    platform = platform or Platform(settings)
    metrics = Metrics(platform)
    app = falcon.asgi.App(middleware=[Lifespan(platform), metrics, RequireJson()])
    handler = _json_handler()
    app.req_options.media_handlers[falcon.MEDIA_JSON] = handler
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = handler
    errors.install(app)
    app.add_route("/healthz", Health())
    app.add_route("/readyz", Ready(platform))
    app.add_route("/metrics", metrics)
    app.add_route("/api/openapi.json", OpenApi(build_document([HEALTH_PATHS])))
    return VigilApp(app, platform, settings.max_body_bytes)
