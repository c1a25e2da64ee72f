"""The tools a watcher's agent may call: built-in ones and its custom webhooks.

Each tool is a :class:`agents.loop.Tool` whose handler does the side effect (an
alert to the watcher's channels, a memory, a thread change, a webhook call) and
answers the text the model reads back.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from agents.custom_tools import call_webhook, object_schema
from agents.loop import Tool
from agents.mailer import Mailer, OutgoingMail
from agents.outbound import OutboundError, OutboundPolicy, post_json
from domain.clock import Clock
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.isotime import iso, to_micros
from domain.states import Channel, CustomTool, Watcher
from domain.watchers import THREAD_STATUSES
from projections.fact_log import FactLog
from schemas.watcher_facts import MemoryChanged, ThreadChanged, stable_id

SEND_ALERT = {
    "type": "object",
    "properties": {
        "message": {"type": "string", "minLength": 1, "maxLength": 4000},
        "severity": {"type": "string", "enum": ["critical", "warning", "info"]},
    },
    "required": ["message"],
}
SAVE_MEMORY = {
    "type": "object",
    "properties": {
        "content": {"type": "string", "minLength": 1, "maxLength": 4000},
        "importance": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "required": ["content"],
}
UPDATE_THREAD = {
    "type": "object",
    "properties": {
        "thread_id": {"type": "string", "minLength": 1},
        "status": {"type": "string", "enum": list(THREAD_STATUSES)},
        "summary": {"type": "string", "maxLength": 4000},
    },
    "required": ["thread_id"],
}


@dataclass(frozen=True)
class Invocation:
    """One run of a watcher's agent: whose, why, and the ids it derives from."""

    watcher: Entity[Watcher]
    invocation_id: str
    trigger_type: str
    thread_id: str | None = None


@dataclass(frozen=True)
class ToolBox:
    """What the tools act through."""

    state: EntityState
    facts: FactLog
    policy: OutboundPolicy
    mailer: Mailer
    clock: Clock

    def tools(self, run: Invocation) -> list[Tool]:
        """The built-in tools the watcher enabled, then its enabled custom tools."""
        builtins: dict[str, tuple[str, dict[str, Any], Handler]] = {
            "send_alert": (
                "Alert the user on the watcher's channels (email, webhook).",
                SEND_ALERT,
                lambda args: self.send_alert(run, args),
            ),
            "save_memory": (
                "Remember a fact for later (amounts, dates, preferences).",
                SAVE_MEMORY,
                lambda args: self.save_memory(run, args),
            ),
            "update_thread": (
                "Set a mail thread's status or summary.",
                UPDATE_THREAD,
                lambda args: self.update_thread(run, args),
            ),
        }
        chosen = [
            Tool(name, *builtins[name])
            for name in run.watcher.state.tools
            if name in builtins
        ]
        return chosen + [self._custom(run, t) for t in self._custom_tools(run)]

    def _custom_tools(self, run: Invocation) -> list[Entity[CustomTool]]:
        found = self.state.where(CustomTool, "watcher_id", run.watcher.entity_id)
        return [t for t in found.values() if t.state.enabled]

    def _custom(self, run: Invocation, tool: Entity[CustomTool]) -> Tool:
        t = tool.state

        async def handler(args: dict[str, Any]) -> str:
            delivery = await call_webhook(
                t.webhook_url,
                t.name,
                args,
                watcher_id=run.watcher.entity_id,
                headers=t.headers,
                secret=run.watcher.state.signing_secret,
                policy=self.policy,
            )
            if not 200 <= delivery.status < 300:
                raise OutboundError(f"HTTP {delivery.status}: {delivery.body[:500]}")
            return f"HTTP {delivery.status}: {delivery.body[:2000]}"

        return Tool(t.name, t.description, object_schema(t.parameter_schema), handler)

    async def send_alert(self, run: Invocation, args: dict[str, Any]) -> str:
        """Deliver an alert to every enabled channel; say where it went."""
        channels = self.state.where(Channel, "watcher_id", run.watcher.entity_id)
        live = [c for c in channels.values() if c.state.enabled]
        if not live:
            return "alert recorded (the watcher has no enabled channels)"
        sent, failed = [], []
        for channel in live:
            try:
                await self._deliver(run, channel.state, args)
                sent.append(channel.state.type)
            except (OutboundError, OSError, ValueError) as ex:
                failed.append(f"{channel.state.type} {channel.entity_id}: {ex}")
        if not sent:
            raise OutboundError("; ".join(failed))
        note = f"; failed: {'; '.join(failed)}" if failed else ""
        return f"alert sent to {len(sent)} channel(s): {', '.join(sent)}{note}"

    async def _deliver(
        self, run: Invocation, channel: Channel, args: dict[str, Any]
    ) -> None:
        watcher = run.watcher.state
        severity = str(args.get("severity", "warning"))
        if channel.type == "email":
            await self.mailer.send(
                OutgoingMail(
                    to=channel.destination,
                    subject=f"[Vigil {severity}] {watcher.name}",
                    text=str(args["message"]),
                    sender=f"alerts@{'vigil.run'}",
                )
            )
            return
        payload = {
            "type": "alert",
            "watcher_id": run.watcher.entity_id,
            "watcher_name": watcher.name,
            "severity": severity,
            "message": args["message"],
            "thread_id": run.thread_id,
            "trigger_type": run.trigger_type,
            "sent_at": iso(self.clock()),
        }
        delivery = await post_json(
            channel.destination,
            payload,
            headers={"X-Vigil-Delivery": run.invocation_id},
            secret=watcher.signing_secret,
            policy=self.policy,
        )
        if not 200 <= delivery.status < 300:
            raise OutboundError(f"webhook answered HTTP {delivery.status}")

    async def save_memory(self, run: Invocation, args: dict[str, Any]) -> str:
        """Store a memory the agent chose to keep."""
        at = self.clock()
        memory_id = stable_id("m_", run.invocation_id, args["content"])
        await self.facts.append(
            MemoryChanged(
                memory_id=memory_id,
                watcher_id=run.watcher.entity_id,
                org_id=run.watcher.org_id,
                version=to_micros(at),
                content=args["content"],
                importance=int(args.get("importance", 3)),
                created_at=at,
                at=at,
                source="agent",
            ),
            visible=False,
            derived=run.trigger_type != "manual",
        )
        return f"memory {memory_id} saved"

    async def update_thread(self, run: Invocation, args: dict[str, Any]) -> str:
        """Change a thread's status or summary."""
        fields = {k: args[k] for k in ("status", "summary") if k in args}
        if not fields:
            raise ValueError("give status or summary")
        await self.facts.append(
            ThreadChanged(
                change_id=stable_id("tc_", run.invocation_id, args["thread_id"]),
                thread_id=args["thread_id"],
                watcher_id=run.watcher.entity_id,
                org_id=run.watcher.org_id,
                kind="updated",
                at=self.clock(),
                actor=f"agent:{run.watcher.entity_id}",
                **fields,
            ),
            visible=False,
            derived=run.trigger_type != "manual",
        )
        return f"thread {args['thread_id']} updated: {fields}"


Handler = Callable[[dict[str, Any]], Awaitable[str]]


def now_s() -> float:
    """Seconds since the epoch (for webhook timestamps)."""
    return time.time()
