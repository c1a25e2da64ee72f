"""The mailroom: a mail for a watcher's address becomes a ``MailReceived`` fact.

Both doors use it: the SMTP inbox (``infra/inbox.py``) and the inbound webhook
(``POST /api/inbound/{ingest_token}``). A mail is accepted (250 / 202) only once
Kafka has it (and, with ``VIGIL_ACK_AFTER=projection``, ClickHouse too).
"""

from __future__ import annotations

from agents.mail import parse_mail
from domain.clock import Clock
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.keys import ingest_token_key
from domain.states import Watcher
from infra.inbox import token_of
from projections.fact_log import FactLog
from schemas.watcher_facts import AttachmentMeta, MailReceived, stable_id


class Mailroom:
    """Resolve ingestion addresses and file accepted mail."""

    def __init__(
        self, state: EntityState, facts: FactLog, clock: Clock, mail_domain: str
    ) -> None:
        self.state = state
        self.facts = facts
        self.clock = clock
        self.mail_domain = mail_domain

    def watcher_of_token(self, token: str) -> Entity[Watcher] | None:
        """The live watcher whose inbox token this is."""
        return self.state.held_by(Watcher, ingest_token_key(token))

    def resolve(self, address: str) -> str | None:
        """The watcher id of an ingestion address (None: unknown)."""
        token = token_of(address, self.mail_domain)
        watcher = None if token is None else self.watcher_of_token(token)
        return None if watcher is None else watcher.entity_id

    async def accept(
        self,
        watcher_id: str,
        raw: bytes,
        sender: str = "",
        recipients: tuple[str, ...] = (),
    ) -> MailReceived:
        """File a mail for a watcher; return the fact once it is durable."""
        watcher = self.state.get(Watcher, watcher_id)
        if watcher is None:
            raise LookupError(f"watcher {watcher_id} is gone")
        mail = parse_mail(raw)
        fact = MailReceived(
            mail_id=stable_id("mail_", watcher_id, mail.message_id),
            watcher_id=watcher_id,
            org_id=watcher.org_id,
            message_id=mail.message_id,
            in_reply_to=mail.in_reply_to,
            references=mail.references,
            subject=mail.subject,
            sender=mail.sender or sender.lower(),
            sender_name=mail.sender_name,
            recipients=mail.recipients or recipients,
            text=mail.text,
            attachments=tuple(
                AttachmentMeta(a.name, a.content_type, a.size) for a in mail.attachments
            ),
            size=len(raw),
            received_at=self.clock(),
        )
        await self.facts.append(fact, visible=False)
        return fact
