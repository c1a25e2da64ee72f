"""What a resource of configuration entities uses: the read model, the entity log
writer, the clock and the id generator (each injected, so tests swap them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import falcon.asgi

from api.auth import Principal, principal_of
from domain.clock import Clock, IdGenerator
from domain.context import Context
from domain.entity import Entity, EntityChanged, EntityStateBase
from domain.entity_state import EntityState
from domain.errors import NotFound
from domain.isotime import iso

S = TypeVar("S", bound=EntityStateBase)


class EntityWriter(Protocol):
    """Appends entity events and returns once the read model folded them."""

    async def write(self, events: Sequence[EntityChanged]) -> list[Entity[Any] | None]:
        """Append in order; the entity after each; a rejected event raises."""


@dataclass(frozen=True)
class EntityAccess:
    """Read, decide with, and write configuration entities."""

    state: EntityState
    writer: EntityWriter
    clock: Clock
    new_id: IdGenerator

    def now(self) -> datetime:
        """The current time (UTC)."""
        return self.clock()

    def now_iso(self) -> str:
        """The current time as ISO-8601 with ``Z``."""
        return iso(self.clock())

    def context(self, req: falcon.asgi.Request) -> Context:
        """Who asks (the authenticated caller's org and user), and now."""
        who = principal_of(req)
        return Context(who.org_id, self.clock(), who.user_id or who.credential_id)

    def own(self, kind: type[S], entity_id: str, who: Principal) -> Entity[S]:
        """The caller's entity of this state class; 404 alike for missing and
        foreign."""
        return self.state.require(kind, entity_id, who.org_id)

    async def write(self, events: Sequence[EntityChanged]) -> list[Entity[Any] | None]:
        """Append decided events (see :class:`EntityWriter`)."""
        return await self.writer.write(events)

    async def write_one(self, event: EntityChanged, kind: type[S]) -> Entity[S]:
        """Append one create or update and return the entity it leaves."""
        (after,) = await self.writer.write([event])
        if after is None or not isinstance(after.state, kind):
            raise NotFound(f"{event.entity_type.value} {event.entity_id} is gone")
        return after
