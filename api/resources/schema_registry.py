"""A read-only, Confluent-Schema-Registry-compatible API over Vigil's schemas, so
stock consumers (confluent-kafka's AvroDeserializer, kcat -s avro) decode every
topic without Vigil code."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
import orjson

from infra.settings import Settings
from schemas.catalogue import CATALOGUE, SchemaEntry

PREFIX = "/api/v1/schema-registry"
MEDIA = "application/vnd.schemaregistry.v1+json"


def _reply(
    resp: falcon.asgi.Response, body: Any, status: str = falcon.HTTP_200
) -> None:
    resp.status = status
    resp.content_type = MEDIA
    resp.data = orjson.dumps(body)


def _missing(resp: falcon.asgi.Response, code: int, message: str) -> None:
    """Confluent's error shape, plus Vigil's ``error`` field."""
    _reply(
        resp,
        {"error_code": code, "message": message, "error": message},
        falcon.HTTP_404,
    )


class _Registry:
    auth = "public"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def subject(self, entry: SchemaEntry) -> str:
        """The subject of an entry under TopicNameStrategy, with the topic prefix."""
        return f"{self.settings.topic(entry.topic)}-value"

    def versions(self, subject: str) -> list[SchemaEntry]:
        """Every version of a subject, oldest first."""
        found = [e for e in CATALOGUE if self.subject(e) == subject]
        return sorted(found, key=lambda e: e.version)


class SchemaById(_Registry):
    """``GET {PREFIX}/schemas/ids/{schema_id}``."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, schema_id: str
    ) -> None:
        entry = next((e for e in CATALOGUE if str(e.schema_id) == schema_id), None)
        if entry is None:
            _missing(resp, 40403, f"Schema {schema_id} not found")
            return
        _reply(resp, {"schema": entry.text})


class SchemaTypes(_Registry):
    """``GET {PREFIX}/schemas/types``."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        _reply(resp, ["AVRO"])


class Subjects(_Registry):
    """``GET {PREFIX}/subjects``."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        _reply(resp, sorted({self.subject(e) for e in CATALOGUE}))


class SubjectVersions(_Registry):
    """``GET {PREFIX}/subjects/{subject}/versions``."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, subject: str
    ) -> None:
        found = self.versions(subject)
        if not found:
            _missing(resp, 40401, f"Subject '{subject}' not found.")
            return
        _reply(resp, [e.version for e in found])


class SubjectVersion(_Registry):
    """``GET {PREFIX}/subjects/{subject}/versions/{version}`` (number or ``latest``)."""

    async def on_get(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        subject: str,
        version: str,
    ) -> None:
        found = self.versions(subject)
        if not found:
            _missing(resp, 40401, f"Subject '{subject}' not found.")
            return
        entry = (
            found[-1]
            if version in {"latest", "-1"}
            else next((e for e in found if str(e.version) == version), None)
        )
        if entry is None:
            _missing(resp, 40402, f"Version {version} not found.")
            return
        _reply(
            resp,
            {
                "subject": subject,
                "version": entry.version,
                "id": entry.schema_id,
                "schema": entry.text,
            },
        )


class Config(_Registry):
    """``GET {PREFIX}/config``: schemas evolve backward-compatibly."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        _reply(resp, {"compatibilityLevel": "BACKWARD"})


def routes(settings: Settings) -> list[tuple[str, object]]:
    """The registry's routes under :data:`PREFIX`."""
    return [
        (f"{PREFIX}/schemas/ids/{{schema_id}}", SchemaById(settings)),
        (f"{PREFIX}/schemas/types", SchemaTypes(settings)),
        (f"{PREFIX}/subjects", Subjects(settings)),
        (f"{PREFIX}/subjects/{{subject}}/versions", SubjectVersions(settings)),
        (
            f"{PREFIX}/subjects/{{subject}}/versions/{{version}}",
            SubjectVersion(settings),
        ),
        (f"{PREFIX}/config", Config(settings)),
    ]
