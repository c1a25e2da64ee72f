"""Build the Falcon ASGI app around a :class:`Platform`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any

import falcon
import falcon.asgi
import falcon.media
import orjson

from agents import embeddings
from api import errors
from api.alert_hub import AlertHub, Stored
from api.auth import Authenticator, AuthMiddleware
from api.body_limits import BodyLimit, RequireJson
from api.console.routes import add_console_routes
from api.credentials import Tokens
from api.entities import EntityAccess
from api.headers import Cors, SecurityHeaders
from api.health import Health, Ready
from api.metrics import Metrics
from api.openapi.ai_memory_paths import AI_MEMORY_PATHS
from api.openapi.ai_paths import AI_PATHS
from api.openapi.argus_paths import ARGUS_PATHS
from api.openapi.canvas_paths import CANVAS_PATHS
from api.openapi.console_paths import CONSOLE_PATHS
from api.openapi.core_paths import API_PATHS
from api.openapi.document import HEALTH_PATHS, OpenApi, build_document
from api.openapi.stream_paths import STREAM_PATHS
from api.openapi.watcher_paths import (
    MEMORY_PATHS,
    THREAD_PATHS,
    TOOL_PATHS,
    WATCHER_PATHS,
)
from api.presence import Presence
from api.rate_limit import RateLimiter
from api.routes import Parts, SlashAliases, add_routes
from api.usage import KeyUsage
from domain.clock import Clock, IdGenerator, utc_now
from domain.clock import new_id as domain_new_id
from infra.settings import Settings
from infra.stack import Platform
from projections.alerts import AlertsProjection
from projections.telemetry import last_seen
from schemas.topics import ALERTS_TOPIC
from streams.prism.backfill import BackfillJobs

log = logging.getLogger(__name__)


class Lifespan:
    """Start the platform before the first request; stop it at shutdown."""

    def __init__(self, platform: Platform, parts: Parts) -> None:
        self.platform = platform
        self.parts = parts
        self._presence: asyncio.Task[None] | None = None
        self._embeddings: asyncio.Task[None] | None = None

    async def process_startup(self, scope: Any, event: Any) -> None:
        await self.platform.start()
        await self.parts.hub.start()
        self.parts.usage.start()
        self._presence = asyncio.create_task(self._refresh_presence(), name="presence")
        # Argus memory's model takes about a second to load: before the first call.
        if self.platform.settings.ai_warm:
            self._embeddings = asyncio.create_task(self._warm(), name="embeddings")

    async def _warm(self) -> None:
        try:
            await asyncio.to_thread(embeddings.warm)
        except embeddings.EmbeddingError:  # memory calls answer the error later
            log.exception("could not load the embedding model")

    async def _refresh_presence(self) -> None:
        """Devices seen by other API nodes: reload last-seen times every 2 s."""
        while True:
            try:
                self.parts.presence.merge(await last_seen(self.parts.store))
            except Exception:  # ClickHouse busy or down: try again next round
                log.warning("could not refresh device presence", exc_info=True)
            await asyncio.sleep(2.0)

    async def process_shutdown(self, scope: Any, event: Any) -> None:
        if self._presence is not None:
            self._presence.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._presence
        await self.parts.hub.stop()
        await self.parts.usage.stop()
        await self.platform.stop()


def jwt_secret(settings: Settings) -> str:
    """The configured secret, else one generated once into the data directory."""
    if settings.jwt_secret:
        return settings.jwt_secret
    path = settings.data_dir / "jwt_secret"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _json_handler() -> falcon.media.JSONHandler:
    return falcon.media.JSONHandler(
        dumps=lambda obj: orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode(),
        loads=orjson.loads,
    )


class VigilApp:
    """The ASGI callable: the Falcon app behind the body size and time limits."""

    def __init__(
        self, falcon_app: falcon.asgi.App[Any, Any], platform: Platform, parts: Parts
    ) -> None:
        self.falcon = falcon_app
        self.platform = platform
        self.parts = parts
        settings = parts.settings
        self._asgi = BodyLimit(
            falcon_app, settings.max_body_bytes, settings.body_timeout_s or None
        )

    def end_streams(self) -> None:
        """End every live SSE stream (at shutdown)."""
        self.parts.hub.end_streams()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._asgi(scope, receive, send)


def _alerts_stored(settings: Settings, platform: Platform) -> Stored:
    """Wait for the alerts projection's committed offset (read-after-announce)."""
    topic, progress = settings.topic(ALERTS_TOPIC), platform.fact_progress

    async def stored(offset: int) -> None:
        await progress.wait_stored(AlertsProjection.name, topic, 0, offset)

    return stored


