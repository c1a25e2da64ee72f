"""What every resource shares: services, the clock, org-scoped lookups, pagination."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import falcon
import falcon.asgi

from api.alert_hub import AlertHub
from api.auth import Principal
from api.identity import Tokens
from api.paging import limit_offset, page
from api.usage import KeyUsage
from api.validation import Body
from domain.isotime import iso, parse_iso
from infra.settings import Settings
from infra.stack import Platform
from projections.entities import Entity, EntityState

__all__ = ["limit_offset", "page"]
from projections.entitylog import EntityLog


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class Presence:
    """When each device was last seen (filled by the telemetry path)."""

    def __init__(self, online_window_s: float = 300.0) -> None:
        self.online_window_s = online_window_s
        self.seen: dict[str, datetime] = {}

    def last_seen(self, device_id: str) -> str | None:
        """ISO time the device last reported, or None."""
        moment = self.seen.get(device_id)
        return iso(moment) if moment else None

    def merge(self, seen: dict[str, datetime]) -> None:
        """Take newer last-seen times (from the latest-value table)."""
        for device_id, moment in seen.items():
            current = self.seen.get(device_id)
            if current is None or moment > current:
                self.seen[device_id] = moment

    def is_online(self, last_seen: str | None, now: datetime | None = None) -> bool:
        """Whether a device last seen then counts as online now."""
        if last_seen is None:
            return False
        moment = parse_iso(last_seen)
        return ((now or utc_now()) - moment).total_seconds() <= self.online_window_s


@dataclass
class Services:
    """Dependencies handed to each resource (tests swap the clock)."""

    settings: Settings
    platform: Platform
    tokens: Tokens
    usage: KeyUsage
    clock: Callable[[], datetime] = field(default=utc_now)
    presence: Presence = field(default_factory=Presence)
    hub: AlertHub = field(init=False)

    def __post_init__(self) -> None:
        self.hub = AlertHub(self.settings)

    @property
    def state(self) -> EntityState:
        """The entity read model."""
        return self.platform.model.state

    @property
    def entities(self) -> EntityLog:
        """The entity writer (available once the platform started)."""
        if self.platform.entities is None:
            raise falcon.HTTPServiceUnavailable(description="starting", retry_after=2)
        return self.platform.entities

    def own(self, req: falcon.asgi.Request, entity_type: str, entity_id: str) -> Entity:
        """The caller's entity, or 404 (see :func:`owned`)."""
        return owned(self.state, entity_type, entity_id, req.context.principal)

    def now_iso(self) -> str:
        """The current time as UTC ISO-8601."""
        return iso(self.clock())

    async def redefine(self, entity: Entity, definition: dict[str, Any]) -> Entity:
        """Replace an entity's definition, keeping its creation time."""
        state = {
            **definition,
            "created_at": entity.state["created_at"],
            "updated_at": self.now_iso(),
        }
        return await self.entities.update(entity, state)


def owned(
    state: EntityState, entity_type: str, entity_id: str, who: Principal
) -> Entity:
    """The entity if it is in the caller's org; 404 alike for missing and foreign."""
    entity = state.get(entity_type, entity_id)
    if entity is None or entity.org_id != who.org_id:
        label = entity_type.replace("_", " ")
        raise falcon.HTTPNotFound(description=f"{label} {entity_id} not found")
    return entity


async def body_of(req: falcon.asgi.Request) -> Body:
    """The JSON body as a validated object (400 when absent or not an object)."""
    media = await req.get_media(default_when_empty=None)
    if media is None:
        raise falcon.HTTPBadRequest(description="a JSON body is required")
    return Body(media)


def by_creation(entities: Iterable[Entity]) -> list[Entity]:
    """Entities oldest first: the read model's indexes keep log (creation) order."""
    return list(entities)
