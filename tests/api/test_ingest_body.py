"""Ingest answers every body as before the fast path: the body-level errors,
content types, hardware ids and per-item verdicts, over HTTP."""

from __future__ import annotations

from typing import Any

import falcon.testing
import pytest

from tests.api.conftest import register

Api = falcon.testing.ASGIConductor
JSON = "application/json"
OK = '{"binding_id":"BINDING","value":21.5}'
BAD = '{"binding_id":"BINDING","value":true}'
TIMED = '{"binding_id":"BINDING","value":1,"quality":7,"timestamp":"2026-01-01T00:%02d:00Z"}'


@pytest.fixture(scope="module")
async def gateway(api: Api) -> dict[str, str]:
    a = await register(api)
    dev = await api.simulate_post(
        "/api/v1/devices/",
        json={"hardware_id": "SIM-001", "display_name": "Pump"},
        headers=a.auth,
    )
    b = await api.simulate_post(
        f"/api/v1/devices/{dev.json['id']}/bindings/",
        json={"channel": 0, "quantity_slug": "temperature.celsius"},
        headers=a.auth,
    )
    r = await api.simulate_post(
        "/api/v1/ingest/tokens/", json={"name": "gw"}, headers=a.auth
    )
    return {"binding": b.json["id"], "token": r.json["raw_token"]}


def measurements(*items: str) -> str:
    return '{"hardware_id":"SIM-001","measurements":[' + ",".join(items) + "]}"


