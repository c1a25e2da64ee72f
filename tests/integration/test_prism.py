"""Prism fields computed by the Faust worker from inputs on two devices, queried,
alerted on and backfilled."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integration.stack import Listener, Org, Stack, at, poll

VOLTS, AMPS = "voltage.volt", "current.ampere"


@pytest.fixture(scope="module")
def org(stack: Stack) -> Org:
    return Org.register(stack.base)


def data(org: Org, field_id: str, **params: str) -> dict[str, Any]:
    r = org.call("GET", f"/api/v1/prism/{field_id}/data/", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_power_from_two_devices_matches_a_hand_computation(org: Org) -> None:
    meter = Org(org.base, org.token)
    _, (volts,) = meter.device("Supply meter", VOLTS)
    clamp = Org(org.base, org.token)
    _, (amps,) = clamp.device("Clamp meter", AMPS)
    made = org.call(
        "POST",
        "/api/v1/prism/fields/",
        json={
            "name": "Pump power",
            "expression": "voltage * current",
            "inputs": {"voltage": volts, "current": amps},
        },
    )
    assert made.status_code == 201, made.text
    field = made.json()
    assert field["unit"] == "W"
    samples = [(230.0, 1.5), (231.5, 2.0), (229.0, 2.5)]
    for i, (v, a) in enumerate(samples):
        when = at(-30 + i * 5)
        meter.post(volts, v, when)
        clamp.post(amps, a, when)
    expected = [v * a for v, a in samples]
    got = poll(
        lambda: (
            [p["value"] for p in data(org, field["id"], start="-5m")["points"]]
            if len(data(org, field["id"], start="-5m")["points"]) >= 3
            else None
        )
    )
    assert got == pytest.approx(expected)
    explored = org.call(
        "GET",
        "/api/v1/explorer/query/",
        params={"binding_ids": field["id"], "start": "-5m"},
    ).json()
    assert explored["series"][0]["label"] == "Pump power"
    assert explored["series"][0]["unit"] == "W"
    listed = org.call("GET", "/api/v1/prism/fields/").json()["fields"]
    assert field["id"] in [f["id"] for f in listed]


def test_alert_rule_on_a_field_fires(org: Org) -> None:
    _, (volts,) = org.device("Line", VOLTS)
    field = org.call(
        "POST",
        "/api/v1/prism/fields/",
        json={
            "name": "Line kV",
            "expression": 'to(v, "kV")',
            "inputs": {"v": volts},
        },
    ).json()
    org.rule(
        name="Overvoltage",
        target_type="field",
        field_id=field["id"],
        condition="above",
        threshold=0.25,
        severity="critical",
    )
    sse = Listener(org, severity="critical")
    org.post(volts, 260.0)
    fired = sse.wait(1)[0]
    sse.close()
    assert fired["device"] == "Line kV" and fired["value"] == pytest.approx(0.26)


def test_backfill_recomputes_stored_history_without_alerting_on_it(org: Org) -> None:
    _, (volts,) = org.device("History", VOLTS)
    for i in range(5):
        org.post(volts, 100.0 + i, at(-600 + i * 60))
    time.sleep(1.0)  # the measurements are stored before the field exists
    field = org.call(
        "POST",
        "/api/v1/prism/fields/",
        json={"name": "Doubled", "expression": "2 * v", "inputs": {"v": volts}},
    ).json()
    rule_id = org.rule(
        name="Doubled high",
        target_type="field",
        field_id=field["id"],
        condition="above",
        threshold=150.0,
        severity="info",
    )
    started = org.call(
        "POST", f"/api/v1/prism/fields/{field['id']}/backfill/", json={"start": "-1h"}
    )
    assert started.status_code == 202, started.text
    done = poll(
        lambda: (
            (
                r := org.call(
                    "GET", f"/api/v1/prism/fields/{field['id']}/backfill/"
                ).json()
            )["status"]
            != "running"
            and r
        )
    )
    assert done["status"] == "done" and done["points_written"] == 5, done
    values = poll(
        lambda: (
            [p["value"] for p in data(org, field["id"], start="-1h")["points"]]
            if len(data(org, field["id"], start="-1h")["points"]) == 5
            else None
        )
    )
    assert values == [200.0, 202.0, 204.0, 206.0, 208.0]
    # A live point lands after the backfilled ones on the field's partition: the
    # rule fires on it, having skipped the (breaching) history before it.
    org.post(volts, 150.0)
    fired = poll(
        lambda: [
            e
            for e in org.call("GET", "/api/v1/alerts/").json()["events"]
            if e["rule_id"] == rule_id
        ]
    )
    assert [e["value"] for e in fired] == [300.0]
