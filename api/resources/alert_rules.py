"""Alert rules: ``/api/v1/alerts/rules/`` (decided in :mod:`domain.alert_rules`; the
Faust alert evaluator applies them to the live stream)."""

from __future__ import annotations

import falcon
import falcon.asgi

from api.auth import principal_of
from api.entities import EntityAccess
from api.request import body_of
from api.resources.sites import context
from api.validation import Body, ValidationError
from domain import alert_rules, states
from domain.alert_rules import (
    TARGET_FIELDS,
    TARGETS,
    RuleDefinition,
    RuleTarget,
    rule_view,
)
from domain.alerting import KINDS, SEVERITIES
from domain.entity import EntityChanged
from schemas import quantities


def _target(body: Body) -> RuleTarget:
    """The target fields of the body's target type (each required)."""
    kind = body.choice("target_type", TARGETS, default="binding") or "binding"
    given: dict[str, str | None] = {}
    for name in TARGET_FIELDS[kind]:
        if name == "quantity_slug":
            given[name] = body.string(name, required=True)
        else:
            given[name] = body.uuid(name, required=True)
    return RuleTarget(kind, **given)


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


def _decide(
    entities: EntityAccess, command: alert_rules.Command
) -> list[EntityChanged]:
    return alert_rules.decide(command, entities.state, quantities.catalog())


class AlertRules:
    """``GET/POST /api/v1/alerts/rules/`` (GET: ``{"rules": [...]}``)."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        rules = self.entities.state.in_org(states.AlertRule, principal_of(req).org_id)
        resp.media = {"rules": [rule_view(r) for r in rules.values()]}

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        body = await body_of(req)
        command = alert_rules.CreateAlertRule(
            context(self.entities, req),
            self.entities.new_id(),
            _target(body),
            _definition(body),
        )
        (event,) = _decide(self.entities, command)
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
        rule = self.entities.own(states.AlertRule, rule_id, principal_of(req))
        stored = states.state_to_wire(rule.state)
        body = Body({**stored, **(await body_of(req)).data})
        command = alert_rules.RedefineAlertRule(
            context(self.entities, req),
            rule.entity_id,
            _target(body),
            _definition(body),
        )
        (event,) = _decide(self.entities, command)
        resp.media = rule_view(await self.entities.write_one(event, states.AlertRule))

    on_patch = on_put

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, rule_id: str
    ) -> None:
        command = alert_rules.DeleteAlertRule(context(self.entities, req), rule_id)
        await self.entities.write(_decide(self.entities, command))
        resp.status = falcon.HTTP_204