def build_parts(
    settings: Settings, platform: Platform, clock: Clock, new_id: IdGenerator
) -> Parts:
    """Build every dependency a resource may be given, once."""
    entities = EntityAccess(platform.model.state, platform.entities, clock, new_id)
    return Parts(
        settings=settings,
        entities=entities,
        store=platform.store,
        producer=platform.producer,
        hub=AlertHub(settings, _alerts_stored(settings, platform)),
        tokens=Tokens(jwt_secret(settings)),
        usage=KeyUsage(entities),
        presence=Presence(settings.online_window_s, clock),
        jobs=BackfillJobs(
            platform.model.state,
            platform.store,
            platform.producer,
            settings,
            clock,
            new_id,
        ),
        clock=clock,
        progress=platform.progress,
        runtime=platform.runtime,
        facts=platform.facts,
        mailroom=platform.mailroom,
        policy=platform.runtime.box.policy,
        argus=platform.argus,
        nlq=platform.nlq,
    )


def create_app(
    settings: Settings | None = None,
    platform: Platform | None = None,
    clock: Clock = utc_now,
    new_id: IdGenerator = domain_new_id,
) -> VigilApp:
    """Build the app; the platform starts with the ASGI lifespan."""
    settings = settings or Settings.from_env()
    platform = platform or Platform(settings, clock=clock, new_id=new_id)
    parts = build_parts(settings, platform, clock, new_id)
    metrics = Metrics(platform, settings.metrics_enabled, settings.metrics_token)
    metrics.watch_hub(parts.hub)
    authenticator = Authenticator(platform.model.state, parts.tokens, parts.usage)
    auth = AuthMiddleware(
        authenticator,
        RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst),
        RateLimiter(settings.auth_rate_limit_per_s, settings.auth_rate_limit_burst),
        RateLimiter(settings.ingest_rate_limit_per_s, settings.ingest_rate_limit_burst),
    )
    middleware: list[Any] = [
        Lifespan(platform, parts),
        metrics,
        SecurityHeaders(),
        Cors(settings.cors_origins),  # preflights end here, before authentication
        SlashAliases(),
        RequireJson(),
        auth,
    ]
    app: falcon.asgi.App[Any, Any] = falcon.asgi.App(middleware=middleware)
    handler = _json_handler()
    app.req_options.media_handlers[falcon.MEDIA_JSON] = handler
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = handler
    errors.install(app)
    app.add_route("/healthz", Health())
    app.add_route("/readyz", Ready(platform))
    app.add_route("/metrics", metrics)
    app.add_route(
        "/api/openapi.json",
        OpenApi(
            build_document(
                [
                    HEALTH_PATHS,
                    API_PATHS,
                    STREAM_PATHS,
                    CANVAS_PATHS,
                    WATCHER_PATHS,
                    THREAD_PATHS,
                    MEMORY_PATHS,
                    TOOL_PATHS,
                    ARGUS_PATHS,
                    AI_PATHS,
                    AI_MEMORY_PATHS,
                    CONSOLE_PATHS,
                ]
            )
        ),
    )
    add_routes(app, parts)
    add_console_routes(app)
    return VigilApp(app, platform, parts)
