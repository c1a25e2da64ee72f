"""POST /api/v1/ai/nlq/ on the real app: ingest, ask, and the checker between
the model and ClickHouse."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from statistics import fmean
from typing import Any

import falcon.testing
import pytest

from api.app import VigilApp, create_app
from infra.broker import TansuBroker
from tests.api.conftest import Account, api_settings, register
from tests.api.test_telemetry import at, device_with_bindings, eventually, gateway

Api = falcon.testing.ASGIConductor
NLQ = "/api/v1/ai/nlq/"
VALUES = [21.5, 22.0, 23.25, 24.0, 22.75]  # 50, 40, ... 10 minutes ago


@pytest.fixture(scope="module")
async def app(broker: TansuBroker, data_dir: Path) -> AsyncIterator[VigilApp]:
    yield create_app(api_settings(broker, data_dir))


@pytest.fixture(scope="module")
async def api(app: VigilApp) -> AsyncIterator[Api]:
    async with falcon.testing.ASGIConductor(app) as conductor:
        yield conductor


@pytest.fixture
def queries(app: VigilApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL text sent to ClickHouse while the test runs (a spy, not a mock)."""
    seen: list[str] = []
    store = app.parts.store
    real = store.query

    async def spy(sql: str, *args: Any, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        if task is None or task.get_name() != "presence":  # the app's own refresh
            seen.append(sql)
        return await real(sql, *args, **kwargs)

    monkeypatch.setattr(store, "query", spy)
    return seen


async def ingest(api: Api, a: Account, hw: str, values: list[float]) -> str:
    """A device named ``Pump <hw>`` with a temperature binding, holding ``values``."""
    device_id, (binding,) = await device_with_bindings(
        api, a, hw, "temperature.celsius"
    )
    measurements = [
        {"binding_id": binding, "value": v, "timestamp": at(50 - 10 * i)}
        for i, v in enumerate(values)
    ]
    r = await api.simulate_post(
        "/api/v1/ingest/",
        headers=await gateway(api, a, hw),
        json={"hardware_id": hw, "measurements": measurements},
    )
    assert r.status_code == 202, r.text
    await eventually(api, a, [binding], len(values), start="-2h")
    return device_id


@pytest.fixture(scope="module")
async def orgs(api: Api) -> dict[str, Any]:
    mine, other = await register(api, "mine"), await register(api, "other")
    device = await ingest(api, mine, "NLQ-1", VALUES)
    # Another org's device with the same name and far other readings.
    other_device = await ingest(api, other, "NLQ-1", [500.0, 600.0])
    return {"a": mine, "b": other, "device": device, "other_device": other_device}


async def ask(api: Api, a: Account, question: Any) -> Any:
    return await api.simulate_post(NLQ, json={"question": question}, headers=a.auth)


async def test_average_temperature_of_the_last_hour(
    api: Api, orgs: dict[str, Any]
) -> None:
    r = await ask(
        api,
        orgs["a"],
        "What was the average temperature of Pump NLQ-1 in the last hour?",
    )
    assert r.status_code == 200, r.text
    body = r.json
    assert set(body) == {"answer", "sql", "chart_data"}
    mean = fmean(VALUES)  # 22.7
    assert body["answer"] == (
        f"The average temperature of Pump NLQ-1 in the last hour was {mean:g} °C."
    )
    chart = body["chart_data"]
    assert chart["type"] == "stat" and chart["series"][0]["unit"] == "°C"
    assert chart["series"][0]["values"][0] == pytest.approx(mean)
    assert body["sql"].startswith(
        "SELECT device, quantity, unit, avg(value) AS average"
    )
    assert "FROM measurements WHERE" in body["sql"] and "nlq_org" not in body["sql"]


async def test_trend_is_a_line_chart(api: Api, orgs: dict[str, Any]) -> None:
    r = await ask(api, orgs["a"], "temperature trend of Pump NLQ-1 in the last 2 hours")
    chart = r.json["chart_data"]
    assert r.status_code == 200 and chart["type"] == "line"
    values = [v for v in chart["series"][0]["values"] if v is not None]
    assert sorted(values) == sorted(VALUES)  # one reading per minute bucket


async def test_another_org_never_sees_this_orgs_data(
    api: Api, orgs: dict[str, Any]
) -> None:
    r = await ask(api, orgs["b"], "average temperature of Pump NLQ-1 in the last hour")
    assert r.json["chart_data"]["series"][0]["values"][0] == pytest.approx(550.0)
    everything = await ask(api, orgs["b"], "average temperature today")
    assert everything.json["chart_data"]["series"][0]["values"][0] == pytest.approx(
        550.0
    )


async def test_another_orgs_device_id_is_not_understood(
    api: Api, orgs: dict[str, Any], queries: list[str]
) -> None:
    question = f"average temperature of {orgs['other_device']} in the last hour"
    r = await ask(api, orgs["a"], question)
    assert r.status_code == 200
    assert r.json["sql"] is None and r.json["chart_data"] is None
    assert "could not understand" in r.json["answer"]
    assert queries == []


@pytest.mark.parametrize(
    "question",
    [
        "'; DROP TABLE measurements; --",
        "SELECT * FROM system.users",
        "average temperature from url('http://169.254.169.254/') today",
        "What is the weather tomorrow?",
    ],
)
async def test_injection_in_the_question_never_reaches_clickhouse(
    api: Api, orgs: dict[str, Any], queries: list[str], question: str
) -> None:
    r = await ask(api, orgs["a"], question)
    assert r.status_code == 200
    assert r.json["sql"] is None and r.json["chart_data"] is None
    assert "could not understand" in r.json["answer"]
    assert queries == []


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("SELECT * FROM system.users", "only the views"),
        ("SELECT 1 FROM measurements; DROP TABLE measurements", "one statement"),
        ("SELECT * FROM url('http://x', CSV, 'a String')", "table functions"),
        ("SELECT * FROM file('/etc/passwd')", "table functions"),
        ("SELECT value FROM measurements SETTINGS readonly=0", "SETTINGS"),
    ],
)
async def test_a_model_writing_bad_sql_is_stopped_by_the_checker(
    api: Api, orgs: dict[str, Any], queries: list[str], sql: str, refusal: str
) -> None:
    # The offline model runs a `CALL tool {json}` question as written: a stand-in
    # for a real model that was talked into writing this SQL.
    script = "CALL run_sql " + json.dumps({"sql": sql})
    r = await ask(api, orgs["a"], script)
    assert r.status_code == 200
    assert r.json["sql"] is None and refusal in r.json["answer"]
    assert queries == []


