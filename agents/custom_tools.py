"""Custom tools: their parameter schemas, and calling their webhooks.

The reference shows ``parameter_schema`` as a map of parameter name to its JSON
schema (``{"message": {"type": "string"}}``); a full object schema (with
``type: object`` or ``properties``) is taken as it is. Either way the agent sees,
and arguments are checked against, one object schema.
"""

from __future__ import annotations

import time
from typing import Any

import jsonschema

from agents.outbound import Delivery, OutboundPolicy, post_json


class SchemaInvalid(ValueError):
    """A parameter schema that is not a valid JSON schema."""


def object_schema(parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters as one JSON object schema."""
    if parameters.get("type") == "object" or "properties" in parameters:
        return {"type": "object", **parameters}
    return {"type": "object", "properties": dict(parameters)}


def check_schema(parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters unchanged, or :class:`SchemaInvalid` naming the problem."""
    schema = object_schema(parameters)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as ex:
        raise SchemaInvalid(ex.message) from ex
    for name, sub in schema.get("properties", {}).items():
        if not isinstance(sub, dict):
            raise SchemaInvalid(f"parameter {name} must be described by an object")
    return parameters


def sample_arguments(parameters: dict[str, Any]) -> dict[str, Any]:
    """Arguments that fit the schema's declared types, for a test call."""
    samples = {
        "string": "Test from Vigil",
        "number": 1.0,
        "integer": 1,
        "boolean": True,
        "array": [],
        "object": {},
    }
    properties = object_schema(parameters).get("properties", {})
    return {
        name: samples.get(str(sub.get("type", "string")), "Test from Vigil")
        for name, sub in properties.items()
        if isinstance(sub, dict)
    }


async def call_webhook(
    url: str,
    tool_name: str,
    arguments: dict[str, Any],
    *,
    watcher_id: str,
    headers: dict[str, str],
    secret: str,
    policy: OutboundPolicy,
    test: bool = False,
) -> Delivery:
    """POST a tool call to its webhook through the SSRF-guarded client."""
    payload = {
        "tool": tool_name,
        "arguments": arguments,
        "watcher_id": watcher_id,
        "test": test,
        "sent_at": int(time.time()),
    }
    return await post_json(url, payload, headers=headers, secret=secret, policy=policy)
