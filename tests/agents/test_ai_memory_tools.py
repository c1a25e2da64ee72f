"""The assistant's memory tools: their argument schemas match the domain rules."""

from __future__ import annotations

import jsonschema

from agents.ai_memory import RECALL_TOOL, REMEMBER_TOOL
from domain import ai_memory as rules


def test_tool_schemas_are_valid_and_follow_the_rules() -> None:
    for schema in (REMEMBER_TOOL, RECALL_TOOL):
        jsonschema.Draft202012Validator.check_schema(schema)
    remember = REMEMBER_TOOL["properties"]
    assert remember["memory_type"]["enum"] == list(rules.MEMORY_TYPES)
    assert remember["content"]["maxLength"] == rules.MAX_CONTENT
    assert RECALL_TOOL["properties"]["query"]["maxLength"] == rules.MAX_QUERY
    ok = {"content": "Pump 2 bearing replaced", "salience": 0.8}
    jsonschema.validate(ok, REMEMBER_TOOL)
    bad = jsonschema.Draft202012Validator(REMEMBER_TOOL)
    assert not bad.is_valid({"content": "x", "memory_type": "rumour"})
    assert not bad.is_valid({"content": "x", "salience": 2})
