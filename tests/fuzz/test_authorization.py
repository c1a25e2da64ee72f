"""Authorization, operation by operation, as the OpenAPI document lists them: another
org's ids are 404 under every documented method, a read-only API key may not write,
a gateway token opens nothing but ingest, and an expired, forged or unsigned JWT
opens nothing at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import requests

from tests.fuzz.conftest import World
from tests.fuzz.orgs import HOOK, Org, bearer, credential

# Operations that take no credential, each with why; every operation the document
# marks `security: []` must be here, and nothing else.
PUBLIC = {
    "GET /healthz": "liveness probe",
    "GET /readyz": "readiness probe",
    "GET /api/openapi.json": "this document",
    "POST /api/auth/register": "creates the credential",
    "POST /api/auth/login": "exchanges a password for tokens",
    "POST /api/auth/refresh": "the refresh token in the body is the credential",
    "POST /api/v1/auth/login/": "exchanges a password for tokens",
    "POST /api/v1/auth/token/refresh/": "the refresh token in the body is the "
    "credential",
    "GET /api/v1/canvas/public/{token}/": "the share token in the path is the key",
    "POST /api/v1/canvas/public/{token}/query/": "the share token in the path is "
    "the key",
    "GET /api/v1/canvas/public/{token}/alerts/": "the share token in the path is "
    "the key",
    "POST /api/inbound/{ingest_token}": "mail webhook: the watcher's ingest token "
    "in the path is the address",
    "GET /api/v1/schema-registry/schemas/ids/{schema_id}": "Avro schemas are the "
    "public contract",
    "GET /api/v1/schema-registry/schemas/types": "public contract",
    "GET /api/v1/schema-registry/subjects": "public contract",
    "GET /api/v1/schema-registry/subjects/{subject}/versions": "public contract",
    "GET /api/v1/schema-registry/subjects/{subject}/versions/{version}": "public "
    "contract",
    "GET /api/v1/schema-registry/config": "public contract",
    "GET /": "console: redirects to a page or the login",
    "GET /login": "console: the sign-in page",
    "POST /logout": "console: clears the cookie (Origin-checked)",
    "GET /favicon.ico": "console icon",
    "GET /static/{path}": "console scripts and styles",
    **{
        f"GET /{page}": "console: an HTML shell; its data comes from the API "
        "with the session cookie"
        for page in (
            "devices",
            "explorer",
            "alerts",
            "rules",
            "prism",
            "canvas",
            "canvas/{dashboard_id}",
            "developer",
            "docs",
        )
    },
}
# Operations behind a credential of their own, not the API's bearer one, each with
# which: every operation whose `security` names another scheme must be here.
OWN_CREDENTIAL = {
    "GET /metrics": "VIGIL_METRICS_TOKEN (off by default: 404 to everyone)",
}
INGEST = "POST /api/v1/ingest/"
# A read-only key may send this write: the question only reads (documented).
READS_ONLY = {"POST /api/v1/ai/nlq/"}
# Path parameters naming things every org shares: no other org's id exists.
SHARED_IDS = {"slug", "pdp_type_id"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# A valid body for each write (checks come after the credential, but a body that
# would pass them keeps the 403 or 404 the only possible refusal).
BODIES: dict[str, Any] = {
    "POST /api/keys": {"name": "k"},
    "POST /api/v1/ingest/tokens/": {"name": "gw"},
    "POST /api/v1/sites/": {"name": "Site"},
    "/api/v1/sites/{site_id}/": {"name": "Renamed"},
    "POST /api/v1/devices/": {"hardware_id": "AUTHZ-1", "display_name": "D"},
    "/api/v1/devices/{device_id}/": {"display_name": "Renamed"},
    "POST /api/v1/devices/{device_id}/bindings/": {
        "channel": 9,
        "quantity_slug": "temperature.celsius",
    },
    "/api/v1/devices/{device_id}/bindings/{binding_id}/": {"is_active": False},
    "POST /api/v1/devices/{device_id}/peripherals/": {
        "pdp_type_id": "CLR-C-001",
        "channel": 20,
    },
    "POST /api/v1/alerts/rules/": {"name": "r", "condition": "no_data", "silence_s": 9},
    "/api/v1/alerts/rules/{rule_id}/": {"name": "Renamed"},
    "POST /api/v1/prism/fields/": {"name": "f", "expression": "x", "inputs": {}},
    "/api/v1/prism/fields/{field_id}/": {"name": "Renamed"},
    "POST /api/v1/prism/fields/{field_id}/backfill/": {"start": "-1h"},
    "POST /api/v1/canvas/": {"name": "d"},
    "/api/v1/canvas/{dashboard_id}/": {"name": "Renamed"},
    "POST /api/v1/ai/nlq/": {"question": "How many devices?"},
    "POST /api/v1/ai/argus/message/": {"message": "hi"},
    "POST /api/v1/ai/argus/memory/": {"content": "x"},
    "POST /api/watchers": {"name": "w", "system_prompt": "p"},
    "/api/watchers/{watcher_id}": {"name": "Renamed"},
    "POST /api/watchers/{watcher_id}/invoke": {"message": "hi"},
    "/api/watchers/{watcher_id}/threads/{thread_id}": {"status": "watching"},
    "POST /api/watchers/{watcher_id}/memory": {"content": "x"},
    "/api/watchers/{watcher_id}/memory/{memory_id}": {"importance": 2},
    "POST /api/watchers/{watcher_id}/tools": {
        "name": "other",
        "description": "d",
        "webhook_url": HOOK,
    },
    "/api/watchers/{watcher_id}/tools/{tool_id}": {"description": "changed"},
    "POST /api/watchers/{watcher_id}/channels": {
        "type": "email",
        "destination": "ops@example.com",
    },
    "/api/watchers/{watcher_id}/channels/{channel_id}": {"enabled": False},
    INGEST: {"hardware_id": "x", "measurements": [{"binding_id": "x", "value": 1}]},
}
PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    def url(self, ids: dict[str, str]) -> str:
        return PARAM.sub(lambda m: ids[m.group(1)], self.path)

    def body(self) -> Any:
        return BODIES.get(self.name, BODIES.get(self.path))


@pytest.fixture(scope="module")
def document(world: World) -> dict[str, Any]:
    r = world.client.get("/api/openapi.json")
    assert r.status_code == 200
    return dict(r.json())


BEARER = {"bearer": []}


def operations(
    document: dict[str, Any], public: bool = False, own: bool = False
) -> Iterator[Operation]:
    """The document's operations that take the API's bearer credential (or,
    ``public``, none; or, ``own``, one of their own)."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            security = operation.get("security", document["security"])
            kind = "public" if security == [] else "bearer"
            if security and BEARER not in security:
                kind = "own"
            if kind == ("public" if public else "own" if own else "bearer"):
                yield Operation(method.upper(), path)


