// Console building blocks: DOM helpers, states, forms, toasts and the account menu.
import { api, rememberRefresh } from "./api.js";

export const P = window.VigilPanels;
export const { formatValue, formatNumber, ago, when } = P;

// An element: h("td", {class: "num", text: "1"}, child, ...).
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

const ICONS = {
  devices: ["M4 4h16v16H4z", "M9 9h6v6H9z"],
  chart: ["M3 3v18h18", "M7 15l4-5 4 3 5-7"],
  bell: ["M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9", "M13.7 21a2 2 0 0 1-3.4 0"],
  check: ["M20 6L9 17l-5-5"],
  sliders: ["M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6"],
  prism: ["M12 2l10 18H2z", "M12 2v18"],
  grid: ["M3 3h7v9H3z", "M14 3h7v5h-7z", "M14 12h7v9h-7z", "M3 16h7v5H3z"],
  key: ["M21 2l-2 2m-7.6 7.6a5.5 5.5 0 1 1-7.8 7.8 5.5 5.5 0 0 1 7.8-7.8zm0 0L15.5 7.5m0 0l3 3L22 7l-3-3m-3.5 3.5L19 4"],
  alert: ["M12 9v4M12 17h.01", "M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z"],
};
export function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  for (const d of ICONS[name] || ICONS.grid) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

// Text with `code` spans, built as nodes (never as HTML).
export function prose(text, tag = "p") {
  const parts = String(text || "").split("`");
  return h(tag, {}, parts.map((part, i) => (i % 2 ? h("code", { text: part }) : part)));
}

export function emptyState(name, title, text, ...extra) {
  return h("div", { class: "empty" }, icon(name), h("h3", { text: title }), prose(text), ...extra);
}

export function failedState(err, retry) {
  const button = retry ? h("p", {}, h("button", { class: "btn small", type: "button", text: "Try again", onclick: retry })) : null;
  return h("div", { class: "failed" }, icon("alert"), h("h3", { text: "Could not load this" }), h("p", { text: err.message || String(err) }), button);
}

export function badge(text, kind, plain) {
  return h("span", { class: `badge ${kind || ""}${plain ? " plain" : ""}`, text });
}

export const SEVERITY = { critical: "crit", warning: "warn", info: "info" };

export function toast(message, kind) {
  const box = $("#toasts");
  if (!box) return;
  const node = h("div", { class: `toast ${kind || ""}`, role: "status", text: message });
  box.append(node);
  setTimeout(() => node.remove(), 4200);
}

// A button that asks once more before acting (no modal dialogs).
export function confirmButton(label, action, kind = "danger") {
  const button = h("button", { class: `btn small ${kind}`, type: "button", text: label });
  let armed = false;
  button.addEventListener("click", async () => {
    if (!armed) {
      armed = true;
      button.textContent = "Confirm";
      setTimeout(() => { armed = false; button.textContent = label; }, 3000);
      return;
    }
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      toast(err.message, "crit");
      button.disabled = false;
    }
  });
  return button;
}

// The named values of a form: trimmed strings, numbers from number inputs, "" dropped.
export function formValues(form) {
  const out = {};
  for (const field of form.elements) {
    if (!field.name || field.disabled || field.closest("[hidden]")) continue;
    if (field.type === "checkbox") out[field.name] = field.checked;
    else if (field.value.trim() === "") continue;
    else out[field.name] = field.type === "number" ? Number(field.value) : field.value.trim();
  }
  return out;
}

// Show an API refusal in the form's error line, focusing the field it names.
export function showFormError(form, err) {
  const line = form.querySelector(".form-error");
  if (line) {
    line.textContent = err ? err.message : "";
    line.hidden = !err;
  }
  const field = err && err.field ? form.elements.namedItem(err.field.split(".")[0]) : null;
  if (field && field.focus) field.focus();
}

// Submit a form through action(values); errors shown in the form, busy while sent.
export function onSubmit(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    showFormError(form, null);
    if (button) button.disabled = true;
    try {
      await action(formValues(form));
    } catch (err) {
      showFormError(form, err);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

// Pressed state of a segmented control's buttons.
export function press(group, attribute, value) {
  for (const b of group.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset[attribute] === value));
}

// Run task now and again every ms after it settles (paused while the tab is hidden).
export function poll(task, ms) {
  let timer = null;
  const run = async () => {
    clearTimeout(timer);
    try { await task(); } catch (err) { /* the task shows its own state */ }
    timer = setTimeout(run, document.hidden ? ms * 4 : ms);
  };
  run();
  return () => clearTimeout(timer);
}

export function copyButton(text) {
  return h("button", {
    class: "btn small", type: "button", text: "Copy",
    onclick: async (event) => {
      try {
        await navigator.clipboard.writeText(text);
        event.target.textContent = "Copied";
      } catch (err) {
        toast("Select the text and copy it by hand.");
      }
    },
  });
}

export function timeCell(iso) {
  return iso ? h("td", { text: ago(iso), title: when(iso) }) : h("td", { class: "muted", text: "never" });
}

async function signOut() {
  rememberRefresh(null);
  await fetch("/logout", { method: "POST" }).catch(() => null);
  location.assign("/login");
}

// The account corner: who is signed in and a way out.
export async function initShell() {
  const box = $("#account");
  if (!box) return;
  if (document.body.dataset.session !== "yes") {
    box.replaceChildren(h("a", { class: "btn small", href: "/login", text: "Sign in" }));
    return;
  }
  try {
    const { user } = await api("/api/auth/me");
    const name = user.name || user.email;
    box.replaceChildren(
      h("span", { class: "avatar", text: name.slice(0, 1).toUpperCase(), title: user.email }),
      h("span", { text: user.email }),
      h("button", { class: "btn small", type: "button", text: "Sign out", onclick: signOut }),
    );
  } catch (err) {
    box.replaceChildren();
  }
}
