"""LLM agents on litellm: NLQ, Argus, the watcher runtime and memory search."""

from __future__ import annotations

import os

# Before anything imports litellm: read its bundled cost map, never fetch one
# (no network at run time).
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
