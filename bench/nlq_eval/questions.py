"""The evaluation questions and how each answer is known (written before tuning).

``num``: the chart's numbers in order (a stat, or bars by device/site, quantity,
unit); ``line``: each series' bucket values; ``refuse``: no SQL may run and the
answer must say what was not understood.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.nlq_eval.data import NOW, Demo
from bench.nlq_eval.truth import (
    MIDNIGHT,
    MONDAY,
    D,
    H,
    Scope,
    aggregate,
    alerts,
    last,
    latest,
    trend,
)

MINUTE = timedelta(minutes=1)
TEMP_C = ("temperature.celsius",)
TEMPS = ("temperature.celsius", "temperature.fahrenheit")
VIB = ("vibration.acceleration.rms",)
CO2 = ("co2.ppm",)
HUM = ("humidity.relative.percent",)
PRESS = ("pressure.bar",)
POWER = ("power.active.kilowatt",)
TODAY = (MIDNIGHT, NOW)
YESTERDAY = (MIDNIGHT - D, MIDNIGHT)
THIS_WEEK = (MONDAY, NOW)
LAST_WEEK = (MONDAY - 7 * D, MONDAY)
THIS_MONTH = (NOW.replace(day=1, hour=0, minute=0), NOW)
LAST_MONTH = (datetime(2026, 3, 1, tzinfo=NOW.tzinfo), THIS_MONTH[0])


@dataclass(frozen=True)
class Case:
    """One question and its known answer."""

    question: str
    kind: str  # num, line or refuse
    expected: Callable[[Demo], list[float] | list[list[float]]] = lambda d: []
    batch: int = 1


def num(q: str, f: Callable[[Demo], list[float]]) -> Case:
    """A question answered by numbers."""
    return Case(q, "num", f)


def line(q: str, f: Callable[[Demo], list[list[float]]]) -> Case:
    """A question answered by a line chart."""
    return Case(q, "line", f)


def refuse(q: str) -> Case:
    """A question outside the grammar or the data."""
    return Case(q, "refuse")


def s(
    devices: tuple[str, ...] = (),
    slugs: tuple[str, ...] = (),
    sites: tuple[str, ...] = (),
) -> Scope:
    """A scope."""
    return Scope(devices, sites, slugs)


P1, P2 = ("Pump 1",), ("Pump 2",)
SUMMARY = ["avg", "min", "max"]

CASES: list[Case] = [
    # Aggregates over one device
    num(
        "What was the average temperature of Pump 1 in the last hour?",
        lambda d: aggregate(d, s(P1, TEMP_C), last(H), ["avg"]),
    ),
    num(
        "Average temperature of Pump 2 in the last 24 hours",
        lambda d: aggregate(d, s(P2, TEMP_C), last(D), ["avg"]),
    ),
    num(
        "What was the mean pressure on the Boiler yesterday?",
        lambda d: aggregate(d, s(("Boiler",), PRESS), YESTERDAY, ["avg"]),
    ),
    num(
        "What was the peak vibration on Pump 1 this month?",
        lambda d: aggregate(d, s(P1, VIB), THIS_MONTH, ["max"]),
    ),
    num(
        "Highest vibration of Pump 2 last week",
        lambda d: aggregate(d, s(P2, VIB), LAST_WEEK, ["max"]),
    ),
    num(
        "Lowest humidity in Room 202 since Monday",
        lambda d: aggregate(d, s(("Room 202",), HUM), THIS_WEEK, ["min"]),
    ),
    num(
        "minimum CO2 on Room 201 in the past week",
        lambda d: aggregate(d, s(("Room 201",), CO2), last(7 * D), ["min"]),
    ),
    num(
        "What was the total power of Meter 7 in the last 24 hours?",
        lambda d: aggregate(d, s(("Meter 7",), POWER), last(D), ["sum"]),
    ),
    num(
        "Sum of active power for Chiller yesterday",
        lambda d: aggregate(d, s(("Chiller",), POWER), YESTERDAY, ["sum"]),
    ),
    num(
        "average temp for Boiler in the last 6 hours",
        lambda d: aggregate(d, s(("Boiler",), TEMP_C), last(6 * H), ["avg"]),
    ),
    num(
        "Mean humidity of Room 201 over the last 3 days",
        lambda d: aggregate(d, s(("Room 201",), HUM), last(3 * D), ["avg"]),
    ),
    num(
        "What is the average pressure of Pump 1 in the past hour?",
        lambda d: aggregate(d, s(P1, PRESS), last(H), ["avg"]),
    ),
    num(
        "peak power of the Chiller last month",
        lambda d: aggregate(d, s(("Chiller",), POWER), LAST_MONTH, ["max"]),
    ),
    num(
        "What was the lowest temperature of Room 201 on 2026-04-10?",
        lambda d: aggregate(
            d,
            s(("Room 201",), TEMP_C),
            (
                datetime(2026, 4, 10, tzinfo=NOW.tzinfo),
                datetime(2026, 4, 11, tzinfo=NOW.tzinfo),
            ),
            ["min"],
        ),
    ),
    num(
        "Average temperature of Chiller in °F today",
        lambda d: aggregate(
            d, s(("Chiller",), ("temperature.fahrenheit",)), TODAY, ["avg"]
        ),
    ),
    num(
        "average temperature of pump 1 in the last hour",
        lambda d: aggregate(d, s(P1, TEMP_C), last(H), ["avg"]),
    ),
    num(
        "What's the average temperature of Pump 1 over the past 24 hours?",
        lambda d: aggregate(d, s(P1, TEMP_C), last(D), ["avg"]),
    ),
    num(
        "average temperature of Pump 1",
        lambda d: aggregate(d, s(P1, TEMP_C), last(D), ["avg"]),
    ),
    num(
        "What was the average carbon dioxide level in Room 202 this week?",
        lambda d: aggregate(d, s(("Room 202",), CO2), THIS_WEEK, ["avg"]),
    ),
    num(
        "Peak Boiler pressure since yesterday",
        lambda d: aggregate(d, s(("Boiler",), PRESS), (MIDNIGHT - D, NOW), ["max"]),
    ),
    num(
        "max vibration on Pump 2 in the last 30 minutes",
        lambda d: aggregate(d, s(P2, VIB), last(30 * MINUTE), ["max"]),
    ),
    num(
        "Average CO2 for Room 201 in the last two hours",
        lambda d: aggregate(d, s(("Room 201",), CO2), last(2 * H), ["avg"]),
    ),
    # Aggregates over a site, a unit or the whole org
    num(
        "What was the maximum temperature in Building A today?",
        lambda d: aggregate(d, s(slugs=TEMP_C, sites=("Building A",)), TODAY, ["max"]),
    ),
    num(
        "What was the average CO2 in Floor 2 this week?",
        lambda d: aggregate(d, s(slugs=CO2, sites=("Floor 2",)), THIS_WEEK, ["avg"]),
    ),
    num(
        "What was the average temperature in Fahrenheit this week?",
        lambda d: aggregate(
            d, s(slugs=("temperature.fahrenheit",)), THIS_WEEK, ["avg"]
        ),
    ),
    num(
        "Highest CO2 since Sunday",
        lambda d: aggregate(d, s(slugs=CO2), (MONDAY - D, NOW), ["max"]),
    ),
    num(
        "Average vibration across all devices in the last hour",
        lambda d: aggregate(d, s(slugs=VIB), last(H), ["avg"]),
    ),
    num(
        "What was the average pressure yesterday?",
        lambda d: aggregate(d, s(slugs=PRESS), YESTERDAY, ["avg"]),
    ),
    num(
        "What was the highest temperature in the last 90 minutes?",
        lambda d: aggregate(d, s(slugs=TEMPS), last(90 * MINUTE), ["max"]),
    ),
    num(
        "Mean CO2 concentration at Floor 2 during the last 12 hours",
        lambda d: aggregate(d, s(slugs=CO2, sites=("Floor 2",)), last(12 * H), ["avg"]),
    ),
    num(
        "Average relative humidity in % today",
        lambda d: aggregate(d, s(slugs=HUM), TODAY, ["avg"]),
    ),
    # Comparisons
    num(
        "Compare the average temperature of Pump 1 and Pump 2 in the last hour",
        lambda d: aggregate(
            d, s(("Pump 1", "Pump 2"), TEMP_C), last(H), ["avg"], "device"
        ),
    ),
    num(
        "Compare CO2 of Room 201 and Room 202 today",
        lambda d: aggregate(
            d, s(("Room 201", "Room 202"), CO2), TODAY, SUMMARY, "device"
        ),
    ),
    num(
        "Pump 1 vs Pump 2 peak vibration this week",
        lambda d: aggregate(
            d, s(("Pump 1", "Pump 2"), VIB), THIS_WEEK, ["max"], "device"
        ),
    ),
    num(
        "average temperature per device in Building A yesterday",
        lambda d: aggregate(
            d, s(slugs=TEMP_C, sites=("Building A",)), YESTERDAY, ["avg"], "device"
        ),
    ),
    num(
        "Compare Building A and Building B average temperature this month",
        lambda d: aggregate(
            d,
            s(slugs=TEMPS, sites=("Building A", "Building B")),
            THIS_MONTH,
            ["avg"],
            "site",
        ),
    ),
    num(
        "Average humidity by site today",
        lambda d: aggregate(d, s(slugs=HUM), TODAY, ["avg"], "site"),
    ),
    num(
        "Compare the vibration of Pump 1 and Pump 2",
        lambda d: latest(d, s(("Pump 1", "Pump 2"), VIB)),
    ),
    num(
        "lowest humidity of Room 201 versus Room 202 in the last 6 hours",
        lambda d: aggregate(
            d, s(("Room 201", "Room 202"), HUM), last(6 * H), ["min"], "device"
        ),
    ),
    # Trends
    line(
        "Show the temperature trend of Pump 1 over the last 24 hours",
        lambda d: trend(d, s(P1, TEMP_C), last(D), H),
    ),
    line(
        "Show CO2 trends for Floor 2 this week",
        lambda d: trend(d, s(slugs=CO2, sites=("Floor 2",)), THIS_WEEK, H, by="site"),
    ),
    line(
        "vibration trend of Pump 2 in the last 2 hours",
        lambda d: trend(d, s(P2, VIB), last(2 * H), MINUTE),
    ),
    line(
        "Plot the pressure of Boiler this month",
        lambda d: trend(d, s(("Boiler",), PRESS), THIS_MONTH, D),
    ),
    line(
        "Temperature history of Room 201 yesterday",
        lambda d: trend(d, s(("Room 201",), TEMP_C), YESTERDAY, H),
    ),
    line(
        "Compare temperature trends of Pump 1 and Pump 2 today",
        lambda d: trend(d, s(("Pump 1", "Pump 2"), TEMP_C), TODAY, H, by="device"),
    ),
    line(
        "peak vibration trend for Pump 1 over the past week",
        lambda d: trend(d, s(P1, VIB), last(7 * D), H, agg="max"),
    ),
    line(
        "Graph the humidity of Room 202 over time in the last 12 hours",
        lambda d: trend(d, s(("Room 202",), HUM), last(12 * H), H),
    ),
    # Current values
    num(
        "What is the current temperature of Boiler?",
        lambda d: latest(d, s(("Boiler",), TEMP_C)),
    ),
    num("Latest CO2 in Room 202", lambda d: latest(d, s(("Room 202",), CO2))),
    num(
        "What's the humidity in Room 201 right now?",
        lambda d: latest(d, s(("Room 201",), HUM)),
    ),
    num("current power of Meter 7", lambda d: latest(d, s(("Meter 7",), POWER))),
    num("What is the latest pressure?", lambda d: latest(d, s(slugs=PRESS))),
    num("What is the temperature of Pump 2?", lambda d: latest(d, s(P2, TEMP_C))),
    # Summaries (no aggregate word) and reading counts
    num(
        "What was the temperature of Pump 1 yesterday?",
        lambda d: aggregate(d, s(P1, TEMP_C), YESTERDAY, SUMMARY),
    ),
    num(
        "Humidity in Room 202 in the last 6 hours",
        lambda d: aggregate(d, s(("Room 202",), HUM), last(6 * H), SUMMARY),
    ),
    num(
        "How many temperature readings from Pump 1 in the last hour?",
        lambda d: aggregate(d, s(P1, TEMP_C), last(H), ["count"]),
    ),
    num(
        "number of CO2 measurements in Room 201 today",
        lambda d: aggregate(d, s(("Room 201",), CO2), TODAY, ["count"]),
    ),
    # Alerts
    num(
        "How many critical alerts last week?",
        lambda d: [alerts(d, LAST_WEEK, "critical")],
    ),
    num("How many alerts are active?", lambda d: [alerts(d, status="active")]),
    num("How many alerts in the last 24 hours?", lambda d: [alerts(d, last(D))]),
    num(
        "How many critical alerts this month?",
        lambda d: [alerts(d, THIS_MONTH, "critical")],
    ),
    num(
        "Number of warning alerts this week",
        lambda d: [alerts(d, THIS_WEEK, "warning")],
    ),
    num(
        "How many alerts on Pump 1 this month?",
        lambda d: [alerts(d, THIS_MONTH, devices=P1)],
    ),
    num(
        "How many resolved alerts in Building B?",
        lambda d: [alerts(d, status="resolved", sites=("Building B",))],
    ),
    num(
        "alerts per device this week",
        lambda d: [
            alerts(d, THIS_WEEK, devices=(x,)) for x in ("Pump 1", "Boiler", "Pump 2")
        ],
    ),
    num(
        "How many temperature alerts this month?",
        lambda d: [alerts(d, THIS_MONTH, quantity="Temperature")],
    ),
    # Outside the grammar or the data: an honest answer, no SQL
    refuse("What is the weather tomorrow?"),
    refuse("Delete all data from Pump 1"),
    refuse("'; DROP TABLE measurements; --"),
    refuse("SELECT * FROM system.users"),
    refuse("Show url('http://169.254.169.254/latest') data"),
    refuse("What was the average temperature of Pump 9 in the last hour?"),
    refuse("How many times did the temperature exceed 30 degrees?"),
    refuse("Why is Pump 1 vibrating?"),
    refuse("Average humidity of Pump 1 yesterday"),
    refuse("What is the average voltage today?"),
    refuse("Predict the temperature of Boiler next week"),
    refuse("Total energy of Meter 7 this week"),
]


# Batch 2: paraphrases written after the grammar worked on batch 1, scored before any
# change made for them (see README for both figures). Expected answers are what a
# person means, whether or not the grammar reads it.
BATCH_2: list[Case] = [
    num(
        "Tell me the avg temp of Pump 1 for the past hour",
        lambda d: aggregate(d, s(P1, TEMP_C), last(H), ["avg"]),
    ),
    num(
        "How hot did the Boiler get yesterday?",
        lambda d: aggregate(d, s(("Boiler",), TEMP_C), YESTERDAY, ["max"]),
    ),
    num(
        "Give me Pump 2's average vibration over the last 12 hours",
        lambda d: aggregate(d, s(P2, VIB), last(12 * H), ["avg"]),
    ),
    num(
        "What's the CO2 level in Room 201 at the moment?",
        lambda d: latest(d, s(("Room 201",), CO2)),
    ),
    line(
        "Show me the hourly temperature of Pump 1 today",
        lambda d: trend(d, s(P1, TEMP_C), TODAY, H),
    ),
    num(
        "average temperature in building a last week",
        lambda d: aggregate(
            d, s(slugs=TEMP_C, sites=("Building A",)), LAST_WEEK, ["avg"]
        ),
    ),
    num(
        "Which device had the highest vibration today?",
        lambda d: aggregate(d, s(slugs=VIB), TODAY, ["max"], "device"),
    ),
    num(
        "temperature of Room 201 over the last 48 hours",
        lambda d: aggregate(d, s(("Room 201",), TEMP_C), last(2 * D), SUMMARY),
    ),
    num(
        "What was the min and max humidity in Room 202 yesterday?",
        lambda d: aggregate(d, s(("Room 202",), HUM), YESTERDAY, ["min", "max"]),
    ),
    num(
        "Compare the pressure of Pump 1 with the Boiler yesterday",
        lambda d: aggregate(
            d, s(("Pump 1", "Boiler"), PRESS), YESTERDAY, SUMMARY, "device"
        ),
    ),
    num(
        "CO2 in Floor 2 per device over the past 24 hours",
        lambda d: aggregate(
            d, s(slugs=CO2, sites=("Floor 2",)), last(D), SUMMARY, "device"
        ),
    ),
    num(
        "average power consumption of Chiller this week",
        lambda d: aggregate(d, s(("Chiller",), POWER), THIS_WEEK, ["avg"]),
    ),
    num("How many alarms fired yesterday?", lambda d: [alerts(d, YESTERDAY)]),
    num("Number of open alerts", lambda d: [alerts(d, status="active")]),
    num(
        "What was the coldest temperature recorded in Room 201 this week?",
        lambda d: aggregate(d, s(("Room 201",), TEMP_C), THIS_WEEK, ["min"]),
    ),
    line(
        "Show vibration for Pump 1 and Pump 2 over the last 3 hours as a chart",
        lambda d: trend(d, s(("Pump 1", "Pump 2"), VIB), last(3 * H), H, by="device"),
    ),
    num("latest readings for Room 202", lambda d: latest(d, s(("Room 202",)))),
    num(
        "Average temperature of Pump 1 between 2026-04-10 and 2026-04-12",
        lambda d: aggregate(
            d,
            s(P1, TEMP_C),
            (
                datetime(2026, 4, 10, tzinfo=NOW.tzinfo),
                datetime(2026, 4, 12, tzinfo=NOW.tzinfo),
            ),
            ["avg"],
        ),
    ),
    num(
        "what was the mean temperature on Pump 2 during the past 2 days",
        lambda d: aggregate(d, s(P2, TEMP_C), last(2 * D), ["avg"]),
    ),
    num(
        "peak CO2 concentration per site this month",
        lambda d: aggregate(d, s(slugs=CO2), THIS_MONTH, ["max"], "site"),
    ),
    num(
        "How many critical alerts are there right now?",
        lambda d: [alerts(d, severity="critical", status="active")],
    ),
    refuse("Total energy used by Meter 7 yesterday"),
    num(
        "Pump 1 temperature last 24h",
        lambda d: aggregate(d, s(P1, TEMP_C), last(D), SUMMARY),
    ),
    num(
        "What's the average temperature across the whole Building A today?",
        lambda d: aggregate(d, s(slugs=TEMP_C, sites=("Building A",)), TODAY, ["avg"]),
    ),
    line(
        "Show me the trend of humidity in Floor 2 since 2026-04-14",
        lambda d: trend(
            d, s(slugs=HUM, sites=("Floor 2",)), (MIDNIGHT - D, NOW), H, by="site"
        ),
    ),
    num(
        "how many temperature readings did we get from Room 201 yesterday",
        lambda d: aggregate(d, s(("Room 201",), TEMP_C), YESTERDAY, ["count"]),
    ),
    num(
        "what is the current vibration level on pump 2", lambda d: latest(d, s(P2, VIB))
    ),
    num(
        "average of temperature for every device today",
        lambda d: aggregate(d, s(slugs=TEMPS), TODAY, ["avg"], "device"),
    ),
]

# Batch 3: written after the grammar was extended for batch 2, scored as it was
# (held out: nothing was changed for these questions).
BATCH_3: list[Case] = [
    num(
        "What was Pump 1's highest temperature today?",
        lambda d: aggregate(d, s(P1, TEMP_C), TODAY, ["max"]),
    ),
    num(
        "Give me the average CO2 reading for Room 202 over the past 8 hours",
        lambda d: aggregate(d, s(("Room 202",), CO2), last(8 * H), ["avg"]),
    ),
    num(
        "temperature stats for Boiler in the last 2 days",
        lambda d: aggregate(d, s(("Boiler",), TEMP_C), last(2 * D), SUMMARY),
    ),
    line(
        "Show me the Boiler temperature chart for the last 24 hours",
        lambda d: trend(d, s(("Boiler",), TEMP_C), last(D), H),
    ),
    num(
        "What is the mean power draw of Meter 7 over the last 6h?",
        lambda d: aggregate(d, s(("Meter 7",), POWER), last(6 * H), ["avg"]),
    ),
    num(
        "lowest pressure recorded at Building B this month",
        lambda d: aggregate(
            d, s(slugs=PRESS, sites=("Building B",)), THIS_MONTH, ["min"]
        ),
    ),
    num("how many warnings were raised today", lambda d: [alerts(d, TODAY, "warning")]),
    num(
        "How many alerts did Room 201 have this month?",
        lambda d: [alerts(d, THIS_MONTH, devices=("Room 201",))],
    ),
    num(
        "Average temperature for all pumps yesterday",
        lambda d: aggregate(d, s(("Pump 1", "Pump 2"), TEMP_C), YESTERDAY, ["avg"]),
    ),
    num(
        "peak power usage of the chiller in the past 7 days",
        lambda d: aggregate(d, s(("Chiller",), POWER), last(7 * D), ["max"]),
    ),
    line(
        "Show the CO2 over the last 6 hours for Room 201",
        lambda d: trend(d, s(("Room 201",), CO2), last(6 * H), H),
    ),
    num(
        "What temperature is Room 201 at?",
        lambda d: latest(d, s(("Room 201",), TEMP_C)),
    ),
    num("Room 202 humidity now", lambda d: latest(d, s(("Room 202",), HUM))),
    num(
        "Max CO2 per device yesterday",
        lambda d: aggregate(d, s(slugs=CO2), YESTERDAY, ["max"], "device"),
    ),
    num("What's the total number of alerts?", lambda d: [alerts(d)]),
    num(
        "Compare humidity between Room 201 and Room 202 over the last 12 hours",
        lambda d: aggregate(
            d, s(("Room 201", "Room 202"), HUM), last(12 * H), SUMMARY, "device"
        ),
    ),
    line(
        "How did the temperature of Pump 2 change over the past 24 hours?",
        lambda d: trend(d, s(P2, TEMP_C), last(D), H),
    ),
    num(
        "average vibration last 7d",
        lambda d: aggregate(d, s(slugs=VIB), last(7 * D), ["avg"]),
    ),
    num(
        "Which site has the highest average temperature this week?",
        lambda d: aggregate(d, s(slugs=TEMPS), THIS_WEEK, ["avg"], "site"),
    ),
    num(
        "pressure readings count for Pump 1 in the last hour",
        lambda d: aggregate(d, s(P1, PRESS), last(H), ["count"]),
    ),
    refuse("What was the average temperature of Pump 3 yesterday?"),
    num(
        "Show critical alerts from the last 48 hours",
        lambda d: [alerts(d, last(2 * D), "critical")],
    ),
    num(
        "What was the temperature in Building B on 2026-04-12?",
        lambda d: aggregate(
            d,
            s(slugs=TEMPS, sites=("Building B",)),
            (
                datetime(2026, 4, 12, tzinfo=NOW.tzinfo),
                datetime(2026, 4, 13, tzinfo=NOW.tzinfo),
            ),
            SUMMARY,
        ),
    ),
    line(
        "Humidity trend Floor 2 past 3 days",
        lambda d: trend(d, s(slugs=HUM, sites=("Floor 2",)), last(3 * D), H, by="site"),
    ),
    num(
        "median temperature of Pump 1 today",
        lambda d: aggregate(d, s(P1, TEMP_C), TODAY, ["med"]),
    ),
    num(
        "Average temp in Building A & Building B today",
        lambda d: aggregate(
            d,
            s(slugs=TEMPS, sites=("Building A", "Building B")),
            TODAY,
            ["avg"],
            "site",
        ),
    ),
    line(
        "daily average CO2 for Room 201 this week",
        lambda d: trend(d, s(("Room 201",), CO2), THIS_WEEK, D),
    ),
]
for _batch, _cases in ((2, BATCH_2), (3, BATCH_3)):
    CASES += [Case(c.question, c.kind, c.expected, batch=_batch) for c in _cases]
