"""Unit helpers of Prism computed fields: pint parsing, affine maps and unit names.

Everything goes through pint's shared registry (:func:`schemas.quantities.units`) and
runs at compile time only; evaluation works on plain floats.

* :func:`parse_unit` first screens the text with :func:`safe_unit_text`: pint
  evaluates powers eagerly, so ``m**9**9**9``, ``m**(9**9)``, ``(m*9)**99`` or a long
  run of superscript digits could make it work hard. Only short text (at most
  :data:`MAX_UNIT_LENGTH` characters) of unit characters with plain exponents (one or
  two digits, optionally negative or with a short fraction; no power of a group, no
  chained power) reaches pint; anything else is refused like an unknown unit.
* :func:`affine` is the map ``value in dst = a * value in src + b`` between two
  compatible units, computed once with pint so that offset units (degC, degF) convert
  exactly while evaluation stays a multiply-add.
* :func:`symbol` names a unit the caller never spelled: a named SI unit (:data:`_NAMED`)
  equal to it with factor 1 (``V*A`` is ``W``); else pint's compact symbol if it is
  ASCII and parses back to the same unit; else pint's long form; ``dimensionless`` for
  none.
"""

from __future__ import annotations

import contextlib
import re
from typing import cast

import pint

from schemas.quantities import units

MAX_UNIT_LENGTH = 100

# Named units a compound result is shown as when equal to it with factor 1.
_NAMED: tuple[str, ...] = tuple(
    "W J N Pa V A ohm S C F H Wb T Hz m s kg K mol m**2 m**3 m/s m/s**2".split()
)
_UNIT_TEXT = re.compile(r"[\w °µΩΔ%.*/()^·⋅-]+")
_LONG_SUPERSCRIPT = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]{3}")
_EXPONENT = re.compile(r"\s*-?\d{1,2}(?:\.\d{1,6})?")


def dimensionless() -> pint.Unit:
    """Return the registry's dimensionless unit."""
    return units().dimensionless


def safe_unit_text(text: str) -> bool:
    """Return whether pint may parse the text cheaply (short, plain exponents)."""
    if len(text) > MAX_UNIT_LENGTH or not _UNIT_TEXT.fullmatch(text):
        return False
    if _LONG_SUPERSCRIPT.search(text):
        return False
    parts = text.replace("^", "**").split("**")
    for i, part in enumerate(parts[1:], start=1):
        if parts[i - 1].rstrip().endswith(")"):
            return False  # a power of a group
        match = _EXPONENT.match(part)
        rest = part[match.end() :] if match else ""
        if match is None or rest[:1].isdigit() or rest[:1] in (".", "("):
            return False
        if i < len(parts) - 1 and not rest.strip():
            return False  # a chained power
    return True


def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string with the shared registry ('' is dimensionless).

    Raises ValueError ("unknown unit '<text>'") for text pint cannot parse or that
    :func:`safe_unit_text` refuses.
    """
    stripped = text.strip()
    if not stripped:
        return dimensionless()
    try:
        if not safe_unit_text(stripped):
            raise ValueError(stripped)
        return units().Unit(stripped)
    except Exception:  # pint raises many types for bad text
        raise ValueError(f"unknown unit '{text}'") from None


def affine(src: pint.Unit, dst: pint.Unit) -> tuple[float, float]:
    """Return (a, b) with value in dst = a * value in src + b; pint errors propagate."""
    quantity = units().Quantity
    b = float(quantity(0.0, src).to(dst).magnitude)
    return float(quantity(1.0, src).to(dst).magnitude) - b, b


def is_offset(unit: pint.Unit) -> bool:
    """Return whether zero in the unit is not zero in base units (degC, degF)."""
    return float(units().Quantity(0.0, unit).to_base_units().magnitude) != 0.0


def delta(unit: pint.Unit) -> pint.Unit:
    """The unit of a difference of two values in the unit (degC -> delta_degC)."""
    quantity = units().Quantity
    return cast(pint.Unit, (quantity(1.0, unit) - quantity(0.0, unit)).units)


def symbol(unit: pint.Unit) -> str:
    """Name a unit: a named SI unit equal to it, else pint's compact or long form."""
    if unit == dimensionless():
        return "dimensionless"
    for name in _NAMED:
        candidate = units().Unit(name)
        if candidate.dimensionality == unit.dimensionality:
            a, b = affine(unit, candidate)
            if b == 0.0 and abs(a - 1.0) < 1e-12:
                return name
    text = f"{unit:~C}"
    with contextlib.suppress(Exception):  # pint raises many types for bad text
        if text.isascii() and units().Unit(text) == unit:
            return text
    return f"{unit:C}"