CASES: dict[str, tuple[str, str]] = {
    # name: (content type, body with BINDING for the binding's id)
    "empty": (JSON, ""),
    "not json": (JSON, "{nope"),
    "bad utf-8": (JSON, measurements(OK).replace("SIM-001", "SIM-\udcff")),
    "byte order mark": (JSON, "\ufeff" + measurements(OK)),
    "an array": (JSON, "[]"),
    "null": (JSON, "null"),
    "no measurements": (JSON, '{"hardware_id":"SIM-001"}'),
    "no measurement": (JSON, measurements()),
    "measurements an object": (JSON, '{"hardware_id":"SIM-001","measurements":{}}'),
    "blank hardware id": (JSON, measurements(OK).replace("SIM-001", "  ")),
    "numeric hardware id": (JSON, measurements(OK).replace('"SIM-001"', "5")),
    "long hardware id": (JSON, measurements(OK).replace("SIM-001", "S" * 129)),
    "unknown device": (JSON, measurements(OK).replace("SIM-001", "NOPE")),
    "infinite value": (JSON, measurements(OK.replace("21.5", "1e400"))),
    "upper-case media type": ("Application/JSON", measurements(OK)),
    "other json media type": ("application/vnd.vigil+json", measurements(OK)),
    "padded hardware id": (JSON, measurements(OK).replace("SIM-001", " SIM-001 ")),
    "charset": ("application/json; charset=utf-8", measurements(OK, OK)),
    "extra field": (JSON, measurements(OK).replace("}]", '}],"note":1')),
    "partial": (JSON, measurements(OK, BAD, OK)),
    "all invalid": (JSON, measurements(BAD, BAD)),
    # Bodies large enough for the fast path (MIN_FAST_BODY):
    "many": (JSON, measurements(*[OK] * 300)),
    "many timed": (JSON, measurements(*[TIMED % (i % 60) for i in range(300)])),
    "many with one invalid": (JSON, measurements(*[OK] * 150, BAD, *[OK] * 149)),
    "many, one ahead": (JSON, measurements(*[OK] * 299, OK.replace("}", ',"timestamp":"2999-01-01T00:00:00Z"}'))),
    "many, one lower-case z": (JSON, measurements(*[OK] * 299, TIMED.replace("Z", "z") % 1)),
    "many, atomic": (JSON + "; charset=utf-8", measurements(*[OK] * 299, BAD)),
    "many, extra field": (JSON, measurements(*[OK] * 300).replace("}]", '}],"note":1')),
    "many, padded hardware id": (JSON, measurements(*[OK] * 300).replace("SIM-001", " SIM-001 ")),
    "many, blank hardware id": (JSON, measurements(*[OK] * 300).replace("SIM-001", "")),
    "many, unknown device": (JSON, measurements(*[OK] * 300).replace("SIM-001", "NOPE")),
    "many, other binding": (JSON, measurements(*[OK] * 300, OK.replace("BINDING", "nope"))),
}  # fmt: skip
# What the app answered before the fast path (recorded from that commit); since
# then a body that is not JSON is answered in words, not the decoder's text.
EXPECTED: dict[str, tuple[int, dict[str, Any]]] = {
    'empty': (400, {'error': 'a JSON body is required'}),
    'not json': (400, {'error': 'request body is not valid JSON: unexpected character, expected a string key (line 1, column 2)'}),
    'bad utf-8': (400, {'error': 'request body is not valid UTF-8'}),
    'byte order mark': (400, {'error': 'request body is not valid JSON: UTF-8 byte order mark (BOM) is not supported (line 1, column 1)'}),
    'an array': (400, {'error': 'body: must be a JSON object', 'field': 'body'}),
    'null': (400, {'error': 'a JSON body is required'}),
    'no measurements': (400, {'error': 'measurements: must be a non-empty array', 'field': 'measurements'}),
    'no measurement': (400, {'error': 'measurements: must be a non-empty array', 'field': 'measurements'}),
    'measurements an object': (400, {'error': 'measurements: must be a non-empty array', 'field': 'measurements'}),
    'blank hardware id': (400, {'error': 'hardware_id: must not be empty', 'field': 'hardware_id'}),
    'numeric hardware id': (400, {'error': 'hardware_id: must be a string', 'field': 'hardware_id'}),
    'long hardware id': (400, {'error': 'hardware_id: must be at most 128 characters', 'field': 'hardware_id'}),
    'unknown device': (404, {'error': "no device with hardware_id 'NOPE'"}),
    'infinite value': (400, {'error': 'request body is not valid JSON: number is infinity when parsed as double (line 1, column 103)'}),
    'upper-case media type': (415, {'error': 'Application/JSON is an unsupported media type.'}),
    'other json media type': (415, {'error': 'application/vnd.vigil+json is an unsupported media type.'}),
    'padded hardware id': (202, {'accepted': 1, 'rejected': 0, 'errors': []}),
    'charset': (202, {'accepted': 2, 'rejected': 0, 'errors': []}),
    'extra field': (202, {'accepted': 1, 'rejected': 0, 'errors': []}),
    'partial': (202, {'accepted': 2, 'rejected': 1, 'errors': [{'index': 1, 'field': 'value', 'error': 'must be a number, a string or an object'}]}),
    'all invalid': (400, {'error': 'no valid measurements; nothing was stored', 'accepted': 0, 'rejected': 2, 'errors': [{'index': 0, 'field': 'value', 'error': 'must be a number, a string or an object'}, {'index': 1, 'field': 'value', 'error': 'must be a number, a string or an object'}]}),
    'many': (202, {'accepted': 300, 'rejected': 0, 'errors': []}),
    'many timed': (202, {'accepted': 300, 'rejected': 0, 'errors': []}),
    'many with one invalid': (202, {'accepted': 299, 'rejected': 1, 'errors': [{'index': 150, 'field': 'value', 'error': 'must be a number, a string or an object'}]}),
    'many, one ahead': (202, {'accepted': 299, 'rejected': 1, 'errors': [{'index': 299, 'field': 'timestamp', 'error': 'more than 10 minutes in the future'}]}),
    'many, one lower-case z': (202, {'accepted': 299, 'rejected': 1, 'errors': [{'index': 299, 'field': 'timestamp', 'error': "not an ISO-8601 time: '2026-01-01T00:01:00z'"}]}),
    'many, atomic': (400, {'error': 'invalid measurements; nothing was stored', 'accepted': 0, 'rejected': 1, 'errors': [{'index': 299, 'field': 'value', 'error': 'must be a number, a string or an object'}]}),
    'many, extra field': (202, {'accepted': 300, 'rejected': 0, 'errors': []}),
    'many, padded hardware id': (202, {'accepted': 300, 'rejected': 0, 'errors': []}),
    'many, blank hardware id': (400, {'error': 'hardware_id: must not be empty', 'field': 'hardware_id'}),
    'many, unknown device': (404, {'error': "no device with hardware_id 'NOPE'"}),
    'many, other binding': (202, {'accepted': 300, 'rejected': 1, 'errors': [{'index': 300, 'field': 'binding_id', 'error': 'not an active binding of this device'}]}),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
async def test_ingest_answers_each_body_as_before(
    api: Api, gateway: dict[str, str], case: str
) -> None:
    content_type, text = CASES[case]
    raw = text.replace("BINDING", gateway["binding"])
    r = await api.simulate_post(
        "/api/v1/ingest/",
        params={"mode": "atomic"} if "atomic" in case else None,
        body=raw.encode("utf-8", "surrogateescape"),
        headers={
            "Authorization": f"Bearer {gateway['token']}",
            "Content-Type": content_type,
        },
    )
    answer = {
        k: v for k, v in (r.json or {}).items() if k not in ("batch_id", "device_id")
    }
    assert (r.status_code, answer) == EXPECTED[case]
