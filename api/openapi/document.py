"""The OpenAPI 3.1 document, assembled from the path fragments each area declares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import falcon
import falcon.asgi

Doc = dict[str, Any]

ERROR = {"$ref": "#/components/schemas/Error"}


def error_response(text: str) -> Doc:
    """A response whose body is the common error object."""
    return {"description": text, "content": {"application/json": {"schema": ERROR}}}


# What any operation may answer before or around its own logic, by the layer that
# answers it: the HTTP server (an over-long request line, never reaching the app),
# the body limit and the JSON check (every POST, PUT and PATCH), authentication,
# storage or the event log being unavailable, and the router (a path parameter
# holding an encoded "/" leads nowhere). Defined once under components.
COMMON_RESPONSES: Doc = {
    "UriTooLong": {
        "description": "Request line longer than the HTTP server's limit (gunicorn's "
        "`limit_request_line`, 4094 bytes): answered by the server, in plain text, "
        "before the app sees the request.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    },
    "BodyTooLarge": error_response("Body larger than VIGIL_MAX_BODY_BYTES."),
    "NotJson": error_response("A body whose Content-Type is not application/json."),
    "Unauthorized": error_response("Missing, invalid or expired credential."),
    "Forbidden": error_response(
        "Valid credential without the right (read-only key writing, gateway "
        "token outside ingest, cross-origin cookie write)."
    ),
    "RateLimited": error_response("Rate limit hit; Retry-After says when to retry."),
    "Unavailable": error_response("Kafka or ClickHouse unavailable; see Retry-After."),
    "NoRoute": error_response(
        "A path parameter holding an encoded `/` leads to no route."
    ),
}


def _ref(name: str) -> Doc:
    return {"$ref": f"#/components/responses/{name}"}


BODY_ERRORS: Doc = {"413": _ref("BodyTooLarge"), "415": _ref("NotJson")}
AUTH_ERRORS: Doc = {
    "401": _ref("Unauthorized"),
    "403": _ref("Forbidden"),
    "429": _ref("RateLimited"),
    "503": _ref("Unavailable"),
}
# Schemas several operations share (long enums), filled by the path modules.
SHARED_SCHEMAS: Doc = {}


def shared(name: str, schema: Doc) -> Doc:
    """A reference to ``schema``, kept once under components as ``name``."""
    SHARED_SCHEMAS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


HEALTH_PATHS: Doc = {
    "/healthz": {
        "get": {
            "summary": "Liveness: the process serves requests.",
            "tags": ["operations"],
            "security": [],
            "responses": {"200": {"description": 'Alive: `{"status": "ok"}`'}},
        }
    },
    "/readyz": {
        "get": {
            "summary": "Readiness: broker reachable, ClickHouse answers, read model "
            "caught up, projectors running, and (where Faust runs in this process) "
            "its partitions assigned and tables recovered.",
            "tags": ["operations"],
            "security": [],
            "responses": {
                "200": {"description": 'Ready: `{"status": "ready", "checks": {...}}`'},
                "503": {
                    "description": "Not ready; `error` names the failing checks and "
                    "`checks` gives each one's state. Carries Retry-After.",
                    "content": {"application/json": {"schema": ERROR}},
                },
            },
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics (text exposition format).",
            "tags": ["operations"],
            "security": [],
            "responses": {
                "200": {"description": "Metrics", "content": {"text/plain": {}}}
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "summary": "This document.",
            "tags": ["operations"],
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1 document"}},
        }
    },
}


def with_common_responses(path: str, method: str, operation: Doc) -> Doc:
    """The operation with the responses of the layers around it added."""
    responses = {"414": _ref("UriTooLong")}
    if method in ("post", "put", "patch"):
        responses.update(BODY_ERRORS)
    if operation.get("security") != []:
        responses.update(AUTH_ERRORS)
    responses.update(operation["responses"])
    if "{" in path:
        missing = responses.get("404")
        if missing is None:
            responses["404"] = _ref("NoRoute")
        elif "$ref" not in missing:
            content = {**COMMON_RESPONSES["NoRoute"]["content"]}
            content.update(missing.get("content", {}))
            responses["404"] = {**missing, "content": content}
    return {**operation, "responses": responses}


def build_document(fragments: Iterable[Doc]) -> Doc:
    """Merge path fragments into one OpenAPI 3.1 document."""
    paths: Doc = {}
    for fragment in fragments:
        for name, item in fragment.items():
            paths[name] = {
                m: with_common_responses(name, m, o) for m, o in item.items()
            }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Vigil API",
            "version": "0.1.0",
            "description": (
                "Event-sourced sensor telemetry, alerting and AI agents. Every error "
                'is a JSON object `{"error": "..."}` with the HTTP status. Choices '
                "the references leave open are documented on each operation and under "
                "`x-vigil-conventions`."
            ),
        },
        "servers": [{"url": "/"}],
        "x-vigil-conventions": {
            "errors": 'All errors: `{"error": "..."}`; unknown paths 404, wrong '
            "method 405 (with Allow), malformed JSON 400, non-JSON body 415, "
            "oversized body 413. An invalid field is a 400 whose `field` names it. "
            "Body strings are trimmed; a blank one is refused unless noted.",
            "timestamps": "UTC, ISO-8601 with a `Z` suffix.",
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
                **SHARED_SCHEMAS,
            },
            "responses": COMMON_RESPONSES,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"bearer": []}],
    }


class OpenApi:
    """``GET /api/openapi.json``."""

    auth = "none"

    def __init__(self, document: Doc) -> None:
        self.document = document

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.media = self.document
