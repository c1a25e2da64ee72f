"""Words of the NLQ grammar: names, quantities and units found in a question (pure).

Quantities are recognised by their catalog names ("temperature", "relative
humidity", "CO2"), a few synonyms ("temp", "carbon dioxide", "humidity") and unit
words ("°C", "celsius", "ppm", "hPa", "kW"); they resolve to the quantities the
org's bindings measure. Device and site names are the org's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from schemas import quantities

# Quantity names that are also everyday words of questions: reached by a synonym.
AMBIGUOUS = frozenset({"count", "level", "ratio", "duration", "current"})
SYNONYMS = {
    "temp": "temperature",
    "temps": "temperature",
    "temperatures": "temperature",
    "carbon dioxide": "co2",
    "co₂": "co2",
    "humidity": "humidity",
    "vibrations": "vibration",
    "pressures": "pressure",
    "power": "power",
    "energy": "energy",
    "electric current": "current",
    "amperage": "current",
    "fill level": "level",
    "tank level": "level",
    "noise": "sound level",
    "light": "illuminance",
    "battery": "state of charge",
    "flow": "flow",
    "flow rate": "flow",
    "speed": "speed",
    "dewpoint": "dew point",
}
# Unit symbols and unit names that are everyday words of questions.
UNIT_STOP = frozenset(
    "in hour second degree index fraction kn 1 mil rad deg psu ratio count peak rms"
    " var".split()
)
UNIT_WORDS = {
    "degrees celsius": "°C",
    "degrees c": "°C",
    "celsius": "°C",
    "centigrade": "°C",
    "degrees fahrenheit": "°F",
    "degrees f": "°F",
    "fahrenheit": "°F",
    "kelvin": "K",
    "percent": "%",
    "amps": "A",
    "volts": "V",
    "watts": "W",
    "kilowatts": "kW",
    "pascals": "Pa",
}


@dataclass(frozen=True)
class QuantityInUse:
    """A quantity the org measures: slug, name and unit symbol."""

    slug: str
    name: str
    unit: str


@dataclass(frozen=True)
class Hit:
    """A phrase found in the question and where."""

    phrase: str
    span: tuple[int, int]


def blank(text: str, span: tuple[int, int]) -> str:
    """``text`` with ``span`` overwritten by spaces (consumed)."""
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]


def find_phrases(text: str, phrases: Iterable[str]) -> tuple[str, list[Hit]]:
    """Find whole-word phrases, longest first; return the text with them blanked."""
    hits = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        if not phrase:
            continue
        pattern = re.compile(rf"(?<![\w°]){re.escape(phrase)}(?![\w²³])")
        for match in pattern.finditer(text):
            hits.append(Hit(phrase, match.span()))
            text = blank(text, match.span())
    return text, sorted(hits, key=lambda h: h.span)


@cache
def quantity_phrases() -> frozenset[str]:
    """Every word or phrase that names a catalog quantity."""
    names = {q.name.lower() for q in quantities.catalog().values()}
    short = {n.removesuffix(" concentration") for n in names}
    return frozenset((names | short | set(SYNONYMS)) - AMBIGUOUS)


@cache
def unit_phrases() -> dict[str, str]:
    """Every unit word, lower-cased, and the unit symbol it means."""
    found: dict[str, str] = {}
    for q in quantities.catalog().values():
        symbol = q.base_unit_symbol
        if len(symbol) > 1 or symbol == "%":
            found[symbol.lower()] = symbol
        unit_word = q.slug.rsplit(".", 1)[-1].replace("_", " ")
        if len(unit_word) > 2:
            found.setdefault(unit_word, symbol)
    kept = {w: s for w, s in found.items() if w not in UNIT_STOP}
    return kept | UNIT_WORDS


def resolve_quantity(
    phrase: str, in_use: Sequence[QuantityInUse]
) -> list[QuantityInUse]:
    """The org's quantities a phrase names: by exact name, else by a word in it."""
    target = SYNONYMS.get(phrase, phrase)
    exact = [q for q in in_use if q.name.lower() in (target, f"{target} concentration")]
    if exact:
        return exact
    pattern = re.compile(rf"\b{re.escape(target)}\b")
    return [q for q in in_use if pattern.search(q.name.lower())]


def with_unit(
    found: Sequence[QuantityInUse], unit: str, in_use: Sequence[QuantityInUse]
) -> list[QuantityInUse]:
    """Narrow ``found`` (or, when empty, all quantities) to one unit symbol."""
    pool = found or in_use
    return [q for q in pool if q.unit.lower() == unit.lower()]


def display_name(phrase: str) -> str:
    """How answers write a quantity phrase: as asked, or cased as the catalog
    names it when that carries meaning ("CO2", "pH", "PM2.5")."""
    for q in quantities.catalog().values():
        name = q.name.removesuffix(" Concentration")
        if (
            name.lower() == SYNONYMS.get(phrase, phrase)
            and name[1:] != name[1:].lower()
        ):
            return name
    return phrase
