"""Stream processing: the Faust app, its agents and tables."""

from __future__ import annotations


class StreamsError(Exception):
    """Base error of the streams package."""
