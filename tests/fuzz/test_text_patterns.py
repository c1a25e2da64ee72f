"""The document's string patterns admit exactly what the API's readers accept:
``Body.string`` (trimmed, then refusing control characters, one-line or free
text), ``Body.strings`` items (untrimmed) and the email checks. Evaluated as
schemathesis evaluates them (jsonschema_rs, ECMA-262 regexes)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest

from api.openapi.parts import (
    EMAIL,
    LINE_CONTROL,
    LOGIN_EMAIL,
    TEXT_CONTROL,
    strings,
    text,
)
from api.validation import (
    LINE_CONTROLS,
    TEXT_CONTROLS,
    Body,
    ValidationError,
)

# Characters on every side of the rules: plain, white space that is no control
# character, white space that is one (tab, line feed, \x1c, NEL, U+2028), a
# control that is no white space (\x01, DEL, \x9f), and NUL.
PIECES = ["a", "é", " ", "\u3000", "\t", "\n", "\x0b", "\x1c", "\x85", "\u2028"]
PIECES += ["\x01", "\x7f", "\x9f", "\x00"]
SAMPLES = ["".join(p) for n in range(4) for p in itertools.product(PIECES, repeat=n)]


def valid(schema: dict[str, Any], value: Any) -> bool:
    return bool(jsonschema_rs.validator_for(schema).is_valid(value))


def accepted(read: Callable[..., object], *args: Any) -> bool:
    try:
        read(*args)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("ranges", "regex"), [(LINE_CONTROL, LINE_CONTROLS), (TEXT_CONTROL, TEXT_CONTROLS)]
)
def test_control_ranges_spell_the_api_s_own(
    ranges: str, regex: re.Pattern[str]
) -> None:
    spelled = re.compile(f"[{ranges}]")
    every = (chr(c) for c in range(0x110000))
    assert [c for c in every if bool(spelled.match(c)) != bool(regex.match(c))] == []


@pytest.mark.parametrize("most", [1, 2, 200])
@pytest.mark.parametrize("blank", [False, True])
@pytest.mark.parametrize("multiline", [False, True])
def test_a_text_field_admits_what_body_string_accepts(
    most: int, blank: bool, multiline: bool
) -> None:
    schema = text(most, blank=blank, multiline=multiline)

    def read(value: str) -> object:
        body = Body({"f": value})
        return body.string("f", max_len=most, blank=blank, multiline=multiline)

    wrong = [v for v in SAMPLES if valid(schema, v) != accepted(read, v)]
    assert wrong == []


def test_a_list_item_admits_what_body_strings_accepts() -> None:
    schema = strings()

    def read(value: str) -> object:
        return Body({"f": [value]}).strings("f")

    wrong = [v for v in SAMPLES if valid(schema, [v]) != accepted(read, v)]
    assert wrong == []


ADDRESSES = [
    "ops@example.com",
    " ops@example.com\n",
    "a.b+c@sub.example.org",
    "ops@example",
    "a b@c.d",
    "ops\x01@example.com",
    "0@[.0",
    "x@y.z",
    "x..y@example.com",
    ".x@example.com",
    "x@-example.com",
    "é@example.com",
    "é@exämple.com",
    "x@y.z\x85",
    "x\u2028@y.z",
    "a" * 64 + "@example.com",
    "a" * 65 + "@example.com",
]
_LONG = "a" * 64 + "@" + ("b" * 63 + ".") * 2 + "c" * 59  # 252 characters
ADDRESSES += [_LONG, _LONG + "cc", _LONG + "ccc", f" {_LONG}cc\t ", f"  {_LONG}ccc"]


@pytest.mark.parametrize(("schema", "loose"), [(EMAIL, False), (LOGIN_EMAIL, True)])
def test_an_email_field_admits_what_the_api_accepts(
    schema: dict[str, Any], loose: bool
) -> None:
    def read(value: str) -> object:
        return Body({"e": value}).email("e", loose)

    wrong = [v for v in ADDRESSES if valid(schema, v) != accepted(read, v)]
    assert wrong == []
