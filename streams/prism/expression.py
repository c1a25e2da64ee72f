"""Prism computed fields: a safe, unit-checked expression engine (pure: no I/O).

A field is an expression over named input variables, e.g. ``voltage * current``,
``to(t, "degF")`` or ``to(integral(power, "1h"), "kWh")``. :func:`compile_expression`
parses it with :mod:`ast` and walks a whitelist (numbers, variables, ``pi``, ``e``,
``+ - * / ** %``, unary ``+ -`` and calls of :data:`FUNCTIONS` with positional
arguments); anything else is an :class:`ExpressionError`, and user text never reaches
``eval``. The tree becomes nested closures over floats, constant parts folded, so
:meth:`Program.evaluate` costs about a microsecond plus its windows.

Units are checked once, at compile time, with pint's shared registry; evaluation
works on plain floats, each variable in its own unit:

* ``+ - %`` and ``min``/``max``/``clamp`` need compatible dimensions ("unit
  mismatch" otherwise). The result follows pint: ``V + mV`` is in V, ``degC - degC``
  in ``delta_degC``, ``degC + degC`` is refused. A *bare number* (literal, ``pi``,
  ``e`` or arithmetic on them) has no unit and takes the unit of the quantity it is
  combined with, so ``voltage + 5`` adds 5 V and ``clamp(voltage, 0, 250)`` is valid.
* ``* / **`` and ``sqrt`` combine units; a base with a unit needs a constant exponent.
  ``log``, ``log10``, ``exp`` and the trig functions need a dimensionless argument
  (an angle in degrees is converted to radians, a percentage to a fraction).
* Offset units (degC, degF) are refused in ``* / ** % sqrt`` (pint itself is
  inconsistent there: ``degC * 2`` keeps degC, ``degC / 2`` raises): convert first
  (``to(t, "K")``) or take a difference, which is a ``delta_degC``.
* ``to(x, "unit")`` and a declared output unit convert with pint's affine map
  (``to(t, "degF")`` is 212 for t = 100 degC).
* :attr:`Program.unit` is the declared unit as written; else the unit as the caller
  wrote it for a variable or in ``to()``; else a named SI unit equal to it with factor
  1 (``V*A`` is ``W``); else pint's compact symbol; ``dimensionless`` for none.

Windowed operators (``mavg rate integral wmin wmax``; semantics in
:mod:`streams.prism.window_buffers`) take an input variable and a duration (``"30s"``,
``"5m"``, ``"1h"``, ``"1d"`` or seconds, up to 7 days). ``rate`` is in the variable's
(delta) unit per second, ``integral`` in that unit times seconds.

Evaluation never raises for numeric problems: a domain error, division by zero,
overflow, a non-finite input or result, or a window without enough points gives None.

Layout: this module holds :class:`Program` and :func:`compile_expression`;
:mod:`streams.prism.compiler` parses the text and walks the whitelisted AST (syntax,
names, function arity, window arguments); :mod:`streams.prism.functions` lists the
functions and constants; :mod:`streams.prism.arithmetic` builds the float closures of
:mod:`streams.prism.nodes`, checked by :mod:`streams.prism.unit_rules`;
:mod:`streams.prism.units` wraps pint (guarded unit parsing, affine maps, unit names);
:mod:`streams.prism.windows` and :mod:`streams.prism.window_buffers` keep the windows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import pint

from streams.prism.compiler import Compiler, parse_expression
from streams.prism.functions import FUNCTIONS
from streams.prism.nodes import ExpressionError, Fn, Node, affine_fn
from streams.prism.units import affine
from streams.prism.windows import Window, WindowState

__all__ = [
    "FUNCTIONS",
    "ExpressionError",
    "Program",
    "Window",
    "WindowState",
    "compile_expression",
]

_isfinite = math.isfinite


@dataclass(frozen=True)
class Program:
    """A compiled field: evaluate it per aligned instant with its window state."""

    text: str
    variables: tuple[str, ...]  # the input variables the expression uses, sorted
    unit: str  # output unit as a pint string; "dimensionless" for none
    windows: tuple[Window, ...]
    _root: Fn = field(repr=False, compare=False)

    def evaluate(
        self, values: Mapping[str, float], ts: float, state: WindowState
    ) -> float | None:
        """Record the values in the window buffers, then compute; None if undefined."""
        try:
            inputs = [values[name] for name in self.variables]
        except KeyError as ex:
            name = str(ex.args[0])
            raise ExpressionError(
                f"no value for variable '{name}'", name=name
            ) from None
        window_values: Sequence[float] = ()
        if self.windows:
            results = [state.observe(w, ts, values[w.variable]) for w in self.windows]
            if any(r is None or not _isfinite(r) for r in results):
                return None
            window_values = cast("list[float]", results)
        for value in inputs:
            if not _isfinite(value):
                return None
        try:
            result = float(self._root(values, window_values))
        except (ArithmeticError, ValueError):
            return None
        return result if _isfinite(result) else None


def compile_expression(
    text: str, variables: Mapping[str, str], unit: str | None = None
) -> Program:
    """Compile a field over input variables (name -> unit string), checking units.

    ``unit`` is an optional declared output unit (None or blank: the expression's
    own); it must be compatible with the expression's unit, which is converted to it.
    """
    tree = parse_expression(text)
    compiler = Compiler(variables)
    fn, label = _output(compiler, compiler.compile(tree), unit)
    return Program(
        text=text,
        variables=tuple(sorted(compiler.used)),
        unit=label,
        windows=tuple(compiler.windows),
        _root=fn,
    )


def _output(compiler: Compiler, root: Node, unit: str | None) -> tuple[Fn, str]:
    """Return the program's closure and unit label, converted to a declared unit."""
    label = compiler.label(root.unit)
    if unit is None or not unit.strip():
        return root.fn, label
    declared = compiler.unit(unit)
    try:
        a, b = affine(root.unit, declared)
    except (pint.PintError, TypeError, ValueError):
        raise ExpressionError(
            f"declared unit '{unit}' is incompatible with the expression's "
            f"unit {label}",
            name=unit,
        ) from None
    return affine_fn(root.fn, a, b), unit.strip()
