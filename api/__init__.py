"""The Falcon ASGI app: middleware, one resource module per area, SSE, OpenAPI."""

from __future__ import annotations


class ApiError(Exception):
    """Base error of the api package."""
