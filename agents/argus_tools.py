"""Argus's tools: build a dashboard, configure an alert rule, query data.

Each handler decides with the domain's own commands (the same checks as the API)
and writes through the entity log, so what Argus creates is exactly what a user
could have created; it answers JSON with a one-line ``summary`` the model reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from agents.investigator import Investigator
from agents.loop import Tool
from domain import alert_rules, canvas
from domain.clock import IdGenerator
from domain.context import Context
from domain.entity import Entity, EntityChanged
from domain.entity_state import EntityState
from domain.states import Binding, Device, PanelLayout, Site
from infra.clickhouse import AsyncStore
from projections.telemetry import latest_readings
from schemas import quantities

MAX_DASHBOARD_PANELS = 8
QueryData = Callable[[str, str], Awaitable[dict[str, Any]]]


class Writer(Protocol):
    """Appends entity events and returns once the read model has them."""

    async def write(self, events: Sequence[EntityChanged]) -> list[Any]:
        """Append in order."""


@dataclass
class ArgusTurn:
    """Who is asking, what page they are on, and where Argus wants to take them."""

    ctx: Context
    page: dict[str, Any]
    navigate: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ArgusToolBox:
    """What the tools act through."""

    state: EntityState
    writer: Writer
    store: AsyncStore
    new_id: IdGenerator
    query_data: QueryData | None = None
    investigator: Investigator | None = None

    def tools(self, turn: ArgusTurn) -> list[Tool]:
        """The tools of one turn."""
        return [
            Tool(
                "query_data",
                "Answer a question about the org's sensor data (values, averages).",
                _schema(question={"type": "string", "minLength": 1}),
                lambda a: self.query(turn, a),
            ),
            Tool(
                "build_dashboard",
                "Create a Canvas dashboard of the series matching a topic.",
                _schema(
                    name={"type": "string", "minLength": 1}, topic={"type": "string"}
                ),
                lambda a: self.build_dashboard(turn, a),
            ),
            Tool(
                "configure_alert",
                "Create an alert rule on a quantity (of a device, or the whole org).",
                _schema(
                    quantity={"type": "string", "minLength": 1},
                    condition={"type": "string", "enum": ["above", "below"]},
                    threshold={"type": "number"},
                    device={"type": "string"},
                    required=("quantity", "condition", "threshold"),
                ),
                lambda a: self.configure_alert(turn, a),
            ),
            Tool(
                "start_investigation",
                "Start a background investigation of a device's behaviour.",
                _schema(
                    subject={"type": "string", "minLength": 1},
                    device={"type": "string"},
                    required=("subject",),
                ),
                lambda a: self.investigate(turn, a),
            ),
        ]

    async def investigate(self, turn: ArgusTurn, args: dict[str, Any]) -> str:
        """Start a background investigation of a device (or the page's)."""
        if self.investigator is None:
            return _answer("Investigations are not available here.", ok=False)
        org = turn.ctx.org_id
        device = self._device(org, args.get("device") or turn.page.get("device_id"))
        subject = str(args["subject"])[:200]
        job = await self.investigator.start(
            org,
            "argus",
            subject,
            key=self.new_id(),
            device_id=device.entity_id if device else None,
        )
        summary = f"Started the investigation {job.investigation_id}: {subject}."
        return _answer(summary, investigation_id=job.investigation_id)

    async def build_dashboard(self, turn: ArgusTurn, args: dict[str, Any]) -> str:
        """A dashboard of the bindings matching the topic (or the page's device)."""
        org = turn.ctx.org_id
        chosen = self._matching(org, str(args.get("topic", "")), turn.page)
        drafts = [self._panel(i, b) for i, b in enumerate(chosen)]
        row = (len(drafts) + 1) // 2 * 4
        drafts.append(
            canvas.PanelDraft(
                type="alerts",
                title="Alerts",
                layout=PanelLayout(x=0, y=row, w=12, h=4),
                fresh_id=self.new_id(),
            )
        )
        name = str(args["name"])[:200]
        definition = canvas.DashboardDefinition(
            name=name, panels=tuple(drafts), description="Built by Argus."
        )
        dashboard_id = self.new_id()
        command = canvas.CreateDashboard(turn.ctx, dashboard_id, definition)
        await self.writer.write(canvas.decide(command, self.state))
        url = f"/api/v1/canvas/{dashboard_id}/"
        turn.navigate.append({"url": url, "label": name})
        summary = f"Created the dashboard {name!r} with {len(chosen)} series."
        return _answer(summary, dashboard_id=dashboard_id, url=url)

    def _matching(
        self, org_id: str, topic: str, page: dict[str, Any]
    ) -> list[Entity[Binding]]:
        bindings = list(self.state.in_org(Binding, org_id).values())
        device_id = page.get("device_id")
        if device_id:
            bindings = [b for b in bindings if b.state.device_id == device_id]
        words = [w for w in re.findall(r"[a-z0-9]+", topic.lower()) if len(w) > 2]
        matched = [b for b in bindings if any(w in self._label(b) for w in words)]
        return (matched or bindings)[:MAX_DASHBOARD_PANELS]

    def _label(self, binding: Entity[Binding]) -> str:
        device = self.state.get(Device, binding.state.device_id)
        site = self.state.get(Site, device.state.site_id or "") if device else None
        parts = [
            binding.state.quantity_slug,
            device.state.display_name if device else "",
            site.state.name if site else "",
        ]
        return " ".join(parts).lower()

    def _panel(self, index: int, binding: Entity[Binding]) -> canvas.PanelDraft:
        device = self.state.get(Device, binding.state.device_id)
        name = device.state.display_name if device else "device"
        quantity = quantities.catalog()[binding.state.quantity_slug].name
        return canvas.PanelDraft(
            type="timeseries",
            title=f"{name} · {quantity}",
            layout=PanelLayout(x=(index % 2) * 6, y=(index // 2) * 4, w=6, h=4),
            binding_ids=(binding.entity_id,),
            fresh_id=self.new_id(),
        )

    async def configure_alert(self, turn: ArgusTurn, args: dict[str, Any]) -> str:
        """An alert rule on the device's binding of the quantity, else the org's."""
        org = turn.ctx.org_id
        slug = self._quantity(org, str(args["quantity"]))
        if slug is None:
            return _answer(f"I know no quantity called {args['quantity']!r}.", ok=False)
        device = self._device(org, args.get("device") or turn.page.get("device_id"))
        target = alert_rules.RuleTarget("org_quantity", quantity_slug=slug)
        if device is not None:
            target = alert_rules.RuleTarget(
                "device_quantity", device_id=device.entity_id, quantity_slug=slug
            )
        where = device.state.display_name if device else "any device"
        name = f"{slug} {args['condition']} {args['threshold']:g} on {where}"
        definition = alert_rules.RuleDefinition(
            name=name[:200], condition=args["condition"], threshold=args["threshold"]
        )
        rule_id = self.new_id()
        command = alert_rules.CreateAlertRule(turn.ctx, rule_id, target, definition)
        await self.writer.write(alert_rules.decide(command, self.state))
        return _answer(f"Created the alert rule {name!r}.", rule_id=rule_id)

    def _quantity(self, org_id: str, word: str) -> str | None:
        word = word.lower().strip()
        used = {
            b.state.quantity_slug for b in self.state.in_org(Binding, org_id).values()
        }
        for slugs in (sorted(used), sorted(quantities.catalog())):
            found = [s for s in slugs if word in s or word in _name(s)]
            if found:
                return found[0]
        return None

    def _device(self, org_id: str, name: Any) -> Entity[Device] | None:
        if not name:
            return None
        devices = self.state.in_org(Device, org_id).values()
        wanted = str(name).lower()
        return next(
            (
                d
                for d in devices
                if d.entity_id == name or d.state.display_name.lower() == wanted
            ),
            None,
        )

    async def query(self, turn: ArgusTurn, args: dict[str, Any]) -> str:
        """Answer a data question (NLQ when configured, else latest values)."""
        if self.query_data is not None:
            result = await self.query_data(turn.ctx.org_id, str(args["question"]))
            return json.dumps(result, default=str)
        return await self._latest(turn.ctx.org_id, str(args["question"]))

    async def _latest(self, org_id: str, question: str) -> str:
        lowered = question.lower()
        devices = [
            d
            for d in self.state.in_org(Device, org_id).values()
            if d.state.display_name.lower() in lowered
        ]
        if not devices:
            return _answer("I could not tell which device you mean.", ok=False)
        lines = []
        for device in devices[:3]:
            for r in await latest_readings(self.store, org_id, device.entity_id):
                binding = self.state.get(Binding, r["binding_id"])
                if binding is None:
                    continue
                q = quantities.catalog()[binding.state.quantity_slug]
                if q.name.lower() in lowered or any(
                    w in lowered for w in q.slug.split(".")
                ):
                    lines.append(
                        f"{device.state.display_name} {q.name}: {r['value']} "
                        f"{q.base_unit_symbol} at {r['time']}"
                    )
        text = "; ".join(lines) or "No reading of that quantity yet."
        return _answer(f"Latest: {text}.", readings=lines)


def _name(slug: str) -> str:
    return (
        quantities.catalog()[slug].name.lower() if slug in quantities.catalog() else ""
    )


def _schema(
    required: tuple[str, ...] | None = None, **properties: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required if required is not None else properties),
    }


def _answer(summary: str, ok: bool = True, **extra: Any) -> str:
    return json.dumps({"ok": ok, "summary": summary, "answer": summary, **extra})
