"""Receive watcher mail over SMTP and hand it on before answering 250.

Each watcher's address is `<slug>-<ingest token>@<domain>`. Recipients are checked at
RCPT: an address outside the domain, without a token, or whose owner `resolve` does not
know is refused with 550. After DATA, `accept` is awaited once per watcher with the raw
message; only when every call succeeded does the sender get 250, otherwise 451 so it
retries later and nothing is lost (a watcher whose call did succeed may then see the
message twice: consumers deduplicate by Message-ID).

aiosmtpd runs on the caller's event loop (no threaded Controller), so `accept` may await
the caller's clients directly.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = [
    "TOKEN_PATTERN",
    "Accept",
    "Inbox",
    "InboxConfig",
    "Resolve",
    "token_of",
]

log = logging.getLogger(__name__)
# aiosmtpd logs every SMTP command at info: keep its warnings only.
logging.getLogger("mail.log").setLevel(logging.WARNING)

# Resolve: recipient address (as given at RCPT, in the inbox's domain and carrying
# a token) -> watcher id, or None when no watcher owns it.
Resolve = Callable[[str], str | None]
# Accept: (watcher id, raw message, envelope sender, that watcher's recipients).
Accept = Callable[[str, bytes, str, tuple[str, ...]], Awaitable[None]]

# Ingest tokens are "tok_" and URL-safe characters without "-", so the token of an
# address is everything after its last "-tok_" (the slug before it may hold dashes).
TOKEN_PATTERN: Final = re.compile(r"tok_[A-Za-z0-9_]+")
_SLUG_END: Final = "-tok_"

ACCEPTED: Final = "250 OK"
UNKNOWN_RECIPIENT: Final = "550 5.1.1 Unknown recipient"
TRY_AGAIN: Final = "451 4.3.0 Temporary failure, try again"


@dataclass(frozen=True)
class InboxConfig:
    """Where the inbox listens, the mail domain it serves, the largest message."""

    host: str = "127.0.0.1"
    port: int = 2525
    domain: str = "vigil.run"
    max_bytes: int = 10 * 1024 * 1024


def token_of(address: str, domain: str) -> str | None:
    """Return the ingest token of a `<slug>-tok_…@domain` address, else None."""
    local, at, host = address.strip().strip("<>").rpartition("@")
    if not at or host.casefold() != domain.casefold():
        return None
    start = local.rfind(_SLUG_END)
    if start < 0:
        return None
    token = local[start + 1 :]
    return token if TOKEN_PATTERN.fullmatch(token) else None


class Inbox:
    """An SMTP server on the running event loop that delivers mail to watchers."""

    def __init__(self, config: InboxConfig, resolve: Resolve, accept: Accept) -> None:
        self._config = config
        self._handler = _Handler(config.domain, resolve, accept)
        self._server: asyncio.Server | None = None
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self.port = config.port

    async def start(self) -> None:
        """Listen; port 0 picks a free port, then exposed as `port`."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._new_session, host=self._config.host, port=self._config.port
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("inbox listening on %s:%d", self._config.host, self.port)

    async def stop(self) -> None:
        """Stop listening and drop open connections (their senders retry)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        await server.wait_closed()
        log.info("inbox on port %d stopped", self.port)

    def _new_session(self) -> SMTP:
        session = _Session(
            self._handler,
            data_size_limit=self._config.max_bytes,
            enable_SMTPUTF8=True,
            hostname=self._config.domain,
            ident="Vigil inbox",
            loop=asyncio.get_running_loop(),
        )
        self._sessions.add(session)
        return session


class _Envelope(Envelope):
    """An envelope that also remembers which watcher each recipient belongs to."""

    def __init__(self) -> None:
        super().__init__()
        self.watchers: dict[str, list[str]] = {}


class _Session(SMTP):
    """aiosmtpd's SMTP protocol, with envelopes that group recipients by watcher."""

    def _create_envelope(self) -> Envelope:
        return _Envelope()


class _Handler:
    """The aiosmtpd hooks: check recipients at RCPT, deliver at DATA."""

    def __init__(self, domain: str, resolve: Resolve, accept: Accept) -> None:
        self._domain = domain
        self._resolve = resolve
        self._accept = accept

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Take a recipient that belongs to a watcher; refuse any other."""
        try:
            watcher_id = self._watcher_of(address)
        except Exception:
            log.exception("inbox could not resolve %s", address)
            return TRY_AGAIN
        if watcher_id is None:
            log.info("inbox refused unknown recipient %s", address)
            return UNKNOWN_RECIPIENT
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        _watchers(envelope).setdefault(watcher_id, []).append(address)
        return ACCEPTED

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Hand the message to every recipient watcher; 250 only if all took it."""
        raw = envelope.original_content or b""
        sender = envelope.mail_from or ""
        watchers = _watchers(envelope)
        results = await asyncio.gather(
            *(
                self._accept(watcher_id, raw, sender, tuple(dict.fromkeys(addresses)))
                for watcher_id, addresses in watchers.items()
            ),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            log.warning("inbox deferred mail from %s: %r", sender, failures[0])
            return TRY_AGAIN
        log.info(
            "inbox accepted %d bytes from %s for %s", len(raw), sender, list(watchers)
        )
        return ACCEPTED

    def _watcher_of(self, address: str) -> str | None:
        if token_of(address, self._domain) is None:
            return None
        return self._resolve(address)


def _watchers(envelope: Envelope) -> dict[str, list[str]]:
    """Return the envelope's recipients grouped by watcher id."""
    if not isinstance(envelope, _Envelope):
        raise TypeError(f"inbox sessions make _Envelope, got {type(envelope)}")
    return envelope.watchers
