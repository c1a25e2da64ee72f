"""The schema catalogue: stable ids, subjects and versions of every ``.avsc``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from schemas import SchemaError
from schemas.topics import (
    ACTIONS_TOPIC,
    ALERT_COMMANDS_TOPIC,
    ALERTS_TOPIC,
    ARGUS_MESSAGES_TOPIC,
    DERIVED_TOPIC,
    ENTITIES_TOPIC,
    INVESTIGATIONS_TOPIC,
    MAIL_TOPIC,
    MEASUREMENTS_TOPIC,
    MEMORIES_TOPIC,
    THREADS_TOPIC,
    WATCHER_TRIGGERS_TOPIC,
)


@dataclass(frozen=True)
class SchemaEntry:
    """One registered schema version; ``schema_id`` never changes once published."""

    schema_id: int
    topic: str
    version: int
    file: str

    @property
    def subject(self) -> str:
        """Subject name under Confluent's TopicNameStrategy (unprefixed topic)."""
        return f"{self.topic}-value"

    @property
    def text(self) -> str:
        """The schema document as published."""
        return _text(self.file)

    @property
    def parsed(self) -> dict[str, Any]:
        """The schema as a JSON object."""
        return json.loads(self.text)  # type: ignore[no-any-return]


# Ids are append-only: a new schema version gets the next id; never reuse one.
CATALOGUE: tuple[SchemaEntry, ...] = (
    SchemaEntry(1, ENTITIES_TOPIC, 1, "entity_changed.v1.avsc"),
    SchemaEntry(2, MEASUREMENTS_TOPIC, 1, "measurement_batch.v1.avsc"),
    # Prism's derived points travel as measurement batches: one projection, one shape.
    SchemaEntry(3, DERIVED_TOPIC, 1, "measurement_batch.v1.avsc"),
    SchemaEntry(4, ALERTS_TOPIC, 1, "alert_transitioned.v1.avsc"),
    SchemaEntry(5, ALERT_COMMANDS_TOPIC, 1, "alert_command.v1.avsc"),
    # v2 says where a batch's points come from (v1 hid it in hardware_id).
    SchemaEntry(6, MEASUREMENTS_TOPIC, 2, "measurement_batch.v2.avsc"),
    SchemaEntry(7, DERIVED_TOPIC, 2, "measurement_batch.v2.avsc"),
    # Watchers: high-volume facts on their own partitioned topics.
    SchemaEntry(8, MAIL_TOPIC, 1, "mail_received.v1.avsc"),
    SchemaEntry(9, THREADS_TOPIC, 1, "thread_changed.v1.avsc"),
    SchemaEntry(10, ACTIONS_TOPIC, 1, "action_recorded.v1.avsc"),
    SchemaEntry(11, MEMORIES_TOPIC, 1, "memory_changed.v1.avsc"),
    SchemaEntry(12, WATCHER_TRIGGERS_TOPIC, 1, "watcher_trigger.v1.avsc"),
    SchemaEntry(13, ARGUS_MESSAGES_TOPIC, 1, "argus_message.v1.avsc"),
    SchemaEntry(14, INVESTIGATIONS_TOPIC, 1, "investigation_changed.v1.avsc"),
)


@cache
def _text(file: str) -> str:
    return resources.files("schemas").joinpath(file).read_text(encoding="utf-8")


def by_id(schema_id: int) -> SchemaEntry:
    """Return the schema registered under ``schema_id``."""
    for entry in CATALOGUE:
        if entry.schema_id == schema_id:
            return entry
    raise SchemaError(f"unknown schema id {schema_id}")


def by_version(topic: str, version: int) -> SchemaEntry:
    """Return version ``version`` of ``topic``'s value schema."""
    for entry in CATALOGUE:
        if entry.topic == topic and entry.version == version:
            return entry
    raise SchemaError(f"no schema version {version} for topic {topic}")


def latest_for(topic: str) -> SchemaEntry:
    """Return the newest schema version of ``topic``'s values."""
    entries = [e for e in CATALOGUE if e.topic == topic]
    if not entries:
        raise SchemaError(f"no schema for topic {topic}")
    return max(entries, key=lambda e: e.version)
