"""Projections: ClickHouse migrations, projectors (topic to table), read models."""

from __future__ import annotations


class ProjectionError(Exception):
    """Base error of the projections package."""
