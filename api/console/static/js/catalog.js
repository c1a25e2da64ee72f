// What can be charted or targeted: devices with their bindings, sites, Prism fields.
import { all, allOf, api } from "./api.js";

// {devices, sites, fields, series: Map(id -> {id, label, unit, group, kind})}.
export async function loadCatalog() {
  const [devices, sites, fields] = await Promise.all([
    all("/api/v1/devices/"),
    all("/api/v1/sites/"),
    allOf("/api/v1/prism/fields/", "fields"),
  ]);
  const details = [];
  for (let i = 0; i < devices.length; i += 6) {
    details.push(...(await Promise.all(devices.slice(i, i + 6).map((d) => api(`/api/v1/devices/${d.id}/`)))));
  }
  const series = new Map();
  details.sort((a, b) => a.display_name.localeCompare(b.display_name));
  for (const device of details) {
    for (const b of device.bindings || []) {
      series.set(b.id, {
        id: b.id, kind: "binding", group: device.display_name, device_id: device.id,
        label: `${device.display_name} / ${b.quantity.name}`, name: `${b.quantity.name} · ch ${b.channel}`,
        unit: b.quantity.base_unit_symbol, slug: b.quantity_slug,
      });
    }
  }
  for (const f of fields) {
    series.set(f.id, { id: f.id, kind: "field", group: "Prism fields", label: f.name, name: f.name, unit: f.unit || "" });
  }
  return { devices: details, sites, fields, series };
}

// <option>s of every series, grouped by device.
export function seriesOptions(catalog, kind = "binding") {
  const groups = new Map();
  for (const s of catalog.series.values()) {
    if (s.kind !== kind) continue;
    if (!groups.has(s.group)) groups.set(s.group, []);
    groups.get(s.group).push(s);
  }
  return [...groups].map(([group, list]) => {
    const node = document.createElement("optgroup");
    node.label = group;
    for (const s of list) node.append(new Option(`${s.name}${s.unit ? ` (${s.unit})` : ""}`, s.id));
    return node;
  });
}
