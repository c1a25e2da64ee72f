"""Append watcher facts to their topics, with read-your-writes through ClickHouse.

A fact is acknowledged once Kafka has it (``acks=all``); a writer that must see it
in the next read (an API call that answers with the new state, an agent that reads
its own memories) also waits until the fact's projector has stored it.
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.kafka import AsyncProducer, Delivered
from infra.settings import Settings
from projections.progress import ProjectionProgress
from projections.watcher_facts import fact_projections
from schemas.watcher_facts import Fact, encode_fact, key_of

# The projection that stores each fact topic (triggers have none).
_PROJECTION_OF = {p.topic: p.name for p in fact_projections()}


class FactLog:
    """Write facts keyed by their watcher; optionally wait for their projection."""

    def __init__(
        self,
        settings: Settings,
        producer: AsyncProducer,
        progress: ProjectionProgress | None,
    ) -> None:
        self.settings = settings
        self.producer = producer
        self.progress = progress

    async def append(
        self, fact: Fact, *, visible: bool = True, derived: bool = False
    ) -> Delivered:
        """Append one fact; with ``visible``, return once reads show it."""
        (delivered,) = await self.append_all([fact], visible=visible, derived=derived)
        return delivered

    async def append_all(
        self, facts: Sequence[Fact], *, visible: bool = True, derived: bool = False
    ) -> list[Delivered]:
        """Append facts in order; with ``visible``, return once reads show them.

        A ``derived`` fact (what an agent made of a trigger it consumed) is not held
        to ``VIGIL_ACK_AFTER=projection``: nobody waits for its acknowledgement, and
        its source is redelivered if it is lost before being stored."""
        delivered = [
            await self.producer.send(
                self.settings.topic(f.topic),
                encode_fact(f),
                key=key_of(f),
            )
            for f in facts
        ]
        if visible or (self.settings.ack_after_projection and not derived):
            await self._stored(facts, delivered)
        return delivered

    async def _stored(self, facts: Sequence[Fact], delivered: list[Delivered]) -> None:
        if self.progress is None:
            return
        last: dict[tuple[str, str, int], int] = {}
        for fact, where in zip(facts, delivered, strict=True):
            projection = _PROJECTION_OF.get(fact.topic)
            if projection is not None:
                last[(projection, where.topic, where.partition)] = where.offset
        for (projection, topic, partition), offset in last.items():
            await self.progress.wait_stored(projection, topic, partition, offset)
