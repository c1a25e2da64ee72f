"""Argus, the platform assistant: one ReAct turn as a stream of events.

A turn runs the one tool loop (:func:`agents.loop.run_loop`) with Argus's tools;
its events are those of the reference, as they happen: ``token`` events with the
model's text as the model streams it, and for each tool call ``thinking`` (calling),
``tool_result`` and ``thinking`` (done); then ``navigate`` for each dashboard Argus
built, and ``done`` with the whole answer (the tokens' text joined) and the
conversation id, sent once the exchange is stored (so the conversation is listed
when the client reads ``done``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from agents.argus_tools import ArgusToolBox, ArgusTurn
from agents.llm import LLMError, resolve_model
from agents.loop import STEP_BREAK, Limits, LoopResult, chat_message, run_loop
from domain.clock import Clock
from domain.states import Binding, Dashboard, Device, Site
from projections.fact_log import FactLog
from schemas.watcher_facts import ArgusMessageSent

GUIDE = (
    "You are Argus, the assistant of Vigil, a sensor telemetry and alerting "
    "platform. Answer in plain English with numbers and units. Use query_data for "
    "facts about data, build_dashboard to make dashboards, configure_alert to "
    "create alert rules. The user's organisation and page are in CONTEXT."
)
SORRY = "Sorry: the model could not answer."


@dataclass(frozen=True)
class ArgusConfig:
    """The model and the bounds of every turn."""

    model: str
    fallback: str
    limits: Limits


class Argus:
    """Run conversation turns and store them."""

    def __init__(
        self,
        box: ArgusToolBox,
        facts: FactLog,
        config: ArgusConfig,
        clock: Clock,
    ) -> None:
        self.box = box
        self.facts = facts
        self.config = config
        self.clock = clock

    async def turn(
        self,
        turn: ArgusTurn,
        message: str,
        conversation_id: str | None,
        history: list[dict[str, str]],
    ) -> AsyncIterator[dict[str, Any]]:
        """The events of one turn, as they happen."""
        conversation = conversation_id or str(uuid.uuid4())
        events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        run = asyncio.create_task(self._run(turn, message, history, events))
        said: list[str] = []
        while (event := await events.get()) is not None:
            if event["event"] == "token":
                said.append(event["text"])
            yield event
        result = await run
        if result is None:
            said.append(STEP_BREAK + SORRY if said else SORRY)
            yield {"event": "token", "text": said[-1]}
        answer = "".join(said)
        for place in turn.navigate:
            yield {"event": "navigate", **place}
        await self._store(turn, conversation, message, answer, result)
        yield {"event": "done", "content": answer, "conversation_id": conversation}

    async def _run(
        self,
        turn: ArgusTurn,
        message: str,
        history: list[dict[str, str]],
        events: asyncio.Queue[dict[str, Any] | None],
    ) -> LoopResult | None:
        model = resolve_model(self.config.model, self.config.fallback)
        user = chat_message(message, self._context(turn))
        try:
            return await run_loop(
                model,
                GUIDE,
                user,
                self.box.tools(turn),
                self.config.limits,
                history=history,
                observer=events.put,
            )
        except (LLMError, TimeoutError):
            return None
        finally:
            await events.put(None)

    def _context(self, turn: ArgusTurn) -> dict[str, Any]:
        state, org = self.box.state, turn.ctx.org_id
        devices = state.in_org(Device, org).values()
        page = dict(turn.page)
        device = state.owned(Device, str(page.get("device_id", "")), org)
        if device is not None:
            page["device"] = device.state.display_name
        dashboard = state.owned(Dashboard, str(page.get("dashboard_id", "")), org)
        if dashboard is not None:
            page["dashboard"] = dashboard.state.name
        return {
            "devices": [d.state.display_name for d in devices][:200],
            "sites": [s.state.name for s in state.in_org(Site, org).values()][:100],
            "quantities": sorted(
                {b.state.quantity_slug for b in state.in_org(Binding, org).values()}
            ),
            "page_context": page,
        }

    async def _store(
        self,
        turn: ArgusTurn,
        conversation: str,
        message: str,
        answer: str,
        result: LoopResult | None,
    ) -> None:
        org, user = turn.ctx.org_id, turn.ctx.actor or ""
        asked = ArgusMessageSent(
            message_id=str(uuid.uuid4()),
            conversation_id=conversation,
            org_id=org,
            user_id=user,
            role="user",
            content=message,
            at=self.clock(),
        )
        answered = ArgusMessageSent(
            message_id=str(uuid.uuid4()),
            conversation_id=conversation,
            org_id=org,
            user_id=user,
            role="assistant",
            content=answer,
            at=self.clock(),
            tools=tuple(c.tool for c in result.calls) if result else (),
            model=result.model if result else "",
            prompt_tokens=result.prompt_tokens if result else 0,
            completion_tokens=result.completion_tokens if result else 0,
            cost_usd=result.cost_usd if result else 0.0,
        )
        await self.facts.append_all([asked, answered])
