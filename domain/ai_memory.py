"""Argus memories: what a memory may say, what it may point at, how search ranks.

Pure: the API and the assistant's tools both decide through here, and the read
side ranks with the same weights (``projections/ai_memory_reads.py`` writes this
formula in SQL; a test holds the two together).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.entity_state import EntityState
from domain.errors import Invalid
from domain.states import Device, Site

MEMORY_TYPES = ("observation", "procedure", "anomaly", "maintenance")
DEFAULT_TYPE = "observation"
DEFAULT_SALIENCE = 0.5
MAX_CONTENT = 10_000
MAX_QUERY = 1_000
MAX_LIMIT = 1_000

# score = 0.75 * similarity + 0.15 * salience + 0.10 * recency, where similarity is
# the cosine similarity of query and memory (1 - cosineDistance), and recency
# exp(-age / 30 days) decays from 1 (just written) to 0.37 at 30 days.
SIMILARITY_WEIGHT = 0.75
SALIENCE_WEIGHT = 0.15
RECENCY_WEIGHT = 0.10
RECENCY_SCALE_S = 30 * 86_400.0


@dataclass(frozen=True)
class MemoryDraft:
    """A memory's checked fields, before it has an id, a time or an embedding."""

    content: str
    memory_type: str = DEFAULT_TYPE
    salience: float = DEFAULT_SALIENCE
    device_id: str | None = None
    site_id: str | None = None


@dataclass(frozen=True)
class MemoryFilters:
    """What a listing or a search is narrowed to (None: any)."""

    device_id: str | None = None
    site_id: str | None = None
    memory_type: str | None = None


def draft(
    state: EntityState,
    org_id: str,
    content: str,
    memory_type: str | None = None,
    salience: float | None = None,
    device_id: str | None = None,
    site_id: str | None = None,
) -> MemoryDraft:
    """Check a memory against the rules and the org's devices and sites."""
    text = content.strip()
    if not text:
        raise Invalid("content", "must not be empty")
    if len(text) > MAX_CONTENT:
        raise Invalid("content", f"must be at most {MAX_CONTENT} characters")
    kind = _memory_type(memory_type or DEFAULT_TYPE)
    weight = DEFAULT_SALIENCE if salience is None else salience
    if not 0.0 <= weight <= 1.0 or math.isnan(weight):
        raise Invalid("salience", "must be between 0 and 1")
    if device_id is not None and state.owned(Device, device_id, org_id) is None:
        raise Invalid("device_id", f"device {device_id} not found")
    if site_id is not None and state.owned(Site, site_id, org_id) is None:
        raise Invalid("site_id", f"site {site_id} not found")
    return MemoryDraft(text, kind, weight, device_id, site_id)


def filters(
    device_id: str | None = None,
    site_id: str | None = None,
    memory_type: str | None = None,
) -> MemoryFilters:
    """Filters of a listing; an unknown memory type is refused."""
    kind = None if memory_type is None else _memory_type(memory_type)
    return MemoryFilters(device_id or None, site_id or None, kind)


def search_text(query: str | None) -> str | None:
    """The semantic query, or None for a plain newest-first listing."""
    text = (query or "").strip()
    if len(text) > MAX_QUERY:
        raise Invalid("q", f"must be at most {MAX_QUERY} characters")
    return text or None


def result_limit(limit: int) -> int:
    """How many memories a listing or search answers: 1 to 1,000."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def score(similarity: float, salience: float, age_s: float) -> float:
    """The blended rank of one memory for one query."""
    recency = math.exp(-max(age_s, 0.0) / RECENCY_SCALE_S)
    return (
        SIMILARITY_WEIGHT * similarity
        + SALIENCE_WEIGHT * salience
        + RECENCY_WEIGHT * recency
    )


def _memory_type(value: str) -> str:
    if value not in MEMORY_TYPES:
        raise Invalid("memory_type", f"must be one of {', '.join(MEMORY_TYPES)}")
    return value
