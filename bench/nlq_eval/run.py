"""Evaluate NLQ on demo data with known answers and print the accuracy.

Generates the demo orgs (:mod:`bench.nlq_eval.data`), loads their readings and
alerts into a fresh chDB database, and asks every question of
:mod:`bench.nlq_eval.questions` through the NLQ service (the one tool loop, the
configured model — by default the offline planner — the SQL checker, the org's
views and chDB), at a fixed clock. A question counts as right when its chart holds
the known numbers (and the answer states them), or, for a question outside the
grammar or the data, when no SQL ran and the answer says so.

Usage: ``PYTHONPATH=. .venv/bin/python bench/nlq_eval/run.py [--only WORD] [-v]``
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.nlq.answer import number
from agents.nlq.service import NlqAnswer, NlqService
from bench.nlq_eval.data import NOW, ORG, Demo, build, load
from bench.nlq_eval.questions import CASES, Case
from infra.clickhouse import AsyncStore
from infra.settings import Settings


@dataclass(frozen=True)
class Verdict:
    """One question's outcome."""

    case: Case
    ok: bool
    why: str
    answer: NlqAnswer


def close(a: float, b: float) -> bool:
    """Equal up to float noise."""
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


def judge(case: Case, demo: Demo, got: NlqAnswer) -> tuple[bool, str]:
    """Whether ``got`` answers ``case`` right, and why not."""
    if case.kind == "refuse":
        if got.sql is not None or got.chart_data is not None:
            return False, "ran SQL for a question it should not answer"
        return bool(got.answer), "no answer text"
    chart = got.chart_data
    if chart is None:
        return False, "no chart"
    if case.kind == "line":
        return _line(chart, case.expected(demo))
    return _numbers(chart, case.expected(demo), got.answer)


def _numbers(
    chart: dict[str, Any], expected: Sequence[Any], answer: str
) -> tuple[bool, str]:
    if chart["type"] not in ("stat", "bar"):
        return False, f"a {chart['type']} chart"
    values = [v for series in chart["series"] for v in series["values"]]
    if len(values) != len(expected) or not all(
        close(float(a), float(b)) for a, b in zip(values, expected, strict=True)
    ):
        return False, f"values {values} != {expected}"
    missing = [number(float(v)) for v in expected if number(float(v)) not in answer]
    return not missing, f"answer lacks {missing}"


def _line(chart: dict[str, Any], expected: Sequence[Any]) -> tuple[bool, str]:
    if chart["type"] != "line":
        return False, f"a {chart['type']} chart"
    got = [[v for v in series["values"]] for series in chart["series"]]
    if len(got) != len(expected):
        return False, f"{len(got)} series, expected {len(expected)}"
    for values, want in zip(got, expected, strict=True):
        if len(values) != len(want) or not all(
            a is not None and close(a, b) for a, b in zip(values, want, strict=True)
        ):
            return False, f"series {values[:4]}… != {want[:4]}…"
    return True, ""


async def evaluate(
    store: AsyncStore, cases: Sequence[Case], settings: Settings, demo: Demo
) -> list[Verdict]:
    """Ask every case and judge the answers."""
    service = NlqService(demo.state, store, settings, lambda: NOW)
    verdicts = []
    for case in cases:
        got = await service.ask(ORG, case.question)
        ok, why = judge(case, demo, got)
        verdicts.append(Verdict(case, ok, "" if ok else why, got))
    return verdicts


def open_demo(data_dir: Path, database: str) -> tuple[AsyncStore, Demo]:
    """A chDB store with the demo data loaded into a fresh database."""
    from infra.chdb_store import ChdbStore
    from projections.migrations import migrate

    data_dir.mkdir(parents=True, exist_ok=True)
    sync = ChdbStore(str(data_dir), database)
    migrate(sync)
    demo = build()
    load(sync, demo)
    return AsyncStore(sync), demo


def report(verdicts: Sequence[Verdict], verbose: bool) -> float:
    """Print each failure (each answer with -v) and return the accuracy."""
    for v in verdicts:
        if verbose or not v.ok:
            mark = "ok  " if v.ok else "FAIL"
            print(f"{mark} {v.case.question}\n     {v.answer.answer}")
            if not v.ok:
                print(f"     why: {v.why}\n     sql: {v.answer.sql}")
    for batch in sorted({v.case.batch for v in verdicts}):
        part = [v for v in verdicts if v.case.batch == batch]
        right = sum(v.ok for v in part)
        print(f"batch {batch}: {right}/{len(part)} = {right / len(part):.1%}")
    right = sum(v.ok for v in verdicts)
    accuracy = right / len(verdicts)
    print(f"accuracy: {right}/{len(verdicts)} = {accuracy:.1%}")
    return accuracy


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation; exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="questions containing this text")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if args.only.lower() in c.question.lower()]
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        store, demo = open_demo(Path(tmp) / "chdb", "nlq_eval")
        verdicts = asyncio.run(evaluate(store, cases, Settings(), demo))
        store.close()
    report(verdicts, args.verbose)
    print(f"{len(cases)} questions in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
