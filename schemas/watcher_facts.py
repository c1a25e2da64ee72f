"""Watcher facts: mails, thread changes, actions, memories and triggers.

High-volume facts live on their own partitioned topics (keyed by watcher id) and are
read from ClickHouse, never folded into every process's memory. Each is a frozen
dataclass whose fields are its Avro record's fields, with one generic mapper.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime

from schemas import codec
from schemas.catalogue import latest_for
from schemas.topics import (
    ACTIONS_TOPIC,
    ARGUS_MESSAGES_TOPIC,
    INVESTIGATIONS_TOPIC,
    MAIL_TOPIC,
    MEMORIES_TOPIC,
    THREADS_TOPIC,
    WATCHER_TRIGGERS_TOPIC,
)

_NS = uuid.UUID("0e5b7a52-5d7c-4c55-9f0b-3d1f6a2b8c47")


def stable_id(prefix: str, *parts: str) -> str:
    """An id derived from its parts: a re-sent fact keeps the id it had."""
    return f"{prefix}{uuid.uuid5(_NS, '/'.join(parts)).hex[:20]}"


@dataclass(frozen=True)
class AttachmentMeta:
    """An attachment kept as metadata only."""

    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MailReceived:
    """A mail accepted for a watcher's inbox."""

    topic = MAIL_TOPIC
    mail_id: str
    watcher_id: str
    org_id: str
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: str
    sender_name: str
    recipients: tuple[str, ...]
    text: str
    attachments: tuple[AttachmentMeta, ...]
    size: int
    received_at: datetime


@dataclass(frozen=True)
class ThreadChanged:
    """A message joined a thread, its fields were set, or it was deleted."""

    topic = THREADS_TOPIC
    change_id: str
    thread_id: str
    watcher_id: str
    org_id: str
    kind: str  # message | updated | deleted
    at: datetime
    subject: str | None = None
    status: str | None = None
    summary: str | None = None
    flags: str | None = None  # JSON object
    mail_id: str | None = None
    sender: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class ActionRecorded:
    """One agent action (the invocation's cost rides on its first action)."""

    topic = ACTIONS_TOPIC
    action_id: str
    invocation_id: str
    watcher_id: str
    org_id: str
    trigger_type: str
    tool: str | None
    result: str
    model: str
    created_at: datetime
    arguments: str = "{}"
    ok: bool = True
    thread_id: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class MemoryChanged:
    """A memory's full state after a change."""

    topic = MEMORIES_TOPIC
    memory_id: str
    watcher_id: str
    org_id: str
    version: int
    content: str
    importance: int
    created_at: datetime
    at: datetime
    obsolete: bool = False
    deleted: bool = False
    source: str = "manual"


@dataclass(frozen=True)
class WatcherTriggered:
    """Something a watcher's agent reacts to (or, ``clock``, a schedule check)."""

    topic = WATCHER_TRIGGERS_TOPIC
    trigger_id: str
    watcher_id: str
    org_id: str
    type: str
    at: datetime
    thread_id: str | None = None
    mail_id: str | None = None
    detail: str = "{}"  # JSON object


@dataclass(frozen=True)
class ArgusMessageSent:
    """One message of an Argus conversation."""

    topic = ARGUS_MESSAGES_TOPIC
    message_id: str
    conversation_id: str
    org_id: str
    user_id: str
    role: str  # user | assistant
    content: str
    at: datetime
    tools: tuple[str, ...] = ()
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class InvestigationChanged:
    """An investigation's state after a change."""

    topic = INVESTIGATIONS_TOPIC
    investigation_id: str
    org_id: str
    version: int
    status: str  # queued | running | complete | failed
    trigger: str  # alert | argus
    title: str
    created_at: datetime
    at: datetime
    alert_event_id: str | None = None
    device_id: str | None = None
    findings: str = ""
    evidence: str = "{}"
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


Fact = (
    MailReceived
    | ThreadChanged
    | ActionRecorded
    | MemoryChanged
    | WatcherTriggered
    | ArgusMessageSent
    | InvestigationChanged
)


def key_of(fact: Fact) -> bytes:
    """The Kafka key of a fact: its conversation, else its watcher."""
    if isinstance(fact, ArgusMessageSent):
        return fact.conversation_id.encode()
    if isinstance(fact, InvestigationChanged):
        return fact.org_id.encode()
    return fact.watcher_id.encode()


def encode_fact(fact: Fact) -> bytes:
    """Serialize a fact for its topic (Confluent framing, latest schema)."""
    return codec.encode(latest_for(fact.topic), dataclasses.asdict(fact))


def decode_mail(data: bytes) -> MailReceived:
    """Read a mail from its wire bytes."""
    _, r = codec.decode(data)
    r["references"] = tuple(r["references"])
    r["recipients"] = tuple(r["recipients"])
    r["attachments"] = tuple(AttachmentMeta(**a) for a in r["attachments"])
    return MailReceived(**r)


def decode_thread_change(data: bytes) -> ThreadChanged:
    """Read a thread change from its wire bytes."""
    _, r = codec.decode(data)
    return ThreadChanged(**r)


def decode_action(data: bytes) -> ActionRecorded:
    """Read an action from its wire bytes."""
    _, r = codec.decode(data)
    return ActionRecorded(**r)


def decode_memory(data: bytes) -> MemoryChanged:
    """Read a memory change from its wire bytes."""
    _, r = codec.decode(data)
    return MemoryChanged(**r)


def decode_trigger(data: bytes) -> WatcherTriggered:
    """Read a trigger from its wire bytes."""
    _, r = codec.decode(data)
    return WatcherTriggered(**r)


def decode_argus_message(data: bytes) -> ArgusMessageSent:
    """Read an Argus message from its wire bytes."""
    _, r = codec.decode(data)
    r["tools"] = tuple(r["tools"])
    return ArgusMessageSent(**r)


def decode_investigation(data: bytes) -> InvestigationChanged:
    """Read an investigation change from its wire bytes."""
    _, r = codec.decode(data)
    return InvestigationChanged(**r)
