"""Evaluator nodes of Prism computed fields: float closures with a unit, folded early.

* a node is a closure ``fn(values, windows)`` over plain floats (each variable in its
  own unit, window results by index), its pint unit, its folded value when constant,
  and whether it is a *bare* number (which takes the unit it is combined with);
* :func:`make_node` folds a node whose operands are all constants; a fold that fails
  numerically is kept as a closure, so it fails at run time, where it gives None;
* binary operators and conversions raise OverflowError on a non-finite result.

Nodes are combined by :class:`streams.prism.arithmetic.NodeBuilder` under the unit
rules of :mod:`streams.prism.unit_rules`. :class:`ExpressionError` lives here, in the
module every compile step imports; it is part of the public API of
:mod:`streams.prism.expression`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pint

from streams import StreamsError
from streams.prism.units import dimensionless

Fn = Callable[[Mapping[str, float], Sequence[float]], float]
_isfinite = math.isfinite


class ExpressionError(StreamsError):
    """An expression that cannot be compiled; ``name`` is the offending part if any."""

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


# -- closures ----------------------------------------------------------------------


def _finite(value: float) -> float:
    if _isfinite(value):
        return value
    raise OverflowError


def _constant_fn(value: float) -> Fn:
    return lambda v, w: value


def variable_fn(name: str) -> Fn:
    """Return a closure reading an input variable."""
    return lambda v, w: v[name]


def window_fn(index: int) -> Fn:
    """Return a closure reading the result of the program's window number ``index``."""
    return lambda v, w: w[index]


def apply_fn(f: Callable[[float], float], g: Fn) -> Fn:
    """Return a closure computing ``f(g)``."""
    return lambda v, w: f(g(v, w))


def binary_fn(op: Callable[[float, float], float], f: Fn, g: Fn) -> Fn:
    """Return a closure computing ``op(f, g)``, raising OverflowError if not finite."""
    return lambda v, w: _finite(op(f(v, w), g(v, w)))


def linear_fn(f: Fn, ka: float, g: Fn, kb: float, c: float) -> Fn:
    """Return a closure computing ``ka * f + kb * g + c``."""
    return lambda v, w: _finite(ka * f(v, w) + kb * g(v, w) + c)


def affine_fn(f: Fn, a: float, b: float) -> Fn:
    """Return a closure computing ``a * f + b`` (``f`` itself for the identity)."""
    if a == 1.0 and b == 0.0:
        return f
    return lambda v, w: _finite(a * f(v, w) + b)


def extreme_fn(fns: Sequence[Fn], largest: bool) -> Fn:
    """Return a closure computing the largest (or smallest) of ``fns``."""
    if largest:
        return lambda v, w: max([f(v, w) for f in fns])
    return lambda v, w: min([f(v, w) for f in fns])


def clamp_fn(f: Fn, lo: Fn, hi: Fn) -> Fn:
    """Return a closure clamping ``f`` to ``[lo, hi]`` (ValueError if lo > hi)."""

    def fn(v: Mapping[str, float], w: Sequence[float]) -> float:
        low, high = lo(v, w), hi(v, w)
        if low > high:
            raise ValueError("clamp() needs lo <= hi")
        return min(max(f(v, w), low), high)

    return fn


# -- nodes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A compiled sub-expression: its closure, unit, folded value and bareness."""

    fn: Fn
    unit: pint.Unit
    const: float | None = None
    bare: bool = False  # a plain number: takes the unit it is added to


def const_node(value: float, unit: pint.Unit | None = None, bare: bool = True) -> Node:
    """Return a constant node (by default a bare number)."""
    return Node(_constant_fn(value), unit or dimensionless(), value, bare)


def make_node(
    fn: Fn, unit: pint.Unit, kids: Sequence[Node], bare: bool = False
) -> Node:
    """Build a node, folding it to a constant when all its operands are constants."""
    if all(k.const is not None for k in kids):
        try:
            value = float(fn({}, ()))
        except (ArithmeticError, ValueError):
            value = math.nan  # left to fail at run time, where it gives None
        if _isfinite(value):
            return const_node(value, unit, bare)
    return Node(fn, unit, None, bare)