async def test_scripted_sql_runs_only_over_the_callers_rows(
    api: Api, orgs: dict[str, Any]
) -> None:
    sql = "SELECT device, count() AS n, max(value) AS top FROM measurements GROUP BY device"
    r = await ask(api, orgs["a"], "CALL run_sql " + json.dumps({"sql": sql}))
    assert r.json["sql"] == sql + " LIMIT 1000"
    assert r.json["chart_data"] == {
        "type": "stat",
        "series": [
            {"label": "Pump NLQ-1 n", "unit": "", "values": [len(VALUES)]},
            {"label": "Pump NLQ-1 top", "unit": "", "values": [max(VALUES)]},
        ],
    }


async def test_question_outside_the_grammar_is_answered_honestly(
    api: Api, orgs: dict[str, Any]
) -> None:
    r = await ask(api, orgs["a"], "Why is Pump NLQ-1 so hot?")
    assert r.status_code == 200
    assert r.json["sql"] is None and r.json["chart_data"] is None
    assert r.json["answer"].startswith("I understood: device Pump NLQ-1")


@pytest.mark.parametrize("question", [None, "", "   ", 42, "x" * 1001])
async def test_bad_question_is_400(
    api: Api, orgs: dict[str, Any], question: Any
) -> None:
    r = await ask(api, orgs["a"], question)
    assert r.status_code == 400 and "question" in r.json["error"]


async def test_credentials_read_only_keys_may_ask(
    api: Api, orgs: dict[str, Any]
) -> None:
    anonymous = await api.simulate_post(NLQ, json={"question": "average temperature"})
    assert anonymous.status_code == 401
    made = await api.simulate_post(
        "/api/keys", json={"name": "ro"}, headers=orgs["a"].auth
    )
    ro = {"Authorization": f"Bearer {made.json['key']['full_key']}"}
    r = await api.simulate_post(
        NLQ, json={"question": "current temperature of Pump NLQ-1"}, headers=ro
    )
    assert r.status_code == 200 and r.json["answer"].startswith(
        "The latest temperature"
    )
