"""Avro schemas of every event, their stable ids and the Confluent wire codec."""

from __future__ import annotations


class SchemaError(Exception):
    """Base error of the schemas package: unknown schema id, bad framing, bad body."""
