"""Alerts: ``/api/v1/alerts/`` list and detail, acknowledge, resolve, and the live
SSE stream ``/api/v1/alerts/stream/``."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import falcon
import falcon.asgi
import orjson

from api.alert_hub import AlertHub, Interest, Item, Subscriber, drain
from api.auth import Principal, principal_of, still_valid
from api.paging import limit_offset
from api.validation import ValidationError
from domain.alerting import SEVERITIES, check_manual_move
from domain.clock import Clock, IdGenerator
from domain.clock import new_id as domain_new_id
from domain.entity_state import EntityState
from domain.isotime import iso
from infra.clickhouse import AsyncStore
from infra.kafka import AsyncProducer
from infra.settings import Settings
from projections.alerts import list_events, transitions_after
from schemas.alerts import (
    AlertCommandIssued,
    encode_command,
    transition_id,
    transition_json,
)
from schemas.topics import ALERT_COMMANDS_TOPIC

STATUSES = ("active", "acknowledged", "resolved")
REPLAY_LIMIT = 10_000
STREAM_RETRY_S = 5  # Retry-After when a stream is refused for a limit


def choice_param(req: falcon.asgi.Request, name: str, allowed: tuple[str, ...]) -> Any:
    """A query parameter that must be one of ``allowed`` (or absent)."""
    value = req.get_param(name)
    if value is not None and value not in allowed:
        raise ValidationError(name, f"must be one of {', '.join(allowed)}")
    return value


def _uuid(req: falcon.asgi.Request, name: str) -> str | None:
    value = req.get_param(name)
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError as ex:
        raise ValidationError(name, "must be a UUID") from ex


class Alerts:
    """``GET /api/v1/alerts/?status&severity&device_id&limit&offset`` ->
    ``{"events": [...]}``, newest first."""

    def __init__(self, store: AsyncStore, hub: AlertHub) -> None:
        self.store = store
        self.hub = hub

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        limit, offset = limit_offset(req)
        events = await list_events(
            self.store,
            who.org_id,
            status=choice_param(req, "status", STATUSES),
            severity=choice_param(req, "severity", SEVERITIES),
            device_id=_uuid(req, "device_id"),
            limit=limit,
            offset=offset,
        )
        resp.media = {"events": events}


async def find_event(
    store: AsyncStore, hub: AlertHub, org_id: str, event_id: str
) -> dict[str, Any]:
    """One of the org's alerts, or 404 (also for malformed and foreign ids)."""
    try:
        event_id = str(uuid.UUID(event_id))
    except ValueError as ex:
        raise falcon.HTTPNotFound(description=f"alert {event_id} not found") from ex
    found = await list_events(store, org_id, event_id=event_id, limit=1)
    if not found:
        raise falcon.HTTPNotFound(description=f"alert {event_id} not found")
    event = found[0]
    event["status"] = hub.furthest(event_id, event["status"])
    return event


class Alert:
    """``GET /api/v1/alerts/{event_id}/``."""

    def __init__(self, store: AsyncStore, hub: AlertHub) -> None:
        self.store = store
        self.hub = hub

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, event_id: str
    ) -> None:
        org_id = principal_of(req).org_id
        resp.media = await find_event(self.store, self.hub, org_id, event_id)


class AlertAction:
    """``POST /api/v1/alerts/{event_id}/acknowledge/`` and ``.../resolve/``: the
    command goes to the evaluator that owns the series; the answer waits (up to
    5 s) until the transition is on the alerts topic, then shows the alert."""

    WAIT_S = 5.0

    def __init__(
        self,
        store: AsyncStore,
        producer: AsyncProducer,
        hub: AlertHub,
        clock: Clock,
        settings: Settings,
        kind: str,
        new_id: IdGenerator = domain_new_id,
    ) -> None:
        self.store = store
        self.producer = producer
        self.hub = hub
        self.clock = clock
        self.new_id = new_id
        self.topic = settings.topic(ALERT_COMMANDS_TOPIC)
        self.kind = kind
        self.status = "acknowledged" if kind == "acknowledge" else "resolved"

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, event_id: str
    ) -> None:
        who = principal_of(req)
        event = await find_event(self.store, self.hub, who.org_id, event_id)
        check_manual_move(event["status"], self.kind)
        command = AlertCommandIssued(
            self.kind,
            at=self.clock(),
            rule_id=event["rule_id"],
            series_id=event["series_id"],
            alert_seq=event["alert_seq"],
            actor=who.user_id,
            command_id=self.new_id(),
        )
        await self.producer.send(
            self.topic,
            encode_command(command),
            partition=event["source_partition"],
        )
        done = await self.hub.wait_for(
            transition_id(event["event_id"], self.status), self.WAIT_S
        )
        if not done:
            resp.status = falcon.HTTP_202
            resp.media = {**event, "pending": self.status}
            return
        resp.media = {
            **event,
            "status": self.status,
            f"{self.status}_at": iso(command.at),
            f"{self.status}_by": who.user_id,
        }


