"""Alert rules: ``/api/v1/alerts/rules/`` (decided in :mod:`domain.alert_rules`; the
Faust alert evaluator applies them to the live stream)."""

from __future__ import annotations

import falcon
import falcon.asgi

from api.auth import principal_of
from api.entities import EntityAccess
from api.paging import window
from api.request import body_of
from api.validation import Body, ValidationError
from domain import alert_rules, states
from domain.alert_rules import (
    TARGETS,
    RuleDefinition,
    RuleTarget,
    rule_view,
)
from domain.alerting import KINDS, SEVERITIES
from domain.entity_state import EntityState
from schemas import quantities

TARGET_IDS = ("binding_id", "device_id", "field_id", "site_id")


def _target(body: Body, state: EntityState, org_id: str) -> RuleTarget:
    """The body's target, each field checked in the domain as soon as it is read
    (so a foreign target is 404 before the definition is looked at)."""
    kind = body.choice("target_type", TARGETS, default="binding") or "binding"
    for name in TARGET_IDS:  # given but not used by this kind: still a UUID
        body.uuid(name)

    def read(name: str) -> str | None:
        if name == "quantity_slug":
            return body.string(name, required=True)
        return body.uuid(name, required=True)

    return alert_rules.checked_target(kind, read, org_id, state, quantities.catalog())


def _definition(body: Body) -> RuleDefinition:
    """The condition and how it fires (checked whole in the domain)."""
    kind = body.choice("condition", KINDS, default=None)
    threshold = body.number("threshold")
    low, high = body.number("low"), body.number("high")
    hysteresis = body.number("hysteresis", minimum=0) or 0.0
    silence_s = body.number("silence_s", minimum=0)
    if kind is None:
        raise ValidationError("condition", "is required")
    return RuleDefinition(
        name=body.string("name", required=True) or "",
        condition=kind,
        threshold=threshold,
        low=low,
        high=high,
        hysteresis=hysteresis,
        silence_s=silence_s,
        severity=body.choice("severity", SEVERITIES, default="warning") or "warning",
        for_s=body.number("for_s", minimum=0) or 0.0,
        enabled=bool(body.boolean("enabled", default=True)),
    )


class AlertRules:
    """``GET/POST /api/v1/alerts/rules/`` (GET: ``{"rules": [...]}``, paged by
    limit/offset)."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        rules = self.entities.state.in_org(states.AlertRule, principal_of(req).org_id)
        resp.media = {"rules": [rule_view(r) for r in window(req, rules.values())]}

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        ctx, body = self.entities.context(req), await body_of(req)
        target = _target(body, self.entities.state, ctx.org_id)
        command = alert_rules.CreateAlertRule(
            ctx, self.entities.new_id(), target, _definition(body)
        )
        (event,) = alert_rules.decide(command, self.entities.state)
        rule = await self.entities.write_one(event, states.AlertRule)
        resp.status = falcon.HTTP_201
        resp.media = rule_view(rule)


class AlertRule:
    """``GET/PUT/PATCH/DELETE /api/v1/alerts/rules/{rule_id}/`` (PUT and PATCH
    merge the given fields into the stored definition and check it whole, as POST
    does)."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, rule_id: str
    ) -> None:
        who = principal_of(req)
        resp.media = rule_view(self.entities.own(states.AlertRule, rule_id, who))

    async def on_put(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, rule_id: str
    ) -> None:
        ctx = self.entities.context(req)
        rule = self.entities.own(states.AlertRule, rule_id, principal_of(req))
        stored = states.state_to_wire(rule.state)
        body = Body({**stored, **(await body_of(req)).data})
        target = _target(body, self.entities.state, ctx.org_id)
        command = alert_rules.RedefineAlertRule(
            ctx, rule.entity_id, target, _definition(body)
        )
        (event,) = alert_rules.decide(command, self.entities.state)
        resp.media = rule_view(await self.entities.write_one(event, states.AlertRule))

    on_patch = on_put

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, rule_id: str
    ) -> None:
        command = alert_rules.DeleteAlertRule(self.entities.context(req), rule_id)
        await self.entities.write(alert_rules.decide(command, self.entities.state))
        resp.status = falcon.HTTP_204
