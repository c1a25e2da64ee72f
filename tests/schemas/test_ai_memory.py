"""Argus memory facts on the wire: round trip, framing, and the catalogue entry."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np

from schemas import codec
from schemas.ai_memory import AiMemoryRecorded, decode_ai_memory, encode_ai_memory
from schemas.catalogue import latest_for
from schemas.topics import AI_MEMORIES_TOPIC


def _memory(**changes: object) -> AiMemoryRecorded:
    base = AiMemoryRecorded(
        memory_id="7b2f4a1e-0000-4000-8000-000000000001",
        org_id="org1",
        content="Pump 2 bearing replaced Jan 2026",
        memory_type="maintenance",
        salience=0.8,
        embedding=(0.5, -0.25, 0.125, 0.0),
        embedding_model="wordllama/l2_supercat_256",
        created_at=datetime(2026, 1, 15, 9, 30, 0, 123456, tzinfo=UTC),
        device_id="d1",
        actor="u1",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_memory_round_trips_with_its_embedding() -> None:
    memory = _memory()
    assert decode_ai_memory(encode_ai_memory(memory)) == memory
    bare = _memory(device_id=None, actor=None)
    assert decode_ai_memory(encode_ai_memory(bare)) == bare


def test_the_embedding_travels_as_float32() -> None:
    vector = tuple(float(x) for x in np.linspace(-1, 1, 256, dtype=np.float64))
    back = decode_ai_memory(encode_ai_memory(_memory(embedding=vector)))
    assert back.embedding == tuple(float(np.float32(x)) for x in vector)


def test_memories_are_framed_with_their_schema_and_keyed_by_org() -> None:
    entry = latest_for(AI_MEMORIES_TOPIC)
    schema_id, record = codec.decode(encode_ai_memory(_memory()))
    assert schema_id == entry.schema_id == 15
    assert entry.subject == "vigil.ai-memories.v1-value"
    assert record["memory_type"] == "maintenance"
    assert _memory().key == "org1"
