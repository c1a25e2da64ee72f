"""Argus memory: ``GET/POST /api/v1/ai/argus/memory/`` (semantic search with ``q``)."""

from __future__ import annotations

import falcon
import falcon.asgi

from agents.ai_memory import recall, remember
from api.auth import principal_of
from api.entities import EntityAccess
from api.request import body_of
from api.validation import parse_int
from domain import ai_memory as rules
from infra.clickhouse import AsyncStore
from projections.fact_log import FactLog


class ArgusMemory:
    """List (newest first), search (``q``: ranked, with ``score``) and create."""

    def __init__(
        self, entities: EntityAccess, store: AsyncStore, facts: FactLog
    ) -> None:
        self.e = entities
        self.store = store
        self.facts = facts

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        limit = parse_int("limit", req.get_param("limit") or "100", 1, rules.MAX_LIMIT)
        chosen = rules.filters(
            device_id=req.get_param("device_id"),
            site_id=req.get_param("site_id"),
            memory_type=req.get_param("memory_type"),
        )
        org_id = principal_of(req).org_id
        query = req.get_param("q")
        found = await recall(self.store, org_id, query, limit, chosen, now=self.e.now())
        resp.media = {"memories": found}

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        body = await body_of(req)
        who = principal_of(req)
        resp.media = await remember(
            self.facts,
            self.e.state,
            who.org_id,
            body.string(
                "content", required=True, max_len=rules.MAX_CONTENT, multiline=True
            )
            or "",
            memory_id=self.e.new_id(),
            at=self.e.now(),
            memory_type=body.string("memory_type"),
            salience=body.number("salience"),
            device_id=body.string("device_id", max_len=64),
            site_id=body.string("site_id", max_len=64),
            source="manual",
            actor=who.user_id or who.credential_id,
        )
        resp.status = falcon.HTTP_201
