// Devices by site with their latest readings, polled every few seconds.
import { all, api } from "./api.js";
import { $, ago, badge, emptyState, failedState, formatValue, h, initShell, poll, when } from "./ui.js";

const POLL_MS = 5000;
const LIVE_LIMIT = 60; // devices whose latest values are fetched each round
const groups = $("#device-groups");
const search = $("#device-search");
let devices = [];
let sites = [];
let latest = new Map();
let loaded = false;

function setLive(ok, text) {
  const live = $("#live-state");
  live.className = `live ${ok ? "on" : "off"}`;
  $("#live-text").textContent = text;
}

async function latestOf(device) {
  try {
    const answer = await api(`/api/v1/devices/${device.id}/latest/`);
    latest.set(device.id, answer.readings);
  } catch (err) {
    latest.set(device.id, null);
  }
}

async function refresh() {
  try {
    [devices, sites] = await Promise.all([all("/api/v1/devices/"), all("/api/v1/sites/")]);
    const live = devices.slice(0, LIVE_LIMIT);
    for (let i = 0; i < live.length; i += 6) await Promise.all(live.slice(i, i + 6).map(latestOf));
    loaded = true;
    render();
    setLive(true, `Live · updated ${new Date().toLocaleTimeString()}`);
  } catch (err) {
    setLive(false, "Not updating: " + err.message);
    if (!loaded) {
      groups.replaceChildren(failedState(err, refresh));
      groups.removeAttribute("aria-busy");
    }
  }
  refreshAlertCount();
}

async function refreshAlertCount() {
  try {
    const { events } = await api("/api/v1/alerts/?status=active&limit=1000");
    const stat = $("#stat-alerts");
    stat.textContent = events.length;
    stat.classList.toggle("crit", events.length > 0);
  } catch (err) {
    $("#stat-alerts").textContent = "–";
  }
}

function readings(device) {
  const values = latest.get(device.id);
  if (values === undefined) return h("span", { class: "muted small", text: device.binding_count ? "…" : "no bindings" });
  if (values === null) return h("span", { class: "muted small", text: "unavailable" });
  if (!values.length) return h("span", { class: "muted small", text: device.binding_count ? "no readings yet" : "no bindings" });
  return h("div", { class: "chips" }, values.map((r) => h("span", { class: "chip", title: `${r.quantity_slug} · ${when(r.time)}` },
    h("span", { class: "chip-label", text: r.quantity }),
    h("span", { class: "chip-value", text: formatValue(r.value, r.unit) }))));
}

function deviceRow(device) {
  const status = device.is_online ? badge("Online", "ok") : badge("Offline", "");
  return h("tr", { dataset: { deviceId: device.id } },
    h("td", {}, h("span", { class: "cell-main", text: device.display_name }), h("span", { class: "cell-sub mono", text: device.hardware_id })),
    h("td", {}, status, h("span", { class: "cell-sub", text: device.last_seen_at ? ago(device.last_seen_at) : "never seen", title: device.last_seen_at ? when(device.last_seen_at) : "" })),
    h("td", {}, readings(device)),
    h("td", { class: "num", text: String(device.binding_count) }));
}

function groupCard(title, subtitle, rows) {
  return h("section", { class: "card flush" },
    h("header", { class: "group-head" }, h("h2", { text: title }), h("span", { class: "muted", text: subtitle })),
    h("table", { class: "table devices-table" },
      h("thead", {}, h("tr", {}, h("th", { class: "col-device", text: "Device" }), h("th", { class: "col-status", text: "Status" }), h("th", { text: "Latest values" }), h("th", { class: "num col-count", text: "Bindings" }))),
      h("tbody", {}, rows.map(deviceRow))));
}

function matches(device, term) {
  return !term || device.display_name.toLowerCase().includes(term) || device.hardware_id.toLowerCase().includes(term);
}

function render() {
  $("#stat-devices").textContent = devices.length;
  $("#stat-online").textContent = devices.filter((d) => d.is_online).length;
  $("#stat-sites").textContent = sites.length;
  groups.removeAttribute("aria-busy");
  if (!devices.length) {
    groups.replaceChildren(h("section", { class: "card" }, emptyState("devices", "No devices yet",
      "Register a device with `POST /api/v1/devices/`, give it bindings and a gateway token, or run `vigil simulate` for a simulated fleet.",
      h("p", {}, h("a", { class: "btn", href: "/developer", text: "Create a gateway token" })))));
    return;
  }
  const term = search.value.trim().toLowerCase();
  const shown = devices.filter((d) => matches(d, term));
  const cards = [];
  for (const site of [...sites].sort((a, b) => a.name.localeCompare(b.name))) {
    const mine = shown.filter((d) => d.site_id === site.id);
    if (mine.length) cards.push(groupCard(site.name, `${mine.length} device${mine.length === 1 ? "" : "s"}`, mine));
  }
  const loose = shown.filter((d) => !d.site_id || !sites.some((s) => s.id === d.site_id));
  if (loose.length) cards.push(groupCard("Without a site", `${loose.length} device${loose.length === 1 ? "" : "s"}`, loose));
  if (!cards.length) cards.push(h("section", { class: "card" }, emptyState("devices", "No matching devices", `Nothing matches “${search.value}”.`)));
  if (devices.length > LIVE_LIMIT) cards.push(h("p", { class: "muted small", text: `Live values are shown for the first ${LIVE_LIMIT} devices.` }));
  groups.replaceChildren(...cards);
}

search.addEventListener("input", () => { if (loaded) render(); });
initShell();
poll(refresh, POLL_MS);
