"""Limit/offset pages of lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any, TypeVar

import falcon.asgi

from api.validation import parse_int

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
T = TypeVar("T")


def limit_offset(req: falcon.asgi.Request) -> tuple[int, int]:
    """The ``limit`` (1-1000, default 100) and ``offset`` query parameters."""
    limit = parse_int(
        "limit", req.get_param("limit") or str(DEFAULT_LIMIT), 1, MAX_LIMIT
    )
    return limit, parse_int("offset", req.get_param("offset") or "0", 0, 10**9)


def page(
    req: falcon.asgi.Request,
    items: Iterable[Any],
    view: Callable[[Any], Any] = lambda item: item,
) -> dict[str, Any]:
    """``{"count", "results"}`` of one limit/offset page; ``view`` renders only the
    items on the page."""
    rows = list(items)
    limit, offset = limit_offset(req)
    return {
        "count": len(rows),
        "results": [view(r) for r in rows[offset : offset + limit]],
    }


def window(req: falcon.asgi.Request, items: Iterable[T]) -> list[T]:
    """The items on one limit/offset page, for lists whose reference envelope is
    not ``{"count", "results"}`` (``{"rules": [...]}``, ``{"keys": [...]}``)."""
    limit, offset = limit_offset(req)
    return list(islice(items, offset, offset + limit))
