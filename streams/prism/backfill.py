"""Recompute a Prism field over stored input history (raw measurements in
ClickHouse), emitting derived points like the live agent does.

The history is read an hour at a time in timestamp order through the same
alignment and window code as the live path, starting with empty windows (a windowed
field's first window-length of output covers less than a full window). Derived
points overwrite what is stored at the same timestamps (last write wins). They are
marked as a backfill (``source``): alert rules on the field do not re-judge
history.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from domain.clock import Clock, IdGenerator, utc_now
from domain.clock import new_id as domain_new_id
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.isotime import iso_from_micros
from domain.states import PrismField
from infra.clickhouse import AsyncStore
from infra.kafka import AsyncProducer
from infra.settings import Settings
from schemas.events import BatchSource, encode_derived
from schemas.topics import DERIVED_TOPIC
from streams.prism.agents import derived_batch
from streams.prism.alignment import FieldIndex, FieldState, evaluate

log = logging.getLogger(__name__)
CHUNK_US = 3600 * 1_000_000
SEND_POINTS = 5000
MAX_RANGE_US = 366 * 24 * CHUNK_US

_HISTORY = (
    "SELECT toString(binding_id), toUnixTimestamp64Micro(ts), value "
    "FROM {db}.measurements FINAL "
    "WHERE org_id = {{org:String}} AND binding_id IN {{ids:Array(UUID)}} "
    "AND kind = 0 AND ts >= fromUnixTimestamp64Micro({{start:Int64}}, 'UTC') "
    "AND ts < fromUnixTimestamp64Micro({{end:Int64}}, 'UTC') ORDER BY ts"
)


@dataclass
class Backfill:
    """One backfill run and its progress."""

    field_id: str
    start_us: int
    end_us: int
    status: str = "running"  # running | done | failed
    points_read: int = 0
    points_written: int = 0
    chunks_done: int = 0
    error: str | None = None
    started: float = 0.0  # set by BackfillJobs.start from its clock
    finished: float | None = None

    @property
    def chunks(self) -> int:
        """Hours to read."""
        return max(1, -(-(self.end_us - self.start_us) // CHUNK_US))

    def view(self) -> dict[str, Any]:
        """Progress as the API shows it."""
        return {
            "field_id": self.field_id,
            "status": self.status,
            "start": iso_from_micros(self.start_us),
            "end": iso_from_micros(self.end_us),
            "progress": round(self.chunks_done / self.chunks, 4),
            "points_read": self.points_read,
            "points_written": self.points_written,
            "error": self.error,
            "started_at": iso_from_micros(int(self.started * 1e6)),
            "finished_at": (
                iso_from_micros(int(self.finished * 1e6)) if self.finished else None
            ),
        }


class BackfillJobs:
    """The backfill runs of this process, by field id, and what they need."""

    def __init__(
        self,
        state: EntityState,
        store: AsyncStore,
        producer: AsyncProducer,
        settings: Settings,
        clock: Clock = utc_now,
        new_id: IdGenerator = domain_new_id,
    ) -> None:
        self.state = state
        self.clock = clock
        self.new_id = new_id
        self.store = store
        self.producer = producer
        self.topic = settings.topic(DERIVED_TOPIC)
        self.jobs: dict[str, Backfill] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def get(self, field_id: str) -> Backfill | None:
        """The latest run for a field, or None."""
        return self.jobs.get(field_id)

    def running(self, field_id: str) -> bool:
        """Whether a run for this field is still going."""
        job = self.jobs.get(field_id)
        return job is not None and job.status == "running"

    def start(self, job: Backfill) -> None:
        """Run ``job`` in the background (its progress is on the job)."""
        job.started = self.clock().timestamp()
        self.jobs[job.field_id] = job
        task = asyncio.create_task(run_backfill(job, self))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def run_backfill(job: Backfill, jobs: BackfillJobs) -> None:
    """Run ``job`` to the end, recording progress and any failure on it."""
    try:
        await _run(job, jobs)
        job.status = "done"
    except Exception as ex:  # the failure is reported on the job, not raised
        log.exception("backfill of field %s failed", job.field_id)
        job.status, job.error = "failed", str(ex)
    job.finished = jobs.clock().timestamp()


async def _run(job: Backfill, jobs: BackfillJobs) -> None:
    entity = jobs.state.get(PrismField, job.field_id)
    if entity is None:
        raise LookupError("the field was deleted")
    compiled = FieldIndex(jobs.state).fields.get(job.field_id)
    if compiled is None:
        raise LookupError("an input binding of the field is gone")
    variables: dict[str, list[str]] = {}
    for variable, binding_id in compiled.inputs.items():
        variables.setdefault(binding_id, []).append(variable)
    fold = FieldState()
    for chunk_start in range(job.start_us, job.end_us, CHUNK_US):
        rows = await _history(jobs.store, entity, variables, chunk_start, job)
        job.points_read += len(rows)
        points = [(v, ts, value) for b, ts, value in rows for v in variables[b]]
        out = evaluate(compiled, fold, points)
        for i in range(0, len(out), SEND_POINTS):
            part = out[i : i + SEND_POINTS]
            await _send(jobs, entity.org_id, job.field_id, part)
            job.points_written += len(part)
        job.chunks_done += 1


async def _send(
    jobs: BackfillJobs, org_id: str, field_id: str, points: list[tuple[int, float]]
) -> None:
    """Send derived points as one backfill batch."""
    batch = derived_batch(
        org_id, field_id, points, jobs.new_id(), jobs.clock(), BatchSource.BACKFILL
    )
    await jobs.producer.send(jobs.topic, encode_derived(batch), key=field_id.encode())


async def _history(
    store: AsyncStore,
    entity: Entity[PrismField],
    variables: dict[str, list[str]],
    chunk_start: int,
    job: Backfill,
) -> list[tuple[str, int, float]]:
    result = await store.query(
        _HISTORY.format(db=store.database),
        {
            "org": entity.org_id,
            "ids": list(variables),
            "start": chunk_start,
            "end": min(chunk_start + CHUNK_US, job.end_us),
        },
    )
    return [(str(b), int(ts), float(v)) for b, ts, v in result.rows]
