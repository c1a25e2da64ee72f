"""Count API key uses in memory and fold them into the keys' state now and then."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from typing import TYPE_CHECKING

from domain.identity import RecordKeyUsage, decide
from projections.entitylog import EntityConflict

if TYPE_CHECKING:  # only a type here; at run time api.entities imports api.auth,
    # which imports this module
    from api.entities import EntityAccess

log = logging.getLogger(__name__)


class KeyUsage:
    """Per-process usage deltas, written as key updates every ``interval_s``."""

    def __init__(self, entities: EntityAccess, interval_s: float = 5.0) -> None:
        self.entities = entities
        self.interval_s = interval_s
        self.pending: Counter[str] = Counter()
        self.last_used: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None

    def count(self, key_id: str) -> None:
        """Record one use of a key."""
        self.pending[key_id] += 1
        self.last_used[key_id] = self.entities.now_iso()

    def total(self, key_id: str, stored: int) -> int:
        """Stored usage plus what this process has not written yet."""
        return stored + self.pending.get(key_id, 0)

    def start(self) -> None:
        """Start the periodic flush."""
        self._task = asyncio.create_task(self._loop(), name="key-usage")

    async def stop(self) -> None:
        """Stop the loop and write what is pending."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # Best effort at shutdown: the broker may already be gone, usage is advisory.
        with contextlib.suppress(Exception):
            await self.flush()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.flush()
            except Exception:  # the next round retries; usage is advisory
                log.exception("could not write API key usage")

    async def flush(self) -> None:
        """Write each key's pending count; a conflict keeps it for the next round."""
        for key_id, uses in list(self.pending.items()):
            command = RecordKeyUsage(
                key_id, uses, self.last_used.get(key_id), self.entities.now()
            )
            try:
                await self.entities.write(decide(command, self.entities.state))
            except EntityConflict:  # another process wrote the key first
                continue
            self._settle(key_id, uses)

    def _settle(self, key_id: str, uses: int) -> None:
        """Forget ``uses`` now on the log (uses counted meanwhile stay pending)."""
        self.pending[key_id] -= uses
        if self.pending[key_id] <= 0:
            del self.pending[key_id]
            self.last_used.pop(key_id, None)
