"""Understand a question by the NLQ grammar, or say what was not understood (pure).

A question is read in this order, each part consuming its words: device and site
names of the org (or a device id); one time phrase (:mod:`agents.nlq.timewords`);
quantities and unit words (:mod:`agents.nlq.lexicon`); what is asked (average/mean,
peak/max/highest, min/lowest, total/sum, trend/over time, how many readings,
current/latest, alerts with severity and status words, compare/vs/per device). Every
word left must be a filler word ("what", "was", "the", "of", ...): any other word
means the question is outside the grammar, and the answer says so instead of
guessing. With no aggregate word, a question with a time phrase gets the average,
minimum and maximum, and one without gets the latest value; a question with no time
phrase reads the last 24 hours (alerts: all time), and the answer says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import timedelta

from agents.nlq.context import Context
from agents.nlq.lexicon import (
    QuantityInUse,
    display_name,
    find_phrases,
    quantity_phrases,
    resolve_quantity,
    unit_phrases,
)
from agents.nlq.measured import quantities_for
from agents.nlq.timewords import Window, find_window

AGGREGATES = {
    "average": r"average|avg|mean",
    "peak": r"peak|max|maximum|highest|top|how high|how hot|how warm|hottest|warmest",
    "minimum": r"min|minimum|lowest|how low|how cold|coldest",
    "total": r"total|sum",
    "readings": r"(?:how many|number of|count of|count) (?:readings|measurements|"
    r"samples|values|data points|points)",
}
# Words that name temperature without saying so ("how hot did the boiler get").
TEMPERATURE_WORDS = ("how hot", "how warm", "hottest", "warmest", "how cold", "coldest")
WORDS = {
    "hourly": r"hourly|per hour|by hour|each hour|every hour",
    "daily": r"daily|per day|by day|each day|every day",
    "trend": r"trends?|over time|history|chart|graph|plot|evolution",
    "latest": r"current|currently|latest|right now|now|at the moment|most recent|"
    r"last (?:reading|value|measurement)",
    "alerts": r"alerts?|alarms?",
    "count": r"how many|number of|count",
    "by_device": r"(?:by|per|for each|for every|each|every) device|which devices?|"
    r"what devices?",
    "by_site": r"(?:by|per|for each|for every|each|every) site|which sites?|"
    r"what sites?",
    "compare": r"compare|comparison|vs|versus",
    "critical": r"critical",
    "warning": r"warnings?",
    "info": r"info",
    "active": r"active|open|unresolved|ongoing|firing",
    "resolved": r"resolved|closed",
    "acknowledged": r"acknowledged",
}
FILLER = frozenset(
    """what what's whats was were is are the a an of for on in at from to by during
    over me show give tell get find display list how did does do has have had much
    value values reading readings level levels sensor sensors data please and with
    across all my our whole entire device devices site sites there been it its which
    be being recorded measured reached reach hit got went go up down far so overall
    between i we us want know see like would could can you about any this that
    measurement measurements metric metrics each every send sent report reported
    as consumption usage used fired triggered raised happened occurred s""".split()
)
DEFAULT_WINDOW = timedelta(hours=24)
ALERT_WORDS = {
    "critical",
    "warning",
    "info",
    "active",
    "resolved",
    "acknowledged",
    "count",
}


@dataclass(frozen=True)
class Question:
    """A question the grammar understood."""

    intent: str  # aggregate, trend, latest or alerts
    aggregates: tuple[str, ...] = ()
    quantities: tuple[QuantityInUse, ...] = ()
    quantity_label: str = ""
    devices: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    window: Window | None = None
    group: str | None = None  # device or site: one answer per each
    grain: str | None = None  # a trend's point width asked for: hour or day
    severity: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Understanding:
    """The question, or what was understood and what was not."""

    question: Question | None
    understood: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    problem: str | None = None


@dataclass
class _Reading:
    text: str
    found: dict[str, list[str]] = field(default_factory=dict)
    at: dict[str, int] = field(default_factory=dict)
    understood: list[str] = field(default_factory=list)

    def take(self, kind: str, pattern: str) -> None:
        """Consume every whole-word match of ``pattern``, noting where it was."""
        spaced = pattern.replace(" ", r"\s+")
        for match in re.finditer(rf"(?<![\w°])(?:{spaced})(?![\w])", self.text):
            self.found.setdefault(kind, []).append(match.group(0))
            self.at.setdefault(kind, match.start())
            self.text = _blank(self.text, match.span())


def understand(question: str, ctx: Context) -> Understanding:
    """Read ``question`` by the grammar against the org in ``ctx``."""
    reading = _Reading(" ".join(question.lower().split()))
    devices, sites = _names(reading, ctx)
    found = find_window(reading.text, ctx.now)
    window = None
    if found:
        window = found.window
        reading.text = _blank(reading.text, found.span)
        reading.understood.append(window.label)
    label, phrase_quantities, units = _quantity_words(reading)
    for kind, pattern in {**AGGREGATES, **WORDS}.items():
        reading.take(kind, pattern)
    unknown = _leftovers(reading.text)
    if unknown:
        return Understanding(None, tuple(reading.understood), tuple(unknown))
    return _decide(
        reading, ctx, devices, sites, window, label, phrase_quantities, units
    )


def _blank(text: str, span: tuple[int, int]) -> str:
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]


def _names(reading: _Reading, ctx: Context) -> tuple[list[str], list[str]]:
    by_phrase: dict[str, tuple[str, str]] = {}
    for site in ctx.sites:
        by_phrase[site.lower()] = ("site", site)
    for device in ctx.devices:
        by_phrase[device.name.lower()] = ("device", device.name)
        by_phrase[device.id.lower()] = ("device", device.name)
    reading.text, hits = find_phrases(reading.text, by_phrase)
    devices: list[str] = []
    sites: list[str] = []
    for hit in hits:
        kind, name = by_phrase[hit.phrase]
        target = devices if kind == "device" else sites
        if name not in target:
            target.append(name)
            reading.understood.append(f"{kind} {name}")
    return devices, sites


def _quantity_words(reading: _Reading) -> tuple[str, list[str], list[str]]:
    reading.text, q_hits = find_phrases(reading.text, quantity_phrases())
    units = unit_phrases()
    reading.text, u_hits = find_phrases(reading.text, units)
    phrases = [h.phrase for h in q_hits]
    symbols = [units[h.phrase] for h in u_hits]
    reading.understood += phrases + [f"unit {s}" for s in symbols]
    return " and ".join(display_name(p) for p in phrases), phrases, symbols


def _leftovers(text: str) -> list[str]:
    words = re.findall(r"[^\s?!.,;:()\"“”]+", text)
    return [w for w in words if w.strip("'’") not in FILLER and w not in "-–—&+"]


def _decide(
    reading: _Reading,
    ctx: Context,
    devices: list[str],
    sites: list[str],
    window: Window | None,
    label: str,
    phrases: list[str],
    units: list[str],
) -> Understanding:
    found = reading.found
    understood = tuple(reading.understood + [k for k in found if k != "count"])
    said = {text for texts in found.values() for text in texts}
    if not phrases and said & set(TEMPERATURE_WORDS):
        phrases, label = ["temperature"], "temperature"
    base = Question(
        intent="aggregate",
        devices=tuple(devices),
        sites=tuple(sites),
        window=window,
        group=_group(found, devices, sites),
        grain="hour" if "hourly" in found else "day" if "daily" in found else None,
    )
    aggregates = tuple(
        sorted((a for a in AGGREGATES if a in found), key=lambda a: reading.at[a])
    )
    trend = "trend" in found or base.grain is not None
    unused = _unused(found, aggregates, trend)
    if unused:
        return Understanding(None, understood, tuple(unused))
    if "alerts" in found:
        return _alerts(base, found, phrases, ctx, understood)
    latest = not trend and not aggregates and ("latest" in found or window is None)
    chosen, problem = quantities_for(ctx, devices, phrases, units, many=latest)
    if problem:
        return Understanding(None, understood, (), problem)
    label = label or _label_of(chosen)
    q = replace(base, quantities=tuple(chosen), quantity_label=label)
    if trend:
        q = replace(q, intent="trend", aggregates=aggregates[:1] or ("average",))
    elif aggregates:
        q = replace(q, aggregates=aggregates)
    elif latest:
        if window is not None:
            why = "a current value and a time range at once"
            return Understanding(None, understood, (), f"I cannot read {why}.")
        return Understanding(replace(q, intent="latest"), understood)
    else:
        q = replace(q, aggregates=("average", "minimum", "peak"))
    return Understanding(_with_window(q, ctx), understood)


def _unused(
    found: dict[str, list[str]], aggregates: tuple[str, ...], trend: bool
) -> list[str]:
    """Words the grammar knows that this kind of question would ignore: it says
    so rather than answer as if they were not there."""
    if "alerts" in found:
        ignored = {a for a in aggregates if a != "total"} | {"hourly", "daily", "trend"}
    else:
        ignored = ALERT_WORDS | ({"latest"} if aggregates or trend else set())
    return [text for kind in ignored & set(found) for text in found[kind]]


def _label_of(chosen: list[QuantityInUse]) -> str:
    names = sorted({q.name.lower() for q in chosen})
    return names[0] if len(names) == 1 else "readings"


def _group(
    found: dict[str, list[str]], devices: list[str], sites: list[str]
) -> str | None:
    if "by_site" in found or (len(sites) > 1 and not devices):
        return "site"
    if {"compare", "by_device"} & set(found) or len(devices) > 1:
        return "device"
    return None


def _with_window(q: Question, ctx: Context) -> Question:
    if q.window is not None:
        return q
    start = ctx.now - DEFAULT_WINDOW
    return replace(q, window=Window(start, ctx.now, "in the last 24 hours"))


def _alerts(
    base: Question,
    found: dict[str, list[str]],
    phrases: list[str],
    ctx: Context,
    understood: tuple[str, ...],
) -> Understanding:
    severity = next((s for s in ("critical", "warning", "info") if s in found), None)
    status = next(
        (s for s in ("active", "acknowledged", "resolved") if s in found),
        "active" if "latest" in found else None,  # "alerts right now"
    )
    names = {q.name for p in phrases for q in resolve_quantity(p, ctx.quantities)}
    in_use = tuple(q for q in ctx.quantities if q.name in names)
    q = replace(
        base,
        intent="alerts",
        severity=severity,
        status=status,
        quantities=in_use,
        quantity_label=" and ".join(phrases),
    )
    return Understanding(q, understood)
