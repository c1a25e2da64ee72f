"""Watchers (``/api/watchers``): CRUD, manual invocation and digests."""

from __future__ import annotations

import secrets

import falcon
import falcon.asgi

from agents.watcher_runtime import WatcherRuntime
from api.auth import principal_of
from api.entities import EntityAccess
from api.request import body_of, optional_body_of
from api.validation import Body, ValidationError
from domain import states
from domain.clock import prefixed_id
from domain.watchers import (
    SEVERITIES,
    STATUSES,
    CreateWatcher,
    DeleteWatcher,
    UpdateWatcher,
    WatcherSettings,
    decide,
    watcher_view,
)
from infra.settings import Settings

MAX_PROMPT = 20_000
_IDS = ("site_ids", "device_ids", "rule_ids")


def new_ingest_token() -> str:
    """A watcher's inbox token (letters and digits: it sits in an address)."""
    return "tok_" + secrets.token_hex(12)


def watcher_settings(body: Body) -> WatcherSettings:
    """The watcher fields of a body, each checked."""
    tools = body.strings("tools")
    if tools is not None and any(not 0 < len(t) <= 64 for t in tools):
        raise ValidationError("tools", "names must be 1 to 64 characters")
    return WatcherSettings(
        name=body.string("name"),
        system_prompt=body.string("system_prompt", max_len=MAX_PROMPT, multiline=True),
        tools=None if tools is None else tuple(tools),
        silence_hours=body.number("silence_hours", minimum=0.0001, maximum=8760),
        tick_interval=body.number("tick_interval", minimum=0.01, maximum=525_600),
        model=body.string("model", max_len=200),
        template_id=body.string("template_id", max_len=64),
        status=body.choice("status", STATUSES),
        reactivity=body.number("reactivity", minimum=0, maximum=10),
        memory_sensitivity=body.number("memory_sensitivity", minimum=0, maximum=10),
        subscriptions=_subscriptions(body),
    )


def _subscriptions(body: Body) -> states.Subscriptions | None:
    if body.data.get("subscriptions") is None:
        return None
    sub = Body(body.data["subscriptions"])
    lists = {name: tuple(sub.strings(name) or ()) for name in _IDS}
    severities = sub.strings("severities", SEVERITIES)
    if severities is not None:
        return states.Subscriptions(**lists, severities=tuple(severities))
    return states.Subscriptions(**lists)


class Watchers:
    """``GET/POST /api/watchers``."""

    def __init__(self, entities: EntityAccess, settings: Settings) -> None:
        self.entities = entities
        self.settings = settings

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        found = self.entities.state.in_org(states.Watcher, who.org_id)
        domain = self.settings.mail_domain
        resp.media = {"watchers": [watcher_view(w, domain) for w in found.values()]}

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        body = await body_of(req)
        given = watcher_settings(body)
        if given.name is None:
            raise ValidationError("name", "is required")
        if given.system_prompt is None and given.template_id is None:
            raise ValidationError("system_prompt", "is required")
        command = CreateWatcher(
            ctx=self.entities.context(req),
            watcher_id=prefixed_id(self.entities.new_id, "w_"),
            settings=given,
            ingest_token=new_ingest_token(),
            signing_secret="whsec_" + secrets.token_hex(24),
            default_model=self.settings.llm_model,
        )
        (event,) = decide(command, self.entities.state)
        watcher = await self.entities.write_one(event, states.Watcher)
        resp.status = falcon.HTTP_201
        resp.media = {"watcher": watcher_view(watcher, self.settings.mail_domain)}


class Watcher:
    """``GET/PUT/DELETE /api/watchers/{watcher_id}``."""

    def __init__(self, entities: EntityAccess, settings: Settings) -> None:
        self.entities = entities
        self.settings = settings

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        watcher = self.entities.own(states.Watcher, watcher_id, principal_of(req))
        resp.media = {"watcher": watcher_view(watcher, self.settings.mail_domain)}

    async def on_put(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        body = await body_of(req)
        self.entities.own(states.Watcher, watcher_id, principal_of(req))
        command = UpdateWatcher(
            self.entities.context(req), watcher_id, watcher_settings(body)
        )
        (event,) = decide(command, self.entities.state)
        watcher = await self.entities.write_one(event, states.Watcher)
        resp.media = {"watcher": watcher_view(watcher, self.settings.mail_domain)}

    on_patch = on_put

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        command = DeleteWatcher(self.entities.context(req), watcher_id)
        await self.entities.write(decide(command, self.entities.state))
        resp.media = {"success": True}


class Invoke:
    """``POST /api/watchers/{watcher_id}/invoke``: chat or query mode."""

    def __init__(self, entities: EntityAccess, runtime: WatcherRuntime) -> None:
        self.entities = entities
        self.runtime = runtime

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        watcher = self.entities.own(states.Watcher, watcher_id, principal_of(req))
        body = await optional_body_of(req)
        message = body.string("message", max_len=MAX_PROMPT, multiline=True)
        query = body.string("query", max_len=MAX_PROMPT, multiline=True)
        if message is not None and query is not None:
            raise ValidationError("message", "give message or query, not both")
        if message is not None:
            answer = await self.runtime.chat(watcher, message)
            resp.media = {"response": answer}
            return
        resp.media = await self.runtime.query(watcher, query)


class Digest:
    """``POST /api/watchers/{watcher_id}/digest``: mail a digest now."""

    def __init__(self, entities: EntityAccess, runtime: WatcherRuntime) -> None:
        self.entities = entities
        self.runtime = runtime

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        watcher = self.entities.own(states.Watcher, watcher_id, principal_of(req))
        resp.media = {"digest": await self.runtime.digest(watcher)}
