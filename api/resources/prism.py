"""Prism computed fields: ``/api/v1/prism/fields/`` CRUD, ``/api/v1/prism/{field_id}
/data/`` and backfill over stored history."""

from __future__ import annotations

import asyncio
from typing import Any

import falcon
import falcon.asgi

from api.auth import Principal, principal_of
from api.common import Services, body_of, by_creation, owned
from api.ingest_parse import to_micros
from api.resources.explorer import query_series
from api.validation import Body, ValidationError
from projections.entities import Entity
from projections.explorer import BadQuery, parse_time
from streams.prism.alignment import binding_unit
from streams.prism.backfill import MAX_RANGE_US, Backfill, run_backfill
from streams.prism.expression import ExpressionError, compile_expression

MAX_INPUTS = 16


def field_view(field: Entity, backfill: Backfill | None = None) -> dict[str, Any]:
    """A field as the API shows it."""
    s = field.state
    view = {
        "id": field.entity_id,
        "name": s["name"],
        "description": s.get("description", ""),
        "expression": s["expression"],
        "inputs": s["inputs"],
        "unit": s["unit"],
        "declared_unit": s.get("declared_unit"),
        "align_s": s.get("align_s"),
        "created_at": s["created_at"],
        "updated_at": s.get("updated_at", s["created_at"]),
    }
    if backfill is not None:
        view["backfill"] = backfill.view()
    return view


def _inputs(body: Body, services: Services, who: Principal) -> dict[str, str]:
    raw = body.data.get("inputs")
    if not isinstance(raw, dict) or not raw:
        raise ValidationError("inputs", "must map each variable name to a binding id")
    if len(raw) > MAX_INPUTS:
        raise ValidationError("inputs", f"at most {MAX_INPUTS} inputs")
    inputs = {}
    for variable, binding_id in raw.items():
        name = f"inputs.{variable}"
        if not isinstance(variable, str) or not variable.isidentifier():
            raise ValidationError(name, "variable names must be identifiers")
        if not isinstance(binding_id, str):
            raise ValidationError(name, "must be a binding id")
        binding = services.state.get("binding", binding_id)
        if binding is None or binding.org_id != who.org_id:
            raise ValidationError(name, f"unknown binding {binding_id}")
        inputs[variable] = binding_id
    return inputs


def _definition(body: Body, services: Services, who: Principal) -> dict[str, Any]:
    inputs = _inputs(body, services, who)
    expression = body.string("expression", required=True, max_len=1000)
    declared = body.string("unit", max_len=100)
    align = body.number("align_s", minimum=0.001, maximum=86_400)
    units = {v: binding_unit(services.state, b) or "" for v, b in inputs.items()}
    try:
        program = compile_expression(expression or "", units, declared)
    except ExpressionError as ex:
        raise ValidationError("expression", str(ex)) from ex
    if not program.variables:
        raise ValidationError("expression", "uses none of the inputs")
    return {
        "name": body.string("name", required=True),
        "description": body.string("description", max_len=2000, blank=True) or "",
        "expression": expression,
        "inputs": inputs,
        "unit": program.unit,
        "declared_unit": declared,
        "align_s": align,
    }


class Fields:
    """``GET/POST /api/v1/prism/fields/`` (GET: ``{"fields": [...]}``)."""

    def __init__(self, services: Services, jobs: dict[str, Backfill]) -> None:
        self.s = services
        self.jobs = jobs

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        fields = self.s.state.in_org("prism_field", principal_of(req).org_id)
        resp.media = {
            "fields": [
                field_view(f, self.jobs.get(f.entity_id))
                for f in by_creation(fields.values())
            ]
        }

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        body = await body_of(req)
        state = {**_definition(body, self.s, who), "created_at": self.s.now_iso()}
        field = await self.s.entities.create(
            "prism_field", who.org_id, state, actor=who.user_id
        )
        resp.status = falcon.HTTP_201
        resp.media = field_view(field)


class Field:
    """``GET/PUT/PATCH/DELETE /api/v1/prism/fields/{field_id}/`` (PUT and PATCH
    merge the given fields into the stored definition and re-check it)."""

    def __init__(self, services: Services, jobs: dict[str, Backfill]) -> None:
        self.s = services
        self.jobs = jobs

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        field = self.s.own(req, "prism_field", field_id)
        resp.media = field_view(field, self.jobs.get(field.entity_id))

    async def on_put(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        who = principal_of(req)
        field = owned(self.s.state, "prism_field", field_id, who)
        given = (await body_of(req)).data
        merged = {**field.state, "unit": field.state.get("declared_unit"), **given}
        definition = _definition(Body(merged), self.s, who)
        resp.media = field_view(await self.s.redefine(field, definition))

    on_patch = on_put

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        await self.s.entities.delete(self.s.own(req, "prism_field", field_id))
        resp.status = falcon.HTTP_204


class FieldData:
    """``GET /api/v1/prism/{field_id}/data/?start&end&max_points`` (default: the
    last 24 h), answered like the explorer for this one series."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        who = principal_of(req)
        field = self.s.own(req, "prism_field", field_id)
        answer = await query_series(self.s, req, who, [field.entity_id], "-24h")
        series = answer["series"][0]
        resp.media = {
            "field_id": field.entity_id,
            "name": field.state["name"],
            "expression": field.state["expression"],
            "unit": field.state["unit"],
            "points": [
                {"time": t, "value": v}
                for t, v in zip(answer["timestamps"], series["values"], strict=True)
                if v is not None
            ],
            "timestamps": answer["timestamps"],
            "values": series["values"],
            "meta": answer["meta"],
        }


class FieldBackfill:
    """``POST /api/v1/prism/fields/{field_id}/backfill/`` ``{"start", "end"}``
    recomputes the field over stored input history (202, runs in the background);
    ``GET`` shows its progress."""

    def __init__(self, services: Services, jobs: dict[str, Backfill]) -> None:
        self.s = services
        self.jobs = jobs
        self.tasks: set[asyncio.Task[None]] = set()

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        field = self.s.own(req, "prism_field", field_id)
        job = self.jobs.get(field.entity_id)
        if job is None:
            raise falcon.HTTPNotFound(description="no backfill for this field")
        resp.media = job.view()

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, field_id: str
    ) -> None:
        field = self.s.own(req, "prism_field", field_id)
        current = self.jobs.get(field.entity_id)
        if current is not None and current.status == "running":
            raise falcon.HTTPConflict(description="a backfill is already running")
        media = await req.get_media(default_when_empty=None)
        job = _plan(field, Body(media or {}), to_micros(self.s.clock()))
        self.jobs[field.entity_id] = job
        task = asyncio.create_task(run_backfill(job, self.s.state, self.s.platform))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        resp.status = falcon.HTTP_202
        resp.media = job.view()


def _plan(field: Entity, body: Body, now_us: int) -> Backfill:
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
    return Backfill(field.entity_id, start, end)
