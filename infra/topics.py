"""Every topic Vigil uses, in one place, and their idempotent creation."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException, TopicCollection
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AdminClient,
    NewTopic,
)

from infra import InfraError
from infra.settings import Settings
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
    PRISM_INPUTS_TOPIC,
    THREADS_TOPIC,
    WATCHER_TRIGGERS_TOPIC,
)

log = logging.getLogger(__name__)


class TopicError(InfraError):
    """A topic could not be created or described."""


@dataclass(frozen=True)
class TopicSpec:
    """Name, partition count and configs of one topic (name without prefix)."""

    name: str
    partitions: int | None  # None: the configured default
    configs: dict[str, str] = field(default_factory=dict)
    doc: str = ""


COMPACTED = {"cleanup.policy": "compact"}

TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        ENTITIES_TOPIC,
        1,
        COMPACTED,
        "State-carrying entity events keyed by entity id; one partition: total order.",
    ),
    TopicSpec(
        MEASUREMENTS_TOPIC,
        None,
        {"retention.ms": str(7 * 24 * 3600 * 1000)},
        "MeasurementBatch per ingest request, keyed by device id.",
    ),
    TopicSpec(
        DERIVED_TOPIC,
        None,
        {"retention.ms": str(7 * 24 * 3600 * 1000)},
        "Prism derived points as MeasurementBatch, keyed by field id.",
    ),
    TopicSpec(
        PRISM_INPUTS_TOPIC,
        None,
        {"retention.ms": str(24 * 3600 * 1000)},
        "Internal: Prism input points regrouped by field id (JSON).",
    ),
    TopicSpec(
        ALERTS_TOPIC,
        1,
        {},
        "AlertTransitioned per alert status change; one partition: its offsets are "
        "the SSE event ids.",
    ),
    TopicSpec(
        ALERT_COMMANDS_TOPIC,
        None,
        {"retention.ms": str(24 * 3600 * 1000)},
        "Clock ticks and acknowledge/resolve commands, sent to the series' partition.",
    ),
    TopicSpec(MAIL_TOPIC, None, {}, "MailReceived per accepted mail, by watcher id."),
    TopicSpec(
        THREADS_TOPIC, None, {}, "ThreadChanged: a thread's changes, by watcher id."
    ),
    TopicSpec(ACTIONS_TOPIC, None, {}, "ActionRecorded per agent action, by watcher."),
    TopicSpec(
        MEMORIES_TOPIC, None, {}, "MemoryChanged: a memory's state, by watcher id."
    ),
    TopicSpec(
        WATCHER_TRIGGERS_TOPIC,
        None,
        {"retention.ms": str(7 * 24 * 3600 * 1000)},
        "WatcherTriggered: what each watcher's agent reacts to, by watcher id.",
    ),
    TopicSpec(
        ARGUS_MESSAGES_TOPIC, None, {}, "Argus conversation messages, by conversation."
    ),
    TopicSpec(
        INVESTIGATIONS_TOPIC, None, {}, "InvestigationChanged: state, by org id."
    ),
)


def admin_client(settings: Settings) -> AdminClient:
    """Return an admin client for the configured broker."""
    return AdminClient({"bootstrap.servers": settings.kafka_bootstrap})


def ensure_topics(settings: Settings, specs: tuple[TopicSpec, ...] = TOPICS) -> None:
    """Create every missing topic; existing topics are left as they are."""
    admin = admin_client(settings)
    new = [
        NewTopic(
            settings.topic(s.name),
            s.partitions or settings.topic_partitions,
            1,
            config=dict(s.configs),
        )
        for s in specs
    ]
    for name, future in admin.create_topics(new, request_timeout=15).items():
        try:
            future.result()
            log.info("created topic %s", name)
        except KafkaException as ex:
            if ex.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise TopicError(f"cannot create topic {name}: {ex}") from ex


def topic_id(settings: Settings, name: str) -> str:
    """Return the broker's id of this incarnation of a topic (changes if recreated)."""
    full = settings.topic(name)
    admin = admin_client(settings)
    try:
        description = admin.describe_topics(TopicCollection([full]))[full].result(15)
    except KafkaException as ex:
        raise TopicError(f"cannot describe topic {full}: {ex}") from ex
    return str(description.topic_id)
