// Prism fields: the list, a create form with its inputs, and delete.
import { allOf, api } from "./api.js";
import { loadCatalog, seriesOptions } from "./catalog.js";
import { $, confirmButton, emptyState, failedState, h, initShell, onSubmit, toast } from "./ui.js";

const form = $("#field-form");
const rows = $("#input-rows");
let catalog = { series: new Map() };

function inputsText(field) {
  return Object.entries(field.inputs).map(([variable, id]) => {
    const s = catalog.series.get(id);
    return h("div", { class: "small" }, h("code", { text: variable }), ` ${s ? s.label : id}`);
  });
}

function row(field) {
  const remove = confirmButton("Delete", async () => {
    await api(`/api/v1/prism/fields/${field.id}/`, { method: "DELETE" });
    toast(`Field “${field.name}” deleted`);
    loadFields();
  });
  return h("tr", { dataset: { fieldId: field.id } },
    h("td", {}, h("span", { class: "cell-main", text: field.name }), h("span", { class: "cell-sub", text: field.description || "" })),
    h("td", {}, h("code", { text: field.expression })),
    h("td", {}, inputsText(field)),
    h("td", { text: field.unit || "–" }),
    h("td", { class: "actions" }, h("a", { class: "btn small", href: `/explorer?series=${field.id}&range=24h`, text: "Chart" }), " ", remove));
}

async function loadFields() {
  const empty = $("#fields-empty");
  try {
    const fields = await allOf("/api/v1/prism/fields/", "fields");
    $("#fields-body").replaceChildren(...fields.map(row));
    $("#field-count").textContent = `${fields.length} field${fields.length === 1 ? "" : "s"}`;
    empty.hidden = fields.length > 0;
    empty.replaceChildren(emptyState("prism", "No Prism fields yet", "A field computes a new series from others with an expression, e.g. a temperature in °F from one in °C, or a power from a voltage and a current."));
  } catch (err) {
    empty.hidden = false;
    empty.replaceChildren(failedState(err, loadFields));
  }
}

function inputRow(variable) {
  const select = h("select", { class: "input-binding", "aria-label": "Input series" }, ...seriesOptions(catalog, "binding"));
  const name = h("input", { class: "input-variable mono", value: variable, "aria-label": "Variable name", placeholder: "t" });
  const wrap = h("div", { class: "input-row" }, name, select,
    h("button", { class: "btn small", type: "button", text: "Remove", onclick: () => wrap.remove() }));
  name.classList.add("narrow");
  return wrap;
}

function inputs() {
  const out = {};
  for (const r of rows.children) {
    const variable = r.querySelector(".input-variable").value.trim();
    const binding = r.querySelector(".input-binding").value;
    if (variable && binding) out[variable] = binding;
  }
  return out;
}

async function start() {
  initShell();
  onSubmit(form, async (values) => {
    const field = await api("/api/v1/prism/fields/", { method: "POST", body: { ...values, inputs: inputs() } });
    toast(`Field “${field.name}” created`);
    form.reset();
    loadFields();
  });
  $("#add-input").addEventListener("click", () => rows.append(inputRow(`x${rows.children.length + 1}`)));
  try {
    catalog = await loadCatalog();
    rows.replaceChildren(inputRow("x"));
  } catch (err) {
    rows.replaceChildren(failedState(err));
  }
  loadFields();
}

start();
