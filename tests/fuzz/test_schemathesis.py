"""Fuzz every operation of ``/api/openapi.json`` with schemathesis, every check on:
no server error, every answer (status, media type, headers, body) one the
document describes, valid data accepted, invalid data refused, credentials
enforced, 405 with Allow for undocumented methods.

Both auth surfaces are used as a client would: the user's JWT on the platform
API, a read-write ``vk_`` key on the watchers API, a ``gw_`` token on ingest.
Positive and negative data are generated (schemathesis's fuzzing phase); its
stateful checks (use after free, resource availability) need the stateful
phase, which has no links to follow in this document and is left off."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from api.openapi.parts import WS
from tests.fuzz.conftest import World
from tests.fuzz.orgs import Org, credential

# Forwarded mails are raw text on the wire.
schemathesis.serializer.alias("message/rfc822", "text/plain")

# VIGIL_FUZZ_DEEP=1 adds schemathesis's coverage phase (every boundary of every
# schema) and 30 examples: ~11,000 requests, 7 minutes here; the suite runs the
# fuzzing phase only.
DEEP = os.environ.get("VIGIL_FUZZ_DEEP") == "1"
# Examples per operation: enough to meet every refusal path, small enough for
# about a minute on two cores.
MAX_EXAMPLES = 30 if DEEP else 5
# The live alert stream never ends by itself: its media type is documented and its
# refusals are covered in tests/api/test_alerts_api.py.
NOT_CALLED = ["/api/v1/alerts/stream/"]
# Path parameters are bound to real ids this often, so the fuzzer gets past the
# 404 into the validation behind it.
ID_PROBABILITY = 0.8


# Body fields that name another entity of the org (a binding, a device...): the
# document says what such an id looks like, not which ones exist, so the fuzzer
# is handed real ones (else every such body is a 400 or 404 naming the id).
REFERENCES = {
    "body.binding_id": "binding_id",
    "body.field_id": "field_id",
    "body.device_id": "device_id",
    "body.site_id": "site_id",
    "body.hardware_id": "hardware_id",
    "body.measurements[*].binding_id": "binding_id",
    "body.panels[*].binding_ids[*]": "binding_id",
    "body.panels[*].field_ids[*]": "field_id",
    "body.binding_ids[*]": "binding_id",
    "body.field_ids[*]": "field_id",
    "body.page_context.device_id": "device_id",
    "body.page_context.site_id": "site_id",
    "body.page_context.dashboard_id": "dashboard_id",
}
# Operations that answer 400 to some requests their schema admits, by rules a
# JSON Schema cannot state; each rule is written on the operation in the document.
STATEFUL_400 = {
    "POST /api/v1/ingest/": "each measurement is checked against the device's "
    "active bindings and the clock (2000-01-01 to now + 10 min); none valid: 400",
    "GET /api/v1/explorer/query/": "start must be before end, both between 1900 "
    "and 2299 UTC",
    "GET /api/v1/prism/{field_id}/data/": "start must be before end, both between "
    "1900 and 2299 UTC",
    "POST /api/v1/canvas/public/{token}/query/": "start before end, both between "
    "1900 and 2299 UTC, a range of at most VIGIL_CANVAS_MAX_RANGE_DAYS",
    "POST /api/v1/prism/fields/{field_id}/backfill/": "start before end, both "
    "between 1900 and 2299 UTC, at most 366 days",
    "POST /api/v1/prism/fields/": "the expression is parsed and unit-checked "
    "against its inputs' quantities",
    "PUT /api/v1/prism/fields/{field_id}/": "merged into the stored field, whose "
    "expression is checked again",
    "PATCH /api/v1/prism/fields/{field_id}/": "as PUT",
    "POST /api/v1/alerts/rules/": "`outside` needs low < high",
    "PUT /api/v1/alerts/rules/{rule_id}/": "merged into the stored rule, which is "
    "checked whole again",
    "PATCH /api/v1/alerts/rules/{rule_id}/": "as PUT",
    "POST /api/watchers/{watcher_id}/tools": "parameter_schema must be a valid "
    "JSON Schema",
    "PUT /api/watchers/{watcher_id}/tools/{tool_id}": "as POST",
    "PATCH /api/watchers/{watcher_id}/tools/{tool_id}": "as POST",
    "PUT /api/watchers/{watcher_id}/channels/{channel_id}": "destination must "
    "suit the stored channel type (email or webhook)",
    "PATCH /api/watchers/{watcher_id}/channels/{channel_id}": "as PUT",
    "POST /api/watchers/{watcher_id}/threads/{thread_id}/close": "the reference: "
    "400 when the thread is already resolved or ignored",
}
# The coverage phase sends its own values where the fuzzer is handed real ids:
# these operations then answer 400 naming the unknown id.
if DEEP:
    STATEFUL_400.update(
        {
            f"{method} {path}": "a reference to an entity the org does not have"
            for method, path in (
                ("POST", "/api/v1/devices/"),
                ("PUT", "/api/v1/devices/{device_id}/"),
                ("PATCH", "/api/v1/devices/{device_id}/"),
                ("POST", "/api/v1/canvas/"),
                ("PUT", "/api/v1/canvas/{dashboard_id}/"),
                ("PATCH", "/api/v1/canvas/{dashboard_id}/"),
                ("POST", "/api/v1/ai/argus/memory/"),
            )
        }
    )
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]


def config(org: Org) -> SchemathesisConfig:
    """Every check and generation mode; id path parameters bound to org A's
    entities (to spare ones for DELETE, so the rest stay for other operations),
    reference fields of bodies always to real ones."""

    def bind(ids: dict[str, str], suffix: str) -> dict[str, Any]:
        return {
            f"path.{name}": {"dictionary": name + suffix, "probability": ID_PROBABILITY}
            for name in ids
        }

    dictionaries = {n: {"values": [v]} for n, v in org.ids.items()}
    dictionaries.update({f"{n}-spare": {"values": [v]} for n, v in org.spare.items()})
    references = {
        key: {"dictionary": name, "probability": 1.0}
        for key, name in REFERENCES.items()
    }
    stateful = [
        {
            "include-name": name,
            "checks": {
                "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}
            },
        }
        for name in STATEFUL_400
    ]
    return SchemathesisConfig.from_dict(
        {
            "seed": 20261202,
            "dictionaries": dictionaries,
            "parameters": {**bind(org.ids, ""), **references},
            # Credentials come from Credentials below, never generated: a
            # mangled Authorization it overwrote would be "negative" data the
            # server rightly accepts.
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "with-security-parameters": False,
            },
            "checks": {"enabled": True},
            "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": DEEP}},
            "operations": [
                {"include-method": "DELETE", "parameters": bind(org.spare, "-spare")},
                *stateful,
            ],
        }
    )


def integral(value: Any) -> Any:
    """``value`` with every integral float inside it as an int."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral(v) for v in value]
    return value


