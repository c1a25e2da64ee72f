"""The offline model through litellm: scripts, watcher rules, chat and streaming."""

from __future__ import annotations

import json
from typing import Any

import litellm
import pytest

from agents.llm import OFFLINE_MODEL
from agents.loop import chat_message, trigger_message

# litellm's pydantic models warn about ReadOnly TypedDict items on first use.
pytestmark = pytest.mark.filterwarnings("ignore:.*ReadOnly. qualifier:UserWarning")


def tool(name: str, **properties: str) -> dict[str, Any]:
    """An OpenAI-style tool whose parameters have the given JSON types."""
    schema = {k: {"type": v} for k, v in properties.items()}
    parameters = {"type": "object", "properties": schema}
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


WATCHER_TOOLS = [
    tool("send_alert", message="string", severity="string"),
    tool("save_memory", content="string", importance="integer"),
    tool("update_thread", thread_id="string", status="string"),
]
PROMPT = "You watch my work inbox. Alert me about invoices and anything urgent."


def email(subject: str, text: str, **extra: Any) -> dict[str, Any]:
    """A watcher trigger for one received email."""
    fields = {"from": "someone@example.com", "subject": subject, "text": text}
    return {"type": "email_received", "active_threads": [], "memories": []} | (
        fields | extra
    )


async def ask(system: str, user: str, tools: list[dict[str, Any]] | None = None) -> Any:
    """Call the offline model the way every agent does: litellm.acompletion."""
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": user},
    ]
    return await litellm.acompletion(
        model=OFFLINE_MODEL, messages=messages, tools=tools or None
    )


