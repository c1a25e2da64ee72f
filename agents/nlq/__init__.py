"""Natural-language queries: a model writes SQL over org views; Vigil checks it."""

from __future__ import annotations


class NlqError(Exception):
    """A natural-language query could not be answered."""
