"""Demo-like data with known answers: two orgs, sites, devices, bindings, readings
every 10 minutes for 46 days and a handful of alerts, in a read model and in chDB.

The clock is fixed (Wednesday 2026-04-15 12:30 UTC) so every time phrase has one
answer. The other org has a device also called "Pump 1" with readings far from the
demo org's, so a leak shows up as a wrong number.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from domain.entity import EntityChanged, EntityType, created
from domain.entity_state import EntityState, evolve
from domain.states import Binding, Device, Site
from infra.clickhouse import ClickHouseStore
from schemas import quantities

NOW = datetime(2026, 4, 15, 12, 30, tzinfo=UTC)
START = NOW - timedelta(days=46)
STEP = timedelta(minutes=10)
OFFSET = timedelta(seconds=150)  # readings sit between window boundaries
ORG = "org-demo"
OTHER_ORG = "org-other"
AT = datetime(2026, 1, 1, tzinfo=UTC)

SITES = {"Building A": ORG, "Building B": ORG, "Floor 2": ORG, "Plant X": OTHER_ORG}
# device name, site, org, [(quantity slug, base, daily amplitude, drift per day)]
DEVICES: list[tuple[str, str | None, str, list[tuple[str, float, float, float]]]] = [
    (
        "Pump 1",
        "Building A",
        ORG,
        [
            ("temperature.celsius", 22.0, 3.0, 0.02),
            ("vibration.acceleration.rms", 2.0, 0.8, 0.01),
            ("pressure.bar", 4.0, 0.3, 0.0),
        ],
    ),
    (
        "Pump 2",
        "Building A",
        ORG,
        [
            ("temperature.celsius", 25.0, 2.0, -0.03),
            ("vibration.acceleration.rms", 3.0, 1.0, 0.0),
        ],
    ),
    (
        "Boiler",
        "Building B",
        ORG,
        [("temperature.celsius", 65.0, 5.0, 0.1), ("pressure.bar", 2.5, 0.2, 0.0)],
    ),
    (
        "Room 201",
        "Floor 2",
        ORG,
        [
            ("co2.ppm", 600.0, 200.0, 1.0),
            ("humidity.relative.percent", 45.0, 8.0, 0.0),
            ("temperature.celsius", 21.0, 1.5, 0.0),
        ],
    ),
    (
        "Room 202",
        "Floor 2",
        ORG,
        [("co2.ppm", 700.0, 150.0, 0.0), ("humidity.relative.percent", 50.0, 5.0, 0.1)],
    ),
    (
        "Chiller",
        "Building B",
        ORG,
        [
            ("temperature.fahrenheit", 44.0, 2.0, 0.0),
            ("power.active.kilowatt", 120.0, 40.0, 0.5),
        ],
    ),
    ("Meter 7", None, ORG, [("power.active.kilowatt", 15.0, 5.0, 0.0)]),
    ("Pump 1", "Plant X", OTHER_ORG, [("temperature.celsius", 500.0, 1.0, 0.0)]),
    ("Pump 9", "Plant X", OTHER_ORG, [("co2.ppm", 9000.0, 10.0, 0.0)]),
]


@dataclass
class Series:
    """One binding's readings."""

    org: str
    device: str
    device_id: str
    site: str
    binding_id: str
    slug: str
    points: list[tuple[datetime, float]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The quantity's name."""
        return quantities.catalog()[self.slug].name

    @property
    def unit(self) -> str:
        """The quantity's unit symbol."""
        return quantities.catalog()[self.slug].base_unit_symbol


@dataclass
class Demo:
    """Everything generated: the read model, the series, the alert events."""

    state: EntityState
    series: list[Series]
    alerts: list[dict[str, Any]]


def _id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _apply(state: EntityState, event: EntityChanged) -> None:
    outcome = evolve(state, event)
    assert outcome.applied, outcome.reason  # noqa: S101 - generated data is valid


def build() -> Demo:
    """Generate the demo data (deterministic)."""
    state = EntityState()
    rng = random.Random(7)  # noqa: S311 - test data
    for site, org in SITES.items():
        s = Site(created_at="2026-01-01T00:00:00Z", name=site)
        _apply(state, created(EntityType.SITE, _id(org, site), org, s, (), AT))
    series = []
    for name, site, org, channels in DEVICES:
        device_id = _id(org, "device", name)
        site_id = _id(org, site) if site else None
        d = Device(
            created_at="2026-01-01T00:00:00Z",
            hardware_id=f"HW-{org}-{name}",
            display_name=name,
            site_id=site_id,
        )
        _apply(state, created(EntityType.DEVICE, device_id, org, d, (), AT))
        for channel, (slug, base, amplitude, drift) in enumerate(channels):
            binding_id = _id(org, name, slug)
            b = Binding(
                created_at="2026-01-01T00:00:00Z",
                device_id=device_id,
                channel=channel,
                quantity_slug=slug,
            )
            _apply(state, created(EntityType.BINDING, binding_id, org, b, (), AT))
            s = Series(org, name, device_id, site or "", binding_id, slug)
            s.points = _points(rng, base, amplitude, drift)
            series.append(s)
    return Demo(state, series, _alerts(series))


def _points(
    rng: random.Random, base: float, amplitude: float, drift: float
) -> list[tuple[datetime, float]]:
    points = []
    t = START + OFFSET
    while t < NOW:
        hours = (t - START).total_seconds() / 3600
        wave = amplitude * math.sin(2 * math.pi * (hours % 24) / 24)
        noise = rng.gauss(0, amplitude / 10 or 0.1)
        points.append((t, round(base + wave + drift * hours / 24 + noise, 3)))
        t += STEP
    return points


# (device, quantity slug, rule, severity, status, triggered hours before NOW)
ALERTS = [
    ("Pump 1", "temperature.celsius", "Pump hot", "critical", "resolved", 2.0),
    ("Pump 1", "vibration.acceleration.rms", "Vibration", "warning", "active", 5.0),
    ("Pump 2", "vibration.acceleration.rms", "Vibration", "critical", "active", 30.0),
    ("Boiler", "pressure.bar", "Boiler pressure", "critical", "resolved", 60.0),
    ("Room 201", "co2.ppm", "Stuffy", "warning", "resolved", 100.0),
    ("Room 202", "co2.ppm", "Stuffy", "info", "acknowledged", 200.0),
    ("Chiller", "power.active.kilowatt", "Chiller power", "warning", "resolved", 400.0),
    ("Pump 1", "temperature.celsius", "Pump hot", "critical", "resolved", 500.0),
]


def _alerts(series: list[Series]) -> list[dict[str, Any]]:
    events = []
    for n, (device, slug, rule, severity, status, hours) in enumerate(ALERTS):
        s = next(
            x for x in series if x.org == ORG and (x.device, x.slug) == (device, slug)
        )
        events.append(
            {
                "event_id": _id("alert", str(n)),
                "device": device,
                "device_id": s.device_id,
                "site": s.site,
                "quantity": s.name,
                "slug": slug,
                "rule": rule,
                "severity": severity,
                "status": status,
                "triggered_at": NOW - timedelta(hours=hours),
            }
        )
    return events


UTC_MICROS = pa.timestamp("us", tz="UTC")
MEASUREMENT_TYPES = {
    "org_id": pa.string(),
    "device_id": pa.string(),
    "binding_id": pa.string(),
    "ts": UTC_MICROS,
    "kind": pa.uint8(),
    "value": pa.float64(),
    "text": pa.string(),
    "quality": pa.uint8(),
    "received_at": UTC_MICROS,
    "topic_id": pa.string(),
    "partition": pa.uint16(),
    "offset": pa.uint64(),
}
ALERT_COLUMNS = (
    "transition_id event_id org_id rule_id rule_name series_id device_id device "
    "quantity quantity_slug severity status value triggered_at at alert_seq "
    "source_partition source_topic actor topic_id partition offset"
).split()


def load(store: ClickHouseStore, demo: Demo) -> None:
    """Insert the readings and alert transitions (the views read them)."""
    db = store.database
    columns: dict[str, list[Any]] = {name: [] for name in MEASUREMENT_TYPES}
    for s in demo.series:
        n = len(s.points)
        times = [ts for ts, _ in s.points]
        constant = {
            "org_id": s.org,
            "device_id": s.device_id,
            "binding_id": s.binding_id,
        }
        for name, value in constant.items():
            columns[name] += [value] * n
        columns["ts"] += times
        columns["received_at"] += times
        columns["value"] += [v for _, v in s.points]
    n = len(columns["ts"])
    defaults = {"kind": 0, "text": "", "quality": 0, "topic_id": "m", "partition": 0}
    for name, value in defaults.items():
        columns[name] = [value] * n
    columns["offset"] = list(range(n))
    table = pa.table(
        {
            name: pa.array(columns[name], kind)
            for name, kind in MEASUREMENT_TYPES.items()
        }
    )
    store.insert_arrow(f"{db}.measurements", table)
    store.insert(f"{db}.alert_transitions", ALERT_COLUMNS, _transitions(demo))


def _transitions(demo: Demo) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for n, a in enumerate(demo.alerts):
        steps = ["active"] + ([] if a["status"] == "active" else [a["status"]])
        for k, status in enumerate(steps):
            at = a["triggered_at"] + timedelta(minutes=30 * k)
            key = _id("t", str(n), status)
            rows.append(
                (key, a["event_id"], ORG, f"r{n}", a["rule"], a["device_id"])
                + (a["device_id"], a["device"], a["quantity"], a["slug"])
                + (a["severity"], status, 1.0, a["triggered_at"], at, 1, 0, "m")
                + (None, "a", 0, n * 2 + k)
            )
    return rows
