"""OpenAPI path items of the identity and registry endpoints, with the choices the
references leave open written down."""

from __future__ import annotations

from api.openapi.parts import (
    EMAIL,
    LOGIN_EMAIL,
    PAGE,
    PAGED,
    PAGED_IN_ENVELOPE,
    QUANTITY_SLUG,
    QUERY_BOOL,
    TEXT_CONTROL,
    TIME_ZONE,
    USER_ONLY_NOTE,
    UUID,
    UUID_TEXT,
    Doc,
    choice,
    edits,
    filter_choice,
    free_text,
    integer,
    line,
    nullable,
    number,
    obj,
    op,
    path,
    q,
    strings,
    text,
)
from api.openapi.telemetry_paths import SCHEMA_REGISTRY_PATHS, TELEMETRY_PATHS
from domain.bindings import MAX_CHANNEL, ROLES, TIERS
from domain.identity import PERMISSIONS
from domain.registry import NODE_TYPES
from schemas import quantities
from schemas.peripherals import registry

# Signing in: the address as any `x@y.z` (accounts registered before the stricter
# rule still sign in), the password trimmed, checked as free text.
CREDS = obj(
    ["email", "password"],
    email=LOGIN_EMAIL,
    password=free_text(1024, blank=True),
)
# Registering: the password is kept as typed (not trimmed), 8-1024 characters,
# tabs and line breaks allowed but no other control character.
NEW_PASSWORD: Doc = {
    "type": "string",
    "minLength": 8,
    "maxLength": 1024,
    "pattern": f"^[^{TEXT_CONTROL}]*$",
}
TOKEN = text(4096)


def first_given(*names: str) -> Doc:
    """A body naming a token by the first of ``names`` that is given (the later
    ones are then not read; a null one counts as not given)."""
    branches = []
    for i, name in enumerate(names):
        earlier = {n: {"type": "null"} for n in names[:i]}
        branches.append({"required": [name], "properties": {**earlier, name: TOKEN}})
    return {"type": "object", "anyOf": branches}


REFRESH_NOTE = (
    "Refresh tokens rotate: each is good once; presenting a used one "
    "revokes its whole family (every token of that login) and answers 401."
)
LOGIN_NOTE = (
    "Passwords are argon2id. Login also sets the `vigil_session` cookie "
    "(HttpOnly, SameSite=Lax, Secure over https) that works like the Bearer "
    "token; cookie-authenticated POST/PUT/PATCH/DELETE need an Origin header "
    "matching the Host (CSRF defence). Rate-limited per client address."
)
DELETE_NOTE = (
    "Platform-API deletes answer 204 with no body; watchers-API deletes "
    'answer 200 `{"success": true}`.'
)
SESSION_ERRORS = ("400", "401", "429")

AUTH_PATHS: Doc = {
    "/api/auth/register": {
        "post": op(
            "Create an account (org) with the caller as owner.",
            "auth",
            "201",
            '`{"user": {user_id, email, name}, "tokens": {access_token, refresh_token, '
            "expires_in: 900}}`",
            obj(
                ["email", "password"],
                email=EMAIL,
                password=NEW_PASSWORD,
                name=nullable(line()),
            ),
            errors=("400", "409", "429"),
            public=True,
            description="email: letters, digits and .!#$%&'*+/=?^_`{|}~- before the "
            "@ (at most 64), a domain of dot-separated labels after it, max 254; "
            "password: 8-1024 characters (kept as typed), no control characters "
            "but tabs and line breaks. " + LOGIN_NOTE,
        )
    },
    "/api/auth/login": {
        "post": op(
            "Sign in.",
            "auth",
            ok_text='`{"user", "tokens"}`',
            body=CREDS,
            errors=SESSION_ERRORS,
            public=True,
            description=LOGIN_NOTE,
        )
    },
    "/api/auth/refresh": {
        "post": op(
            "Exchange a refresh token (`refresh_token` or `refreshToken`).",
            "auth",
            ok_text='`{"tokens": {...}}`',
            body=first_given("refresh_token", "refreshToken"),
            errors=SESSION_ERRORS,
            public=True,
            description=REFRESH_NOTE,
        )
    },
    "/api/auth/me": {
        "get": op(
            "The current user.",
            "auth",
            ok_text='`{"user": {user_id, account_id, email, name, role}}`',
        )
    },
    "/api/v1/auth/login/": {
        "post": op(
            "Sign in (platform API).",
            "auth",
            ok_text='`{"access", "refresh"}`',
            body=CREDS,
            errors=SESSION_ERRORS,
            public=True,
            description=LOGIN_NOTE,
        )
    },
    "/api/v1/auth/token/refresh/": {
        "post": op(
            "Rotate a refresh token (`refresh`; `refresh_token` and `refreshToken` "
            "are read too).",
            "auth",
            ok_text='`{"access", "refresh"}`',
            body=first_given("refresh", "refresh_token", "refreshToken"),
            errors=SESSION_ERRORS,
            public=True,
            description=REFRESH_NOTE,
        )
    },
}

