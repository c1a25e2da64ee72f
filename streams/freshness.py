"""Judging a record with the entities that existed when it was written.

Each process folds the entity log on its own, a few milliseconds behind (longer
after a restart or a slow fetch). An agent that judged a measurement with a model
that has not yet seen the rule created just before it would skip it for good, so
agents first wait until their model has folded everything appended before the
record's timestamp (:meth:`projections.readmodel.EntityReadModel.wait_fresh`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

# Given a record's wall-clock timestamp in ms, wait until the entity model has
# folded every event appended before it (False when it gave up waiting).
Freshness = Callable[[int], Awaitable[bool]]


async def wait_fresh(fresh: Freshness | None, message: Any) -> None:
    """Wait for ``fresh`` with a Faust message's timestamp (seconds, or None)."""
    timestamp = getattr(message, "timestamp", None)
    if fresh is not None and timestamp:
        await fresh(int(timestamp * 1000))
