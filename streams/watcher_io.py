"""What the watcher agents send and the small conversions they need."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from agents.mail import ParsedMail
from domain.isotime import parse_iso
from infra.kafka import AsyncProducer, BrokerUnavailable
from infra.settings import Settings
from schemas.watcher_facts import Fact, MailReceived, encode_fact, key_of

log = logging.getLogger(__name__)


async def send_facts(
    producer: AsyncProducer,
    settings: Settings,
    facts: Sequence[Fact],
    retry: bool = True,
) -> None:
    """Send until Kafka has every fact (the offset commits only after)."""
    delay = 0.1
    while facts:
        try:
            await asyncio.gather(
                *(
                    producer.send(
                        settings.topic(f.topic),
                        encode_fact(f),
                        key=key_of(f),
                    )
                    for f in facts
                )
            )
            return
        except BrokerUnavailable as ex:
            if not retry:
                raise
            log.warning("watcher facts not sent, retrying: %s", ex)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def parsed(mail: MailReceived) -> ParsedMail:
    """The threading fields of a stored mail."""
    return ParsedMail(
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=mail.references,
        subject=mail.subject,
        sender=mail.sender,
        sender_name=mail.sender_name,
        recipients=mail.recipients,
        date=None,
        text="",
        attachments=(),
    )


def alert_detail(alert: Any) -> dict[str, Any]:
    """What a watcher's agent is told about a platform alert."""
    return {
        "event_id": alert.event_id,
        "rule_id": alert.rule_id,
        "rule_name": alert.rule_name,
        "severity": alert.severity,
        "status": alert.status,
        "device": alert.device,
        "device_id": alert.device_id,
        "quantity": alert.quantity,
        "value": alert.value,
    }


def aware(moment: datetime) -> datetime:
    """A zone-less time from the store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch(text: str) -> float:
    """Seconds since the epoch of an ISO-8601 time."""
    return parse_iso(text).timestamp()
