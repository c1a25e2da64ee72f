"""Investigations: a background agent job that looks into an alert or a device.

An investigation is a state-carrying fact (queued → running → complete | failed)
on ``vigil.investigations.v1``, read from ClickHouse. The job gathers the evidence
in code (the alert, its series over the last hours, the device's other alerts,
memories of the device and site when a memory search is configured), then asks the
model for findings through the one tool loop; its tokens and cost are on the
investigation, and counted in usage.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from agents.llm import LLMError, resolve_model
from agents.loop import Limits, chat_message, run_loop
from domain.clock import Clock
from domain.isotime import to_micros
from infra.clickhouse import AsyncStore
from projections.alerts import list_events
from projections.fact_log import FactLog
from projections.investigation_reads import series_summary
from schemas.watcher_facts import InvestigationChanged, stable_id

log = logging.getLogger(__name__)
GUIDE = (
    "You investigate a sensor alert for an operations team. From the evidence in "
    "CONTEXT, write short findings: what happened, how unusual it is, related "
    "alerts, and what to check next. Plain English, numbers with units."
)
Recall = Callable[[str, str, str | None], Awaitable[list[str]]]


@dataclass(frozen=True)
class InvestigatorConfig:
    """The model and the bounds of every job."""

    model: str
    fallback: str
    limits: Limits


class Investigator:
    """Start and run investigations."""

    def __init__(
        self,
        store: AsyncStore,
        facts: FactLog,
        config: InvestigatorConfig,
        clock: Clock,
        recall: Recall | None = None,
    ) -> None:
        self.store = store
        self.facts = facts
        self.config = config
        self.clock = clock
        self.recall = recall
        self._jobs: set[asyncio.Task[InvestigationChanged]] = set()

    async def start(
        self,
        org_id: str,
        trigger: str,
        title: str,
        *,
        key: str,
        alert_event_id: str | None = None,
        device_id: str | None = None,
        alert: dict[str, Any] | None = None,
    ) -> InvestigationChanged:
        """Queue an investigation (its id derives from ``key``: a re-sent start
        keeps it) and run it in the background; ``alert``: what the starter knows
        of the alert (the stream has it before the projection does)."""
        at = self.clock()
        queued = InvestigationChanged(
            investigation_id=stable_id("inv_", org_id, key),
            org_id=org_id,
            version=to_micros(at),
            status="queued",
            trigger=trigger,
            title=title[:200],
            created_at=at,
            at=at,
            alert_event_id=alert_event_id,
            device_id=device_id,
            evidence=orjson.dumps({"alert": alert} if alert else {}).decode(),
        )
        await self.facts.append(queued)
        job = asyncio.create_task(self.run(queued), name=queued.investigation_id)
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)
        return queued

    async def run(self, queued: InvestigationChanged) -> InvestigationChanged:
        """Gather, ask the model, and write the findings (or the failure)."""
        await self._write(queued, status="running")
        try:
            evidence = await self._evidence(queued)
            model = resolve_model(self.config.model, self.config.fallback)
            user = chat_message(
                f"Investigate: {queued.title}", {"investigation": evidence}
            )
            result = await run_loop(model, GUIDE, user, [], self.config.limits)
        except (LLMError, TimeoutError, OSError) as ex:
            log.warning("investigation %s failed: %s", queued.investigation_id, ex)
            return await self._write(queued, status="failed", findings=str(ex))
        return await self._write(
            queued,
            status="complete" if result.answer else "failed",
            findings=result.answer,
            evidence=orjson.dumps(evidence, default=str).decode(),
            model=result.model,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            cost_usd=result.cost_usd,
        )

    async def _evidence(self, job: InvestigationChanged) -> dict[str, Any]:
        evidence: dict[str, Any] = {"title": job.title}
        alert = orjson.loads(job.evidence or "{}").get("alert")
        if alert is None and job.alert_event_id:
            found = await list_events(
                self.store, job.org_id, event_id=job.alert_event_id, limit=1
            )
            alert = found[0] if found else None
        device_id = job.device_id or (alert or {}).get("device_id")
        if alert is not None:
            evidence["alert"] = {
                k: alert.get(k)
                for k in ("rule_name", "severity", "status", "device", "quantity")
            } | {"value": alert.get("value"), "triggered_at": alert.get("triggered_at")}
            series = alert.get("binding_id") or alert.get("series_id")
            if series:
                evidence["series"] = await series_summary(
                    self.store, job.org_id, str(series)
                )
        if device_id:
            related = await list_events(
                self.store, job.org_id, device_id=device_id, limit=20
            )
            evidence["related_alerts"] = [
                {
                    "rule_name": r["rule_name"],
                    "status": r["status"],
                    "at": r["triggered_at"],
                }
                for r in related
                if r["event_id"] != job.alert_event_id
            ]
        if self.recall is not None:
            evidence["memories"] = await self.recall(job.org_id, job.title, device_id)
        return evidence

    async def _write(
        self, job: InvestigationChanged, **changes: Any
    ) -> InvestigationChanged:
        at = self.clock()
        after = dataclasses.replace(
            job, version=max(to_micros(at), job.version + 1), at=at, **changes
        )
        await self.facts.append(after, visible=False, derived=True)
        return after
