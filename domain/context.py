"""Who issues a command, in which org, and when (every decision needs it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Context:
    """Who asks, in which org, and when."""

    org_id: str
    at: datetime
    actor: str | None = None
