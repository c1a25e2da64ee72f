// Developer: API keys and gateway tokens; a new secret is shown once.
import { allOf, api } from "./api.js";
import { $, badge, confirmButton, copyButton, emptyState, failedState, h, initShell, onSubmit, timeCell, toast } from "./ui.js";

function secret(box, label, value) {
  box.replaceChildren(
    h("p", {}, h("strong", { text: `${label} ` }), "Copy it now: it is shown only once and cannot be read back."),
    h("div", { class: "value" }, h("code", { class: "secret-value", text: value }), copyButton(value),
      h("button", { class: "btn small", type: "button", text: "Done", onclick: () => { box.hidden = true; } })));
  box.hidden = false;
}

function list(bodyId, emptyId, items, row, empty) {
  $(bodyId).replaceChildren(...items.map(row));
  $(emptyId).hidden = items.length > 0;
  $(emptyId).replaceChildren(empty);
}

function keyRow(key) {
  return h("tr", { dataset: { keyId: key.id } },
    h("td", { class: "cell-main", text: key.name }),
    h("td", {}, h("code", { text: `${key.key_prefix}…` })),
    h("td", {}, key.permissions.map((p) => badge(p, p === "write" ? "warn" : "info", true))),
    h("td", { class: "num", text: String(key.usage_count) }),
    timeCell(key.last_used_at),
    timeCell(key.created_at),
    h("td", { class: "actions" }, confirmButton("Delete", async () => {
      await api(`/api/keys/${key.id}`, { method: "DELETE" });
      toast(`Key “${key.name}” deleted`);
      loadKeys();
    })));
}

function tokenRow(token) {
  return h("tr", { dataset: { tokenId: token.id } },
    h("td", { class: "cell-main", text: token.name }),
    h("td", {}, h("code", { text: `${token.token_prefix}…` })),
    h("td", {}, token.hardware_id ? h("code", { text: token.hardware_id }) : h("span", { class: "muted", text: "any device" })),
    timeCell(token.created_at),
    h("td", { class: "actions" }, confirmButton("Revoke", async () => {
      await api(`/api/v1/ingest/tokens/${token.id}/`, { method: "DELETE" });
      toast(`Token “${token.name}” revoked`);
      loadTokens();
    })));
}

async function loadKeys() {
  try {
    const keys = await allOf("/api/keys", "keys");
    list("#keys-body", "#keys-empty", keys, keyRow, emptyState("key", "No API keys", "Create a key for a script or an integration below."));
  } catch (err) {
    list("#keys-body", "#keys-empty", [], keyRow, failedState(err, loadKeys));
  }
}

async function loadTokens() {
  try {
    const { results } = await api("/api/v1/ingest/tokens/?limit=1000");
    list("#tokens-body", "#tokens-empty", results, tokenRow, emptyState("devices", "No gateway tokens", "A gateway needs a token to post measurements. Scope it to one device's hardware id, or leave that empty."));
  } catch (err) {
    list("#tokens-body", "#tokens-empty", [], tokenRow, failedState(err, loadTokens));
  }
}

initShell();
onSubmit($("#key-form"), async (values) => {
  const permissions = values.write ? ["read", "write"] : ["read"];
  const { key } = await api("/api/keys", { method: "POST", body: { name: values.name, permissions } });
  secret($("#key-secret"), "New API key.", key.full_key);
  $("#key-form").reset();
  loadKeys();
});
onSubmit($("#token-form"), async (values) => {
  const token = await api("/api/v1/ingest/tokens/", { method: "POST", body: values });
  secret($("#token-secret"), "New gateway token.", token.raw_token);
  $("#token-form").reset();
  loadTokens();
});
loadKeys();
loadTokens();
