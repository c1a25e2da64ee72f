"""Which alert rules watch which series (pure: built from the entity read model).

A rule targets one binding, a quantity on one device, a quantity across a site, a
quantity across the org, or one Prism field. Every matching series is evaluated on
its own: a site rule on two pumps keeps two states and can fire twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from projections.entities import Entity, EntityState
from schemas import quantities
from streams.alerting import Condition, Rule, RuleError

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


def compile_rule(entity: Entity) -> Watch:
    """The state machine's rule for a stored rule entity."""
    s = entity.state
    condition = Condition(
        kind=s["condition"],
        threshold=s.get("threshold"),
        low=s.get("low"),
        high=s.get("high"),
        hysteresis=s.get("hysteresis") or 0.0,
        silence_s=s.get("silence_s"),
    )
    rule = Rule(entity.entity_id, condition, s["severity"], s.get("for_s") or 0.0)
    return Watch(rule, s["name"], entity.org_id)


def _target_key(state: dict[str, Any], org_id: str) -> tuple[str, ...]:
    kind = state["target_type"]
    if kind == "binding":
        return ("series", state["binding_id"])
    if kind == "field":
        return ("series", state["field_id"])
    if kind == "device_quantity":
        return ("device", state["device_id"], state["quantity_slug"])
    if kind == "site_quantity":
        return ("site", state["site_id"], state["quantity_slug"])
    return ("org", org_id, state["quantity_slug"])


class RuleIndex:
    """Rules by target, rebuilt whenever the entity log moves."""

    def __init__(self, state: EntityState) -> None:
        self.state = state
        self.offset = state.offset
        self.by_target: dict[tuple[str, ...], list[Watch]] = {}
        self.by_id: dict[str, Watch] = {}
        for entity in state.of_type("alert_rule").values():
            if not entity.state.get("enabled", True):
                continue
            try:
                watch = compile_rule(entity)
            except (RuleError, KeyError, TypeError):
                log.warning("alert rule %s cannot be evaluated", entity.entity_id)
                continue  # checked at create; one bad rule must not stop the rest
            self.by_id[entity.entity_id] = watch
            key = _target_key(entity.state, entity.org_id)
            self.by_target.setdefault(key, []).append(watch)

    def watching(self, series_id: str) -> list[Watch]:
        """Every enabled rule that evaluates this binding or field."""
        found = list(self.by_target.get(("series", series_id), ()))
        binding = self.state.get("binding", series_id)
        if binding is None:
            return found
        slug = binding.state["quantity_slug"]
        device = self.state.get("device", binding.state["device_id"])
        found += self.by_target.get(("device", binding.state["device_id"], slug), ())
        if device is not None and device.state.get("site_id"):
            found += self.by_target.get(("site", device.state["site_id"], slug), ())
        found += self.by_target.get(("org", binding.org_id, slug), ())
        return found

    def describe(self, series_id: str) -> Series | None:
        """Where a series comes from, for the alert's text; None if it is gone."""
        binding = self.state.get("binding", series_id)
        if binding is None:
            field = self.state.get("prism_field", series_id)
            if field is None:
                return None
            unit = field.state.get("unit") or ""
            return Series(
                series_id, field.org_id, None, field.state["name"], unit, None
            )
        device = self.state.get("device", binding.state["device_id"])
        slug = binding.state["quantity_slug"]
        name = quantities.get(slug).name if slug in quantities.catalog() else slug
        return Series(
            series_id,
            binding.org_id,
            binding.state["device_id"],
            device.state["display_name"] if device else "",
            name,
            slug,
        )


def current_index(cache: RuleIndex | None, state: EntityState) -> RuleIndex:
    """The index for the read model's current offset (rebuilt only when it moved)."""
    if cache is not None and cache.offset == state.offset:
        return cache
    return RuleIndex(state)
