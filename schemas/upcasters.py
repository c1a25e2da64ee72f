"""Upcasters: bring a record written with an older schema version to the newest.

Records are decoded with their writer's schema (the id in the Confluent header),
then upcast one version at a time, so mappers only ever see the newest shape. An
upcaster is history: it produces the next version's shape exactly as that version
was published, so its values are literals, not today's constants.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from schemas import SchemaError
from schemas.catalogue import SchemaEntry, by_id, by_version, latest_for
from schemas.topics import DERIVED_TOPIC

Record = dict[str, Any]
Step = Callable[[SchemaEntry, Record], Record]
# Before measurement_batch.v2, Prism marked recomputed history with this hardware_id.
V1_BACKFILL_HARDWARE_ID = "prism-backfill"


def batch_v1_to_v2(entry: SchemaEntry, record: Record) -> Record:
    """Add the ``source`` a v1 batch implied by its topic and marker."""
    # Only Prism wrote the derived topic, so only there is the marker Prism's; on
    # the measurements topic it is a device's own hardware_id (which v1's alert
    # evaluator skipped by mistake).
    if entry.topic != DERIVED_TOPIC:
        source = "ingest"
    elif record["hardware_id"] == V1_BACKFILL_HARDWARE_ID:
        source = "backfill"
    else:
        source = "prism"
    return {**record, "source": source}


# Keyed by the writer's schema file; each step yields the next version's shape.
STEPS: dict[str, Step] = {"measurement_batch.v1.avsc": batch_v1_to_v2}


@cache
def _chain(schema_id: int) -> tuple[tuple[SchemaEntry, Step], ...]:
    entry = by_id(schema_id)
    newest = latest_for(entry.topic).version
    chain = []
    while entry.version < newest:
        step = STEPS.get(entry.file)
        if step is None:
            raise SchemaError(f"no upcaster from schema {entry.schema_id}")
        chain.append((entry, step))
        entry = by_version(entry.topic, entry.version + 1)
    return tuple(chain)


def upcast(schema_id: int, record: Record) -> Record:
    """``record``, written with schema ``schema_id``, in its topic's newest shape."""
    for entry, step in _chain(schema_id):
        record = step(entry, record)
    return record
