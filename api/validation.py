"""Validate request bodies and query parameters, naming the offending field (pure)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from api import ApiError
from domain.errors import Invalid

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    ) -> str | None:
        """A string field, stripped; blank strings are refused unless allowed."""
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
        return value

    def email(self, name: str = "email") -> str:
        """A required email address (max 254), lower-cased."""
        value = self.string(name, required=True, max_len=254)
        assert value is not None  # noqa: S101 - required
        if not EMAIL.match(value):
            raise ValidationError(name, "must be a valid email address")
        return value.lower()

    def password(self, name: str = "password") -> str:
        """A required password of 8 to 1024 characters (not stripped)."""
        value = self._get(name, True)
        if not isinstance(value, str):
            raise ValidationError(name, "must be a string")
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
