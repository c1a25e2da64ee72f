// Alert rules: the list, a create form, enable/disable and delete.
import { all, allOf, api } from "./api.js";
import { loadCatalog, seriesOptions } from "./catalog.js";
import { $, SEVERITY, badge, confirmButton, emptyState, failedState, formatValue, h, initShell, onSubmit, toast } from "./ui.js";

const form = $("#rule-form");
const body = $("#rules-body");
let catalog = { series: new Map(), devices: [], sites: [], fields: [] };

function targetText(rule) {
  const named = (list, id, key) => (list.find((x) => x.id === id) || {})[key] || "unknown";
  switch (rule.target_type) {
    case "binding": return (catalog.series.get(rule.binding_id) || { label: "a deleted binding" }).label;
    case "field": return `Prism: ${named(catalog.fields, rule.field_id, "name")}`;
    case "device_quantity": return `${named(catalog.devices, rule.device_id, "display_name")} · ${rule.quantity_slug}`;
    case "site_quantity": return `Site ${named(catalog.sites, rule.site_id, "name")} · ${rule.quantity_slug}`;
    default: return `Every device · ${rule.quantity_slug}`;
  }
}

function conditionText(rule) {
  const unit = rule.target_type === "binding" ? (catalog.series.get(rule.binding_id) || {}).unit : "";
  const v = (x) => formatValue(x, unit);
  const text = {
    above: `above ${v(rule.threshold)}`,
    below: `below ${v(rule.threshold)}`,
    outside: `outside ${v(rule.low)} … ${v(rule.high)}`,
    rate_of_change: `changes faster than ${v(rule.threshold)}/s`,
    no_data: `no data for ${formatValue(rule.silence_s, "s")}`,
  }[rule.condition] || rule.condition;
  return rule.for_s ? `${text} for ${formatValue(rule.for_s, "s")}` : text;
}

function row(rule) {
  const toggle = h("button", {
    class: "btn small", type: "button", text: rule.enabled ? "Disable" : "Enable",
    onclick: async (e) => {
      e.target.disabled = true;
      try {
        await api(`/api/v1/alerts/rules/${rule.id}/`, { method: "PATCH", body: { enabled: !rule.enabled } });
        loadRules();
      } catch (err) {
        toast(err.message, "crit");
        e.target.disabled = false;
      }
    },
  });
  const remove = confirmButton("Delete", async () => {
    await api(`/api/v1/alerts/rules/${rule.id}/`, { method: "DELETE" });
    toast(`Rule “${rule.name}” deleted`);
    loadRules();
  });
  return h("tr", { dataset: { ruleId: rule.id } },
    h("td", { class: "cell-main", text: rule.name }),
    h("td", { text: targetText(rule) }),
    h("td", { text: conditionText(rule) }),
    h("td", {}, badge(rule.severity, SEVERITY[rule.severity])),
    h("td", {}, rule.enabled ? badge("enabled", "ok", true) : badge("disabled", "", true)),
    h("td", { class: "actions" }, toggle, remove));
}

async function loadRules() {
  try {
    const rules = await allOf("/api/v1/alerts/rules/", "rules");
    rules.sort((a, b) => a.name.localeCompare(b.name));
    body.replaceChildren(...rules.map(row));
    $("#rule-count").textContent = `${rules.length} rule${rules.length === 1 ? "" : "s"}`;
    $("#rules-empty").hidden = rules.length > 0;
    $("#rules-empty").replaceChildren(emptyState("sliders", "No rules yet", "A rule watches a series, a device, a site or every device, and fires an alert when its condition holds."));
  } catch (err) {
    $("#rules-empty").hidden = false;
    $("#rules-empty").replaceChildren(failedState(err, loadRules));
  }
}

function showFor(select, attribute) {
  for (const label of form.querySelectorAll(`[data-${attribute}]`)) {
    label.hidden = !label.dataset[attribute].split(" ").includes(select.value);
  }
}

function fillChoices() {
  const choose = (name, nodes, none) => {
    const select = form.elements.namedItem(name);
    select.replaceChildren(...(nodes.length ? nodes : [new Option(none, "")]));
  };
  choose("binding_id", seriesOptions(catalog, "binding"), "No bindings yet");
  choose("field_id", catalog.fields.map((f) => new Option(f.name, f.id)), "No Prism fields yet");
  choose("device_id", catalog.devices.map((d) => new Option(d.display_name, d.id)), "No devices yet");
  choose("site_id", catalog.sites.map((s) => new Option(s.name, s.id)), "No sites yet");
}

async function loadQuantities() {
  const list = $("#quantity-slugs");
  for (const q of await all("/api/v1/quantities/canonical/")) list.append(new Option(`${q.name} (${q.base_unit_symbol})`, q.slug));
}

async function start() {
  initShell();
  const target = form.elements.namedItem("target_type");
  const condition = form.elements.namedItem("condition");
  target.addEventListener("change", () => showFor(target, "for"));
  condition.addEventListener("change", () => showFor(condition, "cond"));
  onSubmit(form, async (values) => {
    const rule = await api("/api/v1/alerts/rules/", { method: "POST", body: values });
    toast(`Rule “${rule.name}” created`);
    form.elements.namedItem("name").value = "";
    loadRules();
  });
  try {
    catalog = await loadCatalog();
    fillChoices();
  } catch (err) {
    toast(`Targets could not be loaded: ${err.message}`, "crit");
  }
  loadRules();
  loadQuantities().catch(() => null);
}

start();
