"""What every path module builds its operations from: the operation itself, its
parameters, and field schemas that say what the API's readers accept (trimmed
strings with their length limits, choices, UUIDs, bounded numbers)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from api.openapi.document import error_response, shared
from schemas import quantities

Doc = dict[str, Any]
OBJ: Doc = {"type": "object"}
# White space as Python's str.strip() and re's \s see it (spelled out: JSON
# Schema's ECMA-262 \s differs, e.g. on \x1c-\x1f and \ufeff).
SPACE = r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029"
SPACE += r"\u202f\u205f\u3000"
WS = f"[{SPACE}]"
# Body strings are trimmed, and a blank one is refused unless the field allows it:
# the pattern asks for one character that is not white space.
NOT_BLANK = f"[^{SPACE}]"
_HEX_UUID = "[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}"
# A UUID as given (the API answers the canonical, lower-case form).
UUID: Doc = {"type": "string", "format": "uuid", "pattern": f"^{_HEX_UUID}$"}
# A UUID in a body string (trimmed first, at most 64 characters).
UUID_TEXT: Doc = {
    "type": "string",
    "format": "uuid",
    "maxLength": 64,
    "pattern": f"^{WS}*{_HEX_UUID}{WS}*$",
}
# ISO-8601 as Python reads it: a date, optionally a time (HH:MM, seconds and up to
# six fraction digits optional) and a zone (Z or an offset); no zone means UTC.
_DAY = (
    "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-"
    "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    "|02-(0[1-9]|1[0-9]|2[0-8]))"
)
_CLOCK = "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?"
_ZONE = "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
ISO_TIME = f"{_DAY}([Tt]{_CLOCK}{_ZONE}?)?"

ERROR_TEXTS = {
    "400": "Invalid field; `error` names it and `field` holds its name.",
    "401": "Missing, invalid or expired credential.",
    "403": "Valid credential without the right (read-only key writing, gateway "
    "token outside ingest, cross-origin cookie write).",
    "404": "Not found, or owned by another org (indistinguishable).",
    "409": "Conflict with existing state (unique key taken).",
    "413": "Body larger than the limit.",
    "429": "Rate limit hit; Retry-After says when to retry.",
}


def text(max_len: int = 200, *, blank: bool = False, **extra: Any) -> Doc:
    """A string field as the API reads it: trimmed, at most ``max_len``
    characters, and (unless ``blank``) not empty once trimmed."""
    schema: Doc = {"type": "string", "maxLength": max_len}
    if not blank:
        schema.update(minLength=1, pattern=NOT_BLANK)
    return {**schema, **extra}


def nullable(schema: Doc) -> Doc:
    """The field may also be null, which the API reads as not given."""
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    result = {**schema, "type": [*types, "null"]}
    if "enum" in schema:
        result["enum"] = [*schema["enum"], None]
    return result


def choice(*values: str, **extra: Any) -> Doc:
    """A string that must be one of ``values``."""
    return {"type": "string", "enum": list(values), **extra}


def integer(minimum: int, maximum: int, **extra: Any) -> Doc:
    """An integer within bounds (inclusive)."""
    return {"type": "integer", "minimum": minimum, "maximum": maximum, **extra}


def number(minimum: float, maximum: float | None = None, **extra: Any) -> Doc:
    """A number within bounds (inclusive)."""
    schema: Doc = {"type": "number", "minimum": minimum, **extra}
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def strings(item: Doc | None = None, **extra: Any) -> Doc:
    """A list of strings (each as ``item`` describes it)."""
    return {"type": "array", "items": item or {"type": "string"}, **extra}


def obj(required: list[str], **props: str | Doc) -> Doc:
    """A JSON object schema; a property is a type name or a schema."""
    return {
        "type": "object",
        "required": required,
        "properties": {
            k: {"type": v} if isinstance(v, str) else v for k, v in props.items()
        },
    }


def one_of_given(*names: str) -> list[Doc]:
    """``anyOf`` branches: at least one of ``names`` is present."""
    return [{"required": [name]} for name in names]


def op(
    summary: str,
    tag: str,
    ok: str = "200",
    ok_text: str = "OK",
    body: Doc | None = None,
    params: list[Doc] | None = None,
    errors: tuple[str, ...] = ("400", "401", "403", "404", "429"),
    public: bool = False,
    description: str = "",
    ok_schema: Doc | None = None,
    ok_media: str = "application/json",
    body_required: bool = True,
) -> Doc:
    """One operation with its error responses (the ones every operation can get
    are added by :func:`api.openapi.document.build_document`)."""
    success: Doc = {"description": ok_text}
    if ok != "204":
        success["content"] = {ok_media: {"schema": ok_schema or OBJ}}
    responses: Doc = {ok: success}
    for code in errors:
        responses[code] = error_response(ERROR_TEXTS[code])
    result: Doc = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        result["description"] = description
    if body is not None:
        result["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": body}},
        }
    if params:
        result["parameters"] = params
    if public:
        result["security"] = []
    return result


def sse_event(data: Doc, **fields: Doc) -> Doc:
    """One Server-Sent Event as parsed from the stream (`event` is `message` when
    the block has no `event:` line), its `data` a JSON document."""
    return {
        "type": "object",
        "required": ["data", "event"],
        "properties": {
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": data,
            },
            **fields,
        },
    }


def edits(operation: Doc) -> Doc:
    """PUT and PATCH behave alike here: one operation for both."""
    return {"patch": operation, "put": operation}


def q(name: str, text: str, kind: str | Doc = "string") -> Doc:
    """A query parameter; ``kind`` is a type name or a schema. A number left
    empty (``?limit=``) takes its default, as if absent."""
    schema = {"type": kind} if isinstance(kind, str) else kind
    if schema.get("type") == "integer":
        schema = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": text,
        "schema": schema,
    }


def path(name: str) -> Doc:
    """A path parameter."""
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def filter_choice(*values: str) -> Doc:
    """A query filter that must be one of ``values``; empty means no filter."""
    return choice("", *values)


QUANTITY_SLUG = shared(
    "QuantitySlug",
    choice(*sorted(quantities.catalog()), description="A CPO quantity slug."),
)
TIME_ZONE = shared(
    "TimeZone",
    choice(
        *sorted(zoneinfo.available_timezones()),
        description="An IANA time zone name.",
    ),
)
# Query booleans: true/false, 1/0 or yes/no in any case, around white space.
_WORDS = "[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy][Ee][Ss]|[Nn][Oo]|1|0"
QUERY_BOOL: Doc = {"type": "string", "pattern": f"^{WS}*({_WORDS}){WS}*$"}
LIMIT = q("limit", "Page size, 1-1000 (default 100).", integer(1, 1000))
PAGE = [LIMIT, q("offset", "Items to skip (default 0).", integer(0, 10**9))]
PAGED = (
    'Lists are `{"count", "results"}`; `count` is the total before paging. '
    "Pagination is limit/offset (`limit` 1-1000, default 100), oldest first."
)
# A time as the explorer reads it: ISO-8601 (a date, or a date and time with or
# without zone), `now`, or relative to now (`-30s`, `-15m`, `-1h`, `-7d`, `-2w`).
_TIMES: list[Doc] = [
    {"pattern": f"^{WS}*{ISO_TIME}{WS}*$"},
    {"pattern": f"^{WS}*-[0-9]+[smhdw]{WS}*$"},
    {"pattern": f"^{WS}*now{WS}*$"},
]
TIME: Doc = {"type": "string", "maxLength": 200, "anyOf": _TIMES}
# In a query string an empty value means the default.
TIME_PARAM: Doc = {"type": "string", "anyOf": [*_TIMES, {"maxLength": 0}]}