KEY_PATHS: Doc = {
    "/api/keys": {
        "get": op(
            "List API keys (never the key itself).",
            "keys",
            ok_text='`{"keys": [{id, name, key_prefix, permissions, usage_count, '
            "last_used_at, created_at}]}`",
            params=PAGE,
            description="usage_count is written back every few seconds; this "
            "process's uses not yet written are included. API keys may list (no "
            "secret is shown). " + PAGED_IN_ENVELOPE,
        ),
        "post": op(
            "Create an API key; `full_key` is returned only here.",
            "keys",
            "201",
            '`{"key": {..., "full_key": "vk_..."}}`',
            obj(
                ["name"],
                name=line(),
                permissions=nullable(strings(choice(*PERMISSIONS))),
            ),
            description="permissions: `read` (default) and/or `write`; a key "
            "without `write` gets 403 on every POST/PUT/PATCH/DELETE (except "
            "the NLQ question, which only reads). Only the SHA-256 of the key is "
            "stored. " + USER_ONLY_NOTE,
        ),
    },
    "/api/keys/{key_id}": {
        "delete": op(
            "Revoke an API key.",
            "keys",
            ok_text='`{"success": true}`',
            params=[path("key_id")],
            description=DELETE_NOTE + " " + USER_ONLY_NOTE,
        )
    },
    "/api/v1/ingest/tokens/": {
        "get": op("List gateway tokens.", "ingest", params=PAGE, description=PAGED),
        "post": op(
            "Create a gateway token; `raw_token` is returned only here.",
            "ingest",
            "201",
            "`{id, name, hardware_id, token_prefix, raw_token, created_at}`",
            obj(["name"], name=line(), hardware_id=nullable(line(128))),
            description="A `gw_` token is accepted only by ingest endpoints "
            "(403 elsewhere); with `hardware_id` it may ingest only for that "
            "device. Only its SHA-256 is stored. A user JWT or an org API key "
            "with `write` may create one (as the reference says).",
        ),
    },
    "/api/v1/ingest/tokens/{token_id}/": {
        "get": op("One gateway token.", "ingest", params=[path("token_id")]),
        "delete": op(
            "Revoke a gateway token.",
            "ingest",
            "204",
            "Revoked",
            params=[path("token_id")],
            description=DELETE_NOTE,
        ),
    },
}


def site(required: list[str]) -> Doc:
    """A site body (``name`` given must not be null; the rest may be)."""
    return obj(
        required,
        name=line(),
        description=nullable(free_text(2000, blank=True)),
        timezone=TIME_ZONE,
        latitude=nullable(number(-90, 90)),
        longitude=nullable(number(-180, 180)),
    )


def device(required: list[str]) -> Doc:
    """A device body (``site_id`` null unassigns it)."""
    return obj(
        required,
        hardware_id=line(128),
        display_name=line(),
        node_type=choice(*NODE_TYPES),
        site_id=nullable(UUID_TEXT),
    )


