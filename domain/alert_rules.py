"""Alert rules: the commands that define them, the decisions, and the one rule
builder that both validates a definition and compiles it for the stream.

A rule targets one binding, one Prism field, or a quantity on a device, across a
site or across the org. A rule stores only the target fields of its target type,
and its view shows only those.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any, cast

from domain.alerting import KINDS, Condition, Kind, Rule, RuleError
from domain.context import Context
from domain.entity import (
    Entity,
    EntityChanged,
    EntityStateBase,
    EntityType,
    created,
    deleted,
    updated,
)
from domain.entity_state import EntityState
from domain.errors import Invalid
from domain.isotime import iso
from domain.states import AlertRule, Binding, Device, PrismField, Site

# Each target type and the state fields that name its target, in checking order.
TARGET_FIELDS: dict[str, tuple[str, ...]] = {
    "binding": ("binding_id",),
    "field": ("field_id",),
    "device_quantity": ("quantity_slug", "device_id"),
    "site_quantity": ("quantity_slug", "site_id"),
    "org_quantity": ("quantity_slug",),
}
TARGETS = tuple(TARGET_FIELDS)
# The entity each target id field names (it must be in the rule's org).
_NAMED: dict[str, type[EntityStateBase]] = {
    "binding_id": Binding,
    "field_id": PrismField,
    "device_id": Device,
    "site_id": Site,
}


@dataclass(frozen=True)
class RuleTarget:
    """What a rule watches (only the fields of ``target_type`` are used); built by
    :func:`checked_target`, so a command carries a target that is the org's."""

    target_type: str = "binding"
    binding_id: str | None = None
    field_id: str | None = None
    device_id: str | None = None
    site_id: str | None = None
    quantity_slug: str | None = None


@dataclass(frozen=True)
class RuleDefinition:
    """What counts as a breach and how the alert fires."""

    name: str
    condition: str
    threshold: float | None = None
    low: float | None = None
    high: float | None = None
    hysteresis: float = 0.0
    silence_s: float | None = None
    severity: str = "warning"
    for_s: float = 0.0
    enabled: bool = True


@dataclass(frozen=True)
class CreateAlertRule:
    """Define a new rule in an org."""

    ctx: Context
    rule_id: str
    target: RuleTarget
    definition: RuleDefinition


@dataclass(frozen=True)
class RedefineAlertRule:
    """Replace a rule's target and definition (it keeps its creation time)."""

    ctx: Context
    rule_id: str
    target: RuleTarget
    definition: RuleDefinition


@dataclass(frozen=True)
class DeleteAlertRule:
    """Delete a rule (what it fired resolves in the stream)."""

    ctx: Context
    rule_id: str


Command = CreateAlertRule | RedefineAlertRule | DeleteAlertRule


def decide(command: Command, state: EntityState) -> list[EntityChanged]:
    """The events a rule command makes (its target was checked as it was read,
    by :func:`checked_target`)."""
    match command:
        case CreateAlertRule():
            return decide_create(command)
        case RedefineAlertRule():
            return decide_redefine(command, state)
        case DeleteAlertRule():
            return decide_delete(command, state)


def rule_from_state(rule_id: str, rule: AlertRule) -> Rule:
    """The state machine's rule for a rule's state; RuleError names a bad field."""
    if rule.condition not in KINDS:
        raise RuleError("condition", f"must be one of {', '.join(KINDS)}")
    condition = Condition(
        kind=cast(Kind, rule.condition),
        threshold=rule.threshold,
        low=rule.low,
        high=rule.high,
        hysteresis=rule.hysteresis,
        silence_s=rule.silence_s,
    )
    return Rule(rule_id, condition, rule.severity, rule.for_s)


def decide_create(command: CreateAlertRule) -> list[EntityChanged]:
    """The rule's creation, once it can be evaluated."""
    ctx = command.ctx
    rule = _rule_state(command.target, command.definition, iso(ctx.at))
    rule_from_state(command.rule_id, rule)
    kind = EntityType.ALERT_RULE
    return [created(kind, command.rule_id, ctx.org_id, rule, (), ctx.at, ctx.actor)]


def decide_redefine(
    command: RedefineAlertRule, state: EntityState
) -> list[EntityChanged]:
    """The org's rule's new definition, checked like a new rule."""
    ctx = command.ctx
    entity = state.require(AlertRule, command.rule_id, ctx.org_id)
    rule = _rule_state(
        command.target, command.definition, entity.state.created_at, iso(ctx.at)
    )
    rule_from_state(entity.entity_id, rule)
    return [updated(entity, rule, state.keys_of(entity), ctx.at, ctx.actor)]


def decide_delete(command: DeleteAlertRule, state: EntityState) -> list[EntityChanged]:
    """The rule's deletion."""
    ctx = command.ctx
    entity = state.require(AlertRule, command.rule_id, ctx.org_id)
    return [deleted(entity, ctx.at, ctx.actor)]


def checked_target(
    target_type: str,
    read: Callable[[str], str | None],
    org_id: str,
    state: EntityState,
    quantities: Container[str],
) -> RuleTarget:
    """The target whose fields ``read`` gives (by name, in checking order), each
    checked before the next is read: a missing field or an unknown quantity is
    Invalid (400), an entity outside the org NotFound (404)."""
    fields = TARGET_FIELDS.get(target_type)
    if fields is None:
        raise Invalid("target_type", f"must be one of {', '.join(TARGETS)}")
    given: dict[str, str] = {}
    for name in fields:
        value = read(name)
        if value is None:
            raise Invalid(name, "is required")
        _check_target_field(name, value, org_id, state, quantities)
        given[name] = value
    return RuleTarget(target_type, **given)


def rule_view(entity: Entity[AlertRule]) -> dict[str, Any]:
    """A rule as the API shows it (only its own target fields)."""
    s = entity.state
    view: dict[str, Any] = {"id": entity.entity_id, "target_type": s.target_type}
    for name in TARGET_FIELDS.get(s.target_type, ()):
        view[name] = getattr(s, name)
    view.update(
        name=s.name,
        severity=s.severity,
        for_s=s.for_s,
        enabled=s.enabled,
        condition=s.condition,
        threshold=s.threshold,
        low=s.low,
        high=s.high,
        hysteresis=s.hysteresis,
        silence_s=s.silence_s,
        created_at=s.created_at,
    )
    if s.updated_at is not None:  # a rule never redefined has no updated_at
        view["updated_at"] = s.updated_at
    return view


def _check_target_field(
    name: str, value: str, org_id: str, state: EntityState, quantities: Container[str]
) -> None:
    if name == "quantity_slug" and value not in quantities:
        raise Invalid(name, f"unknown quantity {value!r}")
    if name in _NAMED:
        state.require(_NAMED[name], value, org_id)


def _rule_state(
    target: RuleTarget,
    definition: RuleDefinition,
    created_at: str,
    updated_at: str | None = None,
) -> AlertRule:
    aimed = {n: getattr(target, n) for n in TARGET_FIELDS[target.target_type]}
    return AlertRule(
        target_type=target.target_type,
        **aimed,
        name=definition.name,
        condition=definition.condition,
        threshold=definition.threshold,
        low=definition.low,
        high=definition.high,
        hysteresis=definition.hysteresis,
        silence_s=definition.silence_s,
        severity=definition.severity,
        for_s=definition.for_s,
        enabled=definition.enabled,
        created_at=created_at,
        updated_at=updated_at,
    )
