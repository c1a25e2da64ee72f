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


COMMON_ERRORS: Doc = {
    "400": error_response("Malformed JSON or an invalid field (named in `error`)."),
    "404": error_response("Unknown path, or an id that is missing or in another org."),
    "405": error_response("The path exists but not with this method."),
    "408": error_response(
        "Body not complete VIGIL_BODY_TIMEOUT_S after the request; the connection "
        "closes."
    ),
    "413": error_response("Body larger than VIGIL_MAX_BODY_BYTES."),
    "415": error_response("A body that is not application/json."),
    "503": error_response("Kafka or ClickHouse unavailable; see Retry-After."),
}

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


def build_document(fragments: Iterable[Doc]) -> Doc:
    """Merge path fragments into one OpenAPI 3.1 document."""
    paths: Doc = {}
    for fragment in fragments:
        paths.update(fragment)
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
            "method 405, malformed JSON 400, non-JSON body 415, oversized body 413, "
            "a body not complete VIGIL_BODY_TIMEOUT_S (default 30) after the request "
            "408 (the connection closes). Errors of the HTTP framing itself, "
            "answered by the server before the app sees the request, are JSON too: "
            "request line (URL) over 4094 bytes 414, a header over 8190 bytes or "
            "more than 100 headers 431, a malformed request line or header 400; "
            "the connection closes after them.",
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
                }
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "metricsToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "VIGIL_METRICS_TOKEN (GET /metrics only).",
                },
            },
        },
        "security": [{"bearer": []}],
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
