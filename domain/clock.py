"""Where times and ids come from: injected everywhere, so tests swap them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
IdGenerator = Callable[[], str]


def utc_now() -> datetime:
    """The real clock (UTC, timezone-aware)."""
    return datetime.now(UTC)


def new_id() -> str:
    """A fresh random UUID as text."""
    return str(uuid.uuid4())


def prefixed_id(new_id: IdGenerator, prefix: str, length: int = 16) -> str:
    """A readable id (``w_…``, ``ct_…``) from the injected generator's UUID."""
    return prefix + new_id().replace("-", "")[:length]
