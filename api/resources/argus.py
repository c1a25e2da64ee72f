"""Argus: ``POST /api/v1/ai/argus/message/`` (SSE) and the conversation list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import falcon
import falcon.asgi

from agents.argus import Argus
from agents.argus_tools import ArgusTurn
from api.auth import principal_of
from api.entities import EntityAccess
from api.request import body_of
from api.validation import Body, ValidationError, parse_int, parse_uuid
from domain.errors import NotFound
from domain.states import Dashboard, Device, Site
from infra.clickhouse import AsyncStore
from projections.argus_reads import conversation_messages, list_conversations
from projections.investigation_reads import list_investigations

PAGE_IDS: dict[str, type[Any]] = {
    "device_id": Device,
    "site_id": Site,
    "dashboard_id": Dashboard,
}


def page_context(body: Body, entities: EntityAccess, org_id: str) -> dict[str, Any]:
    """The page the user is on; its ids must be the org's (404 otherwise)."""
    raw = body.data.get("page_context")
    if raw is None:
        return {}
    page = Body(raw)
    out: dict[str, Any] = {}
    name = page.string("page", max_len=64)
    if name is not None:
        out["page"] = name
    for field, kind in PAGE_IDS.items():
        value = page.string(field, max_len=64)
        if value is not None:
            entities.state.require(kind, value, org_id)
            out[field] = value
    return out


class ArgusMessage:
    """``POST /api/v1/ai/argus/message/``: one turn, streamed as SSE ``data:``
    blocks."""

    def __init__(self, entities: EntityAccess, store: AsyncStore, argus: Argus):
        self.entities = entities
        self.store = store
        self.argus = argus

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who, body = principal_of(req), await body_of(req)
        message = (
            body.string("message", required=True, max_len=10_000, multiline=True) or ""
        )
        given = body.string("conversation_id", max_len=64)
        conversation = None if given is None else parse_uuid("conversation_id", given)
        user = who.user_id or who.credential_id
        history: list[dict[str, str]] = []
        if conversation is not None:
            history = await conversation_messages(
                self.store, who.org_id, user, conversation
            )
            if not history:
                raise NotFound(f"conversation {conversation} not found")
        page = page_context(body, self.entities, who.org_id)
        turn = ArgusTurn(self.entities.context(req), page)
        resp.content_type = "text/event-stream"
        resp.set_header("Cache-Control", "no-store")
        resp.set_header("X-Accel-Buffering", "no")
        resp.sse = _events(self.argus.turn(turn, message, conversation, history))


async def _events(
    events: AsyncIterator[dict[str, Any]],
) -> AsyncIterator[falcon.asgi.SSEvent]:
    """Each event as one ``data: {json}`` block and nothing else."""
    async for event in events:
        yield falcon.asgi.SSEvent(json=event)


class Conversations:
    """``GET /api/v1/ai/argus/conversations/``."""

    def __init__(self, store: AsyncStore) -> None:
        self.store = store

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        limit = parse_int("limit", req.get_param("limit") or "100", 1, 1000)
        user = who.user_id or who.credential_id
        found = await list_conversations(self.store, who.org_id, user, limit)
        resp.media = {"conversations": found}


STATUSES = ("queued", "running", "complete", "failed")


class Investigations:
    """``GET /api/v1/ai/argus/investigations/`` (``?status=``)."""

    def __init__(self, store: AsyncStore) -> None:
        self.store = store

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        status = req.get_param("status")
        if status is not None and status not in STATUSES:
            raise ValidationError("status", f"must be one of {', '.join(STATUSES)}")
        limit = parse_int("limit", req.get_param("limit") or "100", 1, 1000)
        found = await list_investigations(
            self.store, who.org_id, status=status, limit=limit
        )
        resp.media = {"investigations": found}


class Investigation:
    """``GET /api/v1/ai/argus/investigations/{investigation_id}/``."""

    def __init__(self, store: AsyncStore) -> None:
        self.store = store

    async def on_get(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        investigation_id: str,
    ) -> None:
        who = principal_of(req)
        found = await list_investigations(
            self.store, who.org_id, investigation_id=investigation_id, limit=1
        )
        if not found:
            raise NotFound(f"investigation {investigation_id} not found")
        resp.media = found[0]
