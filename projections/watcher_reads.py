"""Read-side queries of watcher facts: threads, messages, memories, actions, usage.

Every query is scoped by org and watcher; the caller checks the watcher is the
caller's and alive first, so a deleted watcher's data disappears from every read.
A fact re-sent after a crash is kept once (``LIMIT 1 BY`` its id).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import orjson

from domain.isotime import iso
from infra.clickhouse import AsyncStore
from schemas.watcher_facts import ActionRecorded

_THREADS = """
SELECT thread_id,
  argMinIf(subject, at, kind = 'message') AS subject,
  argMaxIf(status, at, status IS NOT NULL) AS status,
  argMaxIf(summary, at, summary IS NOT NULL) AS summary,
  argMaxIf(flags, at, flags IS NOT NULL) AS flags,
  toUInt32(uniqExactIf(mail_id, kind = 'message')) AS message_count,
  groupUniqArrayIf(assumeNotNull(sender), kind = 'message') AS participants,
  min(at) AS created_at, max(at) AS updated_at,
  maxIf(at, kind = 'message') AS last_message_at,
  countIf(kind = 'deleted') AS deleted
FROM (SELECT * FROM {db}.watcher_thread_changes
      WHERE org_id = {{org:String}} AND watcher_id = {{watcher:String}} {where}
      LIMIT 1 BY change_id)
GROUP BY thread_id
HAVING deleted = 0 {having}
ORDER BY updated_at DESC, thread_id
LIMIT {{limit:UInt32}} OFFSET {{offset:UInt32}}
"""


async def list_threads(
    store: AsyncStore,
    org_id: str,
    watcher_id: str,
    *,
    status: str | None = None,
    thread_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """A watcher's threads, most recently active first."""
    params: dict[str, Any] = {
        "org": org_id,
        "watcher": watcher_id,
        "limit": limit,
        "offset": offset,
    }
    where = having = ""
    if thread_id is not None:
        where, params["thread"] = "AND thread_id = {thread:String}", thread_id
    if status is not None:
        having, params["status"] = "AND status = {status:String}", status
    sql = _THREADS.format(db=store.database, where=where, having=having)
    rows = await store.query(sql, params)
    return [_thread_view(watcher_id, r) for r in rows.dicts()]


def _thread_view(watcher_id: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["thread_id"],
        "watcher_id": watcher_id,
        "subject": row["subject"] or "",
        "status": row["status"] or "active",
        "summary": row["summary"] or "",
        "flags": orjson.loads(row["flags"]) if row["flags"] else {},
        "message_count": int(row["message_count"]),
        "participants": sorted(row["participants"]),
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "last_message_at": _iso(row["last_message_at"]),
    }


async def thread_messages(
    store: AsyncStore, org_id: str, watcher_id: str, thread_id: str
) -> list[dict[str, Any]]:
    """The mails of one thread, oldest first."""
    sql = f"""
    SELECT mail_id, message_id, subject, sender, sender_name, recipients, text,
           attachments, received_at
    FROM {store.database}.watcher_mails
    WHERE org_id = {{org:String}} AND watcher_id = {{watcher:String}}
      AND mail_id IN (
        SELECT mail_id FROM {store.database}.watcher_thread_changes
        WHERE org_id = {{org:String}} AND watcher_id = {{watcher:String}}
          AND thread_id = {{thread:String}} AND kind = 'message')
    ORDER BY received_at, mail_id
    LIMIT 1 BY mail_id
    """
    params = {"org": org_id, "watcher": watcher_id, "thread": thread_id}
    rows = await store.query(sql, params)
    return [_message_view(r) for r in rows.dicts()]


def _message_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["mail_id"],
        "message_id": row["message_id"],
        "subject": row["subject"],
        "from": row["sender"],
        "from_name": row["sender_name"],
        "to": list(row["recipients"]),
        "text": row["text"],
        "attachments": orjson.loads(row["attachments"] or "[]"),
        "received_at": _iso(row["received_at"]),
    }


async def list_memories(
    store: AsyncStore,
    org_id: str,
    watcher_id: str,
    *,
    include_obsolete: bool = False,
    memory_id: str | None = None,
) -> list[dict[str, Any]]:
    """A watcher's live memories (newest version of each), most important first."""
    where = "" if include_obsolete else "AND NOT obsolete"
    params: dict[str, Any] = {"org": org_id, "watcher": watcher_id}
    if memory_id is not None:
        where += " AND memory_id = {memory:String}"
        params["memory"] = memory_id
    sql = f"""
    SELECT memory_id, content, importance, obsolete, source, created_at, at
    FROM {store.database}.watcher_memories FINAL
    WHERE org_id = {{org:String}} AND watcher_id = {{watcher:String}}
      AND NOT deleted {where}
    ORDER BY importance DESC, created_at DESC, memory_id
    LIMIT 1000
    """
    rows = await store.query(sql, params)
    return [_memory_view(watcher_id, r) for r in rows.dicts()]


def _memory_view(watcher_id: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["memory_id"],
        "watcher_id": watcher_id,
        "content": row["content"],
        "importance": int(row["importance"]),
        "obsolete": bool(row["obsolete"]),
        "source": row["source"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["at"]),
    }


