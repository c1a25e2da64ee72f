"""Limit/offset pages of lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import falcon.asgi

from api.validation import parse_int

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


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
