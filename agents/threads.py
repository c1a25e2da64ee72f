"""Assign each mail of a watcher to a conversation thread: a fold over its inbox.

A mail joins the thread of the message it answers (In-Reply-To), else of the most
recent message it references (References), else of an earlier mail with the same
subject once reply prefixes are stripped; otherwise it starts a thread. The index is
plain, JSON-able data so a Faust table can hold it as a dict.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.mail import ParsedMail, normalize_subject

__all__ = [
    "DEFAULT_MAX_MESSAGES",
    "ThreadIndex",
    "assign_thread",
    "thread_id_for",
]

DEFAULT_MAX_MESSAGES = 5000


@dataclass(frozen=True)
class ThreadIndex:
    """Which thread each known message and normalized subject belongs to."""

    by_message: Mapping[str, str] = field(default_factory=dict)
    by_subject: Mapping[str, str] = field(default_factory=dict)
    order: tuple[str, ...] = ()  # message ids, oldest first

    def to_dict(self) -> dict[str, Any]:
        """Return the index as plain JSON-able data."""
        return {
            "by_message": dict(self.by_message),
            "by_subject": dict(self.by_subject),
            "order": list(self.order),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ThreadIndex:
        """Build an index from `to_dict` output; missing keys mean empty."""
        return cls(
            by_message=dict(data.get("by_message") or {}),
            by_subject=dict(data.get("by_subject") or {}),
            order=tuple(data.get("order") or ()),
        )


def thread_id_for(watcher_id: str, message_id: str) -> str:
    """Return the deterministic id of the thread a message starts."""
    digest = hashlib.sha256(f"{watcher_id}/{message_id}".encode()).hexdigest()
    return "t_" + digest[:16]


def assign_thread(
    index: ThreadIndex,
    mail: ParsedMail,
    new_thread_id: Callable[[str], str],
    max_messages: int = DEFAULT_MAX_MESSAGES,
) -> tuple[str, bool, ThreadIndex]:
    """Return (thread id, whether it is a new thread, the index with the mail)."""
    known = index.by_message.get(mail.message_id)
    if known is not None:
        return known, False, index
    found = _existing_thread(index, mail)
    thread_id = found if found is not None else new_thread_id(mail.message_id)
    updated = _bounded(_recorded(index, mail, thread_id), max_messages)
    return thread_id, found is None, updated


def _existing_thread(index: ThreadIndex, mail: ParsedMail) -> str | None:
    """Find the thread by In-Reply-To, then newest reference, then subject."""
    for message_id in _answered_ids(mail):
        thread_id = index.by_message.get(message_id)
        if thread_id is not None:
            return thread_id
    subject = normalize_subject(mail.subject)
    return index.by_subject.get(subject) if subject else None


def _answered_ids(mail: ParsedMail) -> Iterator[str]:
    if mail.in_reply_to:
        yield mail.in_reply_to
    yield from reversed(mail.references)


def _recorded(index: ThreadIndex, mail: ParsedMail, thread_id: str) -> ThreadIndex:
    subject = normalize_subject(mail.subject)
    by_subject = dict(index.by_subject)
    if subject:
        by_subject[subject] = thread_id
    return ThreadIndex(
        by_message={**index.by_message, mail.message_id: thread_id},
        by_subject=by_subject,
        order=(*index.order, mail.message_id),
    )


def _bounded(index: ThreadIndex, max_messages: int) -> ThreadIndex:
    """Forget the oldest messages beyond max_messages, and subjects of gone threads."""
    excess = len(index.order) - max(1, max_messages)
    if excess <= 0:
        return index
    dropped = set(index.order[:excess])
    by_message = {m: t for m, t in index.by_message.items() if m not in dropped}
    live = set(by_message.values())
    return ThreadIndex(
        by_message=by_message,
        by_subject={s: t for s, t in index.by_subject.items() if t in live},
        order=index.order[excess:],
    )


def index_from_history(
    messages: Iterable[tuple[str, str, str]],
    max_messages: int = DEFAULT_MAX_MESSAGES,
) -> ThreadIndex:
    """Rebuild an index from stored (message id, thread id, subject), oldest first
    (after its table was lost, e.g. with a broker that kept topics in memory)."""
    by_message: dict[str, str] = {}
    by_subject: dict[str, str] = {}
    order: list[str] = []
    for message_id, thread_id, subject in messages:
        if message_id not in by_message:
            order.append(message_id)
        by_message[message_id] = thread_id
        normalized = normalize_subject(subject)
        if normalized:
            by_subject[normalized] = thread_id
    index = ThreadIndex(by_message, by_subject, tuple(order))
    return _bounded(index, max_messages)
