"""Which alert rules watch which series (pure: built from the entity read model).

A rule targets one binding, a quantity on one device, a quantity across a site, a
quantity across the org, or one Prism field. Every matching series is evaluated on
its own: a site rule on two pumps keeps two states and can fire twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from domain.alert_rules import rule_from_state
from domain.alerting import Rule
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.errors import Invalid
from domain.states import AlertRule, Binding, Device, PrismField
from schemas import quantities

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Series:
    """What an alert on one series says about where it comes from."""

    series_id: str
    org_id: str
    device_id: str | None
    device: str
    quantity: str
    quantity_slug: str | None


@dataclass(frozen=True)
class Watch:
    """One enabled rule, compiled, with its display name."""

    rule: Rule
    name: str
    org_id: str


def compile_rule(entity: Entity[AlertRule]) -> Watch:
    """The state machine's rule for a stored rule entity."""
    rule = rule_from_state(entity.entity_id, entity.state)
    return Watch(rule, entity.state.name, entity.org_id)


TargetKey = tuple[str | None, ...]


def _target_key(rule: AlertRule, org_id: str) -> TargetKey:
    kind = rule.target_type
    if kind == "binding":
        return ("series", rule.binding_id)
    if kind == "field":
        return ("series", rule.field_id)
    if kind == "device_quantity":
        return ("device", rule.device_id, rule.quantity_slug)
    if kind == "site_quantity":
        return ("site", rule.site_id, rule.quantity_slug)
    return ("org", org_id, rule.quantity_slug)


class RuleIndex:
    """Rules by target, rebuilt whenever the entity log moves."""

    def __init__(self, state: EntityState) -> None:
        self.state = state
        self.offset = state.offset
        self.by_target: dict[TargetKey, list[Watch]] = {}
        self.by_id: dict[str, Watch] = {}
        for entity in state.of_type(AlertRule).values():
            if not entity.state.enabled:
                continue
            try:
                watch = compile_rule(entity)
            except Invalid:
                log.warning("alert rule %s cannot be evaluated", entity.entity_id)
                continue  # checked at create; one bad rule must not stop the rest
            self.by_id[entity.entity_id] = watch
            key = _target_key(entity.state, entity.org_id)
            self.by_target.setdefault(key, []).append(watch)

    def watching(self, series_id: str) -> list[Watch]:
        """Every enabled rule that evaluates this binding or field."""
        found = list(self.by_target.get(("series", series_id), ()))
        binding = self.state.get(Binding, series_id)
        if binding is None:
            return found
        slug = binding.state.quantity_slug
        device_id = binding.state.device_id
        device = self.state.get(Device, device_id)
        found += self.by_target.get(("device", device_id, slug), ())
        if device is not None and device.state.site_id:
            found += self.by_target.get(("site", device.state.site_id, slug), ())
        found += self.by_target.get(("org", binding.org_id, slug), ())
        return found

    def watches_any(self, series_ids: Iterable[str]) -> bool:
        """Whether some enabled rule evaluates one of these bindings or fields."""
        return any(self.watching(series_id) for series_id in series_ids)

    def describe(self, series_id: str) -> Series | None:
        """Where a series comes from, for the alert's text; None if it is gone."""
        binding = self.state.get(Binding, series_id)
        if binding is None:
            field = self.state.get(PrismField, series_id)
            if field is None:
                return None
            unit = field.state.unit or ""
            return Series(series_id, field.org_id, None, field.state.name, unit, None)
        device = self.state.get(Device, binding.state.device_id)
        slug = binding.state.quantity_slug
        name = quantities.get(slug).name if slug in quantities.catalog() else slug
        return Series(
            series_id,
            binding.org_id,
            binding.state.device_id,
            device.state.display_name if device else "",
            name,
            slug,
        )


def current_index(cache: RuleIndex | None, state: EntityState) -> RuleIndex:
    """The index for the read model's current offset (rebuilt only when it moved)."""
    if cache is not None and cache.offset == state.offset:
        return cache
    return RuleIndex(state)
