"""``kill -9`` of the whole ``vigil dev`` process group under ingest load, at random
moments, then a restart: every acknowledged measurement is in ClickHouse, once.

The embedded broker keeps topics in memory. It runs detached and outlives the group,
so the second kill takes it too (its topics gone): that this holds then is because
``vigil dev`` acknowledges a write once ClickHouse has it
(``VIGIL_ACK_AFTER=projection``). The harness is ``bench/crash_ingest.py``, which
runs more kills and records them (with ``--ack-after kafka`` it loses thousands)."""

from __future__ import annotations

from pathlib import Path

from bench.crash_ingest import run

KILLS = 3


def test_kill_9_of_the_process_group_loses_no_acknowledged_measurement(
    tmp_path: Path,
) -> None:
    tally = run(tmp_path, KILLS)
    assert all(n > 0 for n in tally.acked_per_kill), tally  # acks before each kill
    assert not tally.lost, f"{tally.lost} of {tally.acked} acknowledged are lost"
    assert not tally.duplicated, f"{tally.duplicated} measurements stored twice"
