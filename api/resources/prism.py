"""Prism computed fields: ``/api/v1/prism/fields/`` CRUD, ``/api/v1/prism/{field_id}
/data/`` and backfill over stored history (decided in :mod:`domain.prism_fields`)."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from api.auth import principal_of
from api.entities import EntityAccess
from api.paging import window
from api.request import body_of, optional_body_of
from api.resources.explorer import query_series
from api.validation import Body, ValidationError
from domain import prism_fields
from domain.clock import Clock
from domain.entity_state import EntityState
from domain.errors import Conflict, NotFound
from domain.isotime import to_micros
from domain.prism_fields import FieldDefinition, field_view
from domain.states import PrismField, state_to_wire
from infra.clickhouse import AsyncStore
from projections.explorer import BadQuery, parse_time
from streams.prism.alignment import quantity_unit
from streams.prism.backfill import MAX_RANGE_US, Backfill, BackfillJobs
from streams.prism.expression import ExpressionError, Program, compile_expression

MAX_INPUTS = 16


def _inputs(
    body: Body, state: EntityState, org_id: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Variable -> binding id, and variable -> quantity slug: each input's shape,
    then its binding (checked in the domain), before the next input."""
    raw = body.data.get("inputs")
    if not isinstance(raw, dict) or not raw:
        raise ValidationError("inputs", "must map each variable name to a binding id")
    if len(raw) > MAX_INPUTS:
        raise ValidationError("inputs", f"at most {MAX_INPUTS} inputs")
    slugs: dict[str, str] = {}
    for variable, binding_id in raw.items():
        name = f"inputs.{variable}"
        if not isinstance(variable, str) or not variable.isidentifier():
            raise ValidationError(name, "variable names must be identifiers")
        if not isinstance(binding_id, str):
            raise ValidationError(name, "must be a binding id")
        slugs[variable] = prism_fields.input_quantity(
            state, org_id, variable, binding_id
        )
    return dict(raw), slugs


def _compile(expression: str, slugs: dict[str, str], declared: str | None) -> Program:
    """The expression compiled over its inputs' units (400 on ``expression``)."""
    units = {variable: quantity_unit(slug) or "" for variable, slug in slugs.items()}
    try:
        return compile_expression(expression, units, declared)
    except ExpressionError as ex:
        raise ValidationError("expression", str(ex)) from ex


def _definition(body: Body, state: EntityState, org_id: str) -> FieldDefinition:
    """The definition, checked in the order the API always has: inputs, the
    expression, then what names and describes the field."""
    inputs, slugs = _inputs(body, state, org_id)
    expression = (
        body.string("expression", required=True, max_len=1000, multiline=True) or ""
    )
    declared = body.string("unit", max_len=100)
    align = body.number("align_s", minimum=0.001, maximum=86_400)
    program = _compile(expression, slugs, declared)
    prism_fields.check_uses_inputs(program.variables)
    return FieldDefinition(
        name=body.string("name", required=True) or "",
        expression=expression,
        inputs=inputs,
        unit=program.unit,
        description=body.string("description", max_len=2000, blank=True, multiline=True)
        or "",
        declared_unit=declared,
        align_s=align,
    )


def _backfill_view(jobs: BackfillJobs, field_id: str) -> dict[str, Any] | None:
    job = jobs.get(field_id)
    return None if job is None else job.view()


class Fields:
    """``GET/POST /api/v1/prism/fields/`` (GET: ``{"fields": [...]}``)."""

    def __init__(self, entities: EntityAccess, jobs: BackfillJobs) -> None:
        self.entities = entities
        self.jobs = jobs

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        fields = self.entities.state.in_org(PrismField, principal_of(req).org_id)
        resp.media = {
            "fields": [
                field_view(f, _backfill_view(self.jobs, f.entity_id))
                for f in window(req, fields.values())
            ]
        }

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        ctx, body = self.entities.context(req), await body_of(req)
        command = prism_fields.CreateField(
            ctx,
            self.entities.new_id(),
            _definition(body, self.entities.state, ctx.org_id),
        )
        (event,) = prism_fields.decide(command, self.entities.state)
        resp.status = falcon.HTTP_201
        resp.media = field_view(await self.entities.write_one(event, PrismField))


