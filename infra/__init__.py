"""Infrastructure: settings, Kafka, the broker launcher, ClickHouse store, the CLI."""

from __future__ import annotations


class InfraError(Exception):
    """Base error of the infrastructure layer."""
