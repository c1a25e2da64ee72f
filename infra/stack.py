"""Compose the platform: topics, store, producer, read model, projectors, Faust.

The API process (``vigil dev`` / ``vigil api``) and ``vigil worker`` both start a
:class:`Platform`; the flags in the settings say which parts run where.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from agents.llm import warm as warm_llm
from agents.mailroom import Mailroom
from agents.nlq.service import NlqService
from domain.clock import Clock, IdGenerator, utc_now
from domain.clock import new_id as domain_new_id
from infra.assembly import argus_assistant, watcher_runtime
from infra.clickhouse import AsyncStore, StoreError, open_store
from infra.inbox import Inbox, InboxConfig
from infra.kafka import AsyncProducer
from infra.remote_store import RemoteStore
from infra.settings import Settings
from infra.topics import TOPICS, ensure_topics
from projections.ai_memories import ai_memory_projection
from projections.alerts import AlertsProjection
from projections.archive import EntityArchive, rehydrate
from projections.entitylog import EntityLog
from projections.fact_log import FactLog
from projections.measurements import DerivedProjection, MeasurementsProjection
from projections.migrations import apply_retention, migrate
from projections.progress import ProjectionProgress
from projections.projector import Projector
from projections.readmodel import EntityReadModel
from projections.watcher_facts import fact_projections

log = logging.getLogger(__name__)


class Platform:
    """Everything one Vigil process runs, started and stopped in order (the Faust
    agents take their times and ids from ``clock`` and ``new_id``)."""

    def __init__(
        self,
        settings: Settings,
        start_timeout_s: float = 120.0,
        clock: Clock = utc_now,
        new_id: IdGenerator = domain_new_id,
    ) -> None:
        self.settings = settings
        self.start_timeout_s = start_timeout_s
        self.clock = clock
        self.new_id = new_id
        # Built now, opened in start(): the API is composed before the platform runs.
        self.store = AsyncStore(database=settings.clickhouse_database)
        self.producer = AsyncProducer(settings)
        self.model = EntityReadModel(settings)
        # With VIGIL_ACK_AFTER=projection a write is acknowledged once ClickHouse has
        # it (the embedded broker keeps topics in memory).
        self.progress = (
            ProjectionProgress(settings) if settings.ack_after_projection else None
        )
        self.entities = EntityLog(
            settings, self.producer, self.model, new_id, self.progress
        )
        # Facts are read from ClickHouse: writers wait for their projection.
        self.fact_progress = self.progress or ProjectionProgress(settings)
        self.facts = FactLog(settings, self.producer, self.fact_progress)
        self.runtime = watcher_runtime(
            settings, self.model.state, self.store, self.facts, clock, new_id
        )
        self.nlq = NlqService(self.model.state, self.store, settings, clock)
        self.argus = argus_assistant(
            settings,
            self.model.state,
            self.entities,
            self.store,
            self.facts,
            clock,
            new_id,
            self.nlq,
        )
        self.mailroom = Mailroom(
            self.model.state, self.facts, clock, settings.mail_domain
        )
        self.inbox: Inbox | None = None
        self.projectors: list[Projector] = []
        self.faust: Any = None
        self.evaluator: Any = None
        self.watchers: Any = None
        self.prism: Any = None
        self.started = False
        self.rehydrated = 0

    async def start(self) -> None:
        """Start every part; the API must not serve before this returns."""
        t0 = time.monotonic()
        s = self.settings
        await asyncio.to_thread(ensure_topics, s, TOPICS)
        self.store.attach(await asyncio.to_thread(open_store, s))
        applied = await asyncio.to_thread(migrate, self.store.sync)
        if applied:
            log.info("applied %s migration(s)", len(applied))
        await asyncio.to_thread(apply_retention, self.store.sync, s.retention_days())
        self.producer.open()
        # litellm takes seconds to import: in the background, before the first run.
        if s.ai_warm:
            self._warming = asyncio.create_task(asyncio.to_thread(warm_llm), name="llm")
        self.rehydrated = await rehydrate(s, self.store, self.producer)
        await self.model.start()
        await self.model.wait_caught_up(self.start_timeout_s)
        if s.projectors_enabled:
            await self._start_projectors()
        if s.faust_enabled:
            await self._start_faust()
            if s.inbox_enabled:
                await self._start_inbox()
        self.started = True
        log.info("platform started in %.1fs", time.monotonic() - t0)

    async def _start_projectors(self) -> None:
        self.projectors = [
            Projector(self.settings, self.store, EntityArchive()),
            Projector(self.settings, self.store, MeasurementsProjection()),
            Projector(self.settings, self.store, DerivedProjection()),
            Projector(self.settings, self.store, AlertsProjection()),
            *(Projector(self.settings, self.store, p) for p in fact_projections()),
            Projector(self.settings, self.store, ai_memory_projection()),
        ]
        await asyncio.gather(*(p.start() for p in self.projectors))

    async def _start_inbox(self) -> None:
        s = self.settings
        config = InboxConfig(s.smtp_host, s.smtp_port, s.mail_domain, s.mail_max_bytes)
        inbox = Inbox(config, self.mailroom.resolve, self._file_mail)
        try:
            await inbox.start()
        except OSError as ex:  # the port is taken: say so, serve everything else
            log.error(
                "SMTP inbox not started on %s:%s: %s", s.smtp_host, s.smtp_port, ex
            )
            print(
                f"vigil: SMTP inbox NOT started ({ex}); set VIGIL_SMTP_PORT", flush=True
            )
            return
        self.inbox = inbox
        (s.data_dir / "smtp.port").write_text(str(self.inbox.port))
        print(f"vigil: SMTP inbox on {s.smtp_host}:{self.inbox.port}", flush=True)

    async def _file_mail(
        self, watcher_id: str, raw: bytes, sender: str, recipients: tuple[str, ...]
    ) -> None:
        await self.mailroom.accept(watcher_id, raw, sender, recipients)

    async def _start_faust(self) -> None:
        from streams.alert_agents import AlertEvaluator
        from streams.app import create_faust_app
        from streams.prism.agents import PrismAgents
        from streams.watcher_agents import WatcherAgents

        s, state, model = self.settings, self.model.state, self.model

        async def fresh(since_ms: int) -> bool:
            return await model.wait_fresh(since_ms, s.write_timeout_s)

        self.faust = create_faust_app(s)
        self.evaluator = AlertEvaluator(
            self.faust, s, state, self.producer, self.clock, self.new_id, fresh
        )
        self.prism = PrismAgents(
            self.faust, s, state, self.producer, self.clock, self.new_id, fresh
        )
        investigator = self.argus.box.investigator if s.investigate_critical else None
        self.watchers = WatcherAgents(
            self.faust, s, state, self.producer, self.runtime, self.clock, investigator
        )
        await self.faust.start()

    async def stop(self) -> None:
        """Stop in reverse order; buffered projections are flushed first."""
        self.started = False
        log.info("platform stopping")
        if self.inbox is not None:
            await self.inbox.stop()
        if self.faust is not None:
            await self.faust.stop()
        await self._drain_archive()
        for projector in self.projectors:
            await projector.stop()
        await self.model.stop()
        await self.fact_progress.stop()
        await asyncio.to_thread(self.producer.close)
        await asyncio.to_thread(self.store.close)
        log.info("platform stopped")

    async def _drain_archive(self, timeout_s: float = 15.0) -> None:
        """Wait until every entity event this process saw is archived: with a
        memory-only broker the archive is what survives the restart."""
        archive = next(
            (p for p in self.projectors if p.table.endswith("entity_archive")), None
        )
        if archive is None or archive.failed is not None:
            return
        deadline = time.monotonic() + timeout_s
        while archive.flushed.get(0, -1) < self.model.state.offset:
            if time.monotonic() > deadline:
                log.warning("entity archive still behind the log at shutdown")
                return
            await asyncio.sleep(0.05)

    async def readiness(self) -> dict[str, str]:
        """Each dependency's state: ``ok`` or what is wrong."""
        checks = {
            "broker": await self._check_broker(),
            "clickhouse": await self._check_clickhouse(),
            "read_model": self._check_read_model(),
            "projectors": self._check_projectors(),
        }
        if self.faust is not None:
            checks["streams"] = self._check_streams()
        worker = await self._check_worker()
        if worker is not None:
            checks["worker"] = worker
        return checks

    async def _check_worker(self) -> str | None:
        """With chDB in a stream worker process: its projectors and agents."""
        try:
            store = self.store.sync
        except StoreError:
            return None
        if not isinstance(store, RemoteStore):
            return None
        try:
            checks = await asyncio.to_thread(store.readiness)
        except StoreError as ex:
            return f"unreachable: {ex}"
        bad = [f"{name}: {state}" for name, state in checks.items() if state != "ok"]
        return "; ".join(bad) if bad else "ok"

    def _check_streams(self) -> str:
        """Faust has its partitions and has recovered its tables."""
        app = self.faust
        if getattr(app, "rebalancing", False) or app.tables.recovery.in_recovery:
            return "rebalancing"
        if not app.consumer.assignment():
            return "waiting for partitions"
        return "ok"

    async def _check_broker(self) -> str:
        if not self.started:
            return "not started"
        try:
            await asyncio.to_thread(self.producer.ping)
        except Exception as ex:  # any client failure means not reachable
            return f"unreachable: {ex}"
        return "ok"

    async def _check_clickhouse(self) -> str:
        if not self.started:
            return "not started"
        try:
            await asyncio.wait_for(self.store.query("SELECT 1"), 5)
        except Exception as ex:  # any engine failure means not ready
            return f"unavailable: {ex}"
        return "ok"

    def _check_read_model(self) -> str:
        if self.model.failed is not None:
            return f"failed: {self.model.failed}"
        return "ok" if self.model.caught_up.is_set() else "catching up"

    def _check_projectors(self) -> str:
        failed = [p.table for p in self.projectors if p.failed is not None]
        retrying = [p.table for p in self.projectors if p.retrying is not None]
        if failed:
            return f"failed: {', '.join(failed)}"
        return f"retrying inserts: {', '.join(retrying)}" if retrying else "ok"
