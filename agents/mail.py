"""Parse one RFC 822 message into what a watcher reads: ids, subject, people, text.

Pure and lenient: a malformed header falls back to its raw text, an unknown charset
to UTF-8 with replacement characters. Only input that is not a message at all (empty)
raises `MailParseError`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import AddressHeader
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

__all__ = [
    "MAX_TEXT_CHARS",
    "Attachment",
    "MailParseError",
    "ParsedMail",
    "html_to_text",
    "normalize_subject",
    "parse_mail",
]

MAX_TEXT_CHARS = 100_000
_MSG_ID = re.compile(r"<([^<>\s]+)>")
_REPLY_PREFIXES = re.compile(
    r"^(?:\s*(?:re|fwd?|aw|wg|sv)\s*(?:\[\d+\]|\(\d+\))?\s*[:：])+", re.IGNORECASE
)
_SPACES = re.compile(r"\s+")  # source line breaks are not text line breaks
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template"})
_BLOCK_TAGS = frozenset(
    "address article aside blockquote dd div dl dt fieldset figcaption figure footer"
    " form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody"
    " thead tfoot tr ul title".split()
)


class MailParseError(ValueError):
    """The input is not an email message at all."""


@dataclass(frozen=True)
class Attachment:
    """One attached file, described but not carried."""

    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMail:
    """What one email says, decoded."""

    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: str
    sender_name: str
    recipients: tuple[str, ...]
    date: datetime | None
    text: str
    attachments: tuple[Attachment, ...]


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse raw message bytes; raise MailParseError only for empty input."""
    if not raw.strip():
        raise MailParseError("empty message")
    msg = message_from_bytes(raw, policy=policy.default)
    sender_name, sender = _first_address(msg, "From")
    return ParsedMail(
        message_id=_message_id(msg) or _generated_id(raw),
        in_reply_to=_first_id(_header(msg, "In-Reply-To")),
        references=_ids(_header(msg, "References")),
        subject=" ".join(_header(msg, "Subject").split()),
        sender=sender,
        sender_name=sender_name,
        recipients=_recipients(msg),
        date=_date(_header(msg, "Date")),
        text=_body_text(msg)[:MAX_TEXT_CHARS],
        attachments=tuple(_attachments(msg)),
    )


def normalize_subject(subject: str) -> str:
    """Strip reply/forward prefixes, collapse whitespace and casefold a subject."""
    return " ".join(_REPLY_PREFIXES.sub("", subject).split()).casefold()


def html_to_text(html: str) -> str:
    """Reduce HTML to readable text: no tags, scripts or styles; blocks on lines."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return _tidy_lines("".join(extractor.chunks))


def _header(msg: Message, name: str) -> str:
    """Return a header decoded, or its raw text when it does not parse."""
    try:
        value = msg.get(name)
        return "" if value is None else str(value)
    except Exception:  # the header parser has edge-case crashes
        raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
        return str(raw)


def _message_id(msg: Message) -> str | None:
    return _first_id(_header(msg, "Message-ID"))


def _generated_id(raw: bytes) -> str:
    return "gen-" + hashlib.sha256(raw).hexdigest()[:16]


def _ids(value: str) -> tuple[str, ...]:
    found = _MSG_ID.findall(value)
    return tuple(found) if found else tuple(value.split())


def _first_id(value: str) -> str | None:
    ids = _ids(value)
    return ids[0] if ids else None


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """Return (display name, lower-cased addr-spec) pairs of an address header."""
    try:
        header = msg.get(name)
        if isinstance(header, AddressHeader):
            pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
        else:
            pairs = getaddresses([_header(msg, name)])
    except Exception:  # fall back to the lenient stdlib splitter
        pairs = getaddresses([_header(msg, name)])
    return [(n, a.lower()) for n, a in pairs if a and a != "<>"]


def _first_address(msg: Message, name: str) -> tuple[str, str]:
    pairs = _addresses(msg, name)
    return pairs[0] if pairs else ("", "")


def _recipients(msg: Message) -> tuple[str, ...]:
    pairs = _addresses(msg, "To") + _addresses(msg, "Cc")
    return tuple(dict.fromkeys(address for _, address in pairs))


def _date(value: str) -> datetime | None:
    """Parse a Date header to UTC; a date without a zone is taken as UTC."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _body_text(msg: EmailMessage) -> str:
    """Return the text/plain body, else the HTML body as text, else ""."""
    try:
        body = msg.get_body(preferencelist=("plain", "html"))
    except Exception:  # malformed MIME trees
        body = None
    if body is None:
        return ""
    text = _part_text(body)
    return html_to_text(text) if body.get_content_subtype() == "html" else text


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:
        text = payload.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _attachments(msg: Message) -> Iterator[Attachment]:
    """Yield metadata of every attached part, without looking into attached mail."""
    for part in _leaves(msg):
        if _is_attachment(part):
            yield Attachment(
                name=_filename(part),
                content_type=part.get_content_type(),
                size=_decoded_size(part),
            )


def _leaves(part: Message) -> Iterator[Message]:
    payload = part.get_payload()
    if part.get_content_maintype() == "multipart" and isinstance(payload, list):
        for child in payload:
            if isinstance(child, Message):
                yield from _leaves(child)
    else:
        yield part


def _is_attachment(part: Message) -> bool:
    if part.get_content_disposition() == "attachment" or _filename(part):
        return True
    return part.get_content_maintype() not in ("text", "multipart")


def _filename(part: Message) -> str:
    try:
        return part.get_filename() or ""
    except Exception:  # malformed RFC 2231 parameters
        return ""


def _decoded_size(part: Message) -> int:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return len(payload)
    inner = part.get_payload()
    if isinstance(inner, list):  # an attached message: its serialized size
        return sum(len(m.as_bytes()) for m in inner if isinstance(m, Message))
    return 0


class _TextExtractor(HTMLParser):
    """Collect the visible text of an HTML document, blocks on their own lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0
        self._preformatted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._preformatted += tag == "pre"
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "br":
            self.chunks.append("\n")
        elif tag in _BLOCK_TAGS:
            self._end_line()

    def handle_endtag(self, tag: str) -> None:
        self._preformatted = max(0, self._preformatted - (tag == "pre"))
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self._end_line()

    def handle_data(self, data: str) -> None:
        if self._skipping or (data.isspace() and self._at_line_start()):
            return
        self.chunks.append(data if self._preformatted else _SPACES.sub(" ", data))

    def _at_line_start(self) -> bool:
        return not self.chunks or self.chunks[-1].endswith("\n")

    def _end_line(self) -> None:
        """Start a new line unless one was just started: blocks do not stack."""
        if not self._at_line_start():
            self.chunks.append("\n")


def _tidy_lines(text: str) -> str:
    """Collapse spaces within lines and runs of blank lines to one."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()
