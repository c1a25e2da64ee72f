"""A watcher's threads, memories and actions (facts read from ClickHouse)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import falcon
import falcon.asgi
import orjson

from api.auth import principal_of
from api.entities import EntityAccess
from api.request import body_of
from api.validation import Body, ValidationError, parse_int
from domain import states
from domain.clock import prefixed_id
from domain.errors import Invalid, NotFound
from domain.watchers import THREAD_STATUSES, check_closable
from infra.clickhouse import AsyncStore
from projections.fact_log import FactLog
from projections.watcher_reads import (
    list_actions,
    list_threads,
    thread_messages,
)
from schemas.watcher_facts import ThreadChanged


@dataclass(frozen=True)
class WatcherData:
    """What the data resources use: entities (to check the watcher), the store
    and the fact log."""

    entities: EntityAccess
    store: AsyncStore
    facts: FactLog

    def watcher(self, req: falcon.asgi.Request, watcher_id: str) -> Any:
        """The caller's live watcher (404 for a missing, foreign or deleted one)."""
        return self.entities.own(states.Watcher, watcher_id, principal_of(req))

    async def thread(self, org_id: str, watcher_id: str, thread_id: str) -> Any:
        """One thread's view, or 404."""
        found = await list_threads(
            self.store, org_id, watcher_id, thread_id=thread_id, limit=1
        )
        if not found:
            raise NotFound(f"thread {thread_id} not found")
        return found[0]

    async def change_thread(
        self, req: falcon.asgi.Request, watcher_id: str, thread_id: str, **fields: Any
    ) -> None:
        """Append one change of a thread (visible to the next read)."""
        who, at = principal_of(req), self.entities.now()
        await self.facts.append(
            ThreadChanged(
                change_id=prefixed_id(self.entities.new_id, "tc_", 20),
                thread_id=thread_id,
                watcher_id=watcher_id,
                org_id=who.org_id,
                at=at,
                actor=who.user_id or who.credential_id,
                **fields,
            )
        )


class Threads:
    """``GET /api/watchers/{watcher_id}/threads`` (``?status=``)."""

    def __init__(self, data: WatcherData) -> None:
        self.data = data

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        watcher = self.data.watcher(req, watcher_id)
        status = req.get_param("status")
        if status is not None and status not in THREAD_STATUSES:
            raise ValidationError(
                "status", f"must be one of {', '.join(THREAD_STATUSES)}"
            )
        limit = parse_int("limit", req.get_param("limit") or "100", 1, 1000)
        offset = parse_int("offset", req.get_param("offset") or "0", 0, 10**9)
        threads = await list_threads(
            self.data.store,
            watcher.org_id,
            watcher_id,
            status=status,
            limit=limit,
            offset=offset,
        )
        resp.media = {"threads": threads}


class Thread:
    """``GET/PUT/DELETE /api/watchers/{watcher_id}/threads/{thread_id}``."""

    def __init__(self, data: WatcherData) -> None:
        self.data = data

    async def on_get(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        thread_id: str,
    ) -> None:
        watcher = self.data.watcher(req, watcher_id)
        thread = await self.data.thread(watcher.org_id, watcher_id, thread_id)
        thread["messages"] = await thread_messages(
            self.data.store, watcher.org_id, watcher_id, thread_id
        )
        resp.media = {"thread": thread}

    async def on_put(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        thread_id: str,
    ) -> None:
        watcher = self.data.watcher(req, watcher_id)
        body = await body_of(req)
        changes = _thread_changes(body)
        await self.data.thread(watcher.org_id, watcher_id, thread_id)
        await self.data.change_thread(
            req, watcher_id, thread_id, kind="updated", **changes
        )
        resp.media = {
            "thread": await self.data.thread(watcher.org_id, watcher_id, thread_id)
        }

    on_patch = on_put

    async def on_delete(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        thread_id: str,
    ) -> None:
        watcher = self.data.watcher(req, watcher_id)
        await self.data.thread(watcher.org_id, watcher_id, thread_id)
        await self.data.change_thread(req, watcher_id, thread_id, kind="deleted")
        resp.media = {"success": True}


def _thread_changes(body: Body) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "status": body.choice("status", THREAD_STATUSES),
        "summary": body.string("summary", max_len=10_000, blank=True, multiline=True),
    }
    flags = body.data.get("flags")
    if flags is not None:
        if not isinstance(flags, dict):
            raise ValidationError("flags", "must be an object")
        changes["flags"] = orjson.dumps(flags).decode()
    given = {k: v for k, v in changes.items() if v is not None}
    if not given:
        raise Invalid("body", "give at least one of status, summary, flags")
    return given


class CloseThread:
    """``POST /api/watchers/{watcher_id}/threads/{thread_id}/close``."""

    def __init__(self, data: WatcherData) -> None:
        self.data = data

    async def on_post(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        thread_id: str,
    ) -> None:
        watcher = self.data.watcher(req, watcher_id)
        thread = await self.data.thread(watcher.org_id, watcher_id, thread_id)
        check_closable(thread["status"])
        await self.data.change_thread(
            req, watcher_id, thread_id, kind="updated", status="resolved"
        )
        resp.media = {
            "thread": await self.data.thread(watcher.org_id, watcher_id, thread_id)
        }


class Actions:
    """``GET /api/watchers/{watcher_id}/actions`` (``?limit=``, ``?thread_id=``)."""

    def __init__(self, data: WatcherData) -> None:
        self.data = data

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        watcher = self.data.watcher(req, watcher_id)
        limit = parse_int("limit", req.get_param("limit") or "50", 1, 1000)
        actions = await list_actions(
            self.data.store,
            watcher.org_id,
            watcher_id,
            limit=limit,
            thread_id=req.get_param("thread_id"),
        )
        resp.media = {"actions": actions}