def send(
    world: World, op: Operation, headers: dict[str, str], ids: dict[str, str]
) -> requests.Response:
    body = op.body()
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    return world.client.request(op.method, op.url(ids), headers=headers, **kwargs)


def refusals(
    world: World, ops: list[Operation], headers: Any, ids: dict[str, str], want: int
) -> list[str]:
    """Each operation that did not answer ``want`` (with its JSON error)."""
    wrong = []
    for op in ops:
        r = send(world, op, headers(op) if callable(headers) else headers, ids)
        is_error = r.headers.get("content-type", "").startswith("application/json")
        if r.status_code != want or not (is_error and "error" in r.json()):
            wrong.append(f"{op.name}: {r.status_code} {r.text[:120]}")
    return wrong


def test_public_operations_are_exactly_the_listed_ones(
    document: dict[str, Any],
) -> None:
    assert {op.name for op in operations(document, public=True)} == set(PUBLIC)


def test_operations_with_a_credential_of_their_own_are_the_listed_ones(
    world: World, document: dict[str, Any]
) -> None:
    ops = list(operations(document, own=True))
    assert {op.name for op in ops} == set(OWN_CREDENTIAL)
    a = world.a
    for token in (a.access, a.write_key, a.read_key, a.gateway):
        for op in ops:
            r = send(world, op, bearer(token), a.ids)
            assert r.status_code in (401, 404), f"{op.name}: {r.status_code}"


def test_every_body_of_a_write_is_known(document: dict[str, Any]) -> None:
    bodies = [
        op.name
        for op in operations(document)
        if "requestBody" in document["paths"][op.path][op.method.lower()]
        and op.body() is None
    ]
    assert not bodies


