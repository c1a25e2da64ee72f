"""Fault injection, short: ``kill -9`` of an API worker and of the stream worker of
``vigil dev`` under ingest, alert, mail and entity load, then every invariant of
``bench/faults.py`` (which runs 100 faults and records the tally)."""

from __future__ import annotations

from pathlib import Path

from bench.faults import report, run


def test_killed_api_and_stream_workers_lose_and_repeat_nothing(tmp_path: Path) -> None:
    tally = run(tmp_path, faults=2, roles=("api", "stream"))
    summary = "\n".join(report(tally))
    assert tally.measurements_acked > 0 and tally.mails > 0 and tally.sites > 0, summary
    assert tally.crossings > 0, summary
    assert not tally.broken, summary
