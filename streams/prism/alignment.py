"""Prism fields in the stream (pure): which inputs feed which field, how inputs on
different devices are aligned in time, and one field's evaluation state.

Alignment: a field with one input is evaluated at each of its points. A field with
several inputs is evaluated per time bucket of ``align_s`` seconds (default 1 s;
the output carries the bucket's start time) as soon as every input has a value in
the bucket (each input's latest value by then); the bucket then starts over, so if
every input reports in it again, it is evaluated again and the derived point is
rewritten (last write wins). Incomplete buckets are kept while they are within
:data:`PENDING_HORIZON_US` of the newest one (inputs may lag each other by that
much), and never more than :data:`MAX_PENDING`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.entity import Entity
from domain.entity_state import EntityState
from domain.states import Binding, PrismField
from schemas import quantities
from streams.prism.expression import (
    ExpressionError,
    Program,
    WindowState,
    compile_expression,
)

PENDING_HORIZON_US = 600 * 1_000_000
MAX_PENDING = 20_000
DEFAULT_ALIGN_S = 1.0
Point = tuple[str, int, float]  # (variable, timestamp in µs, value)


def quantity_unit(slug: str) -> str | None:
    """The pint unit of a canonical quantity, or None for an unknown slug."""
    found = quantities.catalog().get(slug)
    return found.unit if found else None


def binding_unit(state: EntityState, binding_id: str) -> str | None:
    """The pint unit of a live binding's quantity, or None."""
    binding = state.get(Binding, binding_id)
    return None if binding is None else quantity_unit(binding.state.quantity_slug)


def compile_field(state: EntityState, entity: Entity[PrismField]) -> Program:
    """The field's program, units taken from its input bindings."""
    units = {}
    for variable, binding_id in entity.state.inputs.items():
        unit = binding_unit(state, binding_id)
        if unit is None:
            raise ExpressionError(f"input '{variable}' has no binding", name=variable)
        units[variable] = unit
    return compile_expression(
        entity.state.expression, units, entity.state.declared_unit
    )


@dataclass
class CompiledField:
    """A live field, ready to evaluate."""

    field_id: str
    org_id: str
    program: Program
    align_us: int  # 0: exact timestamps (one input)
    inputs: dict[str, str]  # variable -> binding id


class FieldIndex:
    """Fields by input binding, rebuilt when the entity log moves (programs are
    reused while a field's version is unchanged)."""

    def __init__(self, state: EntityState, previous: FieldIndex | None = None) -> None:
        self.state = state
        self.offset = state.offset
        self.fields: dict[str, CompiledField] = {}
        self.versions: dict[str, int] = {}
        self.by_input: dict[str, list[tuple[str, str]]] = {}
        for entity in state.of_type(PrismField).values():
            self._add(entity, previous)

    def _add(self, entity: Entity[PrismField], previous: FieldIndex | None) -> None:
        fid = entity.entity_id
        if previous and previous.versions.get(fid) == entity.version:
            compiled = previous.fields.get(fid)
        else:
            compiled = self._compile(entity)
        if compiled is None:
            return
        self.fields[fid] = compiled
        self.versions[fid] = entity.version
        for variable, binding_id in compiled.inputs.items():
            self.by_input.setdefault(binding_id, []).append((fid, variable))

    def reads_any(self, binding_ids: Iterable[str]) -> bool:
        """Whether some field takes one of these bindings as an input."""
        return any(binding_id in self.by_input for binding_id in binding_ids)

    def _compile(self, entity: Entity[PrismField]) -> CompiledField | None:
        try:
            program = compile_field(self.state, entity)
        except ExpressionError:
            return None  # an input binding was deleted: the field pauses
        inputs = dict(entity.state.inputs)
        align = entity.state.align_s
        if align is None:
            align = DEFAULT_ALIGN_S if len(inputs) > 1 else 0.0
        return CompiledField(
            entity.entity_id, entity.org_id, program, int(align * 1e6), inputs
        )


def current_fields(cache: FieldIndex | None, state: EntityState) -> FieldIndex:
    """The index for the read model's current offset."""
    if cache is not None and cache.offset == state.offset:
        return cache
    return FieldIndex(state, cache)


@dataclass
class FieldState:
    """One field's pending buckets and window buffers (kept in a Faust table)."""

    buckets: dict[int, dict[str, float]] = field(default_factory=dict)  # open order
    windows: WindowState = field(default_factory=WindowState)
    newest: int = -(2**62)  # start of the newest bucket seen

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for the table."""
        return {
            "b": [[ts, values] for ts, values in self.buckets.items()],
            "w": self.windows.to_json(),
            "n": self.newest,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> FieldState:
        """Load a table value (None: a new field)."""
        if not data:
            return cls()
        buckets = {int(ts): dict(values) for ts, values in data["b"]}
        return cls(buckets, WindowState.from_json(data["w"]), int(data["n"]))


def evaluate(
    compiled: CompiledField, state: FieldState, points: Iterable[Point]
) -> list[tuple[int, float]]:
    """Fold input points into the state; return (timestamp µs, value) outputs."""
    wanted = set(compiled.program.variables)
    out: dict[int, float] = {}
    for variable, ts, value in points:
        ready = _align(compiled, state, variable, ts, value, wanted)
        if ready is None:
            continue
        at, values = ready
        result = compiled.program.evaluate(values, at / 1e6, state.windows)
        if result is not None:
            out[at] = result
    return sorted(out.items())


def _align(
    compiled: CompiledField,
    state: FieldState,
    variable: str,
    ts: int,
    value: float,
    wanted: set[str],
) -> tuple[int, dict[str, float]] | None:
    if variable not in wanted:
        return None
    if compiled.align_us <= 0:
        return (ts, {variable: value}) if len(wanted) == 1 else None
    at = ts - ts % compiled.align_us
    bucket = state.buckets.setdefault(at, {})
    bucket[variable] = value
    state.newest = max(state.newest, at)
    _trim(state.buckets, state.newest)
    if at not in state.buckets or len(bucket) < len(wanted):
        return None
    return at, state.buckets.pop(at)


def _trim(buckets: dict[int, dict[str, float]], newest: int) -> None:
    """Drop the earliest-opened buckets while they are beyond the horizon or over
    the count bound (opening order is time order but for late points: O(1) per
    point, and a late straggler goes when it reaches the front)."""
    while buckets:
        first = next(iter(buckets))
        if first >= newest - PENDING_HORIZON_US and len(buckets) <= MAX_PENDING:
            return
        del buckets[first]
