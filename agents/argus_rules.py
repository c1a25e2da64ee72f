"""The offline model's rules for Argus, the platform assistant (pure).

With Argus's tools offered (``query_data``, ``save_memory``, ``build_dashboard``,
``configure_alert``) and no watcher trigger, on its first turn the offline model
reads the user's message:

- "build / create / make … dashboard …" → ``build_dashboard`` with a title and the
  topic words (the tool picks the org's bindings whose device, site or quantity
  matches them; the page's dashboard, device or site narrows the choice);
- "alert (me) when/if <quantity> (on <device>) goes above/below/over/under <n>" →
  ``configure_alert`` with ``quantity``, ``condition`` (above|below), ``threshold``
  and ``device`` (a device name of the org found in the message, or the page's);
- "remember / note (that) …" → ``save_memory`` with the rest as ``content`` and a
  ``memory_type`` (maintenance for replaced/repaired/serviced, anomaly for
  anomaly/abnormal/spike, procedure for "how to"/procedure, else observation);
- "investigate …" → ``start_investigation`` with the message as ``subject`` and a
  device name of the org found in it;
- a question about data ("what / how much / show / current / average / peak / trend
  …") → ``query_data`` with the question.

After tool results it answers from them: the data answer of ``query_data`` as is,
then one line per other tool.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

Call = tuple[str, dict[str, Any]]
ARGUS_TOOLS = ("query_data", "save_memory", "build_dashboard", "configure_alert")

_DASHBOARD = re.compile(r"\b(build|create|make|set up|new)\b.*\bdashboards?\b", re.I)
_ALERT = re.compile(
    r"\b(alert|notify|warn)\b.*\b(above|below|over|under|exceeds?|drops?)\b"
    r"\D*(-?\d+(?:\.\d+)?)",
    re.I,
)
_REMEMBER = re.compile(r"^\s*(?:please\s+)?(?:remember|note)(?:\s+that)?\s+(.+)", re.I)
_QUESTION = re.compile(
    r"\b(what|how|show|current|average|mean|peak|max|min|trend|latest|level|"
    r"compare|when|which)\b",
    re.I,
)
_STOP = {"a", "an", "the", "for", "me", "my", "of", "on", "to", "please", "with"}


def argus_calls(
    question: str, context: Mapping[str, Any], offered: Sequence[str]
) -> list[Call]:
    """The tool calls for a user's message (empty: just answer)."""
    for rule in (_investigate, _dashboard, _alert, _remember, _query):
        call = rule(question, context)
        if call is not None and call[0] in offered:
            return [call]
    return []


def argus_answer(results: Sequence[tuple[str, str]]) -> str:
    """The answer after tool results: data first, then what was done."""
    lines: list[str] = []
    for tool, result in results:
        data = _json(result)
        if tool == "query_data" and isinstance(data.get("answer"), str):
            lines.insert(0, data["answer"])
        elif isinstance(data.get("summary"), str):
            lines.append(data["summary"])
        else:
            lines.append(f"{tool}: {result[:300]}")
    return " ".join(lines) or "Done."


def _investigate(question: str, context: Mapping[str, Any]) -> Call | None:
    if not re.search(r"\binvestigat", question, re.I):
        return None
    args: dict[str, Any] = {"subject": question.strip()[:200]}
    device = _device(question, context)
    if device:
        args["device"] = device
    return ("start_investigation", args)


def _dashboard(question: str, context: Mapping[str, Any]) -> Call | None:
    if not _DASHBOARD.search(question):
        return None
    topic = re.sub(
        r".*\bdashboards?\b\s*(for|of|about|showing)?\s*", "", question, count=1
    )
    words = [w for w in re.findall(r"[\w.-]+", topic.lower()) if w not in _STOP]
    title = " ".join(words[:6]).strip().title() or "Overview"
    return ("build_dashboard", {"name": f"{title} dashboard", "topic": " ".join(words)})


def _alert(question: str, context: Mapping[str, Any]) -> Call | None:
    match = _ALERT.search(question)
    if match is None:
        return None
    word = match.group(2).lower()
    condition = "below" if word in ("below", "under", "drop", "drops") else "above"
    before = question[: match.start(2)].lower()
    quantity = next(
        (w for w in re.findall(r"[a-z][\w.]*", before)[::-1] if w not in _FILLER), ""
    )
    args: dict[str, Any] = {
        "quantity": quantity,
        "condition": condition,
        "threshold": float(match.group(3)),
    }
    device = _device(question, context)
    if device:
        args["device"] = device
    return ("configure_alert", args)


_FILLER = _STOP | {
    "alert", "notify", "warn", "if", "when", "goes", "is", "gets", "rises", "falls",
    "device", "sensor", "any", "it", "us", "pump", "station",
}  # fmt: skip


def _device(question: str, context: Mapping[str, Any]) -> str | None:
    names = [str(d) for d in context.get("devices", [])]
    lowered = question.lower()
    found = [n for n in names if n.lower() in lowered]
    if found:
        return max(found, key=len)
    page = context.get("page_context") or {}
    return (
        str(page["device"]) if isinstance(page, dict) and page.get("device") else None
    )


def _remember(question: str, context: Mapping[str, Any]) -> Call | None:
    match = _REMEMBER.match(question)
    if match is None:
        return None
    content = match.group(1).strip().rstrip(".") + "."
    lowered = content.lower()
    kind = "observation"
    if re.search(r"replac|repair|servic|maintenan|calibrat", lowered):
        kind = "maintenance"
    elif re.search(r"anomal|abnormal|spike|unusual", lowered):
        kind = "anomaly"
    elif re.search(r"how to|procedure|steps?\b", lowered):
        kind = "procedure"
    return ("save_memory", {"content": content, "memory_type": kind, "salience": 0.7})


def _query(question: str, context: Mapping[str, Any]) -> Call | None:
    if not _QUESTION.search(question):
        return None
    return ("query_data", {"question": question.strip()})


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def findings(evidence: Mapping[str, Any]) -> str:
    """The offline model's findings for an investigation's evidence."""
    parts = []
    alert = evidence.get("alert") or {}
    if alert:
        parts.append(
            f"{str(alert.get('severity', '')).capitalize()} alert "
            f"{alert.get('rule_name')!r} on {alert.get('device')} "
            f"({alert.get('quantity')}) fired at "
            f"{alert.get('triggered_at')} with value {alert.get('value')}; it is "
            f"{alert.get('status')}."
        )
    series = evidence.get("series") or {}
    if series.get("count"):
        parts.append(
            f"Over the last {series['hours']:g} h the series ranged "
            f"{series['min']:g} to {series['max']:g} (average {series['avg']:g}, "
            f"{series['count']} points)."
        )
    related = evidence.get("related_alerts") or []
    parts.append(f"{len(related)} other alert(s) on this device recently.")
    memories = evidence.get("memories") or []
    if memories:
        parts.append("Relevant notes: " + "; ".join(str(m) for m in memories[:3]) + ".")
    parts.append("Next: check the device on site and compare with its history.")
    return " ".join(parts)