async def list_actions(
    store: AsyncStore,
    org_id: str,
    watcher_id: str,
    *,
    limit: int = 50,
    thread_id: str | None = None,
    invocation_id: str | None = None,
) -> list[dict[str, Any]]:
    """A watcher's actions, newest first."""
    params: dict[str, Any] = {"org": org_id, "watcher": watcher_id, "limit": limit}
    where = ""
    if thread_id is not None:
        where += " AND thread_id = {thread:String}"
        params["thread"] = thread_id
    if invocation_id is not None:
        where += " AND invocation_id = {invocation:String}"
        params["invocation"] = invocation_id
    sql = f"""
    SELECT action_id, invocation_id, trigger_type, tool, arguments, result, ok,
           thread_id, model, prompt_tokens, completion_tokens, cost_usd, created_at
    FROM {store.database}.watcher_actions
    WHERE org_id = {{org:String}} AND watcher_id = {{watcher:String}} {where}
    ORDER BY created_at DESC, action_id DESC
    LIMIT 1 BY action_id
    LIMIT {{limit:UInt32}}
    """
    rows = await store.query(sql, params)
    return [_action_view(watcher_id, r) for r in rows.dicts()]


def action_view(action: ActionRecorded) -> dict[str, Any]:
    """An action as the API shows it, from the fact itself."""
    return _action_view(action.watcher_id, dataclasses.asdict(action))


def _action_view(watcher_id: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["action_id"],
        "watcher_id": watcher_id,
        "invocation_id": row["invocation_id"],
        "trigger_type": row["trigger_type"],
        "tool": row["tool"],
        "arguments": orjson.loads(row["arguments"] or "{}"),
        "result": row["result"],
        "ok": bool(row["ok"]),
        "thread_id": row["thread_id"],
        "model": row["model"],
        "prompt_tokens": int(row["prompt_tokens"]),
        "completion_tokens": int(row["completion_tokens"]),
        "cost_usd": float(row["cost_usd"]),
        "created_at": _iso(row["created_at"]),
    }


_USAGE = """
SELECT watcher_id,
  sum(cost_usd) AS cost,
  toUInt32(uniqExact(invocation_id)) AS invocations,
  toUInt32(countIf(tool = 'send_alert' AND ok)) AS alerts,
  toUInt32(uniqExactIf(invocation_id, trigger_type = 'email_received')) AS emails,
  sumIf(cost_usd, created_at >= {{month:DateTime64(6, 'UTC')}}) AS month_cost,
  toUInt32(uniqExactIf(invocation_id, created_at >= {{month:DateTime64(6, 'UTC')}}))
    AS month_invocations
FROM (SELECT * FROM {db}.watcher_actions WHERE org_id = {{org:String}}
      LIMIT 1 BY action_id)
GROUP BY watcher_id
"""


async def usage_by_watcher(
    store: AsyncStore, org_id: str, month_start: datetime
) -> list[dict[str, Any]]:
    """Per watcher: cost, invocations, alerts, emails, and this month's share."""
    sql = _USAGE.format(db=store.database)
    month = month_start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    rows = await store.query(sql, {"org": org_id, "month": month})
    return rows.dicts()


def _iso(moment: datetime | None) -> str | None:
    if moment is None or moment.timestamp() <= 0:
        return None
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


async def thread_history(
    store: AsyncStore, org_id: str, watcher_id: str, limit: int = 5000
) -> tuple[list[tuple[str, str, str]], datetime | None]:
    """A watcher's threaded mails (message id, thread id, subject), oldest first,
    and when its last mail came: what its lost Faust tables are rebuilt from."""
    sql = f"""
    SELECT m.message_id, t.thread_id, m.subject, m.received_at
    FROM {store.database}.watcher_thread_changes AS t
    INNER JOIN {store.database}.watcher_mails AS m ON m.mail_id = t.mail_id
    WHERE t.org_id = {{org:String}} AND t.watcher_id = {{watcher:String}}
      AND m.org_id = {{org:String}} AND m.watcher_id = {{watcher:String}}
      AND t.kind = 'message'
    ORDER BY m.received_at DESC
    LIMIT {{limit:UInt32}}
    """
    params = {"org": org_id, "watcher": watcher_id, "limit": limit}
    rows = (await store.query(sql, params)).rows
    history = [(str(r[0]), str(r[1]), str(r[2])) for r in reversed(rows)]
    last = rows[0][3] if rows else None
    return history, last


async def assistant_usage(
    store: AsyncStore, org_id: str, month_start: datetime
) -> dict[str, Any]:
    """Argus answers and investigations: cost and runs, in all and this month."""
    month = month_start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    sql = f"""
    SELECT sum(c) AS cost, toUInt32(count()) AS invocations,
           sumIf(c, at >= {{month:DateTime64(6, 'UTC')}}) AS month_cost,
           toUInt32(countIf(at >= {{month:DateTime64(6, 'UTC')}})) AS month_invocations
    FROM (
      SELECT cost_usd AS c, at FROM (
        SELECT * FROM {store.database}.argus_messages
        WHERE org_id = {{org:String}} AND role = 'assistant' LIMIT 1 BY message_id)
      UNION ALL
      SELECT cost_usd AS c, at FROM {store.database}.investigations FINAL
      WHERE org_id = {{org:String}} AND status IN ('complete', 'failed')
    )
    """
    row = (await store.query(sql, {"org": org_id, "month": month})).dicts()[0]
    return {
        "cost": round(float(row["cost"] or 0.0), 10),
        "invocations": int(row["invocations"]),
        "month_cost": float(row["month_cost"] or 0.0),
        "month_invocations": int(row["month_invocations"]),
    }
