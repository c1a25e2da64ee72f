"""Argus's institutional memory: remember and recall, for the API and as tools.

Both ``/api/v1/ai/argus/memory/`` and the assistant's tools go through these two
functions. A memory's embedding is computed here, before the fact is written:
the fact carries its vector, so the projection and every replay need no model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agents.embeddings import MODEL, embed_async
from domain import ai_memory as rules
from domain.ai_memory import MemoryFilters
from domain.clock import utc_now
from domain.entity_state import EntityState
from infra.clickhouse import AsyncStore
from projections.ai_memory_reads import fact_view, latest_memories, search_memories
from projections.fact_log import FactLog
from schemas.ai_memory import AiMemoryRecorded

# JSON schemas of the assistant's tools (arguments are checked against them).
REMEMBER_TOOL: dict[str, Any] = {
    "type": "object",
    "properties": {
        "content": {"type": "string", "minLength": 1, "maxLength": rules.MAX_CONTENT},
        "memory_type": {"type": "string", "enum": list(rules.MEMORY_TYPES)},
        "salience": {"type": "number", "minimum": 0, "maximum": 1},
        "device_id": {"type": "string"},
        "site_id": {"type": "string"},
    },
    "required": ["content"],
}
RECALL_TOOL: dict[str, Any] = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "maxLength": rules.MAX_QUERY},
        "limit": {"type": "integer", "minimum": 1, "maximum": 50},
        "memory_type": {"type": "string", "enum": list(rules.MEMORY_TYPES)},
        "device_id": {"type": "string"},
        "site_id": {"type": "string"},
    },
}


async def remember(
    facts: FactLog,
    state: EntityState,
    org_id: str,
    content: str,
    *,
    memory_id: str,
    at: datetime,
    memory_type: str | None = None,
    salience: float | None = None,
    device_id: str | None = None,
    site_id: str | None = None,
    source: str = "agent",
    actor: str | None = None,
) -> dict[str, Any]:
    """Store a memory; return its view once a recall can find it."""
    draft = rules.draft(
        state, org_id, content, memory_type, salience, device_id, site_id
    )
    memory = AiMemoryRecorded(
        memory_id=memory_id,
        org_id=org_id,
        content=draft.content,
        memory_type=draft.memory_type,
        salience=draft.salience,
        embedding=await embed_async(draft.content),
        embedding_model=MODEL,
        created_at=at,
        device_id=draft.device_id,
        site_id=draft.site_id,
        source=source,
        actor=actor,
    )
    await facts.append(memory, visible=True)
    return fact_view(memory)


async def recall(
    store: AsyncStore,
    org_id: str,
    query: str | None = None,
    limit: int = 10,
    filters: MemoryFilters | None = None,
    *,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """An org's memories: ranked for ``query`` (each with ``score``), or newest
    first without one."""
    text = rules.search_text(query)
    limit = rules.result_limit(limit)
    chosen = filters or MemoryFilters()
    if text is None:
        return await latest_memories(store, org_id, chosen, limit)
    vector = await embed_async(text)
    when = now or utc_now()
    return await search_memories(store, org_id, vector, MODEL, chosen, limit, when)
