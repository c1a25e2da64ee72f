"""What the model is told about the caller's org: the clock, devices, sites and the
quantities measured (pure: built from the read model, carried as JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agents.nlq.lexicon import QuantityInUse
from domain.entity_state import EntityState
from domain.isotime import iso, parse_iso
from domain.states import Binding, Device, Site
from schemas import quantities

# Most devices and sites named in a prompt (a larger org is cut, newest kept out).
MAX_NAMES = 500


@dataclass(frozen=True)
class DeviceInfo:
    """A device of the org: id, name, site name and the quantity slugs it measures."""

    id: str
    name: str
    site: str
    slugs: tuple[str, ...]


@dataclass(frozen=True)
class Context:
    """The org as the planner sees it."""

    now: datetime
    devices: tuple[DeviceInfo, ...]
    sites: tuple[str, ...]
    quantities: tuple[QuantityInUse, ...]

    def as_json(self) -> dict[str, Any]:
        """The context as the JSON the prompt carries."""
        return {
            "now": iso(self.now),
            "devices": [
                {"id": d.id, "name": d.name, "site": d.site, "quantities": d.slugs}
                for d in self.devices
            ],
            "sites": list(self.sites),
            "quantities": [
                {"slug": q.slug, "name": q.name, "unit": q.unit}
                for q in self.quantities
            ],
        }


def context_of(state: EntityState, org_id: str, now: datetime) -> Context:
    """The context of ``org_id`` from the read model."""
    sites = {s.entity_id: s.state.name for s in state.in_org(Site, org_id).values()}
    slugs: dict[str, list[str]] = {}
    for b in state.in_org(Binding, org_id).values():
        if b.state.quantity_slug in quantities.catalog():
            slugs.setdefault(b.state.device_id, []).append(b.state.quantity_slug)
    devices = [
        DeviceInfo(
            d.entity_id,
            d.state.display_name,
            sites.get(d.state.site_id or "", ""),
            tuple(sorted(set(slugs.get(d.entity_id, [])))),
        )
        for d in state.in_org(Device, org_id).values()
    ][:MAX_NAMES]
    used = sorted({s for d in devices for s in d.slugs})
    return Context(
        now,
        tuple(devices),
        tuple(list(sites.values())[:MAX_NAMES]),
        tuple(_in_use(slug) for slug in used),
    )


def _in_use(slug: str) -> QuantityInUse:
    q = quantities.catalog()[slug]
    return QuantityInUse(q.slug, q.name, q.base_unit_symbol)


def context_from_json(data: dict[str, Any]) -> Context:
    """Read a context back from its JSON (what the offline model does)."""
    devices = tuple(
        DeviceInfo(
            str(d.get("id", "")),
            str(d.get("name", "")),
            str(d.get("site") or ""),
            tuple(str(s) for s in d.get("quantities") or ()),
        )
        for d in data.get("devices") or ()
    )
    return Context(
        parse_iso(str(data["now"])),
        devices,
        tuple(str(s) for s in data.get("sites") or ()),
        tuple(
            QuantityInUse(str(q["slug"]), str(q["name"]), str(q["unit"]))
            for q in data.get("quantities") or ()
        ),
    )
