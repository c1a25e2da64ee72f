"""The views an NLQ query reads, as CTEs over the org's own rows (pure: no I/O).

Every view filters on the caller's org id, passed as a query parameter, and names
devices, sites and quantities from the read model through parameter arrays (the
``transform`` of a binding or device id into its name), so nothing the model wrote
ever reaches a table, a database name or an org filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.entity_state import EntityState
from domain.states import Binding, Device, Site
from schemas import quantities

_NAMES = (
    ("device", "dev"),
    ("device_id", "dev_id"),
    ("site", "site"),
    ("site_id", "site_id"),
    ("quantity", "q"),
    ("quantity_slug", "slug"),
    ("unit", "unit"),
)


def _named(binding_id: str) -> str:
    """The name columns of a row, looked up by its binding id."""
    key = f"toString({binding_id})"
    return ", ".join(
        f"transform({key}, {{nlq_b:Array(String)}}, {{nlq_{p}:Array(String)}}, '')"
        f" AS {column}"
        for column, p in _NAMES
    )


_SCOPE = "{a}.org_id = {{nlq_org:String}} AND {a}.binding_id IN {{nlq_ids:Array(UUID)}}"

_MEASUREMENTS = """measurements AS (
  SELECT m.ts AS ts, m.value AS value, {names}, toString(m.binding_id) AS binding_id
  FROM {db}.measurements AS m FINAL
  WHERE {scope} AND m.kind = 0)"""

_ROLLUP = """{view} AS (
  SELECT r.bucket AS bucket, {names}, toString(r.binding_id) AS binding_id,
    sum(r.sum) / sum(r.count) AS avg, min(r.min) AS min, max(r.max) AS max,
    sum(r.count) AS count, sum(r.sum) AS sum
  FROM {db}.{table} AS r
  WHERE {scope}
  GROUP BY r.binding_id, r.bucket)"""

_LATEST = """latest AS (
  SELECT {names}, toString(l.binding_id) AS binding_id,
    argMaxMerge(l.value) AS value, max(l.last_ts) AS ts
  FROM {db}.latest AS l
  WHERE {scope}
  GROUP BY l.binding_id
  HAVING argMaxMerge(l.kind) = 0)"""

_ALERT_DEVICE = "ifNull(any(t.device_id), '')"
_ALERTS = f"""alerts AS (
  SELECT toString(t.event_id) AS event_id, any(t.rule_name) AS rule_name,
    any(t.severity) AS severity,
    argMax(t.status, multiIf(t.status = 'resolved', 3,
      t.status = 'acknowledged', 2, 1)) AS status,
    transform({_ALERT_DEVICE}, {{{{nlq_d:Array(String)}}}},
      {{{{nlq_d_name:Array(String)}}}}, any(t.device)) AS device,
    {_ALERT_DEVICE} AS device_id,
    transform({_ALERT_DEVICE}, {{{{nlq_d:Array(String)}}}},
      {{{{nlq_d_site:Array(String)}}}}, '') AS site,
    any(t.quantity) AS quantity, anyIf(t.value, t.status = 'active') AS value,
    min(t.triggered_at) AS triggered_at,
    maxIfOrNull(t.at, t.status = 'resolved') AS resolved_at
  FROM {{db}}.alert_transitions AS t
  WHERE t.org_id = {{{{nlq_org:String}}}}
  GROUP BY t.event_id)"""


@dataclass(frozen=True)
class Views:
    """The view CTEs of one org and the parameters they read."""

    ctes: tuple[str, ...]
    params: dict[str, Any]

    def wrap(self, query_ctes: tuple[str, ...], body: str) -> str:
        """The SQL that runs: the views, then the query's own CTEs, then its body."""
        return f"WITH {', '.join(self.ctes + query_ctes)}\n{body}"


def org_views(state: EntityState, org_id: str, db: str) -> Views:
    """The views over ``org_id``'s rows in database ``db``."""
    names = {"m": _named("m.binding_id"), "r": _named("r.binding_id")}
    names["l"] = _named("l.binding_id")
    ctes = (
        _MEASUREMENTS.format(names=names["m"], db=db, scope=_SCOPE.format(a="m")),
        _rollup("rollup_1m", "measurements_1m", names["r"], db),
        _rollup("rollup_1h", "measurements_1h", names["r"], db),
        _LATEST.format(names=names["l"], db=db, scope=_SCOPE.format(a="l")),
        _ALERTS.format(db=db),
    )
    return Views(ctes, {"nlq_org": org_id, **_parameters(state, org_id)})


def _rollup(view: str, table: str, names: str, db: str) -> str:
    scope = _SCOPE.format(a="r")
    return _ROLLUP.format(view=view, table=table, names=names, db=db, scope=scope)


def _parameters(state: EntityState, org_id: str) -> dict[str, Any]:
    rows = [_binding_row(state, b.entity_id, b.state) for b in _bindings(state, org_id)]
    columns: dict[str, list[str]] = {f"nlq_{p}": [] for _, p in _NAMES}
    for row in rows:
        for (_, p), value in zip(_NAMES, row[1:], strict=True):
            columns[f"nlq_{p}"].append(value)
    devices = list(state.in_org(Device, org_id).values())
    return {
        "nlq_b": [row[0] for row in rows],
        "nlq_ids": [row[0] for row in rows],
        **columns,
        "nlq_d": [d.entity_id for d in devices],
        "nlq_d_name": [d.state.display_name for d in devices],
        "nlq_d_site": [_site_name(state, d.state.site_id) for d in devices],
    }


def _bindings(state: EntityState, org_id: str) -> list[Any]:
    return [
        b
        for b in state.in_org(Binding, org_id).values()
        if b.state.quantity_slug in quantities.catalog()
    ]


def _binding_row(state: EntityState, binding_id: str, binding: Binding) -> list[str]:
    device = state.get(Device, binding.device_id)
    site_id = device.state.site_id if device else None
    q = quantities.catalog()[binding.quantity_slug]
    return [
        binding_id.lower(),
        device.state.display_name if device else "",
        binding.device_id,
        _site_name(state, site_id),
        site_id or "",
        q.name,
        q.slug,
        q.base_unit_symbol,
    ]


def _site_name(state: EntityState, site_id: str | None) -> str:
    site = state.get(Site, site_id) if site_id else None
    return site.state.name if site else ""
