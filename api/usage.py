"""Count API key uses in memory and fold them into the keys' state now and then."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from datetime import UTC, datetime

from domain.isotime import iso
from projections.entities import EntityState
from projections.entitylog import EntityConflict, EntityLog

log = logging.getLogger(__name__)


class KeyUsage:
    """Per-process usage deltas, written as key updates every ``interval_s``."""

    def __init__(self, interval_s: float = 5.0) -> None:
        self.interval_s = interval_s
        self.pending: Counter[str] = Counter()
        self.last_used: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None

    def count(self, key_id: str) -> None:
        """Record one use of a key."""
        self.pending[key_id] += 1
        self.last_used[key_id] = iso(datetime.now(UTC))

    def total(self, key_id: str, stored: int) -> int:
        """Stored usage plus what this process has not written yet."""
        return stored + self.pending.get(key_id, 0)

    def start(self, entities: EntityLog, state: EntityState) -> None:
        """Start the periodic flush."""
        self._task = asyncio.create_task(self._loop(entities, state), name="key-usage")

    async def stop(self, entities: EntityLog | None, state: EntityState) -> None:
        """Stop the loop and write what is pending."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if entities is not None:
            with contextlib.suppress(Exception):
                await self.flush(entities, state)

    async def _loop(self, entities: EntityLog, state: EntityState) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.flush(entities, state)
            except Exception:  # the next round retries; usage is advisory
                log.exception("could not write API key usage")

    async def flush(self, entities: EntityLog, state: EntityState) -> None:
        """Write each key's pending count; a conflict keeps it for the next round."""
        for key_id, delta in list(self.pending.items()):
            entity = state.get("api_key", key_id)
            if entity is None:
                self.pending.pop(key_id, None)
                continue
            new_state = {
                **entity.state,
                "usage_count": entity.state.get("usage_count", 0) + delta,
                "last_used_at": self.last_used.get(key_id),
            }
            try:
                await entities.update(entity, new_state)
            except EntityConflict:
                continue
            self.pending[key_id] -= delta
            if self.pending[key_id] <= 0:
                del self.pending[key_id]
