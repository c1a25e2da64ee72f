"""Which of the org's quantities a question reads, or why none (pure)."""

from __future__ import annotations

from agents.nlq.context import Context
from agents.nlq.lexicon import QuantityInUse, resolve_quantity, with_unit

Chosen = tuple[list[QuantityInUse], str | None]


def quantities_for(
    ctx: Context,
    devices: list[str],
    phrases: list[str],
    units: list[str],
    many: bool = False,
) -> Chosen:
    """The quantities asked for, or why none can be read; with none named, the
    named devices' one quantity (``many``: all of them)."""
    chosen: list[QuantityInUse] = []
    for phrase in phrases:
        resolved = resolve_quantity(phrase, ctx.quantities)
        if not resolved:
            return [], f"No device in your organisation measures {phrase}."
        chosen += [q for q in resolved if q not in chosen]
    for unit in units:
        chosen = with_unit(chosen, unit, ctx.quantities)
        if not chosen:
            what = " and ".join(phrases) or "anything"
            return [], f"No device in your organisation measures {what} in {unit}."
    if not chosen:
        return _device_quantity(ctx, devices, many)
    return _on_devices(ctx, devices, chosen)


def _measured(ctx: Context, devices: list[str]) -> set[str]:
    return {s for d in ctx.devices if d.name in devices for s in d.slugs}


def _device_quantity(ctx: Context, devices: list[str], many: bool) -> Chosen:
    slugs = _measured(ctx, devices)
    measured = [q for q in ctx.quantities if q.slug in slugs]
    if devices and (len(measured) == 1 or (many and measured)):
        return measured, None
    return [], "Which quantity? Name one, e.g. temperature, pressure or CO2."


def _on_devices(
    ctx: Context, devices: list[str], chosen: list[QuantityInUse]
) -> Chosen:
    if not devices:
        return chosen, None
    slugs = _measured(ctx, devices)
    if not any(q.slug in slugs for q in chosen):
        names = " and ".join(devices)
        what = " and ".join(sorted({q.name.lower() for q in chosen}))
        return [], f"{names} does not measure {what}."
    return [q for q in chosen if q.slug in slugs], None
