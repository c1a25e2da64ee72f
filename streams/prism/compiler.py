"""Parse a Prism expression and walk its whitelisted AST into unit-checked nodes.

:func:`parse_expression` bounds the text (:data:`MAX_LENGTH` characters,
:data:`MAX_NODES` expression nodes) and parses it with :mod:`ast`, never ``eval``;
:class:`Compiler` accepts numbers, variables, the constants of
:data:`streams.prism.functions.CONSTANTS`, ``+ - * / ** %``, unary ``+ -`` and calls
of the functions of :data:`streams.prism.functions.ARITY` with positional arguments,
and refuses anything else with an :class:`ExpressionError` naming the construct.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Mapping

from streams.prism.arithmetic import NodeBuilder
from streams.prism.functions import ARITY, CONSTANTS
from streams.prism.nodes import ExpressionError, Node, const_node
from streams.prism.windows import WINDOW_OPS, Window, parse_duration

MAX_LENGTH = 1000
MAX_NODES = 200  # ast.expr nodes

_isfinite = math.isfinite
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


# -- parsing -----------------------------------------------------------------------


def parse_expression(text: str) -> ast.expr:
    """Return the AST of an expression's text, refusing text too long or complex."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression too long: {len(text)} characters (limit {MAX_LENGTH})"
        )
    source = text.strip()
    if not source:
        raise ExpressionError("expression is empty")
    tree = _parse(source)
    count = sum(isinstance(node, ast.expr) for node in ast.walk(tree))
    if count > MAX_NODES:
        raise ExpressionError(
            f"expression too complex: {count} nodes (limit {MAX_NODES})"
        )
    return tree.body


def _parse(source: str) -> ast.Expression:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source, mode="eval")
    except SyntaxError as ex:
        raise ExpressionError(f"syntax error: {ex.msg}") from None
    except (ValueError, RecursionError, MemoryError) as ex:
        raise ExpressionError(f"syntax error: {ex}") from None


# -- the walk ----------------------------------------------------------------------


def _unsupported(node: ast.AST) -> ExpressionError:
    kind = type(node).__name__
    what = _CONSTRUCTS.get(kind, kind)
    return ExpressionError(f"unsupported syntax: {what} ({kind})", name=kind)


def _check_arguments(name: str, node: ast.Call) -> None:
    """Refuse keyword or unpacked arguments and a wrong number of arguments."""
    args = node.args
    if node.keywords:
        raise ExpressionError(f"{name}() takes no keyword arguments", name=name)
    for arg in args:
        if isinstance(arg, ast.Starred):
            raise _unsupported(arg)
    low, high = ARITY[name]
    if len(args) < low or (high is not None and len(args) > high):
        count = str(low) if low == high else f"at least {low}"
        raise ExpressionError(
            f"{name}() takes {count} arguments, got {len(args)}", name=name
        )


class Compiler(NodeBuilder):
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
            return self.unary(node)
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
        if name in CONSTANTS:
            return const_node(CONSTANTS[name])
        raise ExpressionError(f"unknown variable '{name}'", name=name)

    def unary(self, node: ast.UnaryOp) -> Node:
        """Compile unary plus or minus."""
        if isinstance(node.op, ast.UAdd):
            return self.compile(node.operand)
        if not isinstance(node.op, ast.USub):
            raise _unsupported(node.op)
        return self.negative(self.compile(node.operand))

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
        if name not in ARITY:
            raise ExpressionError(f"unknown function '{name}'", name=name)
        _check_arguments(name, node)
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
        seconds = _window_seconds(op, spec)
        window = Window(op, arg.id, seconds)
        if window not in self.windows:
            self.windows.append(window)
        self.used.add(arg.id)
        return self.window_node(op, arg.id, self.windows.index(window))


def _window_seconds(op: str, spec: ast.expr) -> float:
    """Return the length of a window given as a constant duration."""
    value = spec.value if isinstance(spec, ast.Constant) else None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ExpressionError(
            f'{op}() needs a duration such as "5m" as its second argument', name=op
        )
    try:
        return parse_duration(value)
    except ValueError as ex:
        raise ExpressionError(f"{op}(): {ex}", name=str(value)) from None
