"""The names a Prism expression may use: its functions, their arity and constants.

:data:`KEEP_UNIT_FUNCTIONS` keep their argument's unit; :data:`DIMENSIONLESS_FUNCTIONS`
need a dimensionless argument. ``sqrt``, ``pow``, ``min``, ``max``, ``clamp``, ``to``
and the windowed operators (:data:`streams.prism.windows.WINDOW_OPS`) have their own
unit rules in :mod:`streams.prism.arithmetic`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from streams.prism.windows import WINDOW_OPS

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
CONSTANTS = {"pi": math.pi, "e": math.e}
ARITY: dict[str, tuple[int, int | None]] = {
    **dict.fromkeys(("sqrt", *KEEP_UNIT_FUNCTIONS, *DIMENSIONLESS_FUNCTIONS), (1, 1)),
    **dict.fromkeys(("pow", "to", *WINDOW_OPS), (2, 2)),
    "min": (2, None),
    "max": (2, None),
    "clamp": (3, 3),
}  # name -> (least, most) positional arguments; None for no limit
FUNCTIONS: tuple[str, ...] = tuple(sorted(ARITY))
