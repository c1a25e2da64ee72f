"""Evaluator nodes of Prism computed fields: float closures built with unit checks.

The AST walk of :mod:`streams.prism.expression` hands every operand it has compiled to a
:class:`NodeBuilder`, which applies the unit rules documented there and returns a
:class:`Node`:

* a node is a closure ``fn(values, windows)`` over plain floats (each variable in its
  own unit, window results by index), its pint unit, its folded value when constant,
  and whether it is a *bare* number (which takes the unit it is combined with);
* :func:`make_node` folds a node whose operands are all constants; a fold that fails
  numerically is kept as a closure, so it fails at run time, where it gives None;
* unit conversions are affine maps computed once (:func:`streams.prism.units.affine`),
  so ``+ -`` across units and offset units cost one multiply-add at run time; binary
  operators and conversions raise OverflowError on a non-finite result;
* units in messages and in :attr:`streams.prism.expression.Program.unit` are named
  as the caller spelled them, else by :func:`streams.prism.units.symbol`.

:class:`ExpressionError` lives here because the builder raises it; it is part of the
public API of :mod:`streams.prism.expression`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pint

from schemas.quantities import units
from streams import StreamsError
from streams.prism.units import affine, delta, dimensionless, is_offset, parse_unit
from streams.prism.units import symbol as unit_symbol

Fn = Callable[[Mapping[str, float], Sequence[float]], float]
_isfinite = math.isfinite
KEEP_UNIT_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "abs": math.fabs,
    "floor": lambda x: float(math.floor(x)),
    "ceil": lambda x: float(math.ceil(x)),
    "round": lambda x: float(round(x)),  # half to even
}
DIMENSIONLESS_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "log": math.log,
    "log10": math.log10,
    "exp": math.exp,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
}
_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
    "**": math.pow,
}


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


def _apply_fn(f: Callable[[float], float], g: Fn) -> Fn:
    return lambda v, w: f(g(v, w))


def _binary_fn(op: Callable[[float, float], float], f: Fn, g: Fn) -> Fn:
    return lambda v, w: _finite(op(f(v, w), g(v, w)))


def _linear_fn(f: Fn, ka: float, g: Fn, kb: float, c: float) -> Fn:
    return lambda v, w: _finite(ka * f(v, w) + kb * g(v, w) + c)


def affine_fn(f: Fn, a: float, b: float) -> Fn:
    """Return a closure computing ``a * f + b`` (``f`` itself for the identity)."""
    if a == 1.0 and b == 0.0:
        return f
    return lambda v, w: _finite(a * f(v, w) + b)


def _extreme_fn(fns: Sequence[Fn], largest: bool) -> Fn:
    if largest:
        return lambda v, w: max([f(v, w) for f in fns])
    return lambda v, w: min([f(v, w) for f in fns])


def _clamp_fn(f: Fn, lo: Fn, hi: Fn) -> Fn:
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


class NodeBuilder:
    """Combines compiled nodes into new ones, checking and converting units."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        self.labels: dict[pint.Unit, str] = {}
        self.units = {name: self.unit(text) for name, text in variables.items()}

    def unit(self, text: str) -> pint.Unit:
        """Parse a unit string, remembering how the caller spelled it."""
        try:
            unit = parse_unit(text)
        except ValueError as ex:
            raise ExpressionError(str(ex), name=text) from None
        self.labels.setdefault(unit, text.strip())
        return unit

    def label(self, unit: pint.Unit) -> str:
        """Return the unit as a string for messages and :attr:`Program.unit`."""
        if unit == dimensionless():
            return "dimensionless"
        return self.labels.get(unit) or unit_symbol(unit)

    def variable(self, name: str) -> Node:
        """Return the node of an input variable, in the unit the caller gave."""
        return Node(variable_fn(name), self.units[name])

    def negative(self, kid: Node) -> Node:
        """Return -kid."""
        return make_node(_apply_fn(operator.neg, kid.fn), kid.unit, [kid], kid.bare)

    def arithmetic(self, symbol: str, a: Node, b: Node) -> Node:
        """Combine two nodes with ``+ - * / ** %``, checking units."""
        if symbol == "**":
            return self.power(a, b)
        if symbol in ("*", "/"):
            self.no_offset(symbol, a, b)
            unit = a.unit * b.unit if symbol == "*" else a.unit / b.unit
            fn = _binary_fn(_ARITH[symbol], a.fn, b.fn)
            return make_node(fn, unit, [a, b], a.bare and b.bare)
        if symbol == "%":
            self.no_offset("%", a, b)
        if a.bare or b.bare:
            fn = _binary_fn(_ARITH[symbol], a.fn, b.fn)
            unit = b.unit if a.bare else a.unit
            return make_node(fn, unit, [a, b], a.bare and b.bare)
        if symbol == "%":
            scale, _ = self.convert(b, a.unit, "cannot take {} modulo {}")
            fn = _binary_fn(operator.mod, a.fn, affine_fn(b.fn, scale, 0.0))
            return make_node(fn, a.unit, [a, b])
        return self.additive(symbol, a, b)

    def additive(self, symbol: str, a: Node, b: Node) -> Node:
        """Compile + or - of two quantities with pint's result unit and offsets."""
        op, quantity = _ARITH[symbol], units().Quantity

        def combine(x: float, y: float) -> Any:
            left, right = quantity(x, a.unit), quantity(y, b.unit)
            return left + right if symbol == "+" else left - right

        try:
            zero = combine(0.0, 0.0)
            unit, c = cast(pint.Unit, zero.units), float(zero.magnitude)
            ka = float(combine(1.0, 0.0).to(unit).magnitude) - c
            kb = float(combine(0.0, 1.0).to(unit).magnitude) - c
        except (pint.PintError, TypeError, ValueError):
            verb = "add" if symbol == "+" else "subtract"
            hint = " (offset units: subtract them or use to())"
            offset = is_offset(a.unit) or is_offset(b.unit)
            raise ExpressionError(
                f"unit mismatch: cannot {verb} {self.label(a.unit)} and "
                f"{self.label(b.unit)}{hint if offset else ''}"
            ) from None
        if ka == 1.0 and kb == (1.0 if symbol == "+" else -1.0) and c == 0.0:
            fn = _binary_fn(op, a.fn, b.fn)
        else:
            fn = _linear_fn(a.fn, ka, b.fn, kb, c)
        return make_node(fn, unit, [a, b])

    def power(self, a: Node, b: Node) -> Node:
        """Compile a ** b (or pow): a unit on the base needs a constant exponent."""
        exponent = self.plain(b, "the exponent", "**")
        if a.unit.dimensionless:
            fn = _binary_fn(math.pow, self.plain(a, "the base", "**"), exponent)
            return make_node(fn, dimensionless(), [a, b], a.bare and b.bare)
        self.no_offset("**", a)
        if b.const is None:
            raise ExpressionError(
                "the exponent of a quantity with a unit must be a constant", name="**"
            )
        value = exponent({}, ())
        unit = cast(pint.Unit, a.unit ** (int(value) if value.is_integer() else value))
        return make_node(_binary_fn(math.pow, a.fn, exponent), unit, [a, b])

    def plain(self, node: Node, what: str, where: str) -> Fn:
        """Return the node's closure as a plain number (it must be dimensionless)."""
        if node.bare or node.unit == dimensionless():
            return node.fn
        if not node.unit.dimensionless:
            raise ExpressionError(
                f"unit error: {what} of {where} must be dimensionless, "
                f"not {self.label(node.unit)}",
                name=where,
            )
        return affine_fn(node.fn, *affine(node.unit, dimensionless()))

    def no_offset(self, where: str, *nodes: Node) -> None:
        """Refuse offset units (degC) in multiplicative contexts."""
        for node in nodes:
            if not node.bare and is_offset(node.unit):
                label = self.label(node.unit)
                raise ExpressionError(
                    f"unit error: offset unit {label} cannot be used with {where}; "
                    'convert it first (to(x, "K")) or take a difference',
                    name=label,
                )

    def convert(self, node: Node, unit: pint.Unit, message: str) -> tuple[float, float]:
        """Return the affine map from the node's unit to ``unit``.

        On a mismatch the message is formatted with the labels of ``unit`` and of the
        node's unit.
        """
        try:
            return affine(node.unit, unit)
        except (pint.PintError, TypeError, ValueError):
            labels = (self.label(unit), self.label(node.unit))
            raise ExpressionError("unit mismatch: " + message.format(*labels)) from None

    def function(self, name: str, kids: list[Node]) -> Node:
        """Apply a non-window function other than to() to its compiled arguments."""
        kid = kids[0]
        if name in KEEP_UNIT_FUNCTIONS:
            fn = _apply_fn(KEEP_UNIT_FUNCTIONS[name], kid.fn)
            return make_node(fn, kid.unit, kids, kid.bare)
        if name in DIMENSIONLESS_FUNCTIONS:
            argument = self.plain(kid, "the argument", name)
            fn = _apply_fn(DIMENSIONLESS_FUNCTIONS[name], argument)
            return make_node(fn, dimensionless(), kids, kid.bare)
        if name == "sqrt":
            if kid.unit.dimensionless:
                fn = _apply_fn(math.sqrt, self.plain(kid, "the argument", name))
                return make_node(fn, dimensionless(), kids, kid.bare)
            self.no_offset("sqrt()", kid)
            unit = cast(pint.Unit, kid.unit**0.5)
            return make_node(_apply_fn(math.sqrt, kid.fn), unit, kids)
        if name == "pow":
            return self.power(kid, kids[1])
        return self.extremum(name, kids)

    def extremum(self, name: str, kids: list[Node]) -> Node:
        """Compile min, max or clamp: operands converted to the first one's unit."""
        dimensioned = [k for k in kids if not k.bare]
        if not dimensioned:
            fns, unit = [k.fn for k in kids], dimensionless()
        else:
            unit = dimensioned[0].unit
            message = f"cannot compare {{}} and {{}} in {name}()"
            fns = [
                k.fn if k.bare else affine_fn(k.fn, *self.convert(k, unit, message))
                for k in kids
            ]
        if name == "clamp":
            fn = _clamp_fn(fns[0], fns[1], fns[2])
        else:
            fn = _extreme_fn(fns, largest=name == "max")
        return make_node(fn, unit, kids, not dimensioned)

    def convert_to(self, kid: Node, text: str) -> Node:
        """Compile to(kid, text): the affine conversion to the unit spelled ``text``."""
        target = self.unit(text)
        try:
            a, b = affine(kid.unit, target)
        except (pint.PintError, TypeError, ValueError):
            raise ExpressionError(
                f"unit mismatch: cannot convert {self.label(kid.unit)} to {text}",
                name=text,
            ) from None
        return make_node(affine_fn(kid.fn, a, b), target, [kid])

    def window_node(self, op: str, variable: str, index: int) -> Node:
        """Return the node reading window ``index``, an ``op`` over ``variable``.

        ``rate`` is in the variable's delta unit per second, ``integral`` in that unit
        times seconds, the other operators in the variable's unit.
        """
        unit = self.units[variable]
        if op == "rate":
            unit = delta(unit) / units().Unit("s")
        elif op == "integral":
            unit = delta(unit) * units().Unit("s")
        return Node(window_fn(index), unit)
