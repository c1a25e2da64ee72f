// One dashboard: its panels (rendered by canvas-public.js), the editor, the public link.
import { api } from "./api.js";
import { loadCatalog } from "./catalog.js";
import { nextLayout, panelRow, readPanel } from "./dashboard-editor.js";
import { $, P, confirmButton, copyButton, failedState, h, initShell, onSubmit, toast } from "./ui.js";

const id = decodeURIComponent(location.pathname.split("/")[2] || "");
const path = `/api/v1/canvas/${encodeURIComponent(id)}/`;
const grid = $("#panels");
const editor = $("#editor");
const form = $("#editor-form");
const rows = $("#panel-rows");
let dashboard = null;
let catalog = null;
let view = null;
let previewTimer = null;

// The console reads panels through the explorer and the dashboard's alerts, with the cookie.
const source = {
  query(panel) {
    const ids = [...(panel.binding_ids || []), ...(panel.field_ids || [])];
    const q = new URLSearchParams({ binding_ids: ids.join(","), start: "-24h", end: "now", max_points: "500" });
    return api(`/api/v1/explorer/query/?${q}`);
  },
  async alerts(panel) {
    return (await api(`${path}alerts/?${P.alertQuery(panel)}`)).events;
  },
};

function show(d) {
  if (view) view.stop();
  view = P.renderDashboard(grid, d, source, { empty: "This dashboard has no panels yet. Choose Edit to add one." });
}

function heading() {
  $("#page-title").textContent = dashboard.name;
  $("#page-subtitle").textContent = dashboard.description || "";
  document.title = `${dashboard.name} · Vigil`;
}

function draft() {
  const values = { name: form.elements.namedItem("name").value.trim(), description: form.elements.namedItem("description").value.trim() };
  return { ...values, panels: [...rows.children].map((row) => readPanel(row, catalog)) };
}

function preview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => show({ ...dashboard, ...draft() }), 500);
}

function addRow(panel) {
  rows.append(panelRow(panel, catalog, preview));
}

async function openEditor() {
  if (!catalog) {
    try {
      catalog = await loadCatalog();
    } catch (err) {
      toast(`Series could not be loaded: ${err.message}`, "crit");
      return;
    }
  }
  form.elements.namedItem("name").value = dashboard.name;
  form.elements.namedItem("description").value = dashboard.description || "";
  rows.replaceChildren();
  for (const panel of dashboard.panels || []) addRow(panel);
  editor.hidden = false;
  $("#edit-toggle").hidden = true;
}

function closeEditor() {
  editor.hidden = true;
  $("#edit-toggle").hidden = false;
  show(dashboard);
}

function shareView() {
  const body = $("#share-body");
  if (!dashboard.share) {
    body.replaceChildren(
      h("p", { class: "muted", text: "Anyone with a public link can view this dashboard without signing in, also inside an iframe on another site. You can revoke the link at any time." }),
      h("button", { class: "btn primary", type: "button", text: "Create public link", onclick: share }));
    return;
  }
  const url = new URL(dashboard.share.url, location.origin).href;
  body.replaceChildren(
    h("div", { class: "share-url" }, h("code", { id: "share-url", text: url }), copyButton(url),
      h("a", { class: "btn small", href: url, target: "_blank", rel: "noopener", text: "Open" }),
      confirmButton("Revoke", revoke)),
    h("p", { class: "muted small", text: `Embed: <iframe src="${url}" width="100%" height="600"></iframe>` }));
}

async function share() {
  try {
    dashboard.share = await api(`${path}share/`, { method: "POST" });
    shareView();
    toast("Public link created");
  } catch (err) {
    toast(err.message, "crit");
  }
}

async function revoke() {
  await api(`${path}share/`, { method: "DELETE" });
  dashboard.share = null;
  shareView();
  toast("Public link revoked");
}

async function start() {
  initShell();
  try {
    dashboard = await api(path);
  } catch (err) {
    grid.replaceChildren(h("section", { class: "card" }, failedState(err)));
    grid.removeAttribute("aria-busy");
    return;
  }
  heading();
  show(dashboard);
  for (const b of ["#edit-toggle", "#share-toggle"]) $(b).disabled = false;
  $("#edit-toggle").addEventListener("click", openEditor);
  $("#cancel-edit").addEventListener("click", closeEditor);
  $("#share-toggle").addEventListener("click", () => {
    $("#share-card").hidden = !$("#share-card").hidden;
    shareView();
  });
  $("#add-panel").addEventListener("click", () => {
    addRow({ type: "timeseries", title: "", layout: nextLayout(draft().panels), options: {} });
    preview();
  });
  form.addEventListener("input", preview);
  onSubmit(form, async () => {
    dashboard = await api(path, { method: "PUT", body: draft() });
    heading();
    closeEditor();
    toast("Dashboard saved");
  });
  if (new URLSearchParams(location.search).has("edit")) openEditor();
}

start();
