"""A watcher's custom tools and alert channels."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from agents.custom_tools import (
    SchemaInvalid,
    call_webhook,
    check_schema,
    sample_arguments,
)
from agents.outbound import DeliveryFailed, OutboundPolicy, Refused, check_url_syntax
from api.auth import principal_of
from api.entities import EntityAccess
from api.request import body_of
from api.validation import LINE_CONTROLS, Body, ValidationError, check_email
from domain import states
from domain.clock import prefixed_id
from domain.watcher_tools import (
    DeleteChild,
    SaveChannel,
    SaveTool,
    ToolSettings,
    channel_view,
    check_tool_name,
    child_of,
    decide_channel,
    decide_delete_child,
    decide_tool,
    tool_view,
)


def _url(body: Body, name: str, required: bool) -> str | None:
    value = body.string(name, required=required, max_len=2048)
    if value is None:
        return None
    try:
        return check_url_syntax(value)
    except Refused as ex:
        raise ValidationError(name, str(ex)) from ex


def _object(body: Body, name: str) -> dict[str, Any] | None:
    value = body.data.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError(name, "must be an object")
    return value


def _headers(body: Body) -> dict[str, str] | None:
    headers = _object(body, "headers")
    if headers is None:
        return None
    for key, value in headers.items():
        if not isinstance(value, str) or LINE_CONTROLS.search(key + value):
            raise ValidationError(
                "headers", f"{key!r}: values must be strings without control characters"
            )
    return headers


def tool_settings(body: Body, create: bool) -> ToolSettings:
    """The custom tool fields of a body, each checked."""
    name = body.string("name", required=create, max_len=64)
    schema = _object(body, "parameter_schema")
    if schema is not None:
        try:
            check_schema(schema)
        except SchemaInvalid as ex:
            raise ValidationError("parameter_schema", str(ex)) from ex
    settings = ToolSettings(
        name=None if name is None else check_tool_name(name),
        description=body.string(
            "description", required=create, max_len=2000, multiline=True
        ),
        webhook_url=_url(body, "webhook_url", create),
        headers=_headers(body),
        parameter_schema=schema,
        enabled=body.boolean("enabled"),
    )
    return settings


class Tools:
    """``GET/POST /api/watchers/{watcher_id}/tools``."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        self.entities.own(states.Watcher, watcher_id, principal_of(req))
        found = self.entities.state.where(states.CustomTool, "watcher_id", watcher_id)
        resp.media = {"tools": [tool_view(t) for t in found.values()]}

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        self.entities.own(states.Watcher, watcher_id, principal_of(req))
        command = SaveTool(
            ctx=self.entities.context(req),
            watcher_id=watcher_id,
            tool_id=prefixed_id(self.entities.new_id, "ct_"),
            settings=tool_settings(await body_of(req), create=True),
            create=True,
        )
        (event,) = decide_tool(command, self.entities.state)
        tool = await self.entities.write_one(event, states.CustomTool)
        resp.status = falcon.HTTP_201
        resp.media = {"tool": tool_view(tool)}


