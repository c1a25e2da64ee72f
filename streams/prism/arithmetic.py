"""Build Prism nodes for operators, functions, to() and windows, checking units.

The AST walk of :mod:`streams.prism.compiler` hands every operand it has compiled to a
:class:`NodeBuilder`, which applies the unit rules documented in
:mod:`streams.prism.expression` (checks in :mod:`streams.prism.unit_rules`) and returns
a :class:`streams.prism.nodes.Node`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any, cast

import pint

from schemas.quantities import units
from streams.prism.functions import DIMENSIONLESS_FUNCTIONS, KEEP_UNIT_FUNCTIONS
from streams.prism.nodes import (
    ExpressionError,
    Node,
    affine_fn,
    apply_fn,
    binary_fn,
    clamp_fn,
    extreme_fn,
    linear_fn,
    make_node,
    variable_fn,
    window_fn,
)
from streams.prism.unit_rules import UnitRules
from streams.prism.units import affine, delta, dimensionless, is_offset

_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
    "**": math.pow,
}


class NodeBuilder(UnitRules):
    """Combines compiled nodes into new ones, checking and converting units."""

    def variable(self, name: str) -> Node:
        """Return the node of an input variable, in the unit the caller gave."""
        return Node(variable_fn(name), self.units[name])

    def negative(self, kid: Node) -> Node:
        """Return -kid."""
        return make_node(apply_fn(operator.neg, kid.fn), kid.unit, [kid], kid.bare)

    def arithmetic(self, symbol: str, a: Node, b: Node) -> Node:
        """Combine two nodes with ``+ - * / ** %``, checking units."""
        if symbol == "**":
            return self.power(a, b)
        if symbol in ("*", "/"):
            self.no_offset(symbol, a, b)
            unit = a.unit * b.unit if symbol == "*" else a.unit / b.unit
            fn = binary_fn(_ARITH[symbol], a.fn, b.fn)
            return make_node(fn, unit, [a, b], a.bare and b.bare)
        if symbol == "%":
            self.no_offset("%", a, b)
        if a.bare or b.bare:
            fn = binary_fn(_ARITH[symbol], a.fn, b.fn)
            unit = b.unit if a.bare else a.unit
            return make_node(fn, unit, [a, b], a.bare and b.bare)
        if symbol == "%":
            scale, _ = self.convert(b, a.unit, "cannot take {} modulo {}")
            fn = binary_fn(operator.mod, a.fn, affine_fn(b.fn, scale, 0.0))
            return make_node(fn, a.unit, [a, b])
        return self.additive(symbol, a, b)

    def additive(self, symbol: str, a: Node, b: Node) -> Node:
        """Compile + or - of two quantities with pint's result unit and offsets."""
        unit, ka, kb, c = self.additive_map(symbol, a, b)
        if ka == 1.0 and kb == (1.0 if symbol == "+" else -1.0) and c == 0.0:
            fn = binary_fn(_ARITH[symbol], a.fn, b.fn)
        else:
            fn = linear_fn(a.fn, ka, b.fn, kb, c)
        return make_node(fn, unit, [a, b])

    def additive_map(
        self, symbol: str, a: Node, b: Node
    ) -> tuple[pint.Unit, float, float, float]:
        """Return pint's unit of ``a +/- b`` and its map ``ka * a + kb * b + c``."""
        quantity = units().Quantity

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
        return unit, ka, kb, c

    def power(self, a: Node, b: Node) -> Node:
        """Compile a ** b (or pow): a unit on the base needs a constant exponent."""
        exponent = self.plain(b, "the exponent", "**")
        if a.unit.dimensionless:
            fn = binary_fn(math.pow, self.plain(a, "the base", "**"), exponent)
            return make_node(fn, dimensionless(), [a, b], a.bare and b.bare)
        self.no_offset("**", a)
        if b.const is None:
            raise ExpressionError(
                "the exponent of a quantity with a unit must be a constant", name="**"
            )
        value = exponent({}, ())
        unit = cast(pint.Unit, a.unit ** (int(value) if value.is_integer() else value))
        return make_node(binary_fn(math.pow, a.fn, exponent), unit, [a, b])

    def function(self, name: str, kids: list[Node]) -> Node:
        """Apply a non-window function other than to() to its compiled arguments."""
        kid = kids[0]
        if name in KEEP_UNIT_FUNCTIONS:
            fn = apply_fn(KEEP_UNIT_FUNCTIONS[name], kid.fn)
            return make_node(fn, kid.unit, kids, kid.bare)
        if name in DIMENSIONLESS_FUNCTIONS:
            argument = self.plain(kid, "the argument", name)
            fn = apply_fn(DIMENSIONLESS_FUNCTIONS[name], argument)
            return make_node(fn, dimensionless(), kids, kid.bare)
        if name == "sqrt":
            return self.sqrt(kid)
        if name == "pow":
            return self.power(kid, kids[1])
        return self.extremum(name, kids)

    def sqrt(self, kid: Node) -> Node:
        """Compile sqrt(kid): the square root of its unit, never an offset unit."""
        if kid.unit.dimensionless:
            fn = apply_fn(math.sqrt, self.plain(kid, "the argument", "sqrt"))
            return make_node(fn, dimensionless(), [kid], kid.bare)
        self.no_offset("sqrt()", kid)
        unit = cast(pint.Unit, kid.unit**0.5)
        return make_node(apply_fn(math.sqrt, kid.fn), unit, [kid])

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
            fn = clamp_fn(fns[0], fns[1], fns[2])
        else:
            fn = extreme_fn(fns, largest=name == "max")
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
