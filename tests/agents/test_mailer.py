"""Alert emails: into the mbox outbox, and through a real SMTP relay (aiosmtpd)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

import pytest

from agents.mailer import (
    MailDeliveryFailed,
    Mailer,
    MailError,
    OutgoingMail,
    Relay,
    parse_relay,
    read_outbox,
)

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def mail(**overrides: str) -> OutgoingMail:
    values = {
        "to": "ops@example.com",
        "subject": "Boiler 3: temperature high",
        "text": "Temperature 91.5 °C above 90 °C since 11:58.\n",
        "sender": "Vigil <alerts@vigil.example>",
        **overrides,
    }
    return OutgoingMail(**values)


class Recorder:
    """An aiosmtpd handler that keeps every envelope it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def relay() -> Iterator[tuple[Recorder, int]]:
    aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
    recorder = Recorder()
    controller = aiosmtpd_controller.Controller(
        recorder, hostname="127.0.0.1", port=free_port()
    )
    controller.start()
    yield recorder, controller.port
    controller.stop()


@pytest.fixture
def auth_relay() -> Iterator[tuple[Recorder, int, list[tuple[bytes, bytes]]]]:
    aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
    aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")
    recorder, logins = Recorder(), []

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> Any:
        logins.append((data.login, data.password))
        ok = (data.login, data.password) == (b"vigil", b"p@ss word")
        return aiosmtpd_smtp.AuthResult(success=ok, handled=False)

    controller = aiosmtpd_controller.Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield recorder, controller.port, logins
    controller.stop()


async def test_outbox_receives_the_message_and_read_outbox_lists_it(
    tmp_path: Path,
) -> None:
    outbox = tmp_path / "mail" / "outbox.mbox"
    mailer = Mailer("", outbox, clock=lambda: NOON)

    await mailer.send(mail())
    await mailer.send(mail(to="night@example.com", subject="Digest: 3 alerts"))

    listed = read_outbox(outbox)
    assert [(m["to"], m["subject"]) for m in listed] == [
        ("ops@example.com", "Boiler 3: temperature high"),
        ("night@example.com", "Digest: 3 alerts"),
    ]
    first = listed[0]
    assert first["text"] == "Temperature 91.5 °C above 90 °C since 11:58.\n"
    assert first["date"] == "2026-03-01T12:00:00Z"
    assert first["message_id"].startswith("<")
    assert first["message_id"].endswith("@vigil.example>")
    assert first["message_id"] != listed[1]["message_id"]


async def test_concurrent_sends_all_land_in_the_outbox(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.mbox"
    mailer = Mailer("", outbox)
    await asyncio.gather(*(mailer.send(mail(subject=f"n{n}")) for n in range(20)))
    subjects = {m["subject"] for m in read_outbox(outbox)}
    assert subjects == {f"n{n}" for n in range(20)}


async def test_read_outbox_returns_the_newest_up_to_the_limit(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.mbox"
    mailer = Mailer("", outbox)
    for n in range(5):
        await mailer.send(mail(subject=f"alert {n}"))
    assert [m["subject"] for m in read_outbox(outbox, limit=2)] == [
        "alert 3",
        "alert 4",
    ]
    assert read_outbox(outbox, limit=0) == []
    assert read_outbox(tmp_path / "missing.mbox") == []


async def test_relay_delivers_to_the_smtp_server(
    tmp_path: Path, relay: tuple[Recorder, int]
) -> None:
    recorder, port = relay
    mailer = Mailer(f"smtp://127.0.0.1:{port}", tmp_path / "unused.mbox")

    await mailer.send(mail(subject="Température élevée"))

    envelope = recorder.envelopes[0]
    assert envelope.rcpt_tos == ["ops@example.com"]
    assert envelope.mail_from == "alerts@vigil.example"
    message = message_from_bytes(envelope.original_content, policy=email_policy.default)
    assert message["Subject"] == "Température élevée"
    assert message["To"] == "ops@example.com"
    assert not (tmp_path / "unused.mbox").exists()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_relay_logs_in_with_the_credentials_of_the_setting(
    tmp_path: Path, auth_relay: tuple[Recorder, int, list[tuple[bytes, bytes]]]
) -> None:
    recorder, port, logins = auth_relay
    good = Mailer(f"smtp://vigil:p%40ss%20word@127.0.0.1:{port}", tmp_path / "o")
    await good.send(mail())
    assert logins == [(b"vigil", b"p@ss word")]
    assert len(recorder.envelopes) == 1

    bad = Mailer(f"smtp://vigil:wrong@127.0.0.1:{port}", tmp_path / "o")
    with pytest.raises(MailDeliveryFailed):
        await bad.send(mail())
    assert len(recorder.envelopes) == 1


async def test_unreachable_relay_fails_delivery(tmp_path: Path) -> None:
    mailer = Mailer(f"smtp://127.0.0.1:{free_port()}", tmp_path / "o", timeout_s=2)
    with pytest.raises(MailDeliveryFailed, match="ops@example.com"):
        await mailer.send(mail())


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": "Hi\r\nBcc: victim@example.com"},
        {"subject": "Hi\nBcc: victim@example.com"},
        {"to": "ops@example.com\r\nBcc: victim@example.com"},
        {"sender": "alerts@vigil.example\nReply-To: x@evil.example"},
        {"to": "ops@example.com, victim@example.com"},
        {"to": "not an address"},
        {"to": ""},
    ],
)
async def test_header_injection_and_odd_recipients_are_refused(
    tmp_path: Path, overrides: dict[str, str]
) -> None:
    outbox = tmp_path / "outbox.mbox"
    with pytest.raises(MailError):
        await Mailer("", outbox).send(mail(**overrides))
    assert read_outbox(outbox) == []


def test_mail_error_is_a_value_error() -> None:
    assert issubclass(MailError, ValueError)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("smtp://mail.example:2525", Relay("smtp", "mail.example", 2525)),
        ("smtp://mail.example", Relay("smtp", "mail.example", 25)),
        ("smtps://u:p@mail.example", Relay("smtps", "mail.example", 465, "u", "p")),
        ("smtp+starttls://mail.example", Relay("smtp+starttls", "mail.example", 587)),
    ],
)
def test_parse_relay_reads_scheme_host_port_and_credentials(
    setting: str, expected: Relay
) -> None:
    assert parse_relay(setting) == expected


@pytest.mark.parametrize(
    "setting", ["http://mail.example", "smtp://", "smtp://mail.example:port", "mail"]
)
def test_unusable_relay_setting_is_refused_at_construction(
    tmp_path: Path, setting: str
) -> None:
    with pytest.raises(MailError):
        Mailer(setting, tmp_path / "o")
