"""The offline model's NLQ turns (pure): plan the question into one ``run_sql`` call,
then answer from the rows it returned (or say why there is no answer)."""

from __future__ import annotations

import json
from typing import Any

from agents.nlq.answer import describe, not_understood
from agents.nlq.context import context_from_json
from agents.nlq.planner import Understanding, understand
from agents.nlq.prompt import MARKER, TOOL_NAME
from agents.nlq.sqlplan import to_sql

Call = tuple[str, dict[str, Any]]

__all__ = ["MARKER", "nlq_reply"]


def nlq_reply(
    system: str, question: str, results: list[tuple[str, str]], first: bool
) -> tuple[str, list[Call]]:
    """The offline model's reply to an NLQ request: (text, tool calls)."""
    understanding = _understand(system, question)
    if understanding is None:
        return "I cannot read the organisation's context, so I cannot answer.", []
    q = understanding.question
    if first:
        if q is None:
            return not_understood(understanding), []
        return "", [(TOOL_NAME, {"sql": to_sql(q)})]
    if not results:
        return not_understood(understanding) if q is None else "", []
    return _answer(understanding, results[-1][1]), []


def _understand(system: str, question: str) -> Understanding | None:
    lines = [line for line in system.splitlines() if line.startswith("CONTEXT:")]
    try:
        data = json.loads(lines[-1].removeprefix("CONTEXT:")) if lines else None
        ctx = context_from_json(data) if isinstance(data, dict) else None
    except (ValueError, KeyError, TypeError):
        return None
    return understand(question, ctx) if ctx else None


def _answer(understanding: Understanding, result: str) -> str:
    try:
        data = json.loads(result)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or "rows" not in data:
        reason = result.removeprefix("error: ")
        return f"I could not run the query: {reason}"
    columns, rows = data.get("columns") or [], data.get("rows") or []
    if understanding.question is not None:
        return describe(understanding.question, columns, rows)
    return f"The query returned {data.get('row_count', len(rows))} row(s)."
