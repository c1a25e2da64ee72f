"""What a decision can refuse; ``api/errors.py`` maps each to its HTTP status."""

from __future__ import annotations

from domain import DomainError


class NotFound(DomainError):
    """The entity does not exist in the caller's org (404: missing and foreign
    alike)."""


class Conflict(DomainError):
    """A unique key is taken or the entity moved on (409)."""


class Invalid(DomainError):
    """A field of the command is invalid (400, naming the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Unauthorized(DomainError):
    """The credential or password is not accepted (401)."""
