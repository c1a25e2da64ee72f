"""Alert events (``vigil.alerts.v1``) and alert commands, with their Avro mappers."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from domain.isotime import iso
from schemas import codec
from schemas.catalogue import latest_for
from schemas.topics import ALERT_COMMANDS_TOPIC, ALERTS_TOPIC

_NS = uuid.UUID("6b1f0c38-5b8e-4d0f-9a57-8f3c2f0d9a11")


def alert_event_id(
    rule_id: str, series_id: str, alert_seq: int, fired_at_us: int
) -> str:
    """The alert's id: the same for every emission of the same firing (a replay
    recomputes the same firing time), new for a later firing even when the
    series' state was reset."""
    return str(uuid.uuid5(_NS, f"{rule_id}/{series_id}/{alert_seq}/{fired_at_us}"))


def transition_id(event_id: str, status: str) -> str:
    """A transition's id: the same on a re-emission after a redelivery."""
    return str(uuid.uuid5(_NS, f"{event_id}/{status}"))


@dataclass(frozen=True)
class AlertTransitioned:
    """An alert changed status (active, acknowledged, resolved)."""

    event_id: str
    org_id: str
    rule_id: str
    rule_name: str
    series_id: str
    device_id: str | None
    device: str
    quantity: str
    quantity_slug: str | None
    severity: str
    status: str
    value: float | None
    triggered_at: datetime
    at: datetime
    alert_seq: int
    source_partition: int
    source_topic: str
    actor: str | None = None

    @property
    def transition_id(self) -> str:
        """Stable id of this transition."""
        return transition_id(self.event_id, self.status)


def encode_transition(event: AlertTransitioned) -> bytes:
    """Serialize an alert transition for ``vigil.alerts.v1``."""
    record = {**asdict(event), "transition_id": event.transition_id}
    return codec.encode(latest_for(ALERTS_TOPIC), record)


def decode_transition(data: bytes) -> AlertTransitioned:
    """Read an alert transition from its wire bytes."""
    _, r = codec.decode(data)
    r.pop("transition_id")
    return AlertTransitioned(**r)


@dataclass(frozen=True)
class AlertCommandIssued:
    """A tick of the evaluators' clock, or a manual acknowledge / resolve."""

    kind: str  # tick | acknowledge | resolve
    at: datetime  # from the sender's injected clock
    rule_id: str | None = None
    series_id: str | None = None
    alert_seq: int = 0
    actor: str | None = None
    command_id: str = field(kw_only=True)  # from the sender's id generator


def encode_command(command: AlertCommandIssued) -> bytes:
    """Serialize a command for ``vigil.alert-commands.v1``."""
    return codec.encode(latest_for(ALERT_COMMANDS_TOPIC), asdict(command))


def decode_command(data: bytes) -> AlertCommandIssued:
    """Read a command from its wire bytes."""
    _, r = codec.decode(data)
    return AlertCommandIssued(**r)


def transition_json(event: AlertTransitioned) -> dict[str, Any]:
    """The transition as the API and the SSE stream show it."""
    return {
        "event_id": event.event_id,
        "transition_id": event.transition_id,
        "rule_id": event.rule_id,
        "rule_name": event.rule_name,
        "severity": event.severity,
        "device": event.device,
        "device_id": event.device_id,
        "series_id": event.series_id,
        "quantity": event.quantity,
        "quantity_slug": event.quantity_slug,
        "value": event.value,
        "triggered_at": iso(event.triggered_at),
        "at": iso(event.at),
        "state": event.status,
        "status": event.status,
    }
