"""Answer a natural-language question: the one tool loop, a checked ``run_sql`` tool
over the org's views, and the answer, SQL and chart of the last query that ran."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from agents.llm import resolve_model
from agents.loop import Limits, LoopResult, Tool, run_loop
from agents.nlq.chart import Chart, chart_data
from agents.nlq.check import CheckedQuery, check
from agents.nlq.context import context_of
from agents.nlq.prompt import (
    TOOL_DESCRIPTION,
    TOOL_NAME,
    TOOL_PARAMETERS,
    question_message,
    system_prompt,
)
from agents.nlq.views import Views, org_views
from domain.clock import Clock
from domain.entity_state import EntityState
from domain.isotime import iso
from infra.clickhouse import AsyncStore, Rows, StoreError
from infra.settings import Settings

log = logging.getLogger(__name__)
SHOWN_ROWS = 300  # rows of a result the model reads (the chart gets them all)


@dataclass(frozen=True)
class NlqAnswer:
    """The three documented keys of an answer."""

    answer: str
    sql: str | None
    chart_data: Chart | None

    def as_json(self) -> dict[str, Any]:
        """The response body."""
        return {"answer": self.answer, "sql": self.sql, "chart_data": self.chart_data}


@dataclass
class _Queries:
    """The queries one question ran, in order."""

    done: list[tuple[CheckedQuery, Rows]] = field(default_factory=list)


class NlqService:
    """Answer questions about an org's data with the configured model."""

    def __init__(
        self, state: EntityState, store: AsyncStore, settings: Settings, clock: Clock
    ) -> None:
        self.state = state
        self.store = store
        self.settings = settings
        self.clock = clock

    async def ask(self, org_id: str, question: str) -> NlqAnswer:
        """Answer ``question`` over ``org_id``'s data."""
        now = self.clock()
        queries = _Queries()
        views = org_views(self.state, org_id, self.store.database)
        tool = Tool(
            TOOL_NAME, TOOL_DESCRIPTION, TOOL_PARAMETERS, self._runner(views, queries)
        )
        ctx = context_of(self.state, org_id, now)
        system = system_prompt(ctx, self.settings.nlq_max_rows)
        result = await self._loop(system, question, tool)
        _log_usage(org_id, result)
        return _answer(result, queries)

    async def _loop(self, system: str, question: str, tool: Tool) -> LoopResult:
        s = self.settings
        model = resolve_model(s.nlq_model, s.llm_fallback)
        limits = Limits(s.nlq_max_steps, s.agent_max_tokens, s.nlq_timeout_s)
        user = question_message(question)
        return await run_loop(model, system, user, [tool], limits)

    def _runner(
        self, views: Views, queries: _Queries
    ) -> Callable[[dict[str, Any]], Awaitable[str]]:
        async def run_sql(arguments: dict[str, Any]) -> str:
            checked = check(str(arguments["sql"]), self.settings.nlq_max_rows)
            sql = views.wrap(checked.ctes, checked.body)
            try:
                rows = await self.store.query(sql, views.params, self.limits())
            except StoreError as ex:
                raise StoreError(_short(str(ex))) from ex
            queries.done.append((checked, rows))
            return result_text(rows)

        return run_sql

    def limits(self) -> dict[str, int]:
        """ClickHouse settings every NLQ query runs under."""
        s = self.settings
        return {
            "max_execution_time": s.nlq_max_execution_s,
            "max_rows_to_read": s.nlq_max_rows_to_read,
            "max_result_rows": s.nlq_max_rows,
            "max_memory_usage": s.nlq_max_memory_bytes,
            # The views name measures like functions (min, max, count, sum, avg).
            "prefer_column_name_to_alias": 1,
            "readonly": 1,
        }


def result_text(rows: Rows, shown: int = SHOWN_ROWS) -> str:
    """A result as the model reads it: columns, rows (times as ISO-8601), count."""
    data: dict[str, Any] = {
        "columns": list(rows.columns),
        "rows": [[_plain(v) for v in row] for row in rows.rows[:shown]],
        "row_count": len(rows.rows),
    }
    if len(rows.rows) > shown:
        data["note"] = f"only the first {shown} rows are shown"
    return orjson.dumps(data).decode()


def _plain(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


def _short(message: str) -> str:
    """ClickHouse's message without the query it quotes (the internal views)."""
    first = message.splitlines()[0] if message else "query failed"
    for cut in (" In scope ", " While processing ", ": while executing"):
        first = first.split(cut, 1)[0]
    return first[:300]


def _answer(result: LoopResult, queries: _Queries) -> NlqAnswer:
    last = queries.done[-1] if queries.done else None
    text = result.answer.strip()
    if not text:
        text = _fallback(result, last)
    if last is None:
        return NlqAnswer(text, None, None)
    checked, rows = last
    return NlqAnswer(text, checked.sql, chart_data(rows.columns, rows.rows))


def _fallback(result: LoopResult, last: tuple[CheckedQuery, Rows] | None) -> str:
    if last is not None:
        return f"The query returned {len(last[1].rows)} row(s)."
    failed = [c.result for c in result.calls if not c.ok]
    if failed:
        return f"I could not run a query: {failed[-1].removeprefix('error: ')}"
    stop = f" (stopped by the {result.stopped} limit)" if result.stopped else ""
    return f"I could not answer this question{stop}."


def _log_usage(org_id: str, result: LoopResult) -> None:
    log.info(
        "nlq org=%s model=%s prompt_tokens=%d completion_tokens=%d cost_usd=%.6f "
        "calls=%d stopped=%s",
        org_id,
        result.model,
        result.prompt_tokens,
        result.completion_tokens,
        result.cost_usd,
        len(result.calls),
        result.stopped,
    )
