"""Prism computed fields: the commands that define them and the decisions.

The expression engine (pint units, windows) lives with the stream, so a definition
is checked as it is parsed, in this order: each input is the org's
(:func:`input_quantity`, whose slug gives the input's unit), the expression compiles
over those units, then it uses an input (:func:`check_uses_inputs`). A command
carries what that gave, the compiled output unit among it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from domain.context import Context
from domain.entity import Entity, EntityChanged, EntityType, created, deleted, updated
from domain.entity_state import EntityState
from domain.errors import Invalid
from domain.isotime import iso
from domain.states import Binding, PrismField


@dataclass(frozen=True)
class FieldDefinition:
    """A field's expression over its inputs, as compiled and checked."""

    name: str
    expression: str
    inputs: dict[str, str]  # variable -> binding id
    unit: str  # the compiled output unit
    description: str = ""
    declared_unit: str | None = None
    align_s: float | None = None


@dataclass(frozen=True)
class CreateField:
    """Define a new field in an org."""

    ctx: Context
    field_id: str
    definition: FieldDefinition


@dataclass(frozen=True)
class RedefineField:
    """Replace a field's definition (it keeps its creation time)."""

    ctx: Context
    field_id: str
    definition: FieldDefinition


@dataclass(frozen=True)
class DeleteField:
    """Delete a field (the stream stops evaluating it)."""

    ctx: Context
    field_id: str


Command = CreateField | RedefineField | DeleteField


def decide(command: Command, state: EntityState) -> list[EntityChanged]:
    """The events a field command makes (its definition was checked as it was
    parsed)."""
    match command:
        case CreateField():
            return decide_create(command)
        case RedefineField():
            return decide_redefine(command, state)
        case DeleteField():
            return decide_delete(command, state)


def input_quantity(
    state: EntityState, org_id: str, variable: str, binding_id: str
) -> str:
    """The quantity slug of an input's binding; a binding missing or in another
    org is refused, naming the input."""
    binding = state.owned(Binding, binding_id, org_id)
    if binding is None:
        raise Invalid(f"inputs.{variable}", f"unknown binding {binding_id}")
    return binding.state.quantity_slug


def check_uses_inputs(variables: Collection[str]) -> None:
    """Refuse an expression that uses none of its inputs (``variables``: the
    inputs the compiled expression uses)."""
    if not variables:
        raise Invalid("expression", "uses none of the inputs")


def decide_create(command: CreateField) -> list[EntityChanged]:
    """The field's creation."""
    ctx = command.ctx
    prism_field = _field_state(command.definition, iso(ctx.at))
    return [
        created(
            EntityType.PRISM_FIELD,
            command.field_id,
            ctx.org_id,
            prism_field,
            (),
            ctx.at,
            ctx.actor,
        )
    ]


def decide_redefine(command: RedefineField, state: EntityState) -> list[EntityChanged]:
    """The org's field's new definition."""
    ctx = command.ctx
    entity = state.require(PrismField, command.field_id, ctx.org_id)
    prism_field = _field_state(command.definition, entity.state.created_at, iso(ctx.at))
    keys = state.keys_of(entity)
    return [updated(entity, prism_field, keys, ctx.at, ctx.actor)]


def decide_delete(command: DeleteField, state: EntityState) -> list[EntityChanged]:
    """The field's deletion."""
    ctx = command.ctx
    entity = state.require(PrismField, command.field_id, ctx.org_id)
    return [deleted(entity, ctx.at, ctx.actor)]


def field_view(
    entity: Entity[PrismField], backfill: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A field as the API shows it (with its latest backfill's view, if given)."""
    s = entity.state
    view: dict[str, Any] = {
        "id": entity.entity_id,
        "name": s.name,
        "description": s.description,
        "expression": s.expression,
        "inputs": s.inputs,
        "unit": s.unit,
        "declared_unit": s.declared_unit,
        "align_s": s.align_s,
        "created_at": s.created_at,
        "updated_at": s.updated_at or s.created_at,
    }
    if backfill is not None:
        view["backfill"] = dict(backfill)
    return view


def _field_state(
    definition: FieldDefinition, created_at: str, updated_at: str | None = None
) -> PrismField:
    return PrismField(
        name=definition.name,
        description=definition.description,
        expression=definition.expression,
        inputs=dict(definition.inputs),
        unit=definition.unit,
        declared_unit=definition.declared_unit,
        align_s=definition.align_s,
        created_at=created_at,
        updated_at=updated_at,
    )
