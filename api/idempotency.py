"""Remember answers by Idempotency-Key so a gateway's retry is stored once."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any


class IdempotencyCache:
    """Bounded, time-limited answers per (credential, key); concurrent retries of one
    key wait for the first attempt instead of writing twice."""

    def __init__(self, ttl_s: float = 86_400, max_keys: int = 100_000) -> None:
        self.ttl_s = ttl_s
        self.max_keys = max_keys
        self._done: OrderedDict[tuple[str, str], tuple[float, Any]] = OrderedDict()
        self._running: dict[tuple[str, str], asyncio.Future[Any]] = {}

    async def run(
        self, scope: str, key: str | None, work: Callable[[], Awaitable[Any]]
    ) -> tuple[Any, bool]:
        """``(answer, replayed)``: the stored answer for a known key, else ``work()``'s
        (stored only when it succeeds)."""
        if not key:
            return await work(), False
        slot = (scope, key)
        self._expire()
        if slot in self._done:
            return self._done[slot][1], True
        running = self._running.get(slot)
        if running is not None:
            return await asyncio.shield(running), True
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._running[slot] = future
        try:
            answer = await work()
        except BaseException as ex:
            future.set_exception(ex)
            future.exception()  # retrieved: a waiter re-raises it, nobody else must
            raise
        finally:
            self._running.pop(slot, None)
        future.set_result(answer)
        self._done[slot] = (time.monotonic() + self.ttl_s, answer)
        return answer, False

    def _expire(self) -> None:
        now = time.monotonic()
        while self._done:
            slot, (expires, _) = next(iter(self._done.items()))
            if expires > now and len(self._done) <= self.max_keys:
                break
            self._done.popitem(last=False)
