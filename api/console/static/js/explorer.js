// Explorer: pick series and a time range, chart them with uPlot.
import { api } from "./api.js";
import { loadCatalog } from "./catalog.js";
import { $, P, emptyState, failedState, formatValue, h, initShell, press } from "./ui.js";

const RANGES = { "1h": "-1h", "24h": "-24h", "7d": "-7d", "30d": "-30d" };
const MAX_SERIES = 12;
const box = $("#chart");
const list = $("#series-list");
const params = new URLSearchParams(location.search);
let range = RANGES[params.get("range")] ? params.get("range") : "24h";
let picked = new Set((params.get("series") || "").split(",").filter(Boolean));
let catalog = null;
let timer = null;
let generation = 0;

function remember() {
  const q = new URLSearchParams({ range });
  if (picked.size) q.set("series", [...picked].join(","));
  history.replaceState(null, "", `${location.pathname}?${q}`);
  $("#picked-count").textContent = picked.size ? `${picked.size} selected` : "none selected";
}

function seriesList() {
  const term = $("#series-search").value.trim().toLowerCase();
  const groups = new Map();
  for (const s of catalog.series.values()) {
    if (term && !s.label.toLowerCase().includes(term)) continue;
    if (!groups.has(s.group)) groups.set(s.group, []);
    groups.get(s.group).push(s);
  }
  if (!catalog.series.size) {
    return [emptyState("chart", "Nothing to chart yet", "Series appear here once a device has bindings or a Prism field exists.")];
  }
  if (!groups.size) return [h("p", { class: "muted small", text: "No series match." })];
  return [...groups].flatMap(([group, items]) => [
    h("div", { class: "series-group", text: group }),
    ...items.map((s) => h("label", { class: "series-item" },
      h("input", { type: "checkbox", value: s.id, checked: picked.has(s.id), dataset: { seriesId: s.id }, onchange: toggle }),
      h("span", { text: s.name }),
      h("span", { class: "unit", text: s.unit }))),
  ]);
}

function toggle(event) {
  const id = event.target.value;
  if (event.target.checked) {
    if (picked.size >= MAX_SERIES) {
      event.target.checked = false;
      return;
    }
    picked.add(id);
  } else picked.delete(id);
  remember();
  draw();
}

function stats(values) {
  const nums = values.filter((v) => typeof v === "number");
  if (!nums.length) return null;
  const sum = nums.reduce((a, b) => a + b, 0);
  return { min: Math.min(...nums), max: Math.max(...nums), mean: sum / nums.length, count: nums.length };
}

function summary(answer) {
  const body = $("#series-summary tbody");
  body.replaceChildren(...answer.series.map((s, i) => {
    const st = stats(s.values);
    const last = P.lastPoint(answer, s.values);
    const swatch = h("span", { class: "swatch" });
    swatch.style.background = P.PALETTE[i % P.PALETTE.length];
    const cell = (v) => h("td", { class: "num", text: st ? formatValue(v, s.unit) : "–" });
    return h("tr", {}, h("td", {}, swatch, s.label), h("td", { class: "num", text: last ? formatValue(last.value, s.unit) : "–" }),
      cell(st && st.min), cell(st && st.mean), cell(st && st.max), h("td", { class: "num", text: st ? String(st.count) : "0" }));
  }));
  $("#summary-card").hidden = false;
}

function describe(meta) {
  const sources = { raw: "raw points", "1m": "1-minute rollups", "1h": "1-hour rollups" };
  const bucket = meta.bucket_seconds >= 60 ? `${P.formatNumber(meta.bucket_seconds / 60)} min` : `${P.formatNumber(meta.bucket_seconds)} s`;
  return `Averages per ${bucket} from ${sources[meta.source] || meta.source}`;
}

async function draw() {
  clearTimeout(timer);
  const mine = ++generation;
  if (!picked.size) {
    if (box._uplot) box._uplot.destroy();
    box._uplot = null;
    box.replaceChildren(emptyState("chart", "Pick a series", "Choose one or more series on the left to chart them over the selected range."));
    $("#summary-card").hidden = true;
    $("#query-meta").textContent = "";
    return;
  }
  const q = new URLSearchParams({ binding_ids: [...picked].join(","), start: RANGES[range], end: "now", max_points: "600" });
  try {
    const answer = await api(`/api/v1/explorer/query/?${q}`);
    if (mine !== generation) return;
    await P.loadUPlot();
    P.chart(box, answer, { height: 380, empty: "No data in this time range." });
    summary(answer);
    $("#query-meta").textContent = describe(answer.meta);
  } catch (err) {
    if (mine !== generation) return;
    box.replaceChildren(failedState(err, draw));
    $("#summary-card").hidden = true;
  }
  timer = setTimeout(draw, range === "1h" ? 10000 : 60000);
}

async function start() {
  initShell();
  press($("#range"), "range", range);
  remember();
  $("#range").addEventListener("click", (event) => {
    const value = event.target.dataset && event.target.dataset.range;
    if (!value) return;
    range = value;
    press($("#range"), "range", range);
    remember();
    draw();
  });
  $("#refresh").addEventListener("click", draw);
  $("#series-search").addEventListener("input", () => catalog && list.replaceChildren(...seriesList()));
  try {
    catalog = await loadCatalog();
    for (const id of picked) if (!catalog.series.has(id)) picked.delete(id);
    remember();
    list.replaceChildren(...seriesList());
  } catch (err) {
    list.replaceChildren(failedState(err, start));
  }
  list.removeAttribute("aria-busy");
  draw();
}

start();
