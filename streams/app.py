"""The Faust app: one per process, configured from Vigil settings."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import faust

from infra.settings import Settings
from streams.transport import register as register_transport

log = logging.getLogger(__name__)


def create_faust_app(settings: Settings, instance: str | None = None) -> faust.App:
    """Build the Faust app (agents register on it in their own modules)."""
    register_transport()
    app = _build(settings, instance)
    _log_rebalances(app)
    return app


def _log_rebalances(app: faust.App) -> None:
    """One line per assignment and per completed recovery: after a crash, the log
    says when the worker had its partitions back and its tables recovered."""

    @app.on_partitions_assigned.connect
    async def assigned(sender: Any, assigned: Any, **_: Any) -> None:
        log.info("partitions assigned: %s", len(assigned))

    @app.on_rebalance_complete.connect
    async def recovered(sender: Any, **_: Any) -> None:
        log.info("rebalance complete: tables recovered, agents consuming")


def _build(settings: Settings, instance: str | None) -> faust.App:
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
        stream_recovery_delay=0.0,
        # Static membership: a restarted worker takes its partitions back
        # without a rebalance of the whole group.
        consumer_group_instance_id=instance or _instance_id(settings),
        worker_redirect_stdouts=False,
        datadir=str(settings.data_dir / "faust"),
    )


def _instance_id(settings: Settings) -> str:
    """A stable id per process (host and port); gunicorn workers share the port,
    so with several of them each adds its pid (static membership then only spares
    the rebalance for single-worker processes)."""
    base = f"{socket.gethostname()}-{settings.port}"
    return f"{base}-{os.getpid()}" if settings.workers > 1 else base