def test_another_orgs_ids_are_404_under_every_method(
    world: World, document: dict[str, Any]
) -> None:
    ops = [
        op
        for op in operations(document)
        if op.params and not SHARED_IDS.intersection(op.params)
    ]
    assert len(ops) > 50
    wrong = refusals(
        world, ops, lambda op: credential(op.path, world.a), world.b.ids, want=404
    )
    assert not wrong, "\n".join(wrong)
    assert_untouched(world, world.b)


def assert_untouched(world: World, org: Org) -> None:
    """The other org's entities are still there, unchanged by those attempts."""
    ids, auth = org.ids, bearer(org.access)
    site = world.client.get(f"/api/v1/sites/{ids['site_id']}/", headers=auth)
    assert site.status_code == 200 and site.json()["name"] == "Plant"
    watcher = world.client.get(f"/api/watchers/{ids['watcher_id']}", headers=auth)
    assert watcher.json()["watcher"]["name"] == "Work Email"
    for path in (
        f"/api/v1/devices/{ids['device_id']}/bindings/{ids['binding_id']}/",
        f"/api/v1/alerts/rules/{ids['rule_id']}/",
        f"/api/v1/prism/fields/{ids['field_id']}/",
        f"/api/v1/canvas/{ids['dashboard_id']}/",
        f"/api/watchers/{ids['watcher_id']}/tools/{ids['tool_id']}",
        f"/api/watchers/{ids['watcher_id']}/threads/{ids['thread_id']}",
    ):
        assert world.client.get(path, headers=auth).status_code == 200, path
    binding = world.client.get(
        f"/api/v1/devices/{ids['device_id']}/bindings/{ids['binding_id']}/",
        headers=auth,
    )
    assert binding.json()["is_active"] is True


def test_a_read_only_key_may_not_write(world: World, document: dict[str, Any]) -> None:
    ops = [
        op
        for op in operations(document)
        if op.method in WRITES and op.name not in READS_ONLY | {INGEST}
    ]
    assert len(ops) > 40
    ids = {**world.a.ids, "slug": "temperature.celsius", "pdp_type_id": "CLR-C-001"}
    wrong = refusals(world, ops, bearer(world.a.read_key), ids, want=403)
    assert not wrong, "\n".join(wrong)


def test_a_gateway_token_opens_only_ingest(
    world: World, document: dict[str, Any]
) -> None:
    ops = [op for op in operations(document) if op.name != INGEST]
    ids = {**world.a.ids, "slug": "temperature.celsius", "pdp_type_id": "CLR-C-001"}
    wrong = refusals(world, ops, bearer(world.a.gateway), ids, want=403)
    assert not wrong, "\n".join(wrong)
    ingest = Operation("POST", "/api/v1/ingest/")
    user = refusals(world, [ingest], bearer(world.a.access), ids, want=403)
    assert not user, user


def bad_tokens(world: World, org: Org) -> dict[str, str]:
    """Access tokens that must not open anything: expired, signed with another
    secret, and unsigned (``alg: none``)."""
    now = datetime.now(UTC)
    claims = {"sub": org.user_id, "org": org.org_id, "typ": "access", "iss": "vigil"}
    live = {**claims, "iat": now, "exp": now + timedelta(minutes=15)}
    secret = world.app.parts.tokens.secret
    return {
        "expired": jwt.encode(
            {
                **claims,
                "iat": now - timedelta(hours=2),
                "exp": now - timedelta(hours=1),
            },
            secret,
            algorithm="HS256",
        ),
        "forged": jwt.encode(live, "not-the-server-secret-" * 2, algorithm="HS256"),
        "alg none": jwt.encode(live, "", algorithm="none"),
    }


@pytest.mark.parametrize("kind", ["expired", "forged", "alg none"])
def test_a_bad_jwt_is_401_everywhere(
    world: World, document: dict[str, Any], kind: str
) -> None:
    token = bad_tokens(world, world.a)[kind]
    ops = list(operations(document))
    ids = {**world.a.ids, "slug": "temperature.celsius", "pdp_type_id": "CLR-C-001"}
    wrong = refusals(world, ops, bearer(token), ids, want=401)
    assert not wrong, "\n".join(wrong)
