"""Argus memories: the fact an org's institutional memory is made of.

One fact per memory on ``vigil.ai-memories.v1``, keyed by org id, read from
ClickHouse (never folded into every process's memory). The fact carries the
embedding of its content, so projecting or replaying it needs no model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from schemas import codec
from schemas.catalogue import latest_for
from schemas.topics import AI_MEMORIES_TOPIC


@dataclass(frozen=True)
class AiMemoryRecorded:
    """A memory written to Argus (by a user, a key or the assistant itself)."""

    topic = AI_MEMORIES_TOPIC
    memory_id: str
    org_id: str
    content: str
    memory_type: str
    salience: float
    embedding: tuple[float, ...]
    embedding_model: str
    created_at: datetime
    device_id: str | None = None
    site_id: str | None = None
    source: str = "manual"
    actor: str | None = None

    @property
    def key(self) -> str:
        """The partition key: every memory of an org on one partition, in order."""
        return self.org_id


def encode_ai_memory(memory: AiMemoryRecorded) -> bytes:
    """Serialize a memory for its topic (Confluent framing, latest schema)."""
    return codec.encode(latest_for(memory.topic), dataclasses.asdict(memory))


def decode_ai_memory(data: bytes) -> AiMemoryRecorded:
    """Read a memory from its wire bytes."""
    _, r = codec.decode(data)
    r["embedding"] = tuple(r["embedding"])
    return AiMemoryRecorded(**r)
