"""Decide the offline model's reply: the pure rules documented in agents.offline."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from agents.argus_rules import argus_answer, argus_calls, findings
from agents.nlq.offline_reply import MARKER as NLQ_MARKER
from agents.nlq.offline_reply import nlq_reply

Call = tuple[str, dict[str, Any]]
BUILTIN_TOOLS = frozenset({"send_alert", "save_memory", "update_thread"})
URGENT = ("urgent", "asap", "overdue", "past due", "final notice")
SEVERITIES = ("critical", "warning", "info")
FILLER = frozenset(
    "about alert and any anything are arrive arrives come comes email emails for from "
    "get gets has have if important in is it mail me messages my new notify of on or "
    "something tell that the there things this to when with".split()
)
_SCRIPT = re.compile(r"^(ALWAYS )?CALL (\w+) (\{.*\})\s*$")
_KEYWORD_AREA = re.compile(
    r"\b(?:alert me|alert on|notify me|about|when)\b([^.!?;\n]*)"
)
_THRESHOLD = re.compile(
    r"\b(?:over|above|more than|exceeding|greater than|at least)"
    r"\s+\$\s?(\d[\d,]*(?:\.\d+)?)"
)
_AMOUNT = re.compile(
    r"\$\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?(?:USD|dollars)\b"
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DUE = re.compile(
    rf"\bdue(?:\s+(?:on|by))?\s+({_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?)",
    re.IGNORECASE,
)
_DONE = re.compile(r"\b(?:paid|resolved|done|cancell?ed)\b")
_NOT_DONE = re.compile(
    r"\b(?:not|never)\s+(?:yet\s+)?(?:been\s+)?(?:paid|resolved|done)"
)
_REPLY_PREFIX = re.compile(r"^\s*(?:re|fwd?)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Reply:
    """What the offline model says: text, or tool calls."""

    text: str
    calls: tuple[Call, ...] = ()


def decide(
    messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]
) -> Reply:
    """Choose the reply by the module's rules."""
    offered = {t["function"]["name"]: t["function"] for t in tools}
    system = "\n".join(message_text(m) for m in messages if m.get("role") == "system")
    user = next(
        (message_text(m) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    first, results = _position(messages)
    scripted = _scripts(system, first) + _scripts(user, first)
    calls = tuple(c for c in scripted if c[0] in offered)
    if calls:
        return Reply("", calls)
    if NLQ_MARKER in system:
        text, nlq_calls = nlq_reply(system, user, results, first)
        return Reply(text, tuple(c for c in nlq_calls if c[0] in offered))
    argus = "build_dashboard" in offered or "query_data" in offered
    if results:
        return Reply(argus_answer(results) if argus else _summary(results))
    trigger = _json_line(user, "TRIGGER:")
    if argus and trigger is None and first:
        page = _json_line(user, "CONTEXT:") or {}
        found = argus_calls(_prose(user), page, list(offered))
        if found:
            return Reply("", tuple(found))
    if trigger and trigger.get("type") != "manual" and first:
        calls = tuple(_trigger_calls(system, trigger, offered))
        return Reply("", calls) if calls else Reply(_no_action(trigger))
    context = trigger or _json_line(user, "CONTEXT:") or _json_line(system, "CONTEXT:")
    question = str((trigger or {}).get("message") or _prose(user))
    return Reply(_chat(question, context or {}))


def message_text(message: dict[str, Any]) -> str:
    """Return a chat message's text, joining content parts."""
    content = message.get("content") or ""
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)


def _position(messages: Sequence[dict[str, Any]]) -> tuple[bool, list[tuple[str, str]]]:
    """Tell whether this is the first turn, and the tool results since the last one."""
    roles = [m.get("role") for m in messages]
    last_user = max((i for i, r in enumerate(roles) if r == "user"), default=-1)
    last_ai = max((i for i, r in enumerate(roles) if r == "assistant"), default=-1)
    if last_ai < last_user:
        return True, []
    names = {c["id"]: c["function"]["name"] for c in _tool_calls(messages[last_ai])}
    tail = [m for m in messages[last_ai + 1 :] if m.get("role") == "tool"]
    return False, [
        (names.get(m.get("tool_call_id"), "?"), message_text(m)) for m in tail
    ]


def _tool_calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    calls = message.get("tool_calls") or []
    return [c if isinstance(c, dict) else c.model_dump() for c in calls]


def _data_free(text: str) -> list[str]:
    """Return the lines before the first TRIGGER:/CONTEXT: line (the rest is data)."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith(("TRIGGER:", "CONTEXT:")):
            break
        lines.append(line)
    return lines


def _scripts(text: str, first: bool) -> list[Call]:
    calls: list[Call] = []
    for line in _data_free(text):
        match = _SCRIPT.match(line.strip())
        if match and (first or match.group(1)):
            arguments = _json_object(match.group(3))
            calls += [(match.group(2), arguments)] if arguments is not None else []
    return calls


def _json_line(text: str, prefix: str) -> dict[str, Any] | None:
    lines = (line for line in text.splitlines() if line.startswith(prefix))
    return _json_object(next(lines, prefix)[len(prefix) :])


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _prose(text: str) -> str:
    return " ".join(
        line for line in _data_free(text) if not _SCRIPT.match(line.strip())
    )


def _summary(results: list[tuple[str, str]]) -> str:
    done = [f"{name} ({' '.join(result.split())[:80]})" for name, result in results]
    return "I called " + ", ".join(done) + "."


def _trigger_calls(
    system: str, trigger: dict[str, Any], offered: dict[str, dict[str, Any]]
) -> Iterator[Call]:
    alert = _alert(system.lower(), trigger)
    if alert and "send_alert" in offered:
        yield "send_alert", {"message": alert[0], "severity": alert[1]}
    for name, spec in offered.items():
        if alert and name not in BUILTIN_TOOLS and _names(system, name):
            yield name, _arguments_for(spec.get("parameters") or {}, alert[0])
    memory = _memory(trigger) if trigger.get("type") == "email_received" else None
    if memory and "save_memory" in offered:
        yield "save_memory", memory
    thread_id = _resolved_thread(trigger)
    if thread_id and "update_thread" in offered:
        yield "update_thread", {"thread_id": thread_id, "status": "resolved"}


def _names(system: str, tool: str) -> bool:
    return re.search(rf"\b{re.escape(tool)}\b", system) is not None


def _alert(system: str, trigger: dict[str, Any]) -> tuple[str, str] | None:
    """Return (message, severity) when the alert rule holds."""
    kind = trigger.get("type")
    if kind == "silence":
        hours = trigger.get("silence_hours") or trigger.get("hours") or "many"
        return f"No email for {hours} hours", "warning"
    if kind == "platform_alert" and trigger.get("status") == "active":
        level = str(trigger.get("severity"))
        what = f"{trigger.get('rule_name', 'Platform alert')} is active"
        where = f"{what} on {trigger.get('device', 'a device')}"
        return where, level if level in SEVERITIES else "warning"
    return _email_alert(system, trigger) if kind == "email_received" else None


def _email_alert(system: str, mail: dict[str, Any]) -> tuple[str, str] | None:
    subject = str(mail.get("subject", ""))
    body = f"{subject}\n{mail.get('text', '')}".lower()
    urgent = next((word for word in URGENT if word in body), None)
    if urgent:
        return f'Urgent ("{urgent}"): "{subject}"', "critical"
    limit = min(map(_number, _THRESHOLD.findall(system)), default=None)
    amount = max(_amounts(body), default=None)
    if limit is not None and amount is not None and amount >= limit:
        return f'${amount:,.2f} is over ${limit:,.2f}: "{subject}"', "warning"
    words = {_stem(w) for w in re.findall(r"[a-z][a-z'-]+", body)}
    keyword = next((k for k in _keywords(system) if _stem(k) in words), None)
    return (f'About "{keyword}": "{subject}"', "info") if keyword else None


def _keywords(system: str) -> list[str]:
    words: list[str] = []
    for sentence in re.split(r"[.!?;\n]", system):
        if _THRESHOLD.search(sentence):
            continue
        for area in _KEYWORD_AREA.findall(sentence):
            words += [w for w in re.findall(r"[a-z][a-z'-]+", area) if w not in FILLER]
    return words


def _stem(word: str) -> str:
    if word.endswith(("xes", "ches", "shes", "sses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _amounts(text: str) -> list[float]:
    return [_number(a or b) for a, b in _AMOUNT.findall(text)]


def _memory(mail: dict[str, Any]) -> dict[str, Any] | None:
    body = f"{mail.get('subject', '')}\n{mail.get('text', '')}"
    amount = _AMOUNT.search(body)
    due = _DUE.search(body)
    if not amount and not due:
        return None
    facts = [amount.group(0) if amount else "", f"due {due.group(1)}" if due else ""]
    content = f"{mail.get('subject', 'Email')}: " + " ".join(f for f in facts if f)
    return {"content": content, "importance": 4 if due else 3}


def _resolved_thread(trigger: dict[str, Any]) -> str | None:
    body = f"{trigger.get('subject', '')}\n{trigger.get('text', '')}".lower()
    done = _DONE.search(body) and not _NOT_DONE.search(body)
    if trigger.get("type") != "email_received" or not done:
        return None
    if trigger.get("thread_id"):
        return str(trigger["thread_id"])
    subject = _bare(str(trigger.get("subject", "")))
    threads = trigger.get("active_threads") or []
    same = [
        t for t in threads if subject and _bare(str(t.get("subject", ""))) == subject
    ]
    return str(same[0]["id"]) if same else None


def _bare(subject: str) -> str:
    while _REPLY_PREFIX.match(subject):
        subject = _REPLY_PREFIX.sub("", subject, count=1)
    return subject.strip().lower()


def _arguments_for(schema: dict[str, Any], message: str) -> dict[str, Any]:
    """Fill every parameter of a JSON schema with a value of its type."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):  # a bare {name: {type: ...}} map
        properties = {k: v for k, v in schema.items() if isinstance(v, dict)}
    return {name: _value_for(spec, message) for name, spec in properties.items()}


def _value_for(spec: dict[str, Any], message: str) -> Any:
    if spec.get("enum"):
        return spec["enum"][0]
    defaults = {"number": 0, "integer": 0, "boolean": False, "array": [], "object": {}}
    return defaults.get(str(spec.get("type")), message)


def _no_action(trigger: dict[str, Any]) -> str:
    if trigger.get("type") == "email_received":
        return f'No action needed for "{trigger.get("subject", "")}".'
    return f"No action needed for the {trigger.get('type', 'trigger')} check."


def _chat(question: str, context: dict[str, Any]) -> str:
    if isinstance(context.get("investigation"), dict):
        return findings(context["investigation"])
    threads = list(context.get("active_threads") or [])
    memories = [str(m) for m in context.get("memories") or []]
    asked = question.lower()
    if "thread" in asked:
        if not threads:
            return "You have no active threads."
        listed = ", ".join(f"{t.get('subject')} ({t.get('status')})" for t in threads)
        noun = "thread" if len(threads) == 1 else "threads"
        return f"You have {len(threads)} active {noun}: {listed}."
    if "memor" in asked or "remember" in asked:
        return "I remember: " + ("; ".join(memories) or "nothing yet") + "."
    return (
        f"I am Vigil's offline model. I know of {len(threads)} active threads and "
        f"{len(memories)} memories."
    )
