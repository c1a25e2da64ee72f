"""API keys (``/api/keys``) and gateway tokens (``/api/v1/ingest/tokens/``)."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from api.auth import principal_of
from api.common import Services, body_of, by_creation, page
from api.identity import new_api_key, new_gateway_token, sha256
from projections.entities import Entity

PERMISSIONS = ("read", "write")


def key_view(entity: Entity, usage: int) -> dict[str, Any]:
    """An API key as listed (never the key itself)."""
    s = entity.state
    return {
        "id": entity.entity_id,
        "name": s["name"],
        "key_prefix": s["key_prefix"],
        "permissions": s["permissions"],
        "usage_count": usage,
        "last_used_at": s.get("last_used_at"),
        "created_at": s["created_at"],
    }


class Keys:
    """``GET/POST /api/keys``."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        keys = by_creation(self.s.state.in_org("api_key", who.org_id).values())
        resp.media = {
            "keys": [
                key_view(
                    k, self.s.usage.total(k.entity_id, k.state.get("usage_count", 0))
                )
                for k in keys
            ]
        }

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        body = await body_of(req)
        name = body.string("name", required=True)
        permissions = body.strings("permissions", PERMISSIONS, default=["read"])
        if not permissions:
            permissions = ["read"]
        if "write" in permissions and "read" not in permissions:
            permissions = ["read", *permissions]
        full = new_api_key()
        state = {
            "name": name,
            "key_prefix": full[:10],
            "permissions": permissions,
            "user_id": who.user_id,
            "usage_count": 0,
            "last_used_at": None,
            "created_at": self.s.now_iso(),
        }
        entity = await self.s.entities.create(
            "api_key", who.org_id, state, (f"api_key.hash:{sha256(full)}",)
        )
        resp.status = falcon.HTTP_201
        resp.media = {"key": {**key_view(entity, 0), "full_key": full}}


class Key:
    """``DELETE /api/keys/{key_id}``."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, key_id: str
    ) -> None:
        entity = self.s.own(req, "api_key", key_id)
        await self.s.entities.delete(entity)
        resp.media = {"success": True}


def token_view(entity: Entity) -> dict[str, Any]:
    """A gateway token as listed (never the token itself)."""
    s = entity.state
    return {
        "id": entity.entity_id,
        "name": s["name"],
        "hardware_id": s.get("hardware_id"),
        "token_prefix": s["token_prefix"],
        "created_at": s["created_at"],
    }


class GatewayTokens:
    """``GET/POST /api/v1/ingest/tokens/``."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        tokens = by_creation(self.s.state.in_org("gateway_token", who.org_id).values())
        resp.media = page(req, tokens, token_view)

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        body = await body_of(req)
        name = body.string("name", required=True)
        hardware_id = body.string("hardware_id", max_len=128)
        raw = new_gateway_token()
        state = {
            "name": name,
            "hardware_id": hardware_id,
            "token_prefix": raw[:10],
            "created_at": self.s.now_iso(),
        }
        entity = await self.s.entities.create(
            "gateway_token", who.org_id, state, (f"gateway_token.hash:{sha256(raw)}",)
        )
        resp.status = falcon.HTTP_201
        resp.media = {**token_view(entity), "raw_token": raw}


class GatewayToken:
    """``GET/DELETE /api/v1/ingest/tokens/{token_id}/`` (DELETE revokes)."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, token_id: str
    ) -> None:
        resp.media = token_view(self.s.own(req, "gateway_token", token_id))

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, token_id: str
    ) -> None:
        entity = self.s.own(req, "gateway_token", token_id)
        await self.s.entities.delete(entity)
        resp.status = falcon.HTTP_204
