"""Unit rules of Prism computed fields: parse, name, check and convert node units.

The checks every node builder applies (the rules themselves are documented in
:mod:`streams.prism.expression`):

* unit conversions are affine maps computed once (:func:`streams.prism.units.affine`),
  so ``+ -`` across units and offset units cost one multiply-add at run time;
* units in messages and in :attr:`streams.prism.expression.Program.unit` are named
  as the caller spelled them, else by :func:`streams.prism.units.symbol`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pint

from streams.prism.nodes import ExpressionError, Fn, Node, affine_fn
from streams.prism.units import affine, dimensionless, is_offset, parse_unit
from streams.prism.units import symbol as unit_symbol


class UnitRules:
    """Parses and names units and checks the units of compiled nodes."""

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
