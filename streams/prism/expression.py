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
:mod:`streams.prism.windows`) take an input variable and a duration (``"30s"``,
``"5m"``, ``"1h"``, ``"1d"`` or seconds, up to 7 days). ``rate`` is in the variable's
(delta) unit per second, ``integral`` in that unit times seconds.

Evaluation never raises for numeric problems: a domain error, division by zero,
overflow, a non-finite input or result, or a window without enough points gives None.

Layout: this module parses the text, walks the whitelisted AST (syntax, names,
function arity, window arguments) and holds :class:`Program`;
:mod:`streams.prism.nodes` builds the unit-checked float closures,
:mod:`streams.prism.units` wraps pint (guarded unit parsing, affine maps, unit names)
and :mod:`streams.prism.windows` keeps the window buffers.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import pint

from streams.prism.nodes import (
    DIMENSIONLESS_FUNCTIONS,
    KEEP_UNIT_FUNCTIONS,
    ExpressionError,
    Fn,
    Node,
    NodeBuilder,
    affine_fn,
    const_node,
)
from streams.prism.units import affine
from streams.prism.windows import WINDOW_OPS, Window, WindowState, parse_duration

__all__ = [
    "FUNCTIONS",
    "ExpressionError",
    "Program",
    "Window",
    "WindowState",
    "compile_expression",
]

MAX_LENGTH = 1000
MAX_NODES = 200  # ast.expr nodes

_isfinite = math.isfinite
_CONSTANTS = {"pi": math.pi, "e": math.e}
_ARITY: dict[str, tuple[int, int | None]] = {
    **dict.fromkeys(("sqrt", *KEEP_UNIT_FUNCTIONS, *DIMENSIONLESS_FUNCTIONS), (1, 1)),
    **dict.fromkeys(("pow", "to", *WINDOW_OPS), (2, 2)),
    "min": (2, None),
    "max": (2, None),
    "clamp": (3, 3),
}
FUNCTIONS: tuple[str, ...] = tuple(sorted(_ARITY))
_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.Mod: "%",
}
_CONSTRUCTS = {
    "Attribute": "attribute access",
    "Subscript": "subscripts",
    "Lambda": "lambdas",
    "Compare": "comparisons",
    "BoolOp": "boolean operators",
    "IfExp": "conditional expressions",
    "NamedExpr": "assignments",
    "Starred": "argument unpacking",
    "JoinedStr": "f-strings",
    **dict.fromkeys(
        ("ListComp", "SetComp", "DictComp", "GeneratorExp"), "comprehensions"
    ),
    **dict.fromkeys(("List", "Tuple", "Set", "Dict"), "containers"),
    "FloorDiv": "operator //",
    "MatMult": "operator @",
    "BitXor": "operator ^ (use ** for powers)",
    **dict.fromkeys(("BitAnd", "BitOr", "LShift", "RShift", "Invert"), "bit operators"),
    "Not": "operator not",
}


# -- compiler ----------------------------------------------------------------------


def _unsupported(node: ast.AST) -> ExpressionError:
    kind = type(node).__name__
    what = _CONSTRUCTS.get(kind, kind)
    return ExpressionError(f"unsupported syntax: {what} ({kind})", name=kind)