class Field:
    """``GET/PUT/PATCH/DELETE /api/v1/prism/fields/{field_id}/`` (PUT and PATCH
    merge the given fields into the stored definition and re-check it)."""

    def __init__(self, entities: EntityAccess, jobs: BackfillJobs) -> None:
        self.entities = entities
        self.jobs = jobs

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        field = self.entities.own(PrismField, field_id, principal_of(req))
        resp.media = field_view(field, _backfill_view(self.jobs, field.entity_id))

    async def on_put(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        ctx = self.entities.context(req)
        field = self.entities.own(PrismField, field_id, principal_of(req))
        given = (await body_of(req)).data
        # "unit" in a body is the declared unit, not the compiled one it stores.
        stored = {**state_to_wire(field.state), "unit": field.state.declared_unit}
        definition = _definition(
            Body({**stored, **given}), self.entities.state, ctx.org_id
        )
        command = prism_fields.RedefineField(ctx, field.entity_id, definition)
        (event,) = prism_fields.decide(command, self.entities.state)
        resp.media = field_view(await self.entities.write_one(event, PrismField))

    on_patch = on_put

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        command = prism_fields.DeleteField(self.entities.context(req), field_id)
        await self.entities.write(prism_fields.decide(command, self.entities.state))
        resp.status = falcon.HTTP_204


class FieldData:
    """``GET /api/v1/prism/{field_id}/data/?start&end&max_points`` (default: the
    last 24 h), answered like the explorer for this one series."""

    def __init__(self, entities: EntityAccess, store: AsyncStore, clock: Clock) -> None:
        self.entities = entities
        self.store = store
        self.clock = clock

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        who = principal_of(req)
        field = self.entities.own(PrismField, field_id, who)
        now_us = to_micros(self.clock())
        answer = await query_series(
            self.entities.state, self.store, now_us, req, who, [field.entity_id], "-24h"
        )
        resp.media = _data_view(field.entity_id, field.state, answer)


def _data_view(
    field_id: str, field: PrismField, answer: dict[str, Any]
) -> dict[str, Any]:
    """The explorer answer of one field, with its points listed."""
    values = answer["series"][0]["values"]
    return {
        "field_id": field_id,
        "name": field.name,
        "expression": field.expression,
        "unit": field.unit,
        "points": [
            {"time": t, "value": v}
            for t, v in zip(answer["timestamps"], values, strict=True)
            if v is not None
        ],
        "timestamps": answer["timestamps"],
        "values": values,
        "meta": answer["meta"],
    }


class FieldBackfill:
    """``POST /api/v1/prism/fields/{field_id}/backfill/`` ``{"start", "end"}``
    recomputes the field over stored input history (202, runs in the background);
    ``GET`` shows its progress."""

    def __init__(self, entities: EntityAccess, jobs: BackfillJobs) -> None:
        self.entities = entities
        self.jobs = jobs

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        field = self.entities.own(PrismField, field_id, principal_of(req))
        job = self.jobs.get(field.entity_id)
        if job is None:
            raise NotFound("no backfill for this field")
        resp.media = job.view()

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        field = self.entities.own(PrismField, field_id, principal_of(req))
        if self.jobs.running(field.entity_id):
            raise Conflict("a backfill is already running")
        body = await optional_body_of(req)
        now_us = to_micros(self.entities.now())
        job = _plan(field.entity_id, body, now_us)
        self.jobs.start(job)
        resp.status = falcon.HTTP_202
        resp.media = job.view()


def _plan(field_id: str, body: Body, now_us: int) -> Backfill:
    """The backfill range from ``{"start", "end"}`` (default: the last 24 h)."""
    try:
        end = parse_time(body.string("end") or "now", now_us, "end")
        start = parse_time(body.string("start") or "-24h", now_us, "start")
    except BadQuery as ex:
        raise ValidationError(ex.parameter, str(ex).split(": ", 1)[-1]) from ex
    if start >= end:
        raise ValidationError("start", "must be before end")
    if end - start > MAX_RANGE_US:
        raise ValidationError("start", "a backfill covers at most 366 days")
    return Backfill(field_id, start, end)
