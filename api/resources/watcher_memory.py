"""A watcher's memories (``/api/watchers/{watcher_id}/memory``): state-carrying
facts whose newest version ClickHouse keeps."""

from __future__ import annotations

import dataclasses
from typing import Any

import falcon
import falcon.asgi

from api.request import body_of
from api.resources.watcher_data import WatcherData
from api.validation import Body
from domain.clock import prefixed_id
from domain.errors import Invalid, NotFound
from domain.isotime import parse_iso, to_micros
from projections.watcher_reads import list_memories
from schemas.watcher_facts import MemoryChanged


def memory_fields(body: Body, create: bool) -> dict[str, Any]:
    """Content, importance (1-5) and obsolete of a memory body."""
    content = body.string("content", required=create, max_len=10_000, multiline=True)
    importance = body.integer("importance", minimum=1, maximum=5)
    given: dict[str, Any] = {"content": content, "importance": importance}
    if not create:
        given["obsolete"] = body.boolean("obsolete")
    given = {k: v for k, v in given.items() if v is not None}
    if not create and not given:
        raise Invalid("body", "give at least one of content, importance, obsolete")
    return given


class Memories:
    """``GET/POST /api/watchers/{watcher_id}/memory``."""

    def __init__(self, data: WatcherData) -> None:
        self.data = data

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        watcher = self.data.watcher(req, watcher_id)
        found = await list_memories(self.data.store, watcher.org_id, watcher_id)
        resp.media = {"memories": found}

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        watcher = self.data.watcher(req, watcher_id)
        given = memory_fields(await body_of(req), create=True)
        at = self.data.entities.now()
        memory = MemoryChanged(
            memory_id=prefixed_id(self.data.entities.new_id, "m_"),
            watcher_id=watcher_id,
            org_id=watcher.org_id,
            version=to_micros(at),
            content=given["content"],
            importance=given.get("importance", 3),
            created_at=at,
            at=at,
        )
        await self.data.facts.append(memory)
        resp.status = falcon.HTTP_201
        resp.media = {"memory": await _memory(self.data, memory)}


async def _memory(data: WatcherData, memory: MemoryChanged) -> dict[str, Any]:
    found = await list_memories(
        data.store,
        memory.org_id,
        memory.watcher_id,
        include_obsolete=True,
        memory_id=memory.memory_id,
    )
    if not found:
        raise NotFound(f"memory {memory.memory_id} not found")
    return found[0]


class Memory:
    """``PUT/DELETE /api/watchers/{watcher_id}/memory/{memory_id}``."""

    def __init__(self, data: WatcherData) -> None:
        self.data = data

    async def _current(
        self, req: falcon.asgi.Request, watcher_id: str, memory_id: str
    ) -> MemoryChanged:
        watcher = self.data.watcher(req, watcher_id)
        found = await list_memories(
            self.data.store,
            watcher.org_id,
            watcher_id,
            include_obsolete=True,
            memory_id=memory_id,
        )
        if not found:
            raise NotFound(f"memory {memory_id} not found")
        m = found[0]
        at = self.data.entities.now()
        return MemoryChanged(
            memory_id=memory_id,
            watcher_id=watcher_id,
            org_id=watcher.org_id,
            version=to_micros(at),
            content=m["content"],
            importance=m["importance"],
            obsolete=m["obsolete"],
            source=m["source"],
            created_at=parse_iso(m["created_at"]),
            at=at,
        )

    async def on_put(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        memory_id: str,
    ) -> None:
        given = memory_fields(await body_of(req), create=False)
        current = await self._current(req, watcher_id, memory_id)
        after = _replace(current, **given)
        await self.data.facts.append(after)
        resp.media = {"memory": await _memory(self.data, after)}

    on_patch = on_put

    async def on_delete(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        memory_id: str,
    ) -> None:
        current = await self._current(req, watcher_id, memory_id)
        await self.data.facts.append(_replace(current, deleted=True))
        resp.media = {"success": True}


def _replace(memory: MemoryChanged, **changes: Any) -> MemoryChanged:
    return dataclasses.replace(memory, **changes)
