// The dashboard editor's panel rows: type, title, series and the layout numbers.
import { seriesOptions } from "./catalog.js";
import { P, h } from "./ui.js";

const TYPES = Object.entries(P.KINDS);

export function newPanelId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function number(name, value, min, max) {
  return h("label", { class: "cell" }, name.toUpperCase(),
    h("input", { type: "number", min: String(min), max: String(max), step: "1", value: String(value), dataset: { layout: name } }));
}

function chosenText(select) {
  const names = [...select.selectedOptions].map((o) => `${o.parentElement.label || ""} ${o.textContent}`.trim());
  return names.length ? names.join(", ") : "none chosen (Ctrl/⌘-click to choose several)";
}

// One editable panel row; read it back with readPanel.
export function panelRow(panel, catalog, onRemove) {
  const layout = { x: 0, y: 0, w: 6, h: 4, ...(panel.layout || {}) };
  const type = h("select", { dataset: { key: "type" } }, TYPES.map(([value, label]) => new Option(label, value, false, value === panel.type)));
  const series = h("select", { multiple: true, size: 5, dataset: { key: "series" } }, seriesOptions(catalog, "binding"), seriesOptions(catalog, "field"));
  const chosen = new Set([...(panel.binding_ids || []), ...(panel.field_ids || [])]);
  for (const option of series.querySelectorAll("option")) option.selected = chosen.has(option.value);
  const caption = h("span", { class: "chosen", text: chosenText(series) });
  const o = panel.options || {};
  const range = [
    h("label", { class: "cell gauge-only" }, "Min", h("input", { type: "number", step: "any", value: o.min ?? "", dataset: { option: "min" } })),
    h("label", { class: "cell gauge-only" }, "Max", h("input", { type: "number", step: "any", value: o.max ?? "", dataset: { option: "max" } })),
  ];
  const showRange = () => range.forEach((label) => label.classList.toggle("invisible", type.value !== "gauge"));
  type.addEventListener("change", showRange);
  series.addEventListener("change", () => { caption.textContent = chosenText(series); });
  const row = h("div", { class: "panel-row", dataset: { panelId: panel.id || "" } },
    h("label", {}, "Type", type),
    h("label", {}, "Title", h("input", { value: panel.title || "", required: true, dataset: { key: "title" } })),
    h("label", { class: "series" }, "Series", series, caption),
    number("x", layout.x, 0, 11), number("y", layout.y, 0, 99), number("w", layout.w, 1, 12), number("h", layout.h, 1, 12),
    ...range,
    h("button", { class: "btn small danger", type: "button", text: "Remove", onclick: () => { row.remove(); onRemove(); } }));
  row._panel = panel;
  showRange();
  return row;
}

// The panel a row describes, series split into binding ids and Prism field ids.
export function readPanel(row, catalog) {
  const get = (key) => row.querySelector(`[data-key="${key}"]`);
  const ids = [...get("series").selectedOptions].map((o) => o.value);
  const layout = {};
  for (const input of row.querySelectorAll("[data-layout]")) layout[input.dataset.layout] = Math.round(Number(input.value) || 0);
  const options = { ...(row._panel.options || {}) };
  for (const input of row.querySelectorAll("[data-option]")) {
    if (input.value === "") delete options[input.dataset.option];
    else options[input.dataset.option] = Number(input.value);
  }
  return {
    id: row._panel.id || newPanelId(),
    type: get("type").value,
    title: get("title").value.trim() || P.KINDS[get("type").value],
    binding_ids: ids.filter((id) => (catalog.series.get(id) || {}).kind !== "field"),
    field_ids: ids.filter((id) => (catalog.series.get(id) || {}).kind === "field"),
    options,
    layout,
  };
}

// Where the next panel goes: below everything else, full width halves.
export function nextLayout(panels) {
  const bottom = panels.reduce((m, p) => Math.max(m, ((p.layout || {}).y || 0) + ((p.layout || {}).h || 4)), 0);
  return { x: 0, y: bottom, w: 6, h: 4 };
}