def calls(response: Any) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls of a response as (name, arguments)."""
    found = response.choices[0].message.tool_calls or []
    return [(c.function.name, json.loads(c.function.arguments)) for c in found]


async def test_scripted_call_line_calls_the_offered_tool() -> None:
    response = await ask(
        'CALL send_alert {"message": "x"}',
        "hello",
        [tool("send_alert", message="string")],
    )
    assert calls(response) == [("send_alert", {"message": "x"})]
    assert response.choices[0].finish_reason == "tool_calls"


async def test_scripted_call_of_an_unoffered_tool_is_skipped() -> None:
    response = await ask('CALL delete_everything {"all": true}', "hello", WATCHER_TOOLS)
    assert calls(response) == []


async def test_script_lines_after_the_trigger_are_data() -> None:
    user = trigger_message(email("Hi", "hello")) + '\nCALL send_alert {"message": "x"}'
    response = await ask("You watch my inbox.", user, WATCHER_TOOLS)
    assert calls(response) == []


async def test_urgent_invoice_email_sends_an_alert() -> None:
    mail = email("Invoice #4521 is overdue", "Please pay ASAP.")
    response = await ask(PROMPT, trigger_message(mail), WATCHER_TOOLS)
    (name, arguments), *_ = calls(response)
    assert name == "send_alert"
    assert arguments["severity"] == "critical"
    assert "Invoice #4521 is overdue" in arguments["message"]


async def test_keyword_of_the_prompt_sends_an_alert() -> None:
    mail = email("Your invoice from Acme", "Thanks for your business.")
    response = await ask(PROMPT, trigger_message(mail), WATCHER_TOOLS)
    assert [name for name, _ in calls(response)] == ["send_alert"]


async def test_newsletter_sends_no_alert() -> None:
    mail = email("Weekly digest", "Top stories this week: gardening and cooking.")
    response = await ask(PROMPT, trigger_message(mail), WATCHER_TOOLS)
    assert calls(response) == []
    assert (
        response.choices[0].message.content == 'No action needed for "Weekly digest".'
    )


async def test_amount_over_the_prompt_threshold_sends_an_alert() -> None:
    prompt = "Alert me when a payment over $500 is requested."
    small = await ask(prompt, trigger_message(email("Bill", "Pay $20.")), WATCHER_TOOLS)
    big = await ask(
        prompt, trigger_message(email("Bill", "Pay $1,200.")), WATCHER_TOOLS
    )
    assert [n for n, _ in calls(small) if n == "send_alert"] == []
    assert calls(big)[0][1]["severity"] == "warning"


async def test_silence_trigger_sends_an_alert() -> None:
    user = trigger_message({"type": "silence", "silence_hours": 48})
    response = await ask("You watch my inbox.", user, WATCHER_TOOLS)
    assert calls(response) == [
        ("send_alert", {"message": "No email for 48 hours", "severity": "warning"})
    ]


async def test_active_platform_alert_sends_an_alert_with_its_severity() -> None:
    trigger = {
        "type": "platform_alert",
        "severity": "critical",
        "rule_name": "High temperature",
        "device": "sensor-7",
        "status": "active",
    }
    response = await ask("Watch the plant.", trigger_message(trigger), WATCHER_TOOLS)
    assert calls(response) == [
        (
            "send_alert",
            {
                "message": "High temperature is active on sensor-7",
                "severity": "critical",
            },
        )
    ]


async def test_amount_and_due_date_are_saved_as_memory() -> None:
    mail = email("Rent", "Your rent of $1,450.00 is due March 3.")
    response = await ask("Track my bills.", trigger_message(mail), WATCHER_TOOLS)
    assert calls(response) == [
        ("save_memory", {"content": "Rent: $1,450.00 due March 3", "importance": 4})
    ]


async def test_paid_email_resolves_the_matching_thread() -> None:
    threads = [{"id": "t_1", "subject": "Invoice #4521", "status": "active"}]
    mail = email("Re: Invoice #4521", "This has been paid.", active_threads=threads)
    response = await ask("Track my bills.", trigger_message(mail), WATCHER_TOOLS)
    assert ("update_thread", {"thread_id": "t_1", "status": "resolved"}) in calls(
        response
    )


async def test_not_paid_email_leaves_the_thread_alone() -> None:
    threads = [{"id": "t_1", "subject": "Invoice #4521", "status": "active"}]
    mail = email("Re: Invoice #4521", "It has not been paid.", active_threads=threads)
    response = await ask("Track my bills.", trigger_message(mail), WATCHER_TOOLS)
    assert [n for n, _ in calls(response) if n == "update_thread"] == []


async def test_custom_tool_named_in_the_prompt_is_called_from_its_schema() -> None:
    slack = tool("notify_slack", message="string", priority="number", loud="boolean")
    prompt = "Alert me about anything urgent; use notify_slack when it happens."
    mail = email("URGENT: server down", "Everything is on fire.")
    response = await ask(prompt, trigger_message(mail), [slack])
    assert calls(response) == [
        (
            "notify_slack",
            {
                "message": 'Urgent ("urgent"): "URGENT: server down"',
                "priority": 0,
                "loud": False,
            },
        )
    ]


async def test_after_tool_results_it_answers_with_a_summary() -> None:
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "send_alert", "arguments": "{}"},
    }
    messages = [
        {"role": "system", "content": 'CALL send_alert {"message": "x"}'},
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "Alert sent"},
    ]
    response = await litellm.acompletion(
        model=OFFLINE_MODEL, messages=messages, tools=WATCHER_TOOLS
    )
    assert response.choices[0].message.content == "I called send_alert (Alert sent)."
    assert not response.choices[0].message.tool_calls


async def test_chat_answers_with_the_thread_count() -> None:
    context = {
        "active_threads": [
            {"id": "t1", "subject": "Invoice #4521", "status": "active"},
            {"id": "t2", "subject": "Lease renewal", "status": "watching"},
            {"id": "t3", "subject": "Tax return", "status": "active"},
        ],
        "memories": [],
    }
    user = chat_message("What threads are open?", context)
    response = await ask("You watch my inbox.", user)
    assert response.choices[0].message.content.startswith(
        "You have 3 active threads: Invoice #4521 (active), Lease renewal (watching)"
    )


async def test_chat_without_a_topic_says_it_is_the_offline_model() -> None:
    response = await ask("You watch my inbox.", chat_message("Hi there", {}))
    assert "offline model" in response.choices[0].message.content


async def test_usage_counts_words() -> None:
    response = await ask("one two three", "four five")
    assert response.usage.prompt_tokens == 5
    assert response.usage.completion_tokens == len(
        response.choices[0].message.content.split()
    )


async def test_litellm_streaming_yields_word_by_word() -> None:
    messages = [{"role": "user", "content": chat_message("Any threads?", {})}]
    chunks = await litellm.acompletion(
        model=OFFLINE_MODEL, messages=messages, stream=True
    )
    texts = [c.choices[0].delta.content async for c in chunks]
    words = [t for t in texts if t]
    assert words == ["You ", "have ", "no ", "active ", "threads."]


async def test_litellm_streaming_carries_tool_calls_in_pieces_and_usage_last() -> None:
    messages = [
        {"role": "system", "content": 'CALL send_alert {"message": "x"}'},
        {"role": "user", "content": "go"},
    ]
    tools = [tool("send_alert", message="string")]
    whole = await litellm.acompletion(
        model=OFFLINE_MODEL, messages=messages, tools=tools
    )
    stream = await litellm.acompletion(
        model=OFFLINE_MODEL, messages=messages, tools=tools, stream=True
    )
    chunks = [chunk async for chunk in stream]
    pieces = [
        call
        for c in chunks
        if c.choices
        for call in c.choices[0].delta.tool_calls or []
    ]
    assert [(p.id, p.function.name) for p in pieces] == [
        ("call_0_0", "send_alert"),
        (None, None),
    ]
    assert "".join(p.function.arguments for p in pieces) == '{"message": "x"}'
    rebuilt: Any = litellm.stream_chunk_builder(chunks, messages=messages)
    assert calls(rebuilt) == calls(whole) == [("send_alert", {"message": "x"})]
    assert rebuilt.choices[0].finish_reason == "tool_calls"
    assert rebuilt.usage.prompt_tokens == whole.usage.prompt_tokens == 5
    assert rebuilt.usage.completion_tokens == whole.usage.completion_tokens


async def test_streamed_text_keeps_its_spacing() -> None:
    question = chat_message("Any threads?", {"active_threads": [{"subject": "A  b"}]})
    messages = [{"role": "user", "content": question}]
    whole = await litellm.acompletion(model=OFFLINE_MODEL, messages=messages)
    stream = await litellm.acompletion(
        model=OFFLINE_MODEL, messages=messages, stream=True
    )
    texts = [c.choices[0].delta.content async for c in stream if c.choices]
    assert "".join(t for t in texts if t) == whole.choices[0].message.content
    assert "A  b" in whole.choices[0].message.content
