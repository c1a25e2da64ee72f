"""Parsing one email: ids, decoded headers, the readable body, attachment metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from agents.mail import (
    MAX_TEXT_CHARS,
    Attachment,
    MailParseError,
    html_to_text,
    normalize_subject,
    parse_mail,
)

PLAIN = (
    b"From: Alice Example <Alice@Example.COM>\r\n"
    b"To: work-tok_abc@vigil.run, Bob <bob@example.com>\r\n"
    b"Cc: carol@example.com\r\n"
    b"Subject: Quarterly numbers\r\n"
    b"Date: Tue, 04 Mar 2025 10:30:00 +0100\r\n"
    b"Message-ID: <m1@example.com>\r\n"
    b"In-Reply-To: <m0@example.com>\r\n"
    b"References: <root@example.com>\r\n <m0@example.com>\r\n"
    b"\r\n"
    b"Hello team,\r\nnumbers attached.\r\n"
)


def alternative() -> bytes:
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["Subject"] = "Both"
    msg.set_content("the plain text")
    msg.add_alternative("<p>the <b>html</b> text</p>", subtype="html")
    return msg.as_bytes()


def test_parse_reads_ids_people_and_date() -> None:
    mail = parse_mail(PLAIN)
    assert mail.message_id == "m1@example.com"
    assert mail.in_reply_to == "m0@example.com"
    assert mail.references == ("root@example.com", "m0@example.com")
    assert mail.subject == "Quarterly numbers"
    assert (mail.sender, mail.sender_name) == ("alice@example.com", "Alice Example")
    assert mail.recipients == (
        "work-tok_abc@vigil.run",
        "bob@example.com",
        "carol@example.com",
    )
    assert mail.date == datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    assert mail.text == "Hello team,\nnumbers attached.\n"
    assert mail.attachments == ()


def test_multipart_alternative_prefers_plain_text() -> None:
    assert parse_mail(alternative()).text.strip() == "the plain text"


def test_html_only_mail_becomes_text_without_tags_or_scripts() -> None:
    msg = EmailMessage()
    msg["Subject"] = "html"
    msg.set_content(
        "<html><head><style>p {color: red}</style><script>alert(1)</script></head>"
        "<body><p>Fish &amp; chips</p><div>line<br>break</div></body></html>",
        subtype="html",
    )
    text = parse_mail(msg.as_bytes()).text
    assert text == "Fish & chips\nline\nbreak"


def test_encoded_subject_and_sender_name_are_decoded() -> None:
    raw = (
        b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <j@example.de>\r\n"
        b"Subject: =?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\n\r\nbody\r\n"
    )
    mail = parse_mail(raw)
    assert mail.subject == "Grüße aus Köln"
    assert mail.sender_name == "Jürgen Müller"


def test_attachments_are_listed_with_decoded_size() -> None:
    msg = EmailMessage()
    msg["Subject"] = "files"
    msg.set_content("see attached")
    msg.add_attachment(
        b"\x00" * 1234, maintype="application", subtype="pdf", filename="report.pdf"
    )
    msg.add_attachment("a,b\n1,2\n", subtype="csv", filename="data.csv")
    mail = parse_mail(msg.as_bytes())
    assert mail.text.strip() == "see attached"
    assert mail.attachments == (
        Attachment("report.pdf", "application/pdf", 1234),
        Attachment("data.csv", "text/csv", 8),
    )


def test_attached_message_is_one_attachment_not_a_body() -> None:
    inner = EmailMessage()
    inner["Subject"] = "inner"
    inner.set_content("inner body")
    outer = EmailMessage()
    outer["Subject"] = "Fwd: inner"
    outer.set_content("outer body")
    outer.add_attachment(inner)
    mail = parse_mail(outer.as_bytes())
    assert mail.text.strip() == "outer body"
    assert [a.content_type for a in mail.attachments] == ["message/rfc822"]
    assert mail.attachments[0].size > 0


def test_missing_message_id_gets_a_stable_generated_id() -> None:
    raw = b"From: a@example.com\r\nSubject: no id\r\n\r\nbody\r\n"
    first, again = parse_mail(raw), parse_mail(raw)
    assert first.message_id.startswith("gen-") and len(first.message_id) == 20
    assert first.message_id == again.message_id
    assert parse_mail(raw + b"more").message_id != first.message_id


def test_message_id_without_angle_brackets_is_kept() -> None:
    raw = b"Message-ID: bare-id@example.com\r\n\r\nx"
    assert parse_mail(raw).message_id == "bare-id@example.com"


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\xff\xfe garbage \x80\x81",
        b"not: a\r\nFrom: <<<@@@>>>\r\nDate: yesterday-ish\r\nTo: ,,,;;\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nbroken",
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n\xe9t\xe9",
        b"Subject: =?bogus?q?x?=\r\nContent-Disposition: attachment; filename*=bad''\r\n",
    ],
)
def test_garbage_does_not_raise(raw: bytes) -> None:
    mail = parse_mail(raw)
    assert mail.message_id.startswith("gen-")
    assert mail.date is None


def test_empty_input_is_not_a_message() -> None:
    with pytest.raises(MailParseError):
        parse_mail(b"  \r\n")


def test_date_without_zone_is_utc() -> None:
    mail = parse_mail(b"Date: Tue, 04 Mar 2025 10:30:00 -0000\r\n\r\nx")
    assert mail.date == datetime(2025, 3, 4, 10, 30, tzinfo=UTC)


def test_text_is_capped() -> None:
    raw = b"Subject: big\r\n\r\n" + b"word " * 30_000
    assert len(parse_mail(raw).text) == MAX_TEXT_CHARS


@pytest.mark.parametrize(
    ("subject", "normal"),
    [
        ("Re: Hello", "hello"),
        ("RE: Fwd: re:  Hello   World", "hello world"),
        ("AW: WG: Sv: Fw: Status", "status"),
        ("Re[2]: Status", "status"),
        ("[ops] Re: Outage", "[ops] re: outage"),
        ("Reply needed", "reply needed"),
        ("   ", ""),
    ],
)
def test_normalize_subject_strips_reply_and_forward_prefixes(
    subject: str, normal: str
) -> None:
    assert normalize_subject(subject) == normal


def test_html_to_text_keeps_blocks_on_lines_and_unescapes() -> None:
    html = (
        "<h1>Title</h1>\n<p>one\n  two</p><ul><li>a</li><li>b</li></ul>"
        "<p>&lt;tag&gt; &eacute;&nbsp;x</p><pre>keep\nlines</pre>"
    )
    assert html_to_text(html) == "Title\none two\na\nb\n<tag> é x\nkeep\nlines"
