"""Run a watcher's agent: on a trigger, in chat, in query mode, and digests.

Every run goes through the one tool loop (:func:`agents.loop.run_loop`) and is
recorded as actions: one per tool call, or one for a run that called none. The
run's tokens and cost ride on its first action, so usage is a sum over actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from agents.llm import resolve_model
from agents.loop import Limits, LoopResult, chat_message, run_loop, trigger_message
from agents.mailer import MailDeliveryFailed, MailError, OutgoingMail
from agents.watcher_tools import Invocation, ToolBox
from domain.clock import IdGenerator, prefixed_id
from domain.entity import Entity
from domain.states import Channel, Watcher
from infra.clickhouse import AsyncStore
from projections.watcher_reads import action_view, list_memories, list_threads
from schemas.watcher_facts import ActionRecorded, stable_id

GUIDE = (
    "You are a Vigil watcher: an agent watching an email inbox and a sensor "
    "platform's alerts for the user. Use the tools when the instructions call for "
    "it; otherwise answer briefly in plain English."
)


@dataclass(frozen=True)
class RuntimeConfig:
    """Models and limits of every run."""

    fallback_model: str
    limits: Limits
    mail_domain: str


class WatcherRuntime:
    """Run watchers' agents and record what they did."""

    def __init__(
        self,
        box: ToolBox,
        store: AsyncStore,
        config: RuntimeConfig,
        new_id: IdGenerator,
    ) -> None:
        self.box = box
        self.store = store
        self.config = config
        self.new_id = new_id

    async def on_trigger(
        self,
        watcher: Entity[Watcher],
        trigger_id: str,
        trigger: dict[str, Any],
        thread_id: str | None = None,
    ) -> list[ActionRecorded]:
        """React to a trigger (its id makes the run's ids: a rerun repeats them)."""
        run = Invocation(
            watcher, stable_id("inv_", trigger_id), trigger["type"], thread_id
        )
        context = await self._context(watcher)
        user = trigger_message({**trigger, **context})
        result = await self._loop(watcher, user, run)
        return await self._record(run, result, visible=False, derived=True)

    async def chat(self, watcher: Entity[Watcher], message: str) -> str:
        """Answer a message in natural language (recorded as a manual action)."""
        run = Invocation(watcher, self._new("inv_"), "manual")
        context = await self._context(watcher)
        user = chat_message(message, context)
        result = await self._loop(watcher, user, run)
        await self._record(run, result, visible=True)
        return result.answer

    async def query(
        self, watcher: Entity[Watcher], query: str | None
    ) -> dict[str, Any]:
        """Run in query mode; answer the run's actions, thread updates and an
        analysis of the active threads."""
        run = Invocation(watcher, self._new("inv_"), "manual")
        context = await self._context(watcher)
        ask = query or "Review the active threads and act where needed."
        user = trigger_message({"type": "manual", "query": ask, **context})
        result = await self._loop(watcher, user, run)
        actions = await self._record(run, result, visible=True)
        updates = [
            {"thread_id": c.arguments.get("thread_id"), **_fields(c.arguments)}
            for c in result.calls
            if c.tool == "update_thread" and c.ok
        ]
        threads = context["active_threads"]
        return {
            "actions": [action_view(a) for a in actions],
            "thread_updates": updates,
            "email_analysis": {
                "summary": result.answer,
                "active_threads": len(threads),
                "threads": threads,
                "model": result.model,
            },
        }

    async def digest(self, watcher: Entity[Watcher]) -> dict[str, Any]:
        """Mail a digest of the active threads to the watcher's email channels."""
        run = Invocation(watcher, self._new("inv_"), "digest")
        threads = (await self._context(watcher))["active_threads"]
        lines = [f"- {t['subject'] or '(no subject)'} [{t['status']}]" for t in threads]
        subject = f"Vigil digest: {watcher.state.name}"
        text = f"{len(threads)} active thread(s)\n" + "\n".join(lines)
        channels = self.box.state.where(Channel, "watcher_id", watcher.entity_id)
        emails = [
            c.state.destination
            for c in channels.values()
            if c.state.enabled and c.state.type == "email"
        ]
        sender = f"digest@{self.config.mail_domain}"
        sent, failed = [], []
        for to in emails:
            try:
                await self.box.mailer.send(OutgoingMail(to, subject, text, sender))
            except (MailError, MailDeliveryFailed) as ex:
                # One bad or unreachable channel (saved before addresses were
                # checked as strictly, or a relay down) does not stop the others.
                failed.append({"to": to, "error": str(ex)})
            else:
                sent.append(to)
        note = f"digest sent to {len(sent)} recipient(s)"
        if failed:
            note += f", {len(failed)} failed"
        action = self._action(run, 0, "send_digest", {"to": emails}, note, not failed)
        await self.box.facts.append(action)
        return {
            "subject": subject,
            "text": text,
            "recipients": emails,
            "failed": failed,
            "threads": len(threads),
            "sent": bool(sent),
        }

    async def _context(self, watcher: Entity[Watcher]) -> dict[str, Any]:
        threads = await list_threads(
            self.store, watcher.org_id, watcher.entity_id, status="active", limit=20
        )
        memories = await list_memories(self.store, watcher.org_id, watcher.entity_id)
        return {
            "active_threads": [
                {"id": t["id"], "subject": t["subject"], "status": t["status"]}
                for t in threads
            ],
            "memories": [m["content"] for m in memories[:20]],
        }

    async def _loop(
        self, watcher: Entity[Watcher], user: str, run: Invocation
    ) -> LoopResult:
        model = resolve_model(watcher.state.model, self.config.fallback_model)
        system = f"{GUIDE}\n\n{watcher.state.system_prompt}"
        tools = self.box.tools(run)
        return await run_loop(model, system, user, tools, self.config.limits)

    async def _record(
        self, run: Invocation, result: LoopResult, visible: bool, derived: bool = False
    ) -> list[ActionRecorded]:
        calls: list[tuple[str | None, dict[str, Any], str, bool]] = [
            (c.tool, c.arguments, c.result, c.ok) for c in result.calls
        ]
        if not calls:
            calls = [(None, {}, result.answer, result.stopped is None)]
        actions = [
            self._action(run, i, tool, args, text, ok, result)
            for i, (tool, args, text, ok) in enumerate(calls)
        ]
        await self.box.facts.append_all(actions, visible=visible, derived=derived)
        return actions

    def _action(
        self,
        run: Invocation,
        index: int,
        tool: str | None,
        arguments: dict[str, Any],
        text: str,
        ok: bool,
        result: LoopResult | None = None,
    ) -> ActionRecorded:
        first = result if index == 0 else None  # the run's usage, counted once
        return ActionRecorded(
            action_id=stable_id("a_", run.invocation_id, str(index)),
            invocation_id=run.invocation_id,
            watcher_id=run.watcher.entity_id,
            org_id=run.watcher.org_id,
            trigger_type=run.trigger_type,
            tool=tool,
            arguments=orjson.dumps(arguments).decode(),
            result=text[:8000],
            ok=ok,
            thread_id=run.thread_id or _thread_of(arguments),
            model=result.model if result else "none",
            prompt_tokens=first.prompt_tokens if first else 0,
            completion_tokens=first.completion_tokens if first else 0,
            cost_usd=first.cost_usd if first else 0.0,
            created_at=self.box.clock(),
        )

    def _new(self, prefix: str) -> str:
        return prefixed_id(self.new_id, prefix, 20)


def _fields(arguments: dict[str, Any]) -> dict[str, Any]:
    return {k: arguments[k] for k in ("status", "summary") if k in arguments}


def _thread_of(arguments: dict[str, Any]) -> str | None:
    value = arguments.get("thread_id")
    return value if isinstance(value, str) else None
