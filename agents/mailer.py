"""Send alert emails through an SMTP relay, or into a local mbox when none is set.

The relay setting picks the adapter: ``smtp://host:port`` (plain, optionally
``smtp://user:pass@host:port``), ``smtp+starttls://`` (upgraded with STARTTLS) and
``smtps://`` (TLS from the start); an empty setting appends every message to the
``outbox`` mbox file, which ``read_outbox`` lists (development, demos, tests).
"""

from __future__ import annotations

import asyncio
import mailbox
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from domain.clock import Clock, utc_now
from domain.isotime import iso

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# mbox locks are fcntl (per process) plus a dot file: one thread at a time in here,
# and a short wait when another process holds the file.
_OUTBOX_LOCK = threading.Lock()
_LOCK_ATTEMPTS = 50
_LOCK_WAIT_S = 0.05


class MailError(ValueError):
    """A message or relay setting that cannot be used (header injection, bad URL)."""


class MailDeliveryFailed(OSError):
    """The relay or the outbox did not take the message."""


@dataclass(frozen=True)
class OutgoingMail:
    """One plain-text email to one recipient."""

    to: str
    subject: str
    text: str
    sender: str


@dataclass(frozen=True)
class Relay:
    """Where and how to reach the SMTP relay."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None


def parse_relay(relay: str) -> Relay:
    """The relay named by a setting like ``smtp+starttls://user:pass@host:587``."""
    parts = urlsplit(relay)
    if parts.scheme not in DEFAULT_PORTS:
        raise MailError("mail relay must be smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise MailError("mail relay has no host")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as ex:
        raise MailError("mail relay has an invalid port") from ex
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return Relay(parts.scheme, parts.hostname, port, username, password)


def compose(mail: OutgoingMail, now: datetime) -> EmailMessage:
    """The message for ``mail``, sent at ``now``; ``MailError`` on unsafe headers."""
    for name, value in (("to", mail.to), ("sender", mail.sender)):
        _check_single_line(name, value)
        _check_single_address(name, value)
    _check_single_line("subject", mail.subject)
    message = EmailMessage()
    try:
        message["From"] = mail.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
    except (ValueError, HeaderParseError) as ex:
        raise MailError(f"mail header rejected: {ex}") from ex
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=_domain(mail.sender))
    message.set_content(mail.text)
    return message


def _check_single_line(name: str, value: str) -> None:
    if _CONTROL.search(value):
        raise MailError(f"{name} must be one line without control characters")


def _check_single_address(name: str, value: str) -> None:
    addresses = getaddresses([value])
    if len(addresses) != 1 or not _is_address(addresses[0][1]):
        raise MailError(f"{name} must be one email address")


def _is_address(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(local and at and domain) and not any(c.isspace() for c in address)


def _domain(sender: str) -> str:
    return getaddresses([sender])[0][1].rpartition("@")[2] or "vigil.invalid"


class Transport(Protocol):
    """One way of handing a finished message on (blocking; run in a thread)."""

    def deliver(self, message: EmailMessage) -> None: ...


class SmtpRelay:
    """Hand messages to an SMTP relay, over TLS or STARTTLS when the scheme says so."""

    def __init__(self, relay: Relay, timeout_s: float) -> None:
        self._relay = relay
        self._timeout_s = timeout_s

    def deliver(self, message: EmailMessage) -> None:
        """Send ``message`` to its one recipient in one SMTP session."""
        relay = self._relay
        context = ssl.create_default_context()
        with self._connect(context) as client:
            if relay.scheme == "smtp+starttls":
                client.starttls(context=context)
            if relay.username is not None:
                client.login(relay.username, relay.password or "")
            client.send_message(message)

    def _connect(self, context: ssl.SSLContext) -> smtplib.SMTP:
        relay = self._relay
        # An explicit HELO name: smtplib's default asks DNS for our FQDN.
        helo = socket.gethostname() or "localhost"
        if relay.scheme == "smtps":
            return smtplib.SMTP_SSL(
                relay.host, relay.port, helo, timeout=self._timeout_s, context=context
            )
        return smtplib.SMTP(relay.host, relay.port, helo, timeout=self._timeout_s)


class MboxOutbox:
    """Append messages to a local mbox file instead of sending them."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def deliver(self, message: EmailMessage) -> None:
        """Append ``message`` under the mbox lock."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with _locked_mbox(self._path) as box:
            box.add(message)
            box.flush()


class Mailer:
    """Send alert emails through the relay setting, or into ``outbox`` without one."""

    def __init__(
        self,
        relay: str,
        outbox: Path,
        *,
        clock: Clock = utc_now,
        timeout_s: float = 10.0,
    ) -> None:
        self._clock = clock
        self._transport: Transport = (
            SmtpRelay(parse_relay(relay), timeout_s) if relay else MboxOutbox(outbox)
        )

    async def send(self, mail: OutgoingMail) -> None:
        """Compose ``mail`` and hand it on; ``MailDeliveryFailed`` when that fails."""
        message = compose(mail, self._clock())
        try:
            await asyncio.to_thread(self._transport.deliver, message)
        except (OSError, mailbox.Error) as ex:
            raise MailDeliveryFailed(f"mail to {mail.to} was not sent: {ex}") from ex


def read_outbox(path: Path, limit: int = 100) -> list[dict[str, str]]:
    """The last ``limit`` messages of the outbox, newest last."""
    if limit <= 0 or not path.exists():
        return []
    with _locked_mbox(path) as box:
        keys = box.keys()
        raw = [box.get_bytes(key) for key in keys[max(len(keys) - limit, 0) :]]
    return [_summary(data) for data in raw]


def _summary(data: bytes) -> dict[str, str]:
    message = message_from_bytes(data, policy=email_policy.default)
    body = message.get_body(preferencelist=("plain",))
    return {
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or ""),
        "text": body.get_content() if body is not None else "",
        "date": _iso_date(str(message["Date"] or "")),
        "message_id": str(message["Message-ID"] or ""),
    }


def _iso_date(header: str) -> str:
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return header
    # "-0000" reads as a naive time; RFC 5322 still means UTC by it.
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


@contextmanager
def _locked_mbox(path: Path) -> Iterator[mailbox.mbox]:
    with _OUTBOX_LOCK:
        box = mailbox.mbox(path)
        try:
            _lock(box)
            try:
                yield box
            finally:
                box.unlock()
        finally:
            box.close()


def _lock(box: mailbox.mbox) -> None:
    for _attempt in range(_LOCK_ATTEMPTS - 1):
        try:
            box.lock()
            return
        except mailbox.ExternalClashError:
            time.sleep(_LOCK_WAIT_S)
    box.lock()
