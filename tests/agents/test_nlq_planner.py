"""The NLQ grammar: what a question is read as, its SQL, answer and chart (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agents.nlq.answer import describe, measure, not_understood
from agents.nlq.chart import chart_data
from agents.nlq.check import check
from agents.nlq.context import Context, DeviceInfo, context_from_json
from agents.nlq.lexicon import QuantityInUse
from agents.nlq.offline_reply import nlq_reply
from agents.nlq.planner import Question, understand
from agents.nlq.prompt import system_prompt
from agents.nlq.sqlplan import to_sql
from agents.nlq.timewords import find_window

NOW = datetime(2026, 4, 15, 12, 30, tzinfo=UTC)  # a Wednesday
TEMP = QuantityInUse("temperature.celsius", "Temperature", "°C")
TEMP_F = QuantityInUse("temperature.fahrenheit", "Temperature", "°F")
CO2 = QuantityInUse("co2.ppm", "CO2 Concentration", "ppm")
VIB = QuantityInUse("vibration.acceleration.rms", "Vibration", "m/s²")
CTX = Context(
    NOW,
    (
        DeviceInfo("d1", "Pump 1", "Building A", (TEMP.slug, VIB.slug)),
        DeviceInfo("d2", "Pump 2", "Building A", (TEMP.slug, VIB.slug)),
        DeviceInfo("d10", "Pump 10", "", (TEMP.slug,)),
        DeviceInfo("d3", "Room 201", "Floor 2", (CO2.slug,)),
        DeviceInfo("d4", "Chiller", "", (TEMP_F.slug,)),
    ),
    ("Building A", "Floor 2"),
    (CO2, TEMP, TEMP_F, VIB),
)


def read(question: str) -> Question:
    u = understand(question, CTX)
    assert u.question is not None, not_understood(u)
    return u.question


def window(text: str) -> tuple[datetime, datetime, str]:
    found = find_window(text, NOW)
    assert found is not None
    w = found.window
    return w.start, w.end, w.label


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("in the last hour", NOW - timedelta(hours=1), NOW, "in the last hour"),
        ("last 24 hours", NOW - timedelta(days=1), NOW, "in the last 24 hours"),
        ("past 30 minutes", NOW - timedelta(minutes=30), NOW, "in the last 30 minutes"),
        ("last two hours", NOW - timedelta(hours=2), NOW, "in the last 2 hours"),
        ("last 24h", NOW - timedelta(days=1), NOW, "in the last 24 hours"),
        ("today", datetime(2026, 4, 15, tzinfo=UTC), NOW, "today"),
        (
            "yesterday",
            datetime(2026, 4, 14, tzinfo=UTC),
            datetime(2026, 4, 15, tzinfo=UTC),
            "yesterday",
        ),
        ("this week", datetime(2026, 4, 13, tzinfo=UTC), NOW, "this week"),
        (
            "last week",
            datetime(2026, 4, 6, tzinfo=UTC),
            datetime(2026, 4, 13, tzinfo=UTC),
            "last week",
        ),
        ("past week", NOW - timedelta(days=7), NOW, "in the past week"),
        ("this month", datetime(2026, 4, 1, tzinfo=UTC), NOW, "this month"),
        (
            "last month",
            datetime(2026, 3, 1, tzinfo=UTC),
            datetime(2026, 4, 1, tzinfo=UTC),
            "last month",
        ),
        ("since monday", datetime(2026, 4, 13, tzinfo=UTC), NOW, "since Monday"),
        ("since wednesday", datetime(2026, 4, 15, tzinfo=UTC), NOW, "since Wednesday"),
        ("since thursday", datetime(2026, 4, 9, tzinfo=UTC), NOW, "since Thursday"),
        ("since yesterday", datetime(2026, 4, 14, tzinfo=UTC), NOW, "since yesterday"),
        (
            "on 2026-04-10",
            datetime(2026, 4, 10, tzinfo=UTC),
            datetime(2026, 4, 11, tzinfo=UTC),
            "on 2026-04-10",
        ),
        (
            "between 2026-04-10 and 2026-04-12",
            datetime(2026, 4, 10, tzinfo=UTC),
            datetime(2026, 4, 12, tzinfo=UTC),
            "from 2026-04-10 to 2026-04-12",
        ),
    ],
)
def test_time_phrases(text: str, start: datetime, end: datetime, label: str) -> None:
    assert window(text) == (start, end, label)


def test_average_of_a_device_in_the_last_hour() -> None:
    q = read("What was the average temperature of Pump 1 in the last hour?")
    assert (q.intent, q.aggregates, q.devices) == (
        "aggregate",
        ("average",),
        ("Pump 1",),
    )
    assert q.quantities == (TEMP,) and q.window is not None
    assert q.window.start == NOW - timedelta(hours=1)
    sql = to_sql(q)
    assert "avg(value) AS average FROM measurements" in sql
    assert (
        "device IN ('Pump 1')" in sql
        and "quantity_slug IN ('temperature.celsius')" in sql
    )
    assert "ts >= toDateTime64('2026-04-15 11:30:00.000000', 6, 'UTC')" in sql
    check(sql)  # what the planner writes passes the checker


def test_longest_device_name_wins() -> None:
    assert read("peak temperature of pump 10 today").devices == ("Pump 10",)


@pytest.mark.parametrize(
    ("question", "aggregates"),
    [
        ("mean CO2 in Room 201 today", ("average",)),
        ("peak vibration on Pump 1 this month", ("peak",)),
        ("highest vibration of Pump 2 last week", ("peak",)),
        ("lowest CO2 since Monday", ("minimum",)),
        ("total CO2 of Room 201 yesterday", ("total",)),
        ("how many CO2 readings from Room 201 today", ("readings",)),
        ("min and max CO2 today", ("minimum", "peak")),
        ("CO2 of Room 201 yesterday", ("average", "minimum", "peak")),
    ],
)
def test_aggregate_words(question: str, aggregates: tuple[str, ...]) -> None:
    assert read(question).aggregates == aggregates


def test_unit_word_picks_the_quantity() -> None:
    assert read("average °F today").quantities == (TEMP_F,)
    assert read("average temperature in celsius today").quantities == (TEMP,)
    both = read("average temperature today")
    assert set(both.quantities) == {TEMP, TEMP_F} and "unit" in to_sql(both)


def test_compare_groups_by_device_and_trend_reads_a_rollup() -> None:
    q = read("Compare temperature trends of Pump 1 and Pump 2 today")
    assert (q.intent, q.group) == ("trend", "device")
    sql = to_sql(q)
    assert "FROM rollup_1h" in sql and "GROUP BY bucket, device" in sql
    assert read("vibration trend of Pump 2 in the last 2 hours").intent == "trend"
    assert "rollup_1m" in to_sql(read("vibration trend of Pump 2 in the last 2 hours"))
    assert "toStartOfDay(bucket)" in to_sql(read("plot CO2 of Room 201 this month"))
    assert read("average temperature per site today").group == "site"


def test_current_value_and_alerts() -> None:
    q = read("What is the current temperature of Pump 2?")
    assert q.intent == "latest" and "FROM latest" in to_sql(q)
    a = read("How many critical alerts are active on Pump 1 this week?")
    assert (a.intent, a.severity, a.status) == ("alerts", "critical", "active")
    sql = to_sql(a)
    assert "count() AS alerts FROM alerts" in sql and "severity = 'critical'" in sql


@pytest.mark.parametrize(
    "question",
    [
        "What is the weather tomorrow?",
        "'; DROP TABLE measurements; --",
        "SELECT * FROM system.users",
        "Show url('http://x') data",
        "average temperature of Pump 9 in the last hour",
        "How many times did the temperature exceed 30 degrees?",
        "critical temperature of Pump 1 today",
    ],
)
def test_outside_the_grammar_says_what_it_did_not_understand(question: str) -> None:
    u = understand(question, CTX)
    assert u.question is None and u.unknown
    assert "could not understand" in not_understood(u)


def test_data_the_org_does_not_have_is_said_so() -> None:
    u = understand("average humidity today", CTX)
    assert u.question is None and u.problem == (
        "No device in your organisation measures humidity."
    )
    u = understand("average CO2 of Pump 1 today", CTX)
    assert u.problem == "Pump 1 does not measure co2 concentration."


def test_answers_state_number_and_unit() -> None:
    q = read("What was the average temperature of Pump 1 in the last hour?")
    columns = ["device", "quantity", "unit", "average"]
    assert describe(q, columns, [["Pump 1", "Temperature", "°C", 22.4]]) == (
        "The average temperature of Pump 1 in the last hour was 22.4 °C."
    )
    assert describe(q, columns, []) == (
        "There is no temperature data for Pump 1 in the last hour."
    )
    assert measure(1013.25, "hPa") == "1,013.2 hPa" and measure(45.0, "%") == "45%"


def test_chart_shapes() -> None:
    t0, t1 = NOW - timedelta(hours=1), NOW
    line = chart_data(
        ["bucket", "device", "unit", "average"],
        [
            [t0, "Pump 1", "°C", 1.0],
            [t0, "Pump 2", "°C", 2.0],
            [t1, "Pump 1", "°C", 3.0],
        ],
    )
    assert line == {
        "type": "line",
        "timestamps": ["2026-04-15T11:30:00Z", "2026-04-15T12:30:00Z"],
        "series": [
            {"label": "Pump 1", "unit": "°C", "values": [1.0, 3.0]},
            {"label": "Pump 2", "unit": "°C", "values": [2.0, None]},
        ],
    }
    stat = chart_data(["device", "unit", "average"], [["Pump 1", "°C", 22.4]])
    assert stat == {
        "type": "stat",
        "series": [{"label": "Pump 1", "unit": "°C", "values": [22.4]}],
    }
    bar = chart_data(["device", "alerts"], [["Pump 1", 2], ["Pump 2", 1]])
    assert bar is not None and bar["type"] == "bar"
    assert [s["values"] for s in bar["series"]] == [[2], [1]]
    assert chart_data(["device"], [["Pump 1"]]) is None
    assert chart_data(["x"], []) is None


def test_offline_turns_plan_then_answer_from_the_rows() -> None:
    system = system_prompt(CTX, 1000)
    assert context_from_json(CTX.as_json()) == CTX
    question = "What was the average temperature of Pump 1 in the last hour?"
    text, calls = nlq_reply(system, question, [], first=True)
    assert text == "" and calls[0][0] == "run_sql"
    assert calls[0][1]["sql"] == to_sql(read(question))
    rows = '{"columns": ["device", "quantity", "unit", "average"], '
    rows += '"rows": [["Pump 1", "Temperature", "°C", 22.4]], "row_count": 1}'
    text, calls = nlq_reply(system, question, [("run_sql", rows)], first=False)
    assert calls == [] and text.endswith("was 22.4 °C.")
    text, _ = nlq_reply(system, question, [("run_sql", "error: Refused: x")], False)
    assert text == "I could not run the query: Refused: x"
    text, calls = nlq_reply(system, "Why is Pump 1 vibrating?", [], first=True)
    assert calls == [] and "could not understand" in text
