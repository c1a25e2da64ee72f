// Canvas: the org's dashboards and a form to start a new one.
import { api } from "./api.js";
import { $, ago, badge, emptyState, failedState, h, initShell, onSubmit } from "./ui.js";

const list = $("#dashboards");

function card(d) {
  const panels = (d.panels || []).length;
  return h("a", { class: "card dash-card", href: `/canvas/${encodeURIComponent(d.id)}`, dataset: { dashboardId: d.id } },
    h("h2", { text: d.name }),
    h("p", { class: "muted", text: d.description || "No description" }),
    h("div", { class: "meta" },
      h("span", { text: `${panels} panel${panels === 1 ? "" : "s"}` }),
      h("span", { text: "·" }),
      h("span", { text: `updated ${ago(d.updated_at || d.created_at)}` }),
      d.share ? badge("shared", "info") : null));
}

async function load() {
  try {
    const { dashboards } = await api("/api/v1/canvas/");
    dashboards.sort((a, b) => a.name.localeCompare(b.name));
    list.replaceChildren(...(dashboards.length ? dashboards.map(card)
      : [h("section", { class: "card" }, emptyState("grid", "No dashboards yet", "Create one on the right, add time series, stats, gauges, tables and alert lists, and share it with a public link."))]));
  } catch (err) {
    list.replaceChildren(h("section", { class: "card" }, failedState(err, load)));
  }
  list.removeAttribute("aria-busy");
}

initShell();
onSubmit($("#dashboard-form"), async (values) => {
  const created = await api("/api/v1/canvas/", { method: "POST", body: { name: values.name, description: values.description || "", panels: [] } });
  location.assign(`/canvas/${encodeURIComponent(created.id)}?edit=1`);
});
load();
