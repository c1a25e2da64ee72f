"""LLM agents on litellm: NLQ, Argus, the watcher runtime and memory search."""

from __future__ import annotations
