// API reference: /api/openapi.json rendered as a filterable list of operations.
import { $, failedState, h, initShell, prose } from "./ui.js";

const METHODS = ["get", "post", "put", "patch", "delete"];
const body = $("#docs-body");
let sections = [];

function resolve(doc, schema) {
  if (schema && schema.$ref) return doc.components.schemas[schema.$ref.split("/").pop()] || {};
  return schema || {};
}

function typeOf(schema) {
  if (!schema) return "";
  if (schema.type === "array") return `${typeOf(schema.items)}[]`;
  return schema.type || (schema.$ref ? schema.$ref.split("/").pop() : "");
}

function paramsTable(params) {
  return h("table", { class: "table" },
    h("thead", {}, h("tr", {}, ["Name", "In", "Type", "Description"].map((t) => h("th", { text: t })))),
    h("tbody", {}, params.map((p) => h("tr", {},
      h("td", {}, h("code", { text: p.name }), p.required ? h("span", { class: "muted small", text: " required" }) : null),
      h("td", { text: p.in }), h("td", { text: typeOf(p.schema) }), h("td", {}, prose(p.description || "", "span"))))));
}

function bodyTable(doc, operation) {
  const content = (operation.requestBody || {}).content || {};
  const schema = resolve(doc, (content["application/json"] || {}).schema);
  const props = Object.entries(schema.properties || {});
  if (!props.length) return null;
  const required = new Set(schema.required || []);
  return [h("h4", { text: "Request body" }), h("table", { class: "table" },
    h("thead", {}, h("tr", {}, ["Field", "Type"].map((t) => h("th", { text: t })))),
    h("tbody", {}, props.map(([name, s]) => h("tr", {},
      h("td", {}, h("code", { text: name }), required.has(name) ? h("span", { class: "muted small", text: " required" }) : null),
      h("td", { text: typeOf(s) })))))];
}

function operationNode(doc, path, method, operation) {
  const responses = Object.entries(operation.responses || {});
  const open = operation.security && !operation.security.length ? "No credential needed." : "Needs a credential: Bearer token, API key or the session cookie.";
  const node = h("details", { class: "op" },
    h("summary", {}, h("span", { class: `method ${method}`, text: method }), h("span", { class: "op-path", text: path }), prose(operation.summary || "", "span")),
    h("div", { class: "op-body" },
      operation.description ? prose(operation.description) : null,
      h("p", { class: "muted small", text: open }),
      operation.parameters && operation.parameters.length ? [h("h4", { text: "Parameters" }), paramsTable(operation.parameters)] : null,
      bodyTable(doc, operation),
      h("h4", { text: "Responses" }),
      h("table", { class: "table" }, h("tbody", {}, responses.map(([code, r]) => h("tr", {}, h("td", {}, h("code", { text: code })), h("td", {}, prose(r.description || "", "span"))))))));
  node.querySelector("summary > span:last-child").classList.add("op-summary");
  node.dataset.search = `${method} ${path} ${operation.summary || ""} ${operation.description || ""}`.toLowerCase();
  return node;
}

function render(doc) {
  const tags = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      if (!item[method]) continue;
      const tag = (item[method].tags || ["other"])[0];
      if (!tags.has(tag)) tags.set(tag, []);
      tags.get(tag).push(operationNode(doc, path, method, item[method]));
    }
  }
  const names = [...tags.keys()].sort();
  sections = names.map((tag) => h("section", { class: "docs-tag", id: `tag-${tag}` }, h("h2", { text: tag }), tags.get(tag)));
  $("#docs-nav").replaceChildren(...names.map((tag) => h("a", { href: `#tag-${tag}` }, h("span", { text: tag }), h("span", { class: "small", text: String(tags.get(tag).length) }))));
  body.replaceChildren(prose(doc.info.description, "p"), ...sections);
  body.removeAttribute("aria-busy");
  $("#page-subtitle").textContent = `${doc.info.title} ${doc.info.version} · OpenAPI ${doc.openapi}`;
}

function filter() {
  const term = $("#docs-search").value.trim().toLowerCase();
  for (const section of sections) {
    let shown = 0;
    for (const op of section.querySelectorAll(".op")) {
      op.hidden = Boolean(term) && !op.dataset.search.includes(term);
      if (!op.hidden) shown += 1;
    }
    section.hidden = shown === 0;
  }
}

async function start() {
  initShell();
  try {
    const r = await fetch("/api/openapi.json");
    if (!r.ok) throw new Error(`The server answered ${r.status}.`);
    render(await r.json());
  } catch (err) {
    body.replaceChildren(failedState(err, start));
  }
}

$("#docs-search").addEventListener("input", filter);
start();
