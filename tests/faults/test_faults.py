"""Fault injection, short: ``kill -9`` of an API worker, of the stream worker and of
``vigil dev``'s whole process group under ingest, alert, mail and entity load, then
every invariant of ``bench/faults.py`` (which runs 100 faults and records the
tally)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.faults import report, run


def test_killed_workers_and_process_group_lose_and_repeat_nothing(
    tmp_path: Path,
) -> None:
    tally = run(tmp_path, faults=3, roles=("api", "stream", "group"))
    summary = "\n".join(report(tally))
    assert tally.measurements_acked > 0 and tally.mails > 0 and tally.sites > 0, summary
    assert tally.crossings > 0, summary
    assert not tally.stuck, summary
    if tally.broken and tally.broken == tally.skipped_by_agents:
        # Known and open (issue 14): after a stream worker restart Faust can commit
        # past records it fetched and dropped at the next rebalance, so an agent
        # never sees them. Everything else must hold; this says so, loudly.
        pytest.xfail(f"agents skipped work after a restart (issue 14):\n{summary}")
    assert not tally.broken, summary
