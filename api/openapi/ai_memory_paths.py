"""OpenAPI path items of Argus memory: list, semantic search and create."""

from __future__ import annotations

from api.openapi.parts import (
    Doc,
    choice,
    free_text,
    integer,
    nullable,
    number,
    op,
    q,
    text,
)
from domain import ai_memory as rules

_TYPES = ", ".join(rules.MEMORY_TYPES)
_DAYS = round(rules.RECENCY_SCALE_S / 86_400)

MEMORY = {
    "type": "object",
    "required": ["content"],
    "properties": {
        "content": free_text(rules.MAX_CONTENT),
        "memory_type": nullable(
            choice(*rules.MEMORY_TYPES, default=rules.DEFAULT_TYPE)
        ),
        "salience": nullable(number(0, 1, default=rules.DEFAULT_SALIENCE)),
        "device_id": nullable(text(64, description="A device of the caller's org")),
        "site_id": nullable(text(64, description="A site of the caller's org")),
    },
}
MEMORY_NOTE = (
    "A memory: `{id, content, memory_type, salience, device_id, site_id, source, "
    "created_at}`; `source` is `manual` (written through this API) or `agent` "
    "(written by the Argus assistant). `content` is required, non-empty, at most "
    f"{rules.MAX_CONTENT:,} characters; `memory_type` one of {_TYPES} (default "
    f"{rules.DEFAULT_TYPE}); `salience` 0-1 (default {rules.DEFAULT_SALIENCE}); "
    "`device_id` / `site_id` must name "
    "a device / site of the caller's org. Any other value is 400 naming the field. "
    "The answer comes once the memory is stored: a GET right after finds it."
)
SEARCH_NOTE = (
    "Without `q`: the org's memories, newest first. With `q` (at most "
    f"{rules.MAX_QUERY:,} "
    "characters): semantic search. The query and every memory are embedded with "
    "wordllama's bundled `l2_supercat` model (256 dimensions, unit length; a "
    "memory's vector is computed when it is written) and each memory gets "
    f"`score = {rules.SIMILARITY_WEIGHT} * similarity + {rules.SALIENCE_WEIGHT} * "
    f"salience + {rules.RECENCY_WEIGHT} * recency`, where "
    "`similarity` is the cosine similarity of query and memory (1 - ClickHouse "
    f"`cosineDistance`, -1 to 1) and `recency = exp(-age / {_DAYS} days)` (1 when "
    f"just written, 0.37 at {_DAYS} days); results are best first and each carries its "
    "`score`. Every memory of the org is ranked: a search always answers the "
    "`limit` best, however weak the match. Filters (`device_id`, `site_id`, "
    "`memory_type`; an unknown type is 400) narrow both. Only the caller's org's "
    "memories are ever returned."
)

AI_MEMORY_PATHS: Doc = {
    "/api/v1/ai/argus/memory/": {
        "get": op(
            'List or search Argus memories: `{"memories": [...]}`.',
            "ai",
            params=[
                q(
                    "q",
                    "Semantic search query (ranked by `score`).",
                    {"type": "string", "maxLength": rules.MAX_QUERY},
                ),
                q("device_id", "Only memories about this device (empty: any)."),
                q("site_id", "Only memories about this site (empty: any)."),
                q("memory_type", f"One of {_TYPES}.", choice(*rules.MEMORY_TYPES)),
                q(
                    "limit",
                    f"1-{rules.MAX_LIMIT}, default 100.",
                    integer(1, rules.MAX_LIMIT),
                ),
            ],
            description=SEARCH_NOTE,
        ),
        "post": op(
            "Create an Argus memory.",
            "ai",
            "201",
            "The memory itself: `{id, content, memory_type, salience, device_id, "
            "site_id, source, created_at}`.",
            MEMORY,
            description=MEMORY_NOTE,
        ),
    },
}
