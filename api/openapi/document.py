"""The OpenAPI 3.1 document, assembled from the path fragments each area declares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import falcon
import falcon.asgi

from api.validation import MAX_DEPTH

Doc = dict[str, Any]

ERROR = {"$ref": "#/components/schemas/Error"}


def error_response(text: str) -> Doc:
    """A response whose body is the common error object."""
    return {"description": text, "content": {"application/json": {"schema": ERROR}}}


# What any operation may answer before or around its own logic, by the layer that
# answers it: the HTTP server (an over-long request line or header, never reaching
# the app), the body limits and the JSON check (every POST, PUT and PATCH),
# authentication, storage or the event log being unavailable, and the router (a
# path parameter holding an encoded "/" leads nowhere). Defined once under
# components.
COMMON_RESPONSES: Doc = {
    "UriTooLong": error_response(
        "Request line (URL) longer than the HTTP server's limit (gunicorn's "
        "`limit_request_line`, 4094 bytes): answered by the server before the app "
        "sees the request, as the JSON error object; the connection closes."
    ),
    "HeaderTooLarge": error_response(
        "A header longer than 8190 bytes or more than 100 headers (gunicorn's "
        "`limit_request_field_size` and `limit_request_fields`): answered by the "
        "server before the app sees the request, as the JSON error object; the "
        "connection closes."
    ),
    "BodyTimeout": error_response(
        "Body not complete VIGIL_BODY_TIMEOUT_S (default 30) after the request; "
        "the connection closes."
    ),
    "BodyTooLarge": error_response("Body larger than VIGIL_MAX_BODY_BYTES."),
    "NotJson": error_response("A body whose Content-Type is not application/json."),
    "Unauthorized": error_response("Missing, invalid or expired credential."),
    "Forbidden": error_response(
        "Valid credential without the right (read-only key writing, gateway "
        "token outside ingest, cross-origin cookie write, an API key managing API "
        "keys)."
    ),
    "RateLimited": error_response("Rate limit hit; Retry-After says when to retry."),
    "Unavailable": error_response("Kafka or ClickHouse unavailable; see Retry-After."),
    "NoRoute": error_response(
        "A path parameter holding an encoded `/` leads to no route."
    ),
}


def _ref(name: str) -> Doc:
    return {"$ref": f"#/components/responses/{name}"}


SERVER_ERRORS: Doc = {"414": _ref("UriTooLong"), "431": _ref("HeaderTooLarge")}
BODY_ERRORS: Doc = {
    "408": _ref("BodyTimeout"),
    "413": _ref("BodyTooLarge"),
    "415": _ref("NotJson"),
}
AUTH_ERRORS: Doc = {
    "401": _ref("Unauthorized"),
    "403": _ref("Forbidden"),
    "429": _ref("RateLimited"),
    "503": _ref("Unavailable"),
}
# The API's credential (a user's JWT or session, an API key, a gateway token): the
# document's default; /metrics has its own token, and public operations none.
BEARER: Doc = {"bearer": []}
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
            "description": "Off by default (404). VIGIL_METRICS_TOKEN turns it on and "
            "requires `Authorization: Bearer <that token>` (Prometheus: "
            "`authorization: {credentials: ...}`); VIGIL_METRICS_ENABLED without a "
            "token serves it to anyone who reaches it (a private network only).",
            "tags": ["operations"],
            "security": [{"metricsToken": []}],
            "responses": {
                "200": {"description": "Metrics", "content": {"text/plain": {}}},
                "401": error_response("VIGIL_METRICS_TOKEN is set and not given."),
                "404": error_response("Metrics are off (the default)."),
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "summary": "This document.",
            "tags": ["operations"],
            "security": [],
            "description": "`Cache-Control: public, max-age=300`: the same for "
            "every caller for the life of the process.",
            "responses": {"200": {"description": "OpenAPI 3.1 document"}},
        }
    },
}


def with_common_responses(path: str, method: str, operation: Doc) -> Doc:
    """The operation with the responses of the layers around it added."""
    responses = {**SERVER_ERRORS}
    if method in ("post", "put", "patch"):
        responses.update(BODY_ERRORS)
    if BEARER in operation.get("security", [BEARER]):  # the API's credentials
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
            "oversized body 413, a body not complete VIGIL_BODY_TIMEOUT_S (default "
            "30) after the request 408 (the connection closes). An invalid field is "
            "a 400 whose `field` names it. Body strings are trimmed; a blank one is "
            "refused unless noted. Errors of the HTTP framing itself, answered by "
            "the server before the app sees the request, are JSON too: request line "
            "(URL) over 4094 bytes 414, a header over 8190 bytes or more than 100 "
            "headers 431, a malformed request line or header 400; the connection "
            "closes after them.",
            "headers": "Every answer carries `X-Content-Type-Options: nosniff`, "
            "and `Cache-Control: no-store` unless it sets its own: the console's "
            "pages and static files, the public dashboard page, the SSE streams "
            "and this document do.",
            "cors": "Browser pages on the origins listed in VIGIL_CORS_ORIGINS (or "
            "`*`) may call the API with `Authorization: Bearer` (no credentials "
            "mode: the session cookie stays same-origin). A preflight (OPTIONS "
            "with Origin and Access-Control-Request-Method) is answered 204 "
            "without a credential, with Access-Control-Allow-Origin/-Methods/"
            "-Headers (Authorization, Content-Type, Idempotency-Key, "
            "Last-Event-ID) and Max-Age 600 for an allowed origin and none for "
            "another. Answers to an allowed origin expose Retry-After and "
            "Idempotent-Replayed.",
            "bodies": "A JSON body must be UTF-8 and may nest objects and arrays at "
            f"most {MAX_DEPTH} levels deep, the body itself included (else 400).",
            "text": "Names, ids, slugs, emails and other one-line fields refuse "
            "control characters (U+0000-U+001F, U+007F-U+009F) and line separators; "
            "free text (descriptions, prompts, messages, memories) may hold tabs and "
            "line breaks but no other control character, NUL included (400 naming "
            "the field).",
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
                "metricsToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "VIGIL_METRICS_TOKEN (GET /metrics only).",
                },
            },
        },
        "security": [BEARER],
    }


class OpenApi:
    """``GET /api/openapi.json``: public, the same for every caller and fixed for
    the life of the process, so caches may keep it a few minutes (unlike the API's
    answers, which are ``no-store``)."""

    auth = "none"
    cache_control = "public, max-age=300"

    def __init__(self, document: Doc) -> None:
        self.document = document

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.media = self.document
        resp.set_header("Cache-Control", self.cache_control)
