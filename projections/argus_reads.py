"""Read Argus conversations from ClickHouse (one row per message)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.isotime import iso
from infra.clickhouse import AsyncStore


async def list_conversations(
    store: AsyncStore, org_id: str, user_id: str, limit: int = 100
) -> list[dict[str, Any]]:
    """A user's conversations, most recent first, titled by their first message."""
    sql = f"""
    SELECT conversation_id, argMinIf(content, at, role = 'user') AS title,
           min(at) AS created_at, max(at) AS updated_at,
           toUInt32(count()) AS message_count
    FROM (SELECT * FROM {store.database}.argus_messages
          WHERE org_id = {{org:String}} AND user_id = {{user:String}}
          LIMIT 1 BY message_id)
    GROUP BY conversation_id
    ORDER BY updated_at DESC
    LIMIT {{limit:UInt32}}
    """
    rows = await store.query(sql, {"org": org_id, "user": user_id, "limit": limit})
    return [
        {
            "id": r["conversation_id"],
            "conversation_id": r["conversation_id"],
            "title": _title(r["title"]),
            "message_count": int(r["message_count"]),
            "created_at": _iso(r["created_at"]),
            "updated_at": _iso(r["updated_at"]),
        }
        for r in rows.dicts()
    ]


async def conversation_messages(
    store: AsyncStore, org_id: str, user_id: str, conversation_id: str
) -> list[dict[str, str]]:
    """The messages of one of a user's conversations, oldest first."""
    sql = f"""
    SELECT role, content FROM {store.database}.argus_messages
    WHERE org_id = {{org:String}} AND user_id = {{user:String}}
      AND conversation_id = {{conversation:String}}
    ORDER BY at, message_id
    LIMIT 1 BY message_id
    LIMIT 200
    """
    params = {"org": org_id, "user": user_id, "conversation": conversation_id}
    rows = await store.query(sql, params)
    return [{"role": str(r[0]), "content": str(r[1])} for r in rows.rows]


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 80 else line[:77] + "..."


def _iso(moment: datetime) -> str:
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
