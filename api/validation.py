"""Validate request bodies and query parameters, naming the offending field (pure)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from api import ApiError
from domain.errors import Invalid

# Names, ids, slugs and emails are one line of visible text: no C0 or C1 control
# character, no DEL, no line separator. Free text (descriptions, prompts, messages)
# keeps tabs and line breaks, but no other control character (NUL above all).
LINE_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TEXT_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
NO_CONTROLS = "^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]*$"  # LINE_CONTROLS, for OpenAPI
# A dot-atom local part (at most 64 characters) of letters, digits and
# !#$%&'*+/=?^_`{|}~- ; a domain of at least two dot-separated DNS labels.
_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = f"^(?=[^@]{{1,64}}@){_ATOM}(?:\\.{_ATOM})*@{_LABEL}(?:\\.{_LABEL})+$"
EMAIL = re.compile(EMAIL_PATTERN)
# What logins accept: accounts registered before the rule above still sign in.
LOOSE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_DEPTH = 32  # objects and arrays nested in a JSON body, the body itself included


class ValidationError(ApiError, Invalid):
    """A field is missing or invalid: answered 400 naming the field."""

    def __init__(self, field: str, message: str) -> None:
        Invalid.__init__(self, field, message)


class Body:
    """Typed access to a JSON object body; every error names its field."""

    def __init__(self, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise ValidationError("body", "must be a JSON object")
        self.data = data

    def has(self, name: str) -> bool:
        """Whether the field is present (even if null)."""
        return name in self.data

    def string(
        self,
        name: str,
        required: bool = False,
        max_len: int = 200,
        default: str | None = None,
        blank: bool = False,
        multiline: bool = False,
    ) -> str | None:
        """A string field, stripped; blank strings are refused unless allowed.

        One line of text without control characters, or with ``multiline`` free
        text that may hold tabs and line breaks (see :func:`check_text`).
        """
        value = self._get(name, required)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ValidationError(name, "must be a string")
        value = value.strip()
        if not value and not blank:
            raise ValidationError(name, "must not be empty")
        if len(value) > max_len:
            raise ValidationError(name, f"must be at most {max_len} characters")
        return check_text(name, value, multiline)

    def email(self, name: str = "email", loose: bool = False) -> str:
        """A required email address (max 254), lower-cased; ``loose`` takes any
        ``x@y.z`` without spaces or control characters (to sign in with)."""
        value = self.string(name, required=True, max_len=254)
        assert value is not None  # noqa: S101 - required
        return check_email(name, value, loose).lower()

    def password(self, name: str = "password") -> str:
        """A required password of 8 to 1024 characters (not stripped)."""
        value = self._get(name, True)
        if not isinstance(value, str):
            raise ValidationError(name, "must be a string")
        check_text(name, value, multiline=True)
        if len(value) < 8:
            raise ValidationError(name, "must be at least 8 characters")
        if len(value) > 1024:
            raise ValidationError(name, "must be at most 1024 characters")
        return value

    def choice(
        self, name: str, options: Iterable[str], default: str | None = None
    ) -> str | None:
        """A string that must be one of ``options``."""
        allowed = tuple(options)
        value = self.string(name, default=default)
        if value is not None and value not in allowed:
            raise ValidationError(name, f"must be one of {', '.join(allowed)}")
        return value

    def integer(
        self,
        name: str,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
        default: int | None = None,
    ) -> int | None:
        """An integer field within bounds."""
        value = self._get(name, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(name, "must be an integer")
        if minimum is not None and value < minimum:
            raise ValidationError(name, f"must be >= {minimum}")
        if maximum is not None and value > maximum:
            raise ValidationError(name, f"must be <= {maximum}")
        return value

    def number(
        self,
        name: str,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float | None:
        """A number field within bounds."""
        value = self._get(name, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(name, "must be a number")
        if minimum is not None and value < minimum:
            raise ValidationError(name, f"must be >= {minimum}")
        if maximum is not None and value > maximum:
            raise ValidationError(name, f"must be <= {maximum}")
        return float(value)

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        """A boolean field."""
        value = self._get(name, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ValidationError(name, "must be true or false")
        return value

    def strings(
        self,
        name: str,
        options: Iterable[str] | None = None,
        default: list[str] | None = None,
    ) -> list[str] | None:
        """A list of strings, optionally each from ``options``."""
        value = self._get(name, False)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(name, "must be a list of strings")
        for item in value:
            check_text(name, item)
        if options is not None:
            allowed = tuple(options)
            bad = [v for v in value if v not in allowed]
            if bad:
                raise ValidationError(
                    name, f"unknown value {bad[0]!r}; use {', '.join(allowed)}"
                )
        return list(dict.fromkeys(value))

    def uuid(self, name: str, required: bool = False) -> str | None:
        """A UUID string."""
        value = self.string(name, required=required, max_len=64)
        return None if value is None else parse_uuid(name, value)

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if value is None and required:
            raise ValidationError(name, "is required")
        return value


def check_text(name: str, value: str, multiline: bool = False) -> str:
    """``value`` if it holds no control character (``multiline``: none but tabs
    and line breaks); else a 400 naming the field."""
    if not multiline and LINE_CONTROLS.search(value):
        raise ValidationError(
            name, "must not contain control characters or line breaks"
        )
    if multiline and TEXT_CONTROLS.search(value):
        raise ValidationError(
            name, "must not contain control characters other than tabs and line breaks"
        )
    return value


def check_email(name: str, value: str, loose: bool = False) -> str:
    """``value`` if it is an email address (see :data:`EMAIL`); else a 400."""
    if not (LOOSE_EMAIL if loose else EMAIL).fullmatch(value):
        raise ValidationError(name, "must be a valid email address")
    return value


def check_depth(value: Any, name: str = "body", limit: int = MAX_DEPTH) -> Any:
    """``value`` if its objects and arrays nest at most ``limit`` levels (the
    value itself is level 1); else a 400 naming the field."""
    if nests_deeper(value, limit):
        raise ValidationError(name, f"nests objects and arrays over {limit} deep")
    return value


def nests_deeper(value: Any, limit: int) -> bool:
    """Whether JSON ``value`` nests objects and arrays over ``limit`` levels."""
    level, frontier = 0, [value]
    while frontier:
        containers = [v for v in frontier if isinstance(v, dict | list)]
        if not containers:
            return False
        level += 1
        if level > limit:
            return True
        frontier = [
            child
            for c in containers
            for child in (c.values() if isinstance(c, dict) else c)
        ]
    return False


def parse_uuid(name: str, value: str) -> str:
    """Normalize a UUID or name the field that is not one."""
    try:
        return str(uuid.UUID(value))
    except ValueError as ex:
        raise ValidationError(name, "must be a UUID") from ex


def parse_bool(name: str, value: str) -> bool:
    """A query-string boolean."""
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ValidationError(name, "must be true or false")


def parse_int(name: str, value: str, minimum: int, maximum: int) -> int:
    """A query-string integer within bounds."""
    try:
        number = int(value)
    except ValueError as ex:
        raise ValidationError(name, "must be an integer") from ex
    if not minimum <= number <= maximum:
        raise ValidationError(name, f"must be between {minimum} and {maximum}")
    return number