class AlertStream:
    """``GET /api/v1/alerts/stream/?severity&device_id``: Server-Sent Events."""

    def __init__(
        self,
        state: EntityState,
        store: AsyncStore,
        hub: AlertHub,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.state = state
        self.store = store
        self.hub = hub
        self.clock = clock
        self.heartbeat_s = settings.sse_heartbeat_s
        self.max_streams = settings.sse_max_streams
        self.max_per_org = settings.sse_max_streams_per_org

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        self._admit(who.org_id)
        interest = Interest(
            who.org_id,
            choice_param(req, "severity", SEVERITIES),
            _uuid(req, "device_id"),
        )
        after = self._last_event_id(req)
        with contextlib.suppress(TimeoutError):  # caught up with the topic first
            await asyncio.wait_for(self.hub.ready.wait(), 10)
        if after is not None and not await self.hub.wait_position(after, 5.0):
            after = None  # past the topic's end: an id from an earlier broker
        # Subscribed before the headers go out: a client that sees them and then
        # causes an alert receives it.
        sub = self.hub.subscribe(interest)
        resp.set_header("Cache-Control", "no-cache")
        resp.set_header("X-Accel-Buffering", "no")
        resp.sse = self._events(sub, after, who)

    def _admit(self, org_id: str) -> None:
        """Refuse a stream over the process's or the org's limit (the client
        retries after a while, as EventSource does on its own)."""
        if self.hub.connections() >= self.max_streams:
            raise falcon.HTTPServiceUnavailable(
                description=f"this server holds {self.max_streams} live streams "
                "(VIGIL_SSE_MAX_STREAMS); retry shortly",
                retry_after=STREAM_RETRY_S,
            )
        if self.hub.connections(org_id) >= self.max_per_org:
            raise falcon.HTTPTooManyRequests(
                description=f"your organization holds {self.max_per_org} live "
                "streams on this server (VIGIL_SSE_MAX_STREAMS_PER_ORG); close one "
                "or retry shortly",
                retry_after=STREAM_RETRY_S,
            )

    @staticmethod
    def _last_event_id(req: falcon.asgi.Request) -> int | None:
        raw = req.get_header("Last-Event-ID") or req.get_param("last_event_id")
        if raw is None or raw == "":
            return None
        try:
            return int(raw)
        except ValueError as ex:
            raise ValidationError("Last-Event-ID", "must be an event id") from ex

    async def _missed(self, interest: Interest, after: int) -> tuple[list[Item], bool]:
        """What the client missed, and whether that is all of it (a replay longer
        than REPLAY_LIMIT from ClickHouse ends the stream; the client reconnects
        from the last id it got)."""
        ring = self.hub.replayable(after)
        if ring is not None:
            return ring, True
        older = await transitions_after(
            self.store, interest.org_id, after, REPLAY_LIMIT
        )
        if len(older) >= REPLAY_LIMIT:
            return older, False
        first_in_ring = self.hub.recent[0][0] if self.hub.recent else None
        cut = [i for i in older if first_in_ring is None or i[0] < first_in_ring]
        return cut + list(self.hub.recent), True

    async def _events(
        self, sub: Subscriber, after: int | None, who: Principal
    ) -> AsyncIterator[falcon.asgi.SSEvent | None]:
        interest = sub.interest
        try:
            yield falcon.asgi.SSEvent(comment="connected", retry=2000)
            sent = sub.start if after is None else after
            if after is not None:
                missed, complete = await self._missed(interest, after)
                for offset, event in missed:
                    if offset > sent and interest.wants(event):
                        yield _sse(offset, event)
                        sent = offset
                if not complete:
                    return
            async for item in drain(sub, self.heartbeat_s):
                if not still_valid(self.state, who, self.clock().timestamp()):
                    return  # revoked or expired: the client must authenticate again
                if item is None:
                    yield None  # Falcon sends a ": ping" comment
                elif item[0] > sent:
                    yield _sse(*item)
                    sent = item[0]
        finally:
            self.hub.unsubscribe(sub)


def _sse(offset: int, event: Any) -> falcon.asgi.SSEvent:
    return falcon.asgi.SSEvent(
        event="alert", data=orjson.dumps(transition_json(event)), event_id=str(offset)
    )