EDIT_NOTE = "PUT and PATCH both change only the fields given."
SITE_NOTE = (
    "`timezone`: an IANA time zone name (default UTC); `latitude` -90 to 90, "
    "`longitude` -180 to 180; `description` up to 2000 characters, may be empty."
)
DEVICE_NOTE = (
    "hardware_id (at most 128 characters) is unique per org (409). node_type: "
    "sensor_node (default), gateway, actuator. `site_id` must be a site of the "
    "org (else 400 naming it); null unassigns."
)
BINDING = obj(
    ["channel", "quantity_slug"],
    channel=integer(0, MAX_CHANNEL),
    quantity_slug=QUANTITY_SLUG,
    role=nullable(choice(*ROLES)),
    sample_rate_tier=nullable(choice(*TIERS)),
)
BINDING_EDIT = {
    **obj(
        [],
        is_active={"type": "boolean"},
        role=choice(*ROLES),
        sample_rate_tier=choice(*TIERS),
    ),
    "anyOf": [{"required": [n]} for n in ("is_active", "role", "sample_rate_tier")],
}


def _peripheral_bodies() -> list[Doc]:
    """One branch per channel count: a type's first channel leaves room for all
    of its channels below 65536."""
    by_count: dict[int, list[str]] = {}
    for ptype in registry().values():
        by_count.setdefault(len(ptype.channels), []).append(ptype.pdp_type_id)
    return [
        {
            "properties": {
                "pdp_type_id": choice(*sorted(ids)),
                "channel": integer(0, MAX_CHANNEL - count),
            }
        }
        for count, ids in sorted(by_count.items())
    ]


PERIPHERAL = {
    **obj(["pdp_type_id", "channel"], pdp_type_id="string", channel="integer"),
    "oneOf": _peripheral_bodies(),
}
CLASSES = ", ".join(quantities.CLASSES)