class _Compiler(NodeBuilder):
    """Walks a whitelisted AST into nodes, tracking used variables and windows."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        super().__init__(variables)
        self.used: set[str] = set()
        self.windows: list[Window] = []

    def compile(self, node: ast.AST) -> Node:
        """Compile one whitelisted node."""
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.compile(node.operand)
            if not isinstance(node.op, ast.USub):
                raise _unsupported(node.op)
            return self.negative(self.compile(node.operand))
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise _unsupported(node)

    def constant(self, value: object) -> Node:
        """Compile a number literal."""
        if isinstance(value, str):
            raise ExpressionError(
                "a string is only allowed as the unit of to() or a window duration",
                name=value,
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(f"unsupported constant {value!r}", name=repr(value))
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not _isfinite(number):
            raise ExpressionError(f"number too large: {str(value)[:20]}")
        return const_node(number)

    def name(self, name: str) -> Node:
        """Compile an input variable or a named constant."""
        if name in self.units:
            self.used.add(name)
            return self.variable(name)
        if name in _CONSTANTS:
            return const_node(_CONSTANTS[name])
        raise ExpressionError(f"unknown variable '{name}'", name=name)

    def binary(self, node: ast.BinOp) -> Node:
        """Compile an arithmetic operator, checking units."""
        symbol = _OPERATORS.get(type(node.op))
        if symbol is None:
            raise _unsupported(node.op)
        return self.arithmetic(
            symbol, self.compile(node.left), self.compile(node.right)
        )

    def call(self, node: ast.Call) -> Node:
        """Compile a call of a whitelisted function."""
        if not isinstance(node.func, ast.Name):
            raise _unsupported(node.func)
        name, args = node.func.id, node.args
        if name not in _ARITY:
            raise ExpressionError(f"unknown function '{name}'", name=name)
        if node.keywords:
            raise ExpressionError(f"{name}() takes no keyword arguments", name=name)
        for arg in args:
            if isinstance(arg, ast.Starred):
                raise _unsupported(arg)
        low, high = _ARITY[name]
        if len(args) < low or (high is not None and len(args) > high):
            count = str(low) if low == high else f"at least {low}"
            raise ExpressionError(
                f"{name}() takes {count} arguments, got {len(args)}", name=name
            )
        if name in WINDOW_OPS:
            return self.window(name, args[0], args[1])
        if name == "to":
            return self.to(args[0], args[1])
        return self.function(name, [self.compile(arg) for arg in args])

    def to(self, arg: ast.expr, spec: ast.expr) -> Node:
        """Compile to(x, "unit")."""
        text = spec.value if isinstance(spec, ast.Constant) else None
        if not isinstance(text, str):
            raise ExpressionError(
                'to() needs a unit string such as "kW" as its second argument',
                name="to",
            )
        return self.convert_to(self.compile(arg), text)

    def window(self, op: str, arg: ast.expr, spec: ast.expr) -> Node:
        """Compile a windowed operator over an input variable."""
        if not isinstance(arg, ast.Name):
            raise ExpressionError(
                f"the first argument of {op}() must be an input variable", name=op
            )
        if arg.id not in self.units:
            raise ExpressionError(f"unknown variable '{arg.id}'", name=arg.id)
        value = spec.value if isinstance(spec, ast.Constant) else None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ExpressionError(
                f'{op}() needs a duration such as "5m" as its second argument', name=op
            )
        try:
            seconds = parse_duration(value)
        except ValueError as ex:
            raise ExpressionError(f"{op}(): {ex}", name=str(value)) from None
        window = Window(op, arg.id, seconds)
        if window not in self.windows:
            self.windows.append(window)
        self.used.add(arg.id)
        return self.window_node(op, arg.id, self.windows.index(window))


# -- programs ----------------------------------------------------------------------


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
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression too long: {len(text)} characters (limit {MAX_LENGTH})"
        )
    source = text.strip()
    if not source:
        raise ExpressionError("expression is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as ex:
        raise ExpressionError(f"syntax error: {ex.msg}") from None
    except (ValueError, RecursionError, MemoryError) as ex:
        raise ExpressionError(f"syntax error: {ex}") from None
    count = sum(isinstance(node, ast.expr) for node in ast.walk(tree))
    if count > MAX_NODES:
        raise ExpressionError(
            f"expression too complex: {count} nodes (limit {MAX_NODES})"
        )
    compiler = _Compiler(variables)
    root = compiler.compile(tree.body)
    fn, label = root.fn, compiler.label(root.unit)
    if unit is not None and unit.strip():
        declared = compiler.unit(unit)
        try:
            a, b = affine(root.unit, declared)
        except (pint.PintError, TypeError, ValueError):
            raise ExpressionError(
                f"declared unit '{unit}' is incompatible with the expression's "
                f"unit {label}",
                name=unit,
            ) from None
        fn, label = affine_fn(fn, a, b), unit.strip()
    return Program(
        text=text,
        variables=tuple(sorted(compiler.used)),
        unit=label,
        windows=tuple(compiler.windows),
        _root=fn,
    )
