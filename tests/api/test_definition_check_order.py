"""Alert rules and Prism fields answer the first problem in the order the API has
always checked them: the target or inputs, then the definition."""

from __future__ import annotations

import falcon.testing

from tests.api.conftest import register
from tests.api.test_telemetry import device_with_bindings

Api = falcon.testing.ASGIConductor
RULES = "/api/v1/alerts/rules/"
FIELDS = "/api/v1/prism/fields/"


async def test_a_foreign_rule_target_is_not_found_before_the_name_is_missing(
    api: Api,
) -> None:
    a, b = await register(api), await register(api)
    _, (binding,) = await device_with_bindings(api, a, "ORD-1", "co2.ppm")
    nameless = {"binding_id": binding, "condition": "above", "threshold": 1}
    r = await api.simulate_post(RULES, json=nameless, headers=b.auth)
    assert r.status_code == 404, r.text


async def test_an_unknown_quantity_is_named_before_a_missing_device(
    api: Api,
) -> None:
    a = await register(api)
    body = {"target_type": "device_quantity", "quantity_slug": "nope"}
    r = await api.simulate_post(RULES, json=body, headers=a.auth)
    assert r.status_code == 400 and r.json["field"] == "quantity_slug", r.text


async def test_a_foreign_rule_target_is_not_found_on_redefine(api: Api) -> None:
    a, b = await register(api), await register(api)
    _, (mine,) = await device_with_bindings(api, a, "ORD-2", "co2.ppm")
    _, (theirs,) = await device_with_bindings(api, b, "ORD-3", "co2.ppm")
    rule = {"name": "n", "binding_id": mine, "condition": "above", "threshold": 1}
    made = await api.simulate_post(RULES, json=rule, headers=a.auth)
    assert made.status_code == 201, made.text
    url = f"{RULES}{made.json['id']}/"
    moved = {"binding_id": theirs, "severity": "meh"}
    r = await api.simulate_patch(url, json=moved, headers=a.auth)
    assert r.status_code == 404, r.text


async def test_a_field_using_no_input_is_refused_before_the_name_is_missing(
    api: Api,
) -> None:
    a = await register(api)
    _, (binding,) = await device_with_bindings(api, a, "ORD-4", "co2.ppm")
    body = {"inputs": {"a": binding}, "expression": "1+1"}
    r = await api.simulate_post(FIELDS, json=body, headers=a.auth)
    assert r.status_code == 400 and r.json["field"] == "expression", r.text
    assert r.json["error"] == "expression: uses none of the inputs"


async def test_each_input_is_checked_whole_before_the_next(api: Api) -> None:
    a, b = await register(api), await register(api)
    _, (binding,) = await device_with_bindings(api, a, "ORD-5", "co2.ppm")
    body = {"inputs": {"a": binding, "b": 5}, "expression": "a"}
    r = await api.simulate_post(FIELDS, json=body, headers=b.auth)
    assert r.status_code == 400 and r.json["field"] == "inputs.a", r.text