@schemathesis.hook
def before_call(context: Any, case: schemathesis.Case[Any], kwargs: Any) -> None:
    """JSON has one number type: 4.0 is an integer to JSON Schema, but the API's
    integer fields (api/validation.py Body.integer, ingest's quality, and
    ``int()`` on query strings) refuse it. Until they accept integral numbers,
    those go out as 4."""
    case.body = integral(case.body)
    case.query = integral(case.query)


def load(world: World) -> Any:
    """The served document, with the credential of each operation's surface."""
    schema = schemathesis.openapi.from_asgi(
        "/api/openapi.json", world.asgi, config=config(world.a)
    ).exclude(path=NOT_CALLED)
    org = world.a

    class Credentials:
        def get(self, case: schemathesis.Case[Any], ctx: Any) -> Org:
            return org

        def set(self, case: schemathesis.Case[Any], data: Org, ctx: Any) -> None:
            case.headers.update(credential(case.path, data))

    schema.auth()(Credentials)
    return schema


@dataclass
class Run:
    """What the engine reported: problems, requests, time per phase."""

    problems: list[str] = field(default_factory=list)
    requests: int = 0
    operations: set[str] = field(default_factory=set)
    phases: dict[str, float] = field(default_factory=dict)
    seen: set[tuple[str, str, str]] = field(default_factory=set)
    unmutated: int = 0
    server_s: float = 0.0

    def take(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.NonFatalError):
            self.problems.append(f"error: {event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            self.problems.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.PhaseStarted):
            self.phases[event.phase.name.value] = -event.timestamp
        elif isinstance(event, events.PhaseFinished):
            self.phases[event.phase.name.value] += event.timestamp
        elif isinstance(event, events.ScenarioFinished) and event.label:
            self.requests += len(event.recorder.interactions)
            self.server_s += sum(
                i.response.elapsed
                for i in event.recorder.interactions.values()
                if i.response is not None
            )
            if event.recorder.interactions:
                self.operations.add(event.label)
            self._failures(event)

    def _failures(self, event: events.ScenarioFinished) -> None:
        """Each failed check, once per operation, check and title."""
        for case_id, checks in event.recorder.checks.items():
            for check in checks:
                if check.status != Status.FAILURE or check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                if unmutated(event.recorder, failure.case_id or case_id):
                    self.unmutated += 1
                    continue
                key = (str(event.label), check.name, failure.title)
                if key not in self.seen:
                    self.seen.add(key)
                    self.problems.append(
                        f"{event.label}: {check.name}: {failure.title}\n"
                        + failure.message
                        + exchange(event.recorder, failure.case_id or case_id)
                    )

    def summary(self) -> str:
        phases = ", ".join(f"{name} {s:.1f} s" for name, s in self.phases.items())
        return (
            f"{len(self.operations)} operations, {self.requests} requests "
            f"({phases}; answering {self.server_s:.1f} s); "
            f"{len(self.problems)} problems; {self.unmutated} "
            "unmutated 'negative' cases set aside"
        )


def unmutated(recorder: Any, case_id: str) -> bool:
    """A case schemathesis calls negative though it mutated nothing: it happens
    when a dictionary id replaces the one path parameter it had mutated (its own
    description then reads "Positive test case")."""
    node = recorder.cases.get(case_id)
    meta = node.value.meta if node is not None else None
    if meta is None or not meta.generation.mode.is_negative:
        return False
    data = meta.phase.data
    return not getattr(data, "mutations", True) and (
        getattr(data, "description", "") == "Positive test case"
    )


def exchange(recorder: Any, case_id: str) -> str:
    """What was sent and answered (the start of each)."""
    interaction = recorder.interactions.get(case_id)
    if interaction is None or interaction.response is None:
        return ""
    answer = interaction.response
    request = interaction.request
    return (
        f"\n{request.method} {request.uri}\n{request.body!r:.400}"
        f"\n-> {answer.status_code} {answer.content[:300]!r}"
    )


def test_every_answer_is_one_the_document_describes(world: World) -> None:
    run = Run()
    for event in from_schema(load(world)).execute():
        run.take(event)
    print(run.summary())
    report = "\n\n".join(run.problems)
    assert not run.problems, f"{run.summary()}:\n\n{report}"
    assert len(run.operations) > 100, run.summary()


def test_patterns_spell_white_space_as_the_api_trims_it() -> None:
    spelled = {chr(c) for c in range(0x110000) if re.fullmatch(WS, chr(c))}
    assert spelled == {chr(c) for c in range(0x110000) if chr(c).isspace()}
