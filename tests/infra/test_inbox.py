"""The SMTP inbox on real sockets: delivery before 250, refusals, limits, retries."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from infra.inbox import Inbox, InboxConfig, Resolve, token_of

ALICE = "work-tok_alice1@vigil.run"
BOB = "home-tok_bob2@vigil.run"
OWNERS = {ALICE: "w_alice", BOB: "w_bob", "alias-tok_alice1@vigil.run": "w_alice"}
MESSAGE = (
    b"From: Sender <s@example.com>\r\n"
    b"To: work-tok_alice1@vigil.run\r\n"
    b"Subject: hello\r\n"
    b"Message-ID: <m1@example.com>\r\n"
    b"\r\n"
    b"body line\r\n"
)


@dataclass
class Recorder:
    """An accept that records its calls, or fails while `failing` is set."""

    calls: list[tuple[str, bytes, str, tuple[str, ...]]] = field(default_factory=list)
    failing: bool = False

    async def __call__(
        self, watcher_id: str, raw: bytes, sender: str, rcpts: tuple[str, ...]
    ) -> None:
        await asyncio.sleep(0)
        if self.failing:
            raise RuntimeError("broker down")
        self.calls.append((watcher_id, raw, sender, rcpts))


StartInbox = Callable[..., Awaitable[tuple[Inbox, Recorder]]]


@pytest.fixture
async def start_inbox() -> AsyncIterator[StartInbox]:
    """Start inboxes on free ports; stop them after the test."""
    started: list[Inbox] = []

    async def start(
        resolve: Resolve = OWNERS.get, max_bytes: int = InboxConfig.max_bytes
    ) -> tuple[Inbox, Recorder]:
        recorder = Recorder()
        config = InboxConfig(port=0, max_bytes=max_bytes)
        inbox = Inbox(config, resolve, recorder)
        await inbox.start()
        started.append(inbox)
        return inbox, recorder

    yield start
    for inbox in started:
        await inbox.stop()


def send(
    port: int, rcpts: list[str], message: bytes = MESSAGE, *, esmtp: bool = True
) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        if not esmtp:
            client.helo("test")
        return client.sendmail("s@example.com", rcpts, message)


async def test_accepted_mail_reaches_accept_with_raw_bytes(
    start_inbox: StartInbox,
) -> None:
    inbox, recorder = await start_inbox()
    refused = await asyncio.to_thread(send, inbox.port, [ALICE])
    assert refused == {}
    assert recorder.calls == [("w_alice", MESSAGE, "s@example.com", (ALICE,))]


async def test_unknown_recipient_is_refused_with_550(start_inbox: StartInbox) -> None:
    inbox, recorder = await start_inbox()
    for rcpt in [
        "work-tok_nobody9@vigil.run",
        "work-tok_alice1@other.example",
        "no-token@vigil.run",
    ]:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            await asyncio.to_thread(send, inbox.port, [rcpt])
        code, text = refused.value.recipients[rcpt]
        assert (code, text) == (550, b"5.1.1 Unknown recipient")
    assert recorder.calls == []


async def test_known_recipients_get_mail_when_others_are_refused(
    start_inbox: StartInbox,
) -> None:
    inbox, recorder = await start_inbox()
    unknown = "x-tok_nobody@vigil.run"
    refused = await asyncio.to_thread(send, inbox.port, [ALICE, unknown])
    assert refused == {unknown: (550, b"5.1.1 Unknown recipient")}
    assert [c[0] for c in recorder.calls] == ["w_alice"]


async def test_oversized_mail_is_refused_with_552_at_mail_from(
    start_inbox: StartInbox,
) -> None:
    inbox, recorder = await start_inbox(max_bytes=2000)
    big = MESSAGE + (b"x" * 70 + b"\r\n") * 40
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        await asyncio.to_thread(send, inbox.port, [ALICE], big)
    assert refused.value.smtp_code == 552
    assert recorder.calls == []


async def test_oversized_data_without_size_parameter_is_refused_with_552(
    start_inbox: StartInbox,
) -> None:
    inbox, recorder = await start_inbox(max_bytes=2000)
    big = MESSAGE + (b"y" * 70 + b"\r\n") * 40
    with pytest.raises(smtplib.SMTPDataError) as refused:
        await asyncio.to_thread(send, inbox.port, [ALICE], big, esmtp=False)
    assert refused.value.smtp_code == 552
    assert recorder.calls == []


async def test_failing_accept_answers_451_so_the_sender_retries(
    start_inbox: StartInbox,
) -> None:
    inbox, recorder = await start_inbox()
    recorder.failing = True
    with pytest.raises(smtplib.SMTPDataError) as deferred:
        await asyncio.to_thread(send, inbox.port, [ALICE])
    assert deferred.value.smtp_code == 451
    recorder.failing = False
    assert await asyncio.to_thread(send, inbox.port, [ALICE]) == {}
    assert len(recorder.calls) == 1


async def test_failing_resolve_defers_the_recipient_with_451(
    start_inbox: StartInbox,
) -> None:
    def broken(address: str) -> str | None:
        raise RuntimeError("table not ready")

    inbox, recorder = await start_inbox(broken)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await asyncio.to_thread(send, inbox.port, [ALICE])
    assert refused.value.recipients[ALICE][0] == 451
    assert recorder.calls == []


async def test_one_accept_per_watcher(start_inbox: StartInbox) -> None:
    inbox, recorder = await start_inbox()
    alias = "alias-tok_alice1@vigil.run"
    await asyncio.to_thread(send, inbox.port, [ALICE, BOB, alias, ALICE])
    calls = {c[0]: c[3] for c in recorder.calls}
    assert calls == {"w_alice": (ALICE, alias), "w_bob": (BOB,)}
    assert len(recorder.calls) == 2


async def test_transactions_on_one_connection_do_not_share_recipients(
    start_inbox: StartInbox,
) -> None:
    inbox, recorder = await start_inbox()

    def two_mails() -> None:
        with smtplib.SMTP("127.0.0.1", inbox.port, timeout=10) as client:
            client.sendmail("s@example.com", [ALICE], MESSAGE)
            client.sendmail("s@example.com", [BOB], MESSAGE)

    await asyncio.to_thread(two_mails)
    assert [(c[0], c[3]) for c in recorder.calls] == [
        ("w_alice", (ALICE,)),
        ("w_bob", (BOB,)),
    ]


async def test_stop_closes_the_port(start_inbox: StartInbox) -> None:
    inbox, _ = await start_inbox()
    await inbox.stop()
    with pytest.raises(OSError):
        await asyncio.to_thread(send, inbox.port, [ALICE])


@pytest.mark.parametrize(
    ("address", "token"),
    [
        ("work-tok_abc123@vigil.run", "tok_abc123"),
        ("<work-tok_abc123@VIGIL.Run>", "tok_abc123"),
        ("my-work-inbox-tok_a_B9@vigil.run", "tok_a_B9"),
        ("a-tok_x-tok_real@vigil.run", "tok_real"),
        ("work-tok_abc123@other.run", None),
        ("work-tok_abc123@sub.vigil.run", None),
        ("tok_abc123@vigil.run", None),
        ("work@vigil.run", None),
        ("work-tok_@vigil.run", None),
        ("work-tok_a.b@vigil.run", None),
        ("no-at-sign", None),
    ],
)
def test_token_of(address: str, token: str | None) -> None:
    assert token_of(address, "vigil.run") == token