REGISTRY_PATHS: Doc = {
    "/api/v1/sites/": {
        "get": op(
            "List sites.",
            "sites",
            params=[*PAGE, q("search", "Name contains.")],
            description=PAGED,
        ),
        "post": op(
            "Create a site.",
            "sites",
            "201",
            "The site",
            site(["name"]),
            description=SITE_NOTE,
        ),
    },
    "/api/v1/sites/{site_id}/": {
        "get": op("One site.", "sites", params=[path("site_id")]),
        **edits(
            op(
                "Change a site.",
                "sites",
                body=site([]),
                params=[path("site_id")],
                description=EDIT_NOTE + " " + SITE_NOTE,
            )
        ),
        "delete": op(
            "Delete a site; its devices become unassigned.",
            "sites",
            "204",
            "Deleted",
            params=[path("site_id")],
            description=DELETE_NOTE,
        ),
    },
    "/api/v1/devices/": {
        "get": op(
            "List devices.",
            "devices",
            params=[
                *PAGE,
                q(
                    "site_id",
                    "Site UUID (empty: any).",
                    {"type": "string", "anyOf": [UUID, {"maxLength": 0}]},
                ),
                q("search", "Display name or hardware_id contains (case-insensitive)."),
                q("online", "true or false (also 1/0, yes/no).", QUERY_BOOL),
                q(
                    "node_type",
                    "Only devices of this node type (sensor_node, "
                    "gateway or actuator; anything else matches none).",
                ),
            ],
            description=PAGED,
        ),
        "post": op(
            "Register a device.",
            "devices",
            "201",
            "The device with bindings",
            device(["hardware_id", "display_name"]),
            errors=("400", "401", "403", "409", "429"),
            description=DEVICE_NOTE,
        ),
    },
    "/api/v1/devices/{device_id}/": {
        "get": op(
            "One device with site and bindings.", "devices", params=[path("device_id")]
        ),
        **edits(
            op(
                "Change a device.",
                "devices",
                body=device([]),
                params=[path("device_id")],
                errors=("400", "401", "403", "404", "409", "429"),
                description=EDIT_NOTE + " " + DEVICE_NOTE,
            )
        ),
        "delete": op(
            "Delete a device and its bindings.",
            "devices",
            "204",
            "Deleted",
            params=[path("device_id")],
            description=DELETE_NOTE,
        ),
    },
    "/api/v1/devices/{device_id}/bindings/": {
        "get": op(
            "The device's bindings, by channel.",
            "bindings",
            ok_text="A JSON array (as in the reference), not an envelope.",
            params=[path("device_id")],
            ok_schema={"type": "array", "items": {"type": "object"}},
        ),
        "post": op(
            "Bind a channel to a quantity.",
            "bindings",
            "201",
            "The binding",
            BINDING,
            params=[path("device_id")],
            errors=("400", "401", "403", "404", "409", "429"),
            description="channel 0-65535, unique per device (409); quantity_slug "
            "from the CPO catalog; role sensor (default) or actuator; "
            "sample_rate_tier low (default), medium or high.",
        ),
    },
    "/api/v1/devices/{device_id}/bindings/{binding_id}/": {
        "get": op(
            "One binding.", "bindings", params=[path("device_id"), path("binding_id")]
        ),
        "patch": op(
            "Deactivate (`is_active: false`) or change role / tier (at least one).",
            "bindings",
            body=BINDING_EDIT,
            params=[path("device_id"), path("binding_id")],
        ),
        "delete": op(
            "Delete a binding (frees the channel).",
            "bindings",
            "204",
            "Deleted",
            params=[path("device_id"), path("binding_id")],
        ),
    },
    "/api/v1/devices/{device_id}/peripherals/": {
        "get": op(
            "PDP peripherals attached to the device.",
            "pdp",
            ok_text='`{"peripherals": [{pdp_type_id, channels}]}`',
            params=[path("device_id")],
        ),
        "post": op(
            "Attach a PDP peripheral type from `channel` on: one binding per "
            "channel it provides.",
            "pdp",
            "201",
            '`{"peripheral", "bindings"}`',
            PERIPHERAL,
            params=[path("device_id")],
            errors=("400", "401", "403", "404", "409", "429"),
            description="`channel` is the first of the type's channels; all of "
            "them must fit below 65536 and be free on the device (409).",
        ),
    },
    "/api/v1/quantities/canonical/": {
        "get": op(
            "The CPO quantity catalog.",
            "quantities",
            params=[
                *PAGE,
                q("search", "Slug, name or description contains."),
                q(
                    "phenomenon_class",
                    f"{CLASSES} (alias: domain); empty: any.",
                    filter_choice(*quantities.CLASSES),
                ),
                q(
                    "domain",
                    "Alias of phenomenon_class (read when that is absent or empty).",
                    filter_choice(*quantities.CLASSES),
                ),
            ],
            description=PAGED + " Symbols and SI units come from pint.",
        )
    },
    "/api/v1/quantities/canonical/{slug}/": {
        "get": op("One quantity.", "quantities", params=[path("slug")])
    },
    "/api/v1/pdp/types/": {
        "get": op(
            "Peripheral types.",
            "pdp",
            params=[
                *PAGE,
                q(
                    "peripheral_class",
                    f"{CLASSES}; empty: any.",
                    filter_choice(*quantities.CLASSES),
                ),
                q("search", "Name or pdp_type_id contains."),
                q(
                    "contribution_status",
                    "official, community, pending; empty: any.",
                    filter_choice("official", "community", "pending"),
                ),
            ],
            description=PAGED,
        )
    },
    "/api/v1/pdp/types/{pdp_type_id}/": {
        "get": op(
            "One peripheral type with TEDS metadata and channels.",
            "pdp",
            params=[path("pdp_type_id")],
        )
    },
    "/api/v1/pdp/catalog/export/": {
        "get": op(
            "Every public peripheral type in one document.",
            "pdp",
            ok_text='`{"format", "version", "count", "types": [...]}`',
        )
    },
}

API_PATHS: Doc = {
    **AUTH_PATHS,
    **KEY_PATHS,
    **REGISTRY_PATHS,
    **TELEMETRY_PATHS,
    **SCHEMA_REGISTRY_PATHS,
}
