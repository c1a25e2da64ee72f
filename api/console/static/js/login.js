// Sign in (or create an account): the API sets the session cookie, then on to the page
// that sent us here.
import { refreshSession, rememberRefresh } from "./api.js";
import { $ } from "./ui.js";

const form = $("#login-form");
const error = $("#login-error");
let registering = false;

// Only a path of this site: never an open redirect.
function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/devices";
}

function setMode(register) {
  registering = register;
  $("#login-title").textContent = register ? "Create your account" : "Sign in";
  $("#login-lead").textContent = register
    ? "Your account gets its own organization: devices, alerts and dashboards."
    : "Telemetry, alerts and dashboards for your fleet.";
  $("#login-submit").textContent = register ? "Create account" : "Sign in";
  $("#switch-text").textContent = register ? "Already have an account?" : "New to Vigil?";
  $("#switch-mode").textContent = register ? "Sign in" : "Create an account";
  $("#name-field").hidden = !register;
  $("#password").autocomplete = register ? "new-password" : "current-password";
  error.hidden = true;
}

async function submit(event) {
  event.preventDefault();
  const email = $("#email").value.trim();
  const password = $("#password").value;
  if (!email || !password) {
    showError("Enter your email and password.");
    return;
  }
  const button = $("#login-submit");
  button.disabled = true;
  try {
    const body = registering ? { email, password, name: $("#name").value.trim() || undefined } : { email, password };
    const url = registering ? "/api/auth/register" : "/api/v1/auth/login/";
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      showError(r.status === 401 ? "Wrong email or password." : data.error || `The server answered ${r.status}.`);
      return;
    }
    rememberRefresh(registering ? data.tokens.refresh_token : data.refresh);
    location.assign(nextPage());
  } catch (err) {
    showError("The server cannot be reached. Check your connection.");
  } finally {
    button.disabled = false;
  }
}

function showError(message) {
  error.textContent = message;
  error.hidden = false;
}

form.addEventListener("submit", submit);
$("#switch-mode").addEventListener("click", () => setMode(!registering));
// A stored refresh token renews an expired session without the form.
if (new URLSearchParams(location.search).has("next")) {
  refreshSession().then((ok) => { if (ok) location.assign(nextPage()); });
}
