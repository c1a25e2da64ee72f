"""Alert rules: ``/api/v1/alerts/rules/`` (stored and validated here; the Faust
alert evaluator applies them to the live stream)."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from api.auth import Principal, principal_of
from api.common import Services, body_of, by_creation, owned
from api.validation import Body, ValidationError
from projections.entities import Entity
from schemas import quantities
from streams.alerting import KINDS, SEVERITIES, Condition, Rule, RuleError

TARGETS = ("binding", "field", "device_quantity", "site_quantity", "org_quantity")


def rule_view(rule: Entity) -> dict[str, Any]:
    """A rule as stored."""
    return {"id": rule.entity_id, **rule.state}


def _target(body: Body, services: Services, who: Principal) -> dict[str, Any]:
    kind = body.choice("target_type", TARGETS, default="binding")
    target: dict[str, Any] = {"target_type": kind}
    if kind == "binding":
        binding_id = body.uuid("binding_id", required=True)
        owned(services.state, "binding", binding_id or "", who)
        target["binding_id"] = binding_id
        return target
    if kind == "field":
        field_id = body.uuid("field_id", required=True)
        owned(services.state, "prism_field", field_id or "", who)
        target["field_id"] = field_id
        return target
    slug = body.string("quantity_slug", required=True)
    if slug not in quantities.catalog():
        raise ValidationError("quantity_slug", f"unknown quantity {slug!r}")
    target["quantity_slug"] = slug
    for field, entity_type, wanted in (
        ("device_id", "device", "device_quantity"),
        ("site_id", "site", "site_quantity"),
    ):
        if kind == wanted:
            entity_id = body.uuid(field, required=True)
            owned(services.state, entity_type, entity_id or "", who)
            target[field] = entity_id
    return target


def _definition(body: Body) -> dict[str, Any]:
    condition = {
        "kind": body.choice("condition", KINDS, default=None),
        "threshold": body.number("threshold"),
        "low": body.number("low"),
        "high": body.number("high"),
        "hysteresis": body.number("hysteresis", minimum=0) or 0.0,
        "silence_s": body.number("silence_s", minimum=0),
    }
    if condition["kind"] is None:
        raise ValidationError("condition", "is required")
    rule = {
        "name": body.string("name", required=True),
        "severity": body.choice("severity", SEVERITIES, default="warning"),
        "for_s": body.number("for_s", minimum=0) or 0.0,
        "enabled": body.boolean("enabled", default=True),
        "condition": condition["kind"],
        **{k: v for k, v in condition.items() if k != "kind"},
    }
    try:
        Rule("check", Condition(**condition), rule["severity"], rule["for_s"])
    except RuleError as ex:
        raise ValidationError(ex.field, str(ex).split(": ", 1)[-1]) from ex
    return rule


class AlertRules:
    """``GET/POST /api/v1/alerts/rules/`` (GET: ``{"rules": [...]}``)."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        rules = by_creation(self.s.state.in_org("alert_rule", who.org_id).values())
        resp.media = {"rules": [rule_view(r) for r in rules]}

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        body = await body_of(req)
        state = {
            **_target(body, self.s, who),
            **_definition(body),
            "created_at": self.s.now_iso(),
        }
        rule = await self.s.entities.create(
            "alert_rule", who.org_id, state, actor=who.user_id
        )
        resp.status = falcon.HTTP_201
        resp.media = rule_view(rule)


class AlertRule:
    """``GET/PUT/PATCH/DELETE /api/v1/alerts/rules/{rule_id}/`` (PUT and PATCH take
    the whole definition, as POST does)."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, rule_id: str
    ) -> None:
        resp.media = rule_view(self.s.own(req, "alert_rule", rule_id))

    async def on_put(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, rule_id: str
    ) -> None:
        who = principal_of(req)
        rule = owned(self.s.state, "alert_rule", rule_id, who)
        body = Body({**rule.state, **(await body_of(req)).data})
        definition = {**_target(body, self.s, who), **_definition(body)}
        resp.media = rule_view(await self.s.redefine(rule, definition))

    on_patch = on_put

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, rule_id: str
    ) -> None:
        await self.s.entities.delete(self.s.own(req, "alert_rule", rule_id))
        resp.status = falcon.HTTP_204
