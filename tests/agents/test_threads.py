"""Thread assignment as a fold: reply ids, references, subjects, redelivery, bounds."""

from __future__ import annotations

import json
from dataclasses import replace

from agents.mail import ParsedMail
from agents.threads import ThreadIndex, assign_thread, thread_id_for

BLANK = ParsedMail(
    message_id="",
    in_reply_to=None,
    references=(),
    subject="",
    sender="a@example.com",
    sender_name="",
    recipients=(),
    date=None,
    text="",
    attachments=(),
)


def mail(
    message_id: str,
    subject: str = "",
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
) -> ParsedMail:
    return replace(
        BLANK,
        message_id=message_id,
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
    )


def new_id(message_id: str) -> str:
    return thread_id_for("w_1", message_id)


def fold(*mails: ParsedMail, max_messages: int = 5000) -> tuple[list[str], ThreadIndex]:
    index, threads = ThreadIndex(), []
    for m in mails:
        thread_id, _, index = assign_thread(index, m, new_id, max_messages)
        threads.append(thread_id)
    return threads, index


def test_first_mail_starts_a_thread_named_by_its_message() -> None:
    thread_id, is_new, index = assign_thread(ThreadIndex(), mail("m1", "Hi"), new_id)
    assert (thread_id, is_new) == (new_id("m1"), True)
    assert index.by_message == {"m1": thread_id}
    assert index.by_subject == {"hi": thread_id}
    assert index.order == ("m1",)


def test_thread_id_is_deterministic_per_watcher() -> None:
    assert thread_id_for("w_1", "m1") == thread_id_for("w_1", "m1")
    assert thread_id_for("w_1", "m1") != thread_id_for("w_2", "m1")
    assert thread_id_for("w_1", "m1").startswith("t_")
    assert len(thread_id_for("w_1", "m1")) == 18


def test_reply_joins_the_thread_of_the_message_it_answers() -> None:
    threads, _ = fold(mail("m1", "A"), mail("m2", "B"), mail("m3", "C", "m1"))
    assert threads[2] == threads[0] != threads[1]


def test_reply_to_unknown_message_falls_back_to_newest_known_reference() -> None:
    threads, _ = fold(
        mail("m1", "A"),
        mail("m2", "B"),
        mail("m3", "C", in_reply_to="gone", references=("m1", "m2", "also-gone")),
    )
    assert threads[2] == threads[1]


def test_subject_joins_when_no_id_is_known() -> None:
    threads, _ = fold(mail("m1", "Invoice 42"), mail("m2", "RE: Fwd:  invoice   42"))
    assert threads[1] == threads[0]


def test_in_reply_to_wins_over_references_and_subject() -> None:
    threads, _ = fold(
        mail("m1", "A"),
        mail("m2", "B"),
        mail("m3", "C"),
        mail("m4", "Re: C", in_reply_to="m1", references=("m2",)),
    )
    assert threads[3] == threads[0]


def test_references_win_over_subject() -> None:
    threads, _ = fold(
        mail("m1", "A"), mail("m2", "B"), mail("m3", "Re: B", references=("m1",))
    )
    assert threads[2] == threads[0]


def test_unrelated_mail_without_subject_starts_its_own_thread() -> None:
    threads, _ = fold(mail("m1"), mail("m2"))
    assert threads[0] != threads[1]


def test_newest_thread_for_a_subject_wins() -> None:
    threads, index = fold(
        mail("m1", "Status"),
        mail("m2", "Other"),
        mail("m3", "Re: Status", in_reply_to="m2"),
        mail("m4", "Status"),
    )
    assert threads[2] == threads[1]
    assert threads[3] == threads[1]
    assert index.by_subject["status"] == threads[1]


def test_redelivered_mail_keeps_its_thread_and_leaves_index_unchanged() -> None:
    _, index = fold(mail("m1", "A"), mail("m2", "A"))
    again = assign_thread(index, mail("m1", "other subject"), new_id)
    assert again == (new_id("m1"), False, index)
    assert again[2] is index


def test_index_is_not_mutated_by_assignment() -> None:
    _, before = fold(mail("m1", "A"))
    snapshot = before.to_dict()
    assign_thread(before, mail("m2", "B"), new_id)
    assert before.to_dict() == snapshot


def test_bounding_forgets_oldest_messages_and_their_subjects() -> None:
    threads, index = fold(
        mail("m1", "Old"), mail("m2", "Mid"), mail("m3", "New"), max_messages=2
    )
    assert index.order == ("m2", "m3")
    assert set(index.by_message) == {"m2", "m3"}
    assert set(index.by_subject) == {"mid", "new"}
    late, is_new, _ = assign_thread(index, mail("m4", "x", in_reply_to="m1"), new_id)
    assert is_new and late != threads[0]


def test_bounding_keeps_subjects_of_threads_still_alive() -> None:
    threads, index = fold(
        mail("m1", "Topic"), mail("m2", "Re: x", in_reply_to="m1"), max_messages=1
    )
    assert index.by_message == {"m2": threads[0]}
    assert index.by_subject == {"topic": threads[0], "x": threads[0]}


def test_index_round_trips_through_json() -> None:
    _, index = fold(mail("m1", "A"), mail("m2", "B", "m1"), mail("m3", "C"))
    restored = ThreadIndex.from_dict(json.loads(json.dumps(index.to_dict())))
    assert restored == index
    assert ThreadIndex.from_dict({}) == ThreadIndex()
