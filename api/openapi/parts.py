"""What every path module builds its operations from: the operation itself, its
parameters, and field schemas that say what the API's readers accept (trimmed
strings with their length limits, choices, UUIDs, bounded numbers)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from api.openapi.document import error_response, shared
from api.validation import EMAIL_PATTERN, NO_CONTROLS
from schemas import quantities

Doc = dict[str, Any]
OBJ: Doc = {"type": "object"}
# White space as Python's str.strip() and re's \s see it (spelled out: JSON
# Schema's ECMA-262 \s differs, e.g. on \x1c-\x1f and \ufeff).
SPACE = r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029"
SPACE += r"\u202f\u205f\u3000"
WS = f"[{SPACE}]"
# What api.validation refuses in a trimmed string, as character ranges (\u
# escapes, which ECMA-262 and Python read alike): one-line fields (names, ids,
# slugs, emails) any C0 or C1 control character, DEL or line separator
# (LINE_CONTROLS); free text (descriptions, prompts, messages) the same but tabs
# and line breaks (TEXT_CONTROLS). A list item is checked untrimmed, against
# api.validation.NO_CONTROLS.
LINE_CONTROL = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"
TEXT_CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
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
    "token outside ingest, cross-origin cookie write, an API key managing API "
    "keys).",
    "404": "Not found, or owned by another org (indistinguishable).",
    "409": "Conflict with existing state (unique key taken).",
    "413": "Body larger than the limit.",
    "429": "Rate limit hit; Retry-After says when to retry.",
}


def trimmed(controls: str, max_len: int, *, blank: bool = False) -> str:
    """The pattern of a string the API trims and then checks: white space around
    it, then (unless ``blank``, which lets it be empty) at most ``max_len``
    characters, the first and the last neither white space nor in ``controls``,
    and none of ``controls`` between them. One anchored pattern: JSON Schema
    takes one ``pattern`` per schema, so not blank, no control character and the
    length (of the trimmed value: white space around it does not count, which
    ``maxLength`` cannot say) are one regex."""
    edge = f"[^{SPACE}{controls}]"
    core = edge
    if max_len > 1:
        core = f"{edge}(?:[^{controls}]{{0,{max_len - 2}}}{edge})?"
    return f"^{WS}*(?:{core}){'?' if blank else ''}{WS}*$"


def text(
    max_len: int = 200, *, blank: bool = False, multiline: bool = False, **extra: Any
) -> Doc:
    """A string field as the API reads it (``Body.string``): trimmed, at most
    ``max_len`` characters, (unless ``blank``) not empty once trimmed, and free
    of control characters: one line, or with ``multiline`` free text that may
    hold tabs and line breaks."""
    controls = TEXT_CONTROL if multiline else LINE_CONTROL
    rule = f"At most {max_len} characters once trimmed"
    rule += ", may be blank" if blank else ", not blank"
    rule += "; tabs and line breaks allowed" if multiline else "; one line"
    rule += ", no other control character." if multiline else ", no control character."
    given = extra.pop("description", "")
    schema: Doc = {
        "type": "string",
        "pattern": trimmed(controls, max_len, blank=blank),
        "description": f"{given} {rule}" if given else rule,
    }
    if not blank:
        schema["minLength"] = 1
    return {**schema, **extra}


def line(max_length: int = 200, **extra: Any) -> Doc:
    """A one-line string (a name, hardware id, display name, title): not blank
    once trimmed, no control characters, no line breaks."""
    return text(max_length, **extra)


def free_text(max_len: int, *, blank: bool = False, **extra: Any) -> Doc:
    """Free text (a description, prompt, message, memory): tabs and line breaks
    allowed, no other control character."""
    return text(max_len, blank=blank, multiline=True, **extra)


def with_props(schema: Doc, **props: Doc) -> Doc:
    """``schema`` with some properties described more closely (:func:`obj` takes
    schemas too, which the path modules here use instead)."""
    return {**schema, "properties": {**schema["properties"], **props}}


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
    """A list of strings (each as ``item`` describes it; by default, as
    ``Body.strings`` reads them, untrimmed one-line text)."""
    default: Doc = {"type": "string", "pattern": NO_CONTROLS}
    return {"type": "array", "items": item or default, **extra}


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
PAGED_IN_ENVELOPE = (
    "Paged by limit/offset (`limit` 1-1000, default 100; another value is a 400 "
    "naming it) inside the reference's envelope, which has no count: oldest first; "
    "a page shorter than `limit` is the last."
)
USER_ONLY_NOTE = (
    "Needs a signed-in user (an access token or the session cookie): an API key, "
    "even with `write`, gets 403, so a leaked key cannot mint or revoke keys."
)
# api.validation.EMAIL: a dot-atom local part of at most 64 characters, a domain
# of at least two dot-separated DNS labels.
_STRICT = EMAIL_PATTERN.removeprefix("^").removesuffix("$")
# api.validation.LOOSE_EMAIL, what signing in takes (accounts registered before
# the rule above still sign in): any `x@y.z` without white space or control
# characters.
_PART = f"[^@{SPACE}{LINE_CONTROL}]+"
_LOOSE = f"{_PART}@{_PART}\\.{_PART}"


def email(max_len: int = 254, *, loose: bool = False, **extra: Any) -> Doc:
    """An email address as the API reads it: trimmed, then matched whole and at
    most ``max_len`` characters (the address holds no white space, so a
    lookahead bounds it; ``maxLength`` would count the white space around)."""
    bounded = f"(?=[^{SPACE}]{{1,{max_len}}}{WS}*$)"
    pattern = f"^{WS}*{bounded}{_LOOSE if loose else _STRICT}{WS}*$"
    return {"type": "string", "pattern": pattern, **extra}


# An address to register with.
EMAIL: Doc = email(
    description="Letters, digits and .!#$%&'*+/=?^_`{|}~- before the @ (at most "
    "64), a domain of dot-separated labels after it, at most 254 characters."
)
# An address to sign in with.
LOGIN_EMAIL: Doc = email(loose=True, description="Any `x@y.z`, at most 254.")
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
