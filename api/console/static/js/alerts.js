// Alerts: the list, kept live by the SSE stream, with acknowledge and resolve.
import { all, api, refreshSession } from "./api.js";
import { $, SEVERITY, ago, badge, emptyState, failedState, formatValue, h, initShell, press, toast, when } from "./ui.js";

const STATUS_KIND = { active: "crit", acknowledged: "warn", resolved: "ok" };
const body = $("#alerts-body");
const empty = $("#alerts-empty");
const events = new Map();
const units = new Map();
let status = new URLSearchParams(location.search).get("status") || "";
let stream = null;
let fresh = new Set();

function setLive(state, text) {
  $("#live-state").className = `live ${state}`;
  $("#live-text").textContent = text;
}

function upsert(event) {
  const known = events.get(event.event_id) || {};
  events.set(event.event_id, { ...known, ...event, status: event.status || event.state || known.status });
}

function actions(event) {
  const cell = h("td", { class: "actions" });
  const act = (kind, label) => h("button", {
    class: kind === "resolve" ? "btn small" : "btn small primary", type: "button", text: label,
    dataset: { action: kind }, onclick: (e) => move(event.event_id, kind, e.target),
  });
  if (event.status === "active") cell.append(act("acknowledge", "Acknowledge"));
  if (event.status !== "resolved") cell.append(act("resolve", "Resolve"));
  return cell;
}

function row(event) {
  const unit = units.get(event.quantity_slug) || "";
  const tr = h("tr", { dataset: { eventId: event.event_id, status: event.status }, class: fresh.has(event.event_id) ? "flash" : "" },
    h("td", {}, badge(event.severity, SEVERITY[event.severity])),
    h("td", {}, h("span", { class: "cell-main", text: event.rule_name || "Alert" }), h("span", { class: "cell-sub", text: event.quantity || "" })),
    h("td", { text: event.device || "–" }),
    h("td", { class: "num", text: formatValue(event.value, unit) }),
    h("td", {}, badge(event.status, STATUS_KIND[event.status], true)),
    h("td", { title: when(event.triggered_at) }, ago(event.triggered_at), settled(event)),
    actions(event));
  return tr;
}

function settled(event) {
  const at = event.resolved_at || event.acknowledged_at;
  if (!at) return null;
  return h("span", { class: "cell-sub", text: `${event.resolved_at ? "resolved" : "acknowledged"} ${ago(at)}`, title: when(at) });
}

function render() {
  const shown = [...events.values()]
    .filter((e) => !status || e.status === status)
    .sort((a, b) => Date.parse(b.triggered_at) - Date.parse(a.triggered_at));
  body.replaceChildren(...shown.map(row));
  fresh = new Set();
  empty.hidden = shown.length > 0;
  if (!shown.length) {
    const text = status ? `No ${status} alerts.` : "No alert has fired yet. Alerts appear here the moment a rule fires.";
    empty.replaceChildren(emptyState("check", "All clear", text, h("p", {}, h("a", { class: "btn", href: "/rules", text: "Alert rules" }))));
  }
}

async function loadList() {
  const q = status ? `?status=${status}&limit=500` : "?limit=500";
  try {
    const answer = await api(`/api/v1/alerts/${q}`);
    for (const e of answer.events) upsert(e);
    render();
  } catch (err) {
    body.replaceChildren();
    empty.hidden = false;
    empty.replaceChildren(failedState(err, loadList));
  }
}

async function move(eventId, kind, button) {
  button.disabled = true;
  try {
    const answer = await api(`/api/v1/alerts/${eventId}/${kind}/`, { method: "POST" });
    upsert(answer.pending ? { ...answer, status: answer.pending } : answer);
    render();
    toast(kind === "acknowledge" ? "Alert acknowledged" : "Alert resolved");
  } catch (err) {
    toast(err.message, "crit");
    button.disabled = false;
  }
}

function onAlert(message) {
  const event = JSON.parse(message.data);
  const isNew = !events.has(event.event_id);
  upsert(event);
  fresh.add(event.event_id);
  render();
  if (isNew && event.status === "active") toast(`${event.severity}: ${event.rule_name} on ${event.device}`, event.severity === "critical" ? "crit" : "");
}

// Listen first, then read the list: nothing fired in between is missed.
function connect() {
  if (stream) stream.close();
  setLive("", "Connecting…");
  stream = new EventSource("/api/v1/alerts/stream/");
  stream.addEventListener("open", () => {
    setLive("on", "Live");
    loadList();
  });
  stream.addEventListener("alert", onAlert);
  stream.addEventListener("error", async () => {
    if (stream.readyState !== EventSource.CLOSED) {
      setLive("off", "Reconnecting…");
      return;
    }
    setLive("off", "Disconnected");
    await refreshSession();
    setTimeout(connect, 3000);
  });
}

async function loadUnits() {
  try {
    for (const q of await all("/api/v1/quantities/canonical/")) units.set(q.slug, q.base_unit_symbol);
    render();
  } catch (err) { /* values are shown without units */ }
}

initShell();
press($("#status-filter"), "status", status);
$("#status-filter").addEventListener("click", (event) => {
  if (event.target.dataset.status === undefined) return;
  status = event.target.dataset.status;
  press($("#status-filter"), "status", status);
  history.replaceState(null, "", status ? `?status=${status}` : location.pathname);
  render();
  loadList();
});
loadUnits();
connect();
setInterval(render, 30000); // relative times stay true
