/* Canvas panels: render a dashboard's panels into a 12-column grid.
 *
 * On the public share page (a <script type="application/json" id="dashboard"> and a
 * #panels or #canvas container, maybe holding a server-rendered .panel[data-panel-id]
 * per panel) it renders the dashboard by itself, reading through the share's
 * query_url and alerts_url. The console loads the same file and calls
 * window.VigilPanels with its own data source. Classic script, no inline code: it
 * runs under a CSP of script-src 'self'. */
(function () {
  "use strict";

  const SELF = document.currentScript ? document.currentScript.src : "";
  const STATIC = SELF ? new URL(".", SELF).pathname : "/static/";
  const PALETTE = ["#6366f1", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6"];
  const DAY_MS = 24 * 3600 * 1000;
  const REFRESH_MS = 30000;
  const KINDS = { timeseries: "Time series", stat: "Stat", gauge: "Gauge", table: "Table", alerts: "Alerts" };

  /* Formatting */
  function formatNumber(v) {
    const a = Math.abs(v);
    const digits = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : a === 0 ? 0 : 3;
    return new Intl.NumberFormat(undefined, { maximumFractionDigits: digits }).format(v);
  }
  function formatValue(v, unit) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "number") return Number.isFinite(v) ? formatNumber(v) + (unit ? "\u2009" + unit : "") : String(v);
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }
  function ago(iso) {
    const t = typeof iso === "number" ? iso : Date.parse(iso);
    if (!Number.isFinite(t)) return "–";
    const s = Math.max(0, Math.round((Date.now() - t) / 1000));
    if (s < 5) return "just now";
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.round(s / 60) + " min ago";
    if (s < 172800) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " d ago";
  }
  function when(iso) {
    const d = new Date(iso);
    return Number.isFinite(d.getTime()) ? d.toLocaleString() : "";
  }
  const seconds = (iso) => Date.parse(iso) / 1000;

  /* DOM */
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function note(text, error) {
    return el("p", error ? "panel-note error" : "panel-note", text);
  }
  function ensureStylesheet(href) {
    if ([...document.styleSheets].some((s) => s.href && s.href.endsWith(href))) return;
    if (document.querySelector('link[href$="' + href + '"]')) return;
    const link = el("link");
    link.rel = "stylesheet";
    link.href = STATIC + href;
    document.head.append(link);
  }

  let uplotLoading = null;
  /* uPlot, loaded from the vendored copy when the page did not load it. */
  function loadUPlot() {
    if (window.uPlot) return Promise.resolve(window.uPlot);
    if (!uplotLoading) {
      ensureStylesheet("vendor/uplot/uPlot.min.css");
      uplotLoading = new Promise((resolve, reject) => {
        const script = el("script");
        script.src = STATIC + "vendor/uplot/uPlot.iife.min.js";
        script.onload = () => resolve(window.uPlot);
        script.onerror = () => reject(new Error("the chart library did not load"));
        document.head.append(script);
      });
    }
    return uplotLoading;
  }

  /* Charts */
  function theme() {
    const css = getComputedStyle(document.documentElement);
    const read = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    return { axis: read("--chart-axis", "#667085"), grid: read("--chart-grid", "rgba(100,116,139,.16)") };
  }
  function lastPoint(answer, values) {
    for (let i = values.length - 1; i >= 0; i--) {
      if (values[i] !== null && values[i] !== undefined) return { value: values[i], time: answer.timestamps[i] };
    }
    return null;
  }
  function hasData(answer) {
    return Boolean(answer && answer.timestamps && answer.timestamps.length && (answer.series || []).some((s) => lastPoint(answer, s.values)));
  }

  /* Draw the explorer-shaped answer ({timestamps, series, meta}) into box with uPlot. */
  function chart(box, answer, options) {
    const opts = options || {};
    if (box._uplot) box._uplot.destroy();
    box._uplot = null;
    box.replaceChildren();
    if (!hasData(answer)) {
      box.dataset.points = "0";
      box.append(note(opts.empty || "No data in this time range."));
      return null;
    }
    const colors = theme();
    const units = [...new Set(answer.series.map((s) => s.unit || ""))];
    const scales = { x: { time: true } };
    if (answer.meta && answer.meta.start && answer.meta.end) scales.x.range = [seconds(answer.meta.start), seconds(answer.meta.end)];
    units.forEach((u, i) => { scales["y" + i] = { auto: true }; });
    let points = 0;
    const series = [{ value: (u, ts) => (ts == null ? "–" : new Date(ts * 1000).toLocaleString()) }];
    answer.series.forEach((s, i) => {
      const count = s.values.filter((v) => v !== null && v !== undefined).length;
      points += count;
      series.push({
        label: s.label, scale: "y" + units.indexOf(s.unit || ""), stroke: PALETTE[i % PALETTE.length], width: 2,
        spanGaps: true, points: { show: count < 80, size: 5 }, value: (u, v) => formatValue(v, s.unit),
      });
    });
    const axis = { stroke: colors.axis, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid, width: 1 } };
    const axes = [axis];
    units.slice(0, 2).forEach((unit, i) => axes.push({
      ...axis, scale: "y" + i, side: i ? 1 : 3, label: unit || undefined, labelSize: unit ? 18 : 0, size: 58,
      grid: { ...axis.grid, show: i === 0 }, values: (u, splits) => splits.map((v) => (v == null ? "" : formatNumber(v))),
    }));
    const data = [answer.timestamps.map(seconds), ...answer.series.map((s) => s.values)];
    const width = Math.max(240, box.clientWidth || 600);
    const legend = { markers: { fill: (self, i) => PALETTE[(i - 1) % PALETTE.length] } };
    const u = new window.uPlot({ width, height: opts.height || 320, scales, series, axes, legend, cursor: { points: { size: 7 } } }, data, box);
    box._uplot = u;
    box.dataset.points = String(points);
    fit(box, u, opts);
    return u;
  }
  function fit(box, u, opts) {
    if (!window.ResizeObserver) return;
    const resize = () => {
      if (box._uplot !== u) return;
      const legend = u.root.querySelector(".u-legend");
      const height = opts.fill ? Math.max(120, box.clientHeight - (legend ? legend.offsetHeight : 0) - 8) : u.height;
      if (Math.abs(box.clientWidth - u.width) > 2 || height !== u.height) u.setSize({ width: Math.max(240, box.clientWidth), height });
    };
    new ResizeObserver(resize).observe(box);
    if (opts.fill) requestAnimationFrame(resize);
  }

  /* Panels */
  function seriesIds(panel) {
    return [...(panel.binding_ids || []), ...(panel.field_ids || [])];
  }
  function place(node, layout) {
    const l = layout || {};
    const clamp = (v, lo, hi, d) => Math.min(hi, Math.max(lo, Number.isFinite(+v) ? Math.round(+v) : d));
    const w = clamp(l.w, 1, 12, 6);
    const x = clamp(l.x, 0, 12 - w, 0);
    node.style.gridColumn = x + 1 + " / span " + w;
    node.style.gridRow = (Number.isFinite(+l.y) ? clamp(l.y, 0, 999, 0) + 1 : "auto") + " / span " + clamp(l.h, 1, 12, 4);
  }
  function statView(answer, panel) {
    const s = answer.series[0];
    const last = lastPoint(answer, s.values);
    const box = el("div", "stat-view");
    const value = el("div", "value", last ? formatValue(last.value, "") : "–");
    if (s.unit && last && typeof last.value === "number") value.append(el("span", "unit", s.unit));
    box.append(value, el("div", "label", s.label), el("div", "when", last ? ago(last.time) : "no value"));
    box.title = last ? when(last.time) : "";
    return box;
  }
  function gaugeView(answer, panel) {
    const o = panel.options || {};
    const min = Number.isFinite(+o.min) ? +o.min : 0;
    const max = Number.isFinite(+o.max) && +o.max > min ? +o.max : 100;
    const wrap = el("div", "stack-gauges");
    answer.series.forEach((s) => {
      const last = lastPoint(answer, s.values);
      const v = last && typeof last.value === "number" ? last.value : null;
      const g = el("div", "gauge");
      const top = el("div", "gauge-top");
      top.append(el("span", "", s.label), el("strong", "", formatValue(v, s.unit)));
      const track = el("div", "gauge-track");
      const fill = el("div", "gauge-fill");
      const pct = v === null ? 0 : Math.max(0, Math.min(100, ((v - min) / (max - min)) * 100));
      fill.style.width = pct.toFixed(1) + "%";
      if (Number.isFinite(+o.warn) && v !== null && v >= +o.warn) fill.classList.add("high");
      track.append(fill);
      const scale = el("div", "gauge-scale");
      scale.append(el("span", "", formatValue(min, s.unit)), el("span", "", formatValue(max, s.unit)));
      g.append(top, track, scale);
      wrap.append(g);
    });
    return wrap;
  }
  function tableView(answer) {
    const table = el("table", "table-view");
    const head = el("tr");
    head.append(el("th", "", "Series"), el("th", "num", "Last"), el("th", "", "When"));
    const body = el("tbody");
    answer.series.forEach((s) => {
      const last = lastPoint(answer, s.values);
      const row = el("tr");
      row.append(el("td", "", s.label), el("td", "num", last ? formatValue(last.value, s.unit) : "–"), el("td", "", last ? ago(last.time) : "no value"));
      body.append(row);
    });
    const thead = el("thead");
    thead.append(head);
    table.append(thead, body);
    return table;
  }
  function alertsView(list, panel) {
    const limit = (panel.options && +panel.options.limit) || 8;
    if (!list.length) return note("No active alerts.");
    const ul = el("ul", "alerts-view");
    list.slice(0, limit).forEach((a) => {
      const li = el("li");
      const what = el("span", "what");
      what.append(el("strong", "", a.rule_name || "Alert"), document.createTextNode(" · " + [a.device, a.quantity].filter(Boolean).join(" / ") + " = " + formatValue(a.value, "")));
      li.append(el("span", "sev " + (a.severity || "info")), what, el("span", "when", ago(a.triggered_at)));
      ul.append(li);
    });
    return ul;
  }
  async function fill(body, panel, source) {
    if (panel.type === "alerts") {
      const data = await source.alerts(panel);
      const list = Array.isArray(data) ? data : data.events || data.alerts || [];
      body.replaceChildren(alertsView(list, panel));
      return;
    }
    if (!seriesIds(panel).length) {
      body.replaceChildren(note("No series chosen for this panel."));
      return;
    }
    const answer = await source.query(panel);
    if (panel.type === "timeseries") {
      await loadUPlot();
      chart(body, answer, { fill: true, height: Math.max(120, body.clientHeight - 40), empty: "No data in the last 24 hours." });
      return;
    }
    if (!hasData(answer)) {
      body.replaceChildren(note("No data in the last 24 hours."));
      return;
    }
    const views = { stat: statView, gauge: gaugeView, table: tableView };
    const view = views[panel.type];
    body.replaceChildren(view ? view(answer, panel) : note("Unknown panel type: " + panel.type, true));
  }
  /* A panel's element: the one the server rendered for it (public page), else a new one. */
  function panelNode(panel, rendered) {
    let node = rendered.get(panel.id);
    if (!node) {
      node = el("section", "panel");
      const head = el("header", "panel-head");
      head.append(el("h2", "panel-title", panel.title || KINDS[panel.type] || "Panel"), el("span", "panel-kind", KINDS[panel.type] || panel.type));
      node.append(head);
    }
    node.dataset.panelId = panel.id || "";
    node.dataset.panelType = panel.type || "";
    const title = node.querySelector(".panel-title");
    if (title) title.textContent = panel.title || KINDS[panel.type] || "Panel";
    let body = node.querySelector(".panel-body");
    if (!body) {
      body = el("div", "panel-body");
      node.append(body);
    }
    if (panel.type === "timeseries") body.classList.add("chart");
    body.replaceChildren(note("Loading…"));
    place(node, panel.layout);
    return { node, body };
  }
  async function load(body, panel, source) {
    try {
      await fill(body, panel, source);
    } catch (err) {
      if (body._uplot) body._uplot.destroy();
      body._uplot = null;
      body.replaceChildren(note((err && err.message) || "This panel could not be loaded.", true));
    }
  }

  /* Render every panel of a dashboard into container; re-query every refreshMs. */
  function renderDashboard(container, dashboard, source, options) {
    const refreshMs = (options && options.refreshMs) || REFRESH_MS;
    const panels = [...(dashboard.panels || [])].sort((a, b) => ((a.layout || {}).y || 0) - ((b.layout || {}).y || 0) || ((a.layout || {}).x || 0) - ((b.layout || {}).x || 0));
    container.classList.add("panel-grid");
    container.removeAttribute("aria-busy");
    if (!panels.length) {
      container.replaceChildren(note(options && options.empty ? options.empty : "This dashboard has no panels yet."));
      return { refresh() {}, stop() {} };
    }
    const rendered = new Map([...container.querySelectorAll(".panel[data-panel-id]")].map((n) => [n.dataset.panelId, n]));
    const built = panels.map((p) => ({ panel: p, ...panelNode(p, rendered) }));
    container.replaceChildren(...built.map((b) => b.node));
    const refresh = () => Promise.all(built.map((b) => load(b.body, b.panel, source)));
    refresh();
    const timer = setInterval(refresh, refreshMs);
    return { refresh, stop: () => clearInterval(timer) };
  }

  /* Which alerts an alerts panel lists: options.status (default active, "all" for any). */
  function alertQuery(panel) {
    const o = panel.options || {};
    const q = new URLSearchParams({ limit: String(+o.limit || 8) });
    if (o.status !== "all") q.set("status", o.status || "active");
    return q.toString();
  }

  /* The public share page's data source: its query and alerts URLs, no credential. */
  function publicSource(dashboard) {
    async function request(url, init) {
      const r = await fetch(url, { credentials: "omit", ...init });
      const body = await r.json().catch(() => null);
      if (r.status === 404 || r.status === 410) throw new Error("This dashboard is no longer shared: its link was revoked.");
      if (!r.ok) throw new Error((body && body.error) || "The server answered " + r.status + ".");
      return body;
    }
    return {
      query(panel) {
        const end = new Date();
        const body = { binding_ids: panel.binding_ids || [], field_ids: panel.field_ids || [], start: new Date(end - DAY_MS).toISOString(), end: end.toISOString(), max_points: 500 };
        return request(dashboard.query_url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      },
      alerts(panel) {
        if (!dashboard.alerts_url) return Promise.reject(new Error("This dashboard lists no alerts."));
        return request(dashboard.alerts_url + "?" + alertQuery(panel), {});
      },
    };
  }

  function bootPublic() {
    const holder = document.getElementById("dashboard");
    const container = document.getElementById("panels") || document.getElementById("canvas");
    if (!holder || !container || holder.type !== "application/json") return;
    if (!document.querySelector('link[href$="canvas-public.css"]')) ensureStylesheet("panels.css");
    let dashboard;
    try {
      dashboard = JSON.parse(holder.textContent);
    } catch (err) {
      container.replaceChildren(note("This dashboard could not be read.", true));
      return;
    }
    renderDashboard(container, dashboard, publicSource(dashboard));
  }

  window.VigilPanels = { alertQuery, chart, renderDashboard, loadUPlot, formatValue, formatNumber, ago, when, lastPoint, hasData, PALETTE, KINDS };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", bootPublic);
  else bootPublic();
})();
