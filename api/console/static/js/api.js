// The API from the console: JSON in and out, the session cookie, one silent
// refresh of an expired session, and the way back to the login page.
const REFRESH_KEY = "vigil.refresh";

export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field || null;
  }
}

export function rememberRefresh(token) {
  if (token) localStorage.setItem(REFRESH_KEY, token);
  else localStorage.removeItem(REFRESH_KEY);
}

let refreshing = null;
// Trade the stored refresh token for a new session cookie; false when there is none.
export function refreshSession() {
  const token = localStorage.getItem(REFRESH_KEY);
  if (!token) return Promise.resolve(false);
  if (!refreshing) {
    refreshing = fetch("/api/v1/auth/token/refresh/", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh: token }),
    })
      .then(async (r) => {
        if (!r.ok) {
          rememberRefresh(null);
          return false;
        }
        rememberRefresh((await r.json()).refresh);
        return true;
      })
      .catch(() => false)
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

export function toLogin() {
  const here = location.pathname + location.search;
  location.assign("/login?next=" + encodeURIComponent(here));
}

function send(path, method, body) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(path, init);
}

// Call the API; resolve the JSON answer (null for 204), reject with an ApiError.
export async function api(path, { method = "GET", body } = {}) {
  let r;
  try {
    r = await send(path, method, body);
    if (r.status === 401 && (await refreshSession())) r = await send(path, method, body);
  } catch (err) {
    throw new ApiError(0, "The server cannot be reached. Check your connection.");
  }
  if (r.status === 401) {
    toLogin();
    throw new ApiError(401, "Your session has ended.");
  }
  if (r.status === 204) return null;
  const data = await r.json().catch(() => null);
  if (!r.ok) {
    const message = (data && data.error) || `The server answered ${r.status}.`;
    throw new ApiError(r.status, message, data && data.field);
  }
  return data;
}

// Every page of a {count, results} list.
export async function all(path) {
  const sep = path.includes("?") ? "&" : "?";
  const first = await api(`${path}${sep}limit=1000`);
  const rows = [...first.results];
  while (rows.length < first.count) {
    const next = await api(`${path}${sep}limit=1000&offset=${rows.length}`);
    if (!next.results.length) break;
    rows.push(...next.results);
  }
  return rows;
}

// Every page of a list in its own envelope ({rules}, {fields}, {keys}): pages of
// 1000 until a shorter one.
export async function allOf(path, key) {
  const sep = path.includes("?") ? "&" : "?";
  const rows = [];
  for (;;) {
    const page = (await api(`${path}${sep}limit=1000&offset=${rows.length}`))[key];
    rows.push(...page);
    if (page.length < 1000) return rows;
  }
}