class Tool:
    """``PUT/DELETE /api/watchers/{watcher_id}/tools/{tool_id}``."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_get(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        tool_id: str,
    ) -> None:
        who = principal_of(req)
        tool = child_of(
            self.entities.state, states.CustomTool, watcher_id, tool_id, who.org_id
        )
        resp.media = {"tool": tool_view(tool)}

    async def on_put(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        tool_id: str,
    ) -> None:
        body = await body_of(req)
        command = SaveTool(
            ctx=self.entities.context(req),
            watcher_id=watcher_id,
            tool_id=tool_id,
            settings=tool_settings(body, create=False),
            create=False,
        )
        (event,) = decide_tool(command, self.entities.state)
        tool = await self.entities.write_one(event, states.CustomTool)
        resp.media = {"tool": tool_view(tool)}

    on_patch = on_put

    async def on_delete(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        tool_id: str,
    ) -> None:
        ctx = self.entities.context(req)
        command = DeleteChild(ctx, watcher_id, states.CustomTool, tool_id)
        await self.entities.write(decide_delete_child(command, self.entities.state))
        resp.media = {"success": True}


class ToolTest:
    """``POST /api/watchers/{watcher_id}/tools/{tool_id}/test``: fire a sample."""

    def __init__(self, entities: EntityAccess, policy: OutboundPolicy) -> None:
        self.entities = entities
        self.policy = policy

    async def on_post(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        tool_id: str,
    ) -> None:
        who = principal_of(req)
        state = self.entities.state
        tool = child_of(state, states.CustomTool, watcher_id, tool_id, who.org_id)
        watcher = state.require(states.Watcher, watcher_id, who.org_id)
        t = tool.state
        try:
            delivery = await call_webhook(
                t.webhook_url,
                t.name,
                sample_arguments(t.parameter_schema),
                watcher_id=watcher_id,
                headers=t.headers,
                secret=watcher.state.signing_secret,
                policy=self.policy,
                test=True,
            )
        except Refused as ex:
            raise ValidationError("webhook_url", str(ex)) from ex
        except DeliveryFailed as ex:
            resp.media = {
                "success": False,
                "status": None,
                "response_body": "",
                "error": str(ex),
            }
            return
        resp.media = {
            "success": 200 <= delivery.status < 300,
            "status": delivery.status,
            "response_body": delivery.body,
        }


def _destination(body: Body, kind: str | None, required: bool) -> str | None:
    value = body.string("destination", required=required, max_len=2048)
    if value is None or kind is None:
        return value
    if kind == "email":
        return check_email("destination", value)
    return _url(Body({"destination": value}), "destination", True)


class Channels:
    """``GET/POST /api/watchers/{watcher_id}/channels``."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        self.entities.own(states.Watcher, watcher_id, principal_of(req))
        found = self.entities.state.where(states.Channel, "watcher_id", watcher_id)
        resp.media = {"channels": [channel_view(c) for c in found.values()]}

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, watcher_id: str
    ) -> None:
        self.entities.own(states.Watcher, watcher_id, principal_of(req))
        body = await body_of(req)
        kind = body.choice("type", ("email", "webhook"))
        if kind is None:
            raise ValidationError("type", "is required (email or webhook)")
        command = SaveChannel(
            ctx=self.entities.context(req),
            watcher_id=watcher_id,
            channel_id=prefixed_id(self.entities.new_id, "ch_"),
            type=kind,
            destination=_destination(body, kind, True),
            enabled=body.boolean("enabled"),
            create=True,
        )
        (event,) = decide_channel(command, self.entities.state)
        channel = await self.entities.write_one(event, states.Channel)
        resp.status = falcon.HTTP_201
        resp.media = {"channel": channel_view(channel)}


class Channel:
    """``PUT/DELETE /api/watchers/{watcher_id}/channels/{channel_id}``."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_put(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        channel_id: str,
    ) -> None:
        who, body = principal_of(req), await body_of(req)
        current = child_of(
            self.entities.state, states.Channel, watcher_id, channel_id, who.org_id
        )
        command = SaveChannel(
            ctx=self.entities.context(req),
            watcher_id=watcher_id,
            channel_id=channel_id,
            destination=_destination(body, current.state.type, False),
            enabled=body.boolean("enabled"),
        )
        (event,) = decide_channel(command, self.entities.state)
        channel = await self.entities.write_one(event, states.Channel)
        resp.media = {"channel": channel_view(channel)}

    on_patch = on_put

    async def on_delete(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        watcher_id: str,
        channel_id: str,
    ) -> None:
        ctx = self.entities.context(req)
        command = DeleteChild(ctx, watcher_id, states.Channel, channel_id)
        await self.entities.write(decide_delete_child(command, self.entities.state))
        resp.media = {"success": True}
