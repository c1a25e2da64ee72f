"""The Faust app: one per process, configured from Vigil settings."""

from __future__ import annotations

import logging
from typing import Any

import faust

from infra.kafka import request_timeout_ms
from infra.settings import Settings
from streams.transport import register as register_transport

log = logging.getLogger(__name__)


def create_faust_app(settings: Settings) -> faust.App:
    """Build the Faust app (agents register on it in their own modules)."""
    register_transport()
    app = _build(settings)
    _log_rebalances(app)
    return app


def _log_rebalances(app: faust.App) -> None:
    """One line per assignment and per completed recovery: after a crash, the log
    says when the worker had its partitions back and its tables recovered."""

    @app.on_partitions_assigned.connect
    async def assigned(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        tps = args[0] if args else kwargs.get("assigned", ())
        log.info("partitions assigned: %s", len(tps))

    @app.on_partitions_revoked.connect
    async def revoked(sender: Any, /, *args: Any, signal: Any, **kw: Any) -> None:
        tps = args[0] if args else kw.get("revoked", ())
        log.info("partitions revoked: %s", len(tps))

    @app.on_rebalance_complete.connect
    async def recovered(sender: Any, /, *args: Any, signal: Any, **kw: Any) -> None:
        log.info("rebalance complete: tables recovered, agents consuming")


def _build(settings: Settings) -> faust.App:
    brokers = ";".join(
        f"vigil://{host}" for host in settings.kafka_bootstrap.split(",") if host
    )
    return faust.App(
        f"{settings.consumer_group_prefix}-{settings.topic_prefix}streams",
        broker=brokers,
        store="memory://",
        autodiscover=False,
        web_enabled=False,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=1,
        consumer_auto_offset_reset="earliest",
        broker_rebalance_timeout=settings.rebalance_timeout_s,
        broker_session_timeout=max(6.0, settings.rebalance_timeout_s * 2),
        broker_heartbeat_interval=1.0,
        broker_commit_interval=0.5,
        # Faust waits 90 s by default for an answer: one fetch the broker drops
        # would stall every agent that long.
        broker_request_timeout=request_timeout_ms(settings) / 1000,
        stream_recovery_delay=0.0,
        # No static membership (group.instance.id): with Tansu a worker restarted
        # after kill -9 rejoined at generation 0 and, now and then, never fetched
        # its source partitions again (alerts stopped; seen in CI). A dynamic
        # member rejoins at a new generation after the old one's session expires.
        worker_redirect_stdouts=False,
        datadir=str(settings.data_dir / "faust"),
    )
