"""API keys (``/api/keys``) and gateway tokens (``/api/v1/ingest/tokens/``)."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from api.auth import principal_of
from api.credentials import new_api_key, new_gateway_token, sha256
from api.entities import EntityAccess
from api.paging import page, window
from api.request import body_of
from api.usage import KeyUsage
from api.validation import Body
from domain import states
from domain.entity import Entity
from domain.identity import (
    PERMISSIONS,
    CreateApiKey,
    CreateGatewayToken,
    DeleteApiKey,
    DeleteGatewayToken,
    decide,
)


def key_view(entity: Entity[states.ApiKey], usage: int) -> dict[str, Any]:
    """An API key as listed (never the key itself)."""
    s = entity.state
    return {
        "id": entity.entity_id,
        "name": s.name,
        "key_prefix": s.key_prefix,
        "permissions": list(s.permissions),
        "usage_count": usage,
        "last_used_at": s.last_used_at,
        "created_at": s.created_at,
    }


def _name(body: Body) -> str:
    value = body.string("name", required=True)
    assert value is not None  # noqa: S101 - required
    return value


class Keys:
    """``GET/POST /api/keys`` (GET: ``{"keys": [...]}``, paged by limit/offset).
    Listing shows no secret, so API keys may; creating needs a signed-in user."""

    user_only = frozenset({"POST"})

    def __init__(self, entities: EntityAccess, usage: KeyUsage) -> None:
        self.entities = entities
        self.usage = usage

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        keys = self.entities.state.in_org(states.ApiKey, principal_of(req).org_id)
        resp.media = {
            "keys": [
                key_view(k, self.usage.total(k.entity_id, k.state.usage_count))
                for k in window(req, keys.values())
            ]
        }

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who, body = principal_of(req), await body_of(req)
        name = _name(body)
        permissions = body.strings("permissions", PERMISSIONS)
        full = new_api_key()
        command = CreateApiKey(
            ctx=self.entities.context(req),
            key_id=self.entities.new_id(),
            user_id=who.user_id,
            name=name,
            permissions=None if permissions is None else tuple(permissions),
            key_hash=sha256(full),
            key_prefix=full[:10],
        )
        (event,) = decide(command, self.entities.state)
        key = await self.entities.write_one(event, states.ApiKey)
        resp.status = falcon.HTTP_201
        resp.media = {"key": {**key_view(key, 0), "full_key": full}}


class Key:
    """``DELETE /api/keys/{key_id}`` (a signed-in user only)."""

    user_only = frozenset({"DELETE"})

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, key_id: str
    ) -> None:
        command = DeleteApiKey(self.entities.context(req), key_id)
        await self.entities.write(decide(command, self.entities.state))
        resp.media = {"success": True}


def token_view(entity: Entity[states.GatewayToken]) -> dict[str, Any]:
    """A gateway token as listed (never the token itself)."""
    s = entity.state
    return {
        "id": entity.entity_id,
        "name": s.name,
        "hardware_id": s.hardware_id,
        "token_prefix": s.token_prefix,
        "created_at": s.created_at,
    }


class GatewayTokens:
    """``GET/POST /api/v1/ingest/tokens/``."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        tokens = self.entities.state.in_org(states.GatewayToken, who.org_id)
        resp.media = page(req, tokens.values(), token_view)

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        body = await body_of(req)
        name = _name(body)
        hardware_id = body.string("hardware_id", max_len=128)
        raw = new_gateway_token()
        command = CreateGatewayToken(
            ctx=self.entities.context(req),
            token_id=self.entities.new_id(),
            name=name,
            hardware_id=hardware_id,
            token_hash=sha256(raw),
            token_prefix=raw[:10],
        )
        (event,) = decide(command, self.entities.state)
        token = await self.entities.write_one(event, states.GatewayToken)
        resp.status = falcon.HTTP_201
        resp.media = {**token_view(token), "raw_token": raw}


class GatewayToken:
    """``GET/DELETE /api/v1/ingest/tokens/{token_id}/`` (DELETE revokes)."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, token_id: str
    ) -> None:
        who = principal_of(req)
        resp.media = token_view(self.entities.own(states.GatewayToken, token_id, who))

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, token_id: str
    ) -> None:
        command = DeleteGatewayToken(self.entities.context(req), token_id)
        await self.entities.write(decide(command, self.entities.state))
        resp.status = falcon.HTTP_204
