"""Read-side queries of Argus memories: newest first, or ranked for a query.

Every query has the org in its WHERE, as a parameter: no memory of another org
is ever read. A row stored twice is returned once: ``LIMIT 1 BY memory_id``, which
in a search costs a full sort of the org's rows (2x the time at 100,000 memories),
so a search first takes the top ``2 * limit`` rows with a plain top-N and keeps
the first ``limit`` distinct ids; only when duplicates leave fewer than that does
it run the query with ``LIMIT 1 BY`` (both give the same answer).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from domain import ai_memory as rules
from domain.ai_memory import MemoryFilters
from domain.isotime import iso, to_micros
from infra.clickhouse import AsyncStore
from schemas.ai_memory import AiMemoryRecorded

_COLUMNS = (
    "memory_id, content, memory_type, salience, device_id, site_id, source, created_at"
)

# The blend of domain/ai_memory.py score(), in SQL. Vectors of another model are
# not compared (similarity 0), nor are zero vectors (NaN -> 0).
_SEARCH = """
SELECT {columns},
  ifNotFinite(if(embedding_model = {{model:String}},
                 1 - cosineDistance(embedding, {{vector:Array(Float32)}}), 0), 0)
    AS similarity,
  exp(-greatest({{now_us:Int64}} - toUnixTimestamp64Micro(created_at), 0)
      / 1e6 / {{scale_s:Float64}}) AS recency,
  {{w_similarity:Float64}} * similarity + {{w_salience:Float64}} * salience
    + {{w_recency:Float64}} * recency AS score
FROM {db}.ai_memories
WHERE org_id = {{org:String}} {where}
ORDER BY score DESC, created_at DESC, memory_id
{dedup}
LIMIT {{limit:UInt32}}
"""

_DEDUP = "LIMIT 1 BY memory_id"

_LATEST = """
SELECT {columns}
FROM {db}.ai_memories
WHERE org_id = {{org:String}} {where}
ORDER BY created_at DESC, memory_id DESC
LIMIT 1 BY memory_id
LIMIT {{limit:UInt32}}
"""


async def latest_memories(
    store: AsyncStore, org_id: str, filters: MemoryFilters, limit: int
) -> list[dict[str, Any]]:
    """An org's memories, newest first."""
    where, params = _narrowed(org_id, filters, limit)
    sql = _LATEST.format(columns=_COLUMNS, db=store.database, where=where)
    rows = await store.query(sql, params)
    return [memory_view(r) for r in rows.dicts()]


async def search_memories(
    store: AsyncStore,
    org_id: str,
    vector: Sequence[float],
    model: str,
    filters: MemoryFilters,
    limit: int,
    now: datetime,
) -> list[dict[str, Any]]:
    """An org's memories ranked for a query vector, best first, with their score."""
    where, params = _narrowed(org_id, filters, limit)
    params.update(
        model=model,
        vector=list(vector),
        now_us=to_micros(now),
        scale_s=rules.RECENCY_SCALE_S,
        w_similarity=rules.SIMILARITY_WEIGHT,
        w_salience=rules.SALIENCE_WEIGHT,
        w_recency=rules.RECENCY_WEIGHT,
    )
    ranked = await _ranked(store, where, {**params, "limit": 2 * limit}, "")
    found = first_distinct(ranked, limit)
    if len(found) < limit and len(ranked) == 2 * limit:  # duplicates crowded in
        found = await _ranked(store, where, params, _DEDUP)
    return [memory_view(r) for r in found]


async def _ranked(
    store: AsyncStore, where: str, params: dict[str, Any], dedup: str
) -> list[dict[str, Any]]:
    sql = _SEARCH.format(columns=_COLUMNS, db=store.database, where=where, dedup=dedup)
    return (await store.query(sql, params)).dicts()


def first_distinct(rows: Sequence[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rows of distinct ``memory_id``, in order."""
    seen: set[str] = set()
    kept = []
    for row in rows:
        if row["memory_id"] not in seen:
            seen.add(row["memory_id"])
            kept.append(row)
    return kept[:limit]


def _narrowed(
    org_id: str, filters: MemoryFilters, limit: int
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause's filters and every parameter, the org first."""
    params: dict[str, Any] = {"org": org_id, "limit": limit}
    where = ""
    for column, value in dataclasses.asdict(filters).items():
        if value is not None:
            where += f" AND {column} = {{{column}:String}}"
            params[column] = value
    return where, params


def fact_view(memory: AiMemoryRecorded) -> dict[str, Any]:
    """A memory as the API shows it, from the fact itself."""
    return memory_view(dataclasses.asdict(memory))


def memory_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """A memory as the API shows it (with ``score`` when ranked)."""
    view = {
        "id": row["memory_id"],
        "content": row["content"],
        "memory_type": row["memory_type"],
        "salience": float(row["salience"]),
        "device_id": row["device_id"],
        "site_id": row["site_id"],
        "source": row["source"],
        "created_at": _iso(row["created_at"]),
    }
    if "score" in row:
        view["score"] = round(float(row["score"]), 6)
    return view


def _iso(moment: datetime) -> str:
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
