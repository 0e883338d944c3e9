// paasrun's dashboard: a single page over the admin API (docs/admin-api.md). The session
// cookie authenticates every request; state-changing ones carry the session's CSRF token
// (from the page's <meta>) in X-CSRF-Token. Data is only ever put into the page as text
// (textContent), never as HTML.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- helpers

async function api(method, path, body) {
  const headers = {};
  if (method !== "GET") headers["X-CSRF-Token"] = CSRF;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {  // the session ended
    window.location.assign("/dashboard/login");
    throw new Error("logged out");
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = { message: text }; }
  if (!res.ok) {
    const msg = (data && (data.message || data.error)) || ("HTTP " + res.status);
    throw new Error(msg);
  }
  return data;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c === null || c === undefined ? "" : (c instanceof Node ? c : String(c)));
  return e;
}

function fillTable(id, rows) {
  const body = $(id).querySelector("tbody");
  body.replaceChildren(...rows);
}

function cells(...values) { return el("tr", {}, ...values.map((v) => el("td", {}, v))); }

function banner(text, bad) {
  const b = $("banner");
  b.textContent = text || "";
  b.className = text ? (bad ? "bad" : "ok") : "";
}

function duration(s) {
  if (s === null || s === undefined) return "";
  s = Math.floor(s);
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
  if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
  return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
}

function mb(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

function confirmAction(title, text) {
  const d = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true });
    d.showModal();
    $("confirm-ok").focus();
  });
}

// ---------------------------------------------------------------- jobs

// Shows a job's output as it arrives, then its outcome (a switched job waits out its bake
// window: step "done", or state rolled_back with the reason).
async function followJob(job, after) {
  const box = $("job");
  box.hidden = false;
  $("job-id").textContent = job.id + " (" + job.kind + ")";
  const out = $("job-output");
  out.textContent = "";
  $("job-state").textContent = "state: " + job.state;
  $("job-state").className = "";
  let since = 0;
  for (;;) {
    let j;
    try { j = await api("GET", "/v1/jobs/" + job.id + "?since=" + since); } catch (e) { $("job-state").textContent = e.message; return; }
    for (const line of j.output) out.append(line + "\n");
    since = j.output_total;
    out.scrollTop = out.scrollHeight;
    let text = "state: " + j.state + (j.step ? ", step: " + j.step : "") + (j.release ? ", release " + j.release : "");
    if (j.message) text += " — " + j.message;
    $("job-state").textContent = text;
    const final = j.state === "failed" || (j.state !== "running" && j.step === "done");
    if (final || j.state === "rolled_back") {
      $("job-state").className = j.state === "succeeded" ? "ok" : "bad";
      banner("Job " + j.id + " " + j.state + (j.message ? ": " + j.message : ""), j.state !== "succeeded");
      if (after) after();
      return;
    }
    if (j.state === "succeeded" && after) after();  // switched: show the new release while it bakes
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function startJob(method, path, body, after) {
  // The previous job's outcome must not read as this one's.
  $("job-state").textContent = "";
  $("job-state").className = "";
  try {
    const job = await api(method, path, body);
    banner("Started job " + job.id + " (" + job.kind + ")");
    followJob(job, after);
  } catch (e) {
    banner(e.message, true);
  }
}

// ---------------------------------------------------------------- overview

let lastStatus = null;
let startedAt = null;

async function loadOverview() {
  const [s, rels] = await Promise.all([api("GET", "/v1/status"), api("GET", "/v1/releases")]);
  lastStatus = s;
  $("app-name").textContent = s.app;
  $("app-release").textContent = s.release || "no release";
  const cur = rels.releases.find((r) => r.current);
  const facts = [
    ["App", s.app],
    ["Current release", cur ? cur.version + " — " + cur.description : "none (running the app directory)"],
    ["Released", cur ? cur.created_at : ""],
    ["Source hash", cur && cur.source_hash ? cur.source_hash.slice(0, 12) : ""],
    ["Ready", s.ready ? "yes" : "no"],
    ["Last job", lastJob(s.last_job)],
    ["Latest release status", rels.releases.length ? rels.releases[0].version + " " + rels.releases[0].status +
      (rels.releases[0].failure_reason ? " — " + rels.releases[0].failure_reason : "") : ""],
    ["Uptime", startedAt ? duration(Date.now() / 1000 - startedAt) : ""],
  ];
  $("facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  fillTable("processes", s.processes.map((p) =>
    cells(p.type, p.name, p.pid || "", p.state, p.phase, p.release || "", duration(p.uptime_seconds), p.restarts, p.last_exit || "")));
  const workers = [...s.web_workers].sort((a, b) => a.process.localeCompare(b.process) || a.slot - b.slot || a.pid - b.pid);
  fillTable("workers", workers.map((w) =>
    cells(w.process, w.slot || "", w.pid, w.release || "", w.requests, w.in_flight, w.websocket ? w.websocket.open : 0, mb(w.rss_bytes),
      duration(w.age_seconds), w.ready ? "yes" : "no", previousWorker(w.previous))));
}

// "j4 config: succeeded (step done, v5)", "j5 deploy: running (health_check)", or "none".
function lastJob(j) {
  if (!j) return "none";
  return j.id + " " + j.kind + ": " + j.state + " (" + [j.step ? "step " + j.step : "", j.release || ""].filter(Boolean).join(", ") + ")" +
    (j.message ? " — " + j.message : "") + (j.finished_at ? ", " + j.finished_at : "");
}

// "max-requests (pid 41, ran 2m 3s, 1000 requests)"; empty for a slot's first worker.
function previousWorker(p) {
  if (!p) return "";
  const bits = [];
  if (p.pid) bits.push("pid " + p.pid);
  if (p.exited_unix) bits.push("ran " + duration(p.age_seconds));
  if (p.exited_unix) bits.push(p.requests + " requests");
  return p.reason + (bits.length ? " (" + bits.join(", ") + ")" : "");
}

// ---------------------------------------------------------------- endpoints

let endpointRows = [];
let endpointSort = { key: "requests", desc: true };

function endpointValue(r, key) {
  switch (key) {
    case "route": return r.route;
    case "p50": return r.latency_seconds.p50;
    case "p99": return r.latency_seconds.p99;
    case "cpu": return r.cpu_seconds_per_request;
    default: return r[key];
  }
}

function renderEndpoints() {
  const { key, desc } = endpointSort;
  const rows = [...endpointRows].sort((a, b) => {
    const x = endpointValue(a, key), y = endpointValue(b, key);
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;  // unmeasured last, either direction
    if (y === null || y === undefined) return -1;
    const c = typeof x === "string" ? x.localeCompare(y) : x - y;
    return desc ? -c : c;
  });
  const ms = (v) => (v === null || v === undefined ? "—" : (v * 1000).toFixed(v < 0.01 ? 3 : 1));
  fillTable("endpoints", rows.length ? rows.map((r) => el("tr", { "data-route": r.route },
    el("th", { scope: "row" }, r.route), el("td", {}, r.requests), el("td", {}, r.errors_4xx), el("td", {}, r.errors_5xx),
    el("td", {}, ms(r.latency_seconds.p50)), el("td", {}, ms(r.latency_seconds.p99)), el("td", {}, ms(r.cpu_seconds_per_request))))
    : [el("tr", {}, el("td", { colspan: "7" }, "No requests yet."))]);
  for (const th of $("endpoints").querySelectorAll("th[aria-sort]")) {
    const k = th.querySelector("button").dataset.sort;
    th.setAttribute("aria-sort", k === key ? (desc ? "descending" : "ascending") : "none");
  }
}

function clock(unix) { return new Date(unix * 1000).toLocaleTimeString(); }

async function loadEndpoints() {
  const win = $("endpoint-window").value;
  const d = await api("GET", "/v1/endpoints?window=" + encodeURIComponent(win));
  if ($("endpoint-window").value !== win) return;  // changed while this was on its way
  endpointRows = d.routes;
  $("endpoint-span").textContent = d.window === "all" ? "since paasrun started"
    : "from " + clock(d.from) + " to " + clock(d.to);
  renderEndpoints();
}

$("endpoint-window").addEventListener("change", () => { loadEndpoints().catch((e) => banner(e.message, true)); });

for (const b of document.querySelectorAll("#endpoints button[data-sort]")) {
  b.addEventListener("click", () => {
    const k = b.dataset.sort;
    endpointSort = { key: k, desc: endpointSort.key === k ? !endpointSort.desc : k !== "route" };
    renderEndpoints();
  });
}

// ---------------------------------------------------------------- charts

const charts = {};
const series = { t: [], count: [], rps: [[], [], [], [], []], p50: [], p95: [], p99: [], err: [], rss: {}, cpu: {}, cpuLabels: {}, events: [],
  wsOpen: [], wsIn: [], wsOut: [] };
let seriesSince = 0;
const CLASS_COLORS = ["#6b7280", "#15803d", "#1d4ed8", "#b45309", "#b91c1c"];

// Vertical lines at release events, labelled with the release, on every chart.
function markersPlugin() {
  return {
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = "#7c3aed";
        ctx.fillStyle = "#7c3aed";
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.font = (11 * devicePixelRatio) + "px sans-serif";
        series.events.forEach((e, i) => {
          const x = u.valToPos(e.t, "x", true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          // Staggered, so the labels of close events do not overlap.
          ctx.fillText(e.kind + " " + e.release, x + 4, u.bbox.top + (12 + 13 * (i % 3)) * devicePixelRatio);
        });
        ctx.restore();
      }],
    },
  };
}

// `axes`: the y axes (default: one on the left); a series picks its axis with `scale`.
function makeChart(id, seriesOpts, axes = [{ size: 60 }]) {
  const node = $(id);
  const width = Math.max(280, node.clientWidth || 600);
  const opts = {
    width, height: 200, plugins: [markersPlugin()],
    scales: { x: { time: true } },
    series: [{}, ...seriesOpts],
    axes: [{}, ...axes],
    legend: { live: false },
  };
  return new uPlot(opts, [[], ...seriesOpts.map(() => [])], node);
}

function rssPids() { return Object.keys(series.rss); }
function cpuPids() { return Object.keys(series.cpu); }
const PALETTE = ["#1d4ed8", "#15803d", "#b45309", "#7c3aed", "#0e7490", "#be185d", "#4d7c0f", "#b91c1c"];

function ensureCharts() {
  if (!window.uPlot) return false;
  if (!charts.rps) {
    charts.rps = makeChart("chart-rps", ["1xx", "2xx", "3xx", "4xx", "5xx"].map((c, i) => ({ label: c, stroke: CLASS_COLORS[i], width: 2 })));
    charts.latency = makeChart("chart-latency", [
      { label: "p50", stroke: "#15803d", width: 2 }, { label: "p95", stroke: "#b45309", width: 2 }, { label: "p99", stroke: "#b91c1c", width: 2 }]);
    charts.errors = makeChart("chart-errors", [{ label: "5xx %", stroke: "#b91c1c", width: 2 }]);
    charts.ws = makeChart("chart-ws", [
      { label: "open", stroke: "#1d4ed8", width: 2, scale: "conn" },
      { label: "received/s", stroke: "#15803d", width: 2, scale: "msg" },
      { label: "sent/s", stroke: "#b45309", width: 2, scale: "msg" }],
    [{ scale: "conn", size: 60 }, { scale: "msg", side: 1, size: 60, grid: { show: false } }]);
  }
  // One line per worker pid: rebuilt when a worker appears.
  const pids = rssPids();
  if (!charts.rss || charts.rssPids !== pids.join(",")) {
    if (charts.rss) charts.rss.destroy();
    $("chart-rss").replaceChildren();
    const palette = ["#1d4ed8", "#15803d", "#b45309", "#7c3aed", "#0e7490", "#be185d", "#4d7c0f", "#b91c1c"];
    charts.rss = makeChart("chart-rss", pids.map((p, i) => ({ label: "pid " + p, stroke: palette[i % palette.length], width: 2 })));
    charts.rssPids = pids.join(",");
  }
  const cpids = cpuPids();
  if (!charts.cpu || charts.cpuPids !== cpids.join(",")) {
    if (charts.cpu) charts.cpu.destroy();
    $("chart-cpu").replaceChildren();
    charts.cpu = makeChart("chart-cpu", cpids.map((p, i) => ({ label: series.cpuLabels[p] || "pid " + p, stroke: PALETTE[i % PALETTE.length], width: 2 })));
    charts.cpuPids = cpids.join(",");
  }
  return true;
}

function trim() {
  const excess = series.t.length - 3600;
  if (excess <= 0) return;
  series.t.splice(0, excess);
  series.count.splice(0, excess);
  for (const a of series.rps) a.splice(0, excess);
  for (const a of [series.p50, series.p95, series.p99, series.err, series.wsOpen, series.wsIn, series.wsOut]) a.splice(0, excess);
  for (const p of rssPids()) {
    series.rss[p].splice(0, excess);
    if (series.rss[p].every((v) => v === null)) delete series.rss[p];
  }
  for (const p of cpuPids()) {
    series.cpu[p].splice(0, excess);
    if (series.cpu[p].every((v) => v === null)) delete series.cpu[p];
  }
}

async function loadSeries() {
  const d = await api("GET", "/v1/metrics/series?since=" + seriesSince);
  startedAt = d.started_at;
  const n = d.t.length;
  const before = series.t.length;
  const classes = ["1xx", "2xx", "3xx", "4xx", "5xx"];
  for (let i = 0; i < n; i++) {
    series.t.push(d.t[i]);
    series.count.push(d.requests[i]);
    let total = 0;
    classes.forEach((c, k) => { series.rps[k].push(d.requests_per_second[c][i]); total += d.requests_per_second[c][i]; });
    const ms = (v) => (v === null ? null : v * 1000);
    series.p50.push(ms(d.latency_seconds.p50[i]));
    series.p95.push(ms(d.latency_seconds.p95[i]));
    series.p99.push(ms(d.latency_seconds.p99[i]));
    series.err.push(total > 0 ? (100 * d.requests_per_second["5xx"][i]) / total : 0);
    series.wsOpen.push(d.websocket.open[i]);
    series.wsIn.push(d.websocket.messages_received_per_second[i]);
    series.wsOut.push(d.websocket.messages_sent_per_second[i]);
  }
  for (const [pid, values] of Object.entries(d.rss_bytes)) {
    if (!series.rss[pid]) series.rss[pid] = new Array(before).fill(null);
    for (const v of values) series.rss[pid].push(v === null ? null : v / 1048576);
  }
  for (const pid of rssPids()) while (series.rss[pid].length < series.t.length) series.rss[pid].push(null);
  for (const [pid, values] of Object.entries(d.cpu_percent || {})) {
    if (!series.cpu[pid]) series.cpu[pid] = new Array(before).fill(null);
    for (const v of values) series.cpu[pid].push(v);
  }
  for (const pid of cpuPids()) while (series.cpu[pid].length < series.t.length) series.cpu[pid].push(null);
  Object.assign(series.cpuLabels, d.cpu_labels || {});
  series.events = d.events;
  if (n) seriesSince = d.t[n - 1];
  trim();
  // Requests in the last minute: a number the tests (and people) can read.
  let sum = 0;
  for (let i = Math.max(0, series.t.length - 60); i < series.t.length; i++) sum += series.count[i];
  $("req-minute").textContent = String(sum);
  if (!ensureCharts()) return;
  charts.rps.setData([series.t, ...series.rps]);
  charts.latency.setData([series.t, series.p50, series.p95, series.p99]);
  charts.errors.setData([series.t, series.err]);
  charts.rss.setData([series.t, ...rssPids().map((p) => series.rss[p])]);
  charts.cpu.setData([series.t, ...cpuPids().map((p) => series.cpu[p])]);
  charts.ws.setData([series.t, series.wsOpen, series.wsIn, series.wsOut]);
}

window.addEventListener("resize", () => {
  for (const k of ["rps", "latency", "errors", "rss", "cpu", "ws"]) {
    const c = charts[k];
    if (c) c.setSize({ width: Math.max(280, c.root.parentNode.clientWidth), height: 200 });
  }
});

// ---------------------------------------------------------------- releases

async function loadReleases() {
  const d = await api("GET", "/v1/releases");
  fillTable("releases", d.releases.map((r) => {
    const actions = el("td", { class: "actions" });
    if (r.status === "succeeded" || r.status === "current" || r.current) {
      const label = r.current ? "Redeploy" : "Roll back to " + r.version;
      actions.append(el("button", {
        type: "button", class: r.current ? "secondary" : "",
        onclick: async () => {
          const what = r.current
            ? "Redeploy " + r.version + ": a new release with the same slug and config, and a rolling restart."
            : "Roll back to " + r.version + ": a new release with " + r.version + "'s slug and config.";
          if (await confirmAction(label + "?", what)) startJob("POST", "/v1/rollback", { to: r.version }, refreshAll);
        },
      }, label));
    }
    // A release that was switched to and then rolled back automatically keeps the status
    // `succeeded` (it was activated) with the rollback's reason as its failure_reason.
    const status = r.current ? "current" : (r.status === "succeeded" && r.failure_reason ? "rolled back" : r.status);
    return el("tr", { class: r.current ? "current" : "" },
      el("th", { scope: "row" }, r.version), el("td", {}, r.redeploy ? "redeploy" : r.kind), el("td", {}, r.description),
      el("td", {}, status + (r.failure_reason ? " — " + r.failure_reason : "")), el("td", {}, r.created_at),
      el("td", {}, r.source_hash ? r.source_hash.slice(0, 12) : ""), actions);
  }));
  for (const id of ["diff-from", "diff-to"]) {
    const sel = $(id);
    const keep = sel.value;
    sel.replaceChildren(...d.releases.map((r) => el("option", { value: r.version }, r.version)));
    if (keep) sel.value = keep;
  }
  if (!$("diff-from").dataset.init && d.releases.length > 1) {
    $("diff-from").value = d.releases[1].version;
    $("diff-to").value = d.releases[0].version;
    $("diff-from").dataset.init = "1";
  }
}

$("diff-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const q = "from=" + encodeURIComponent($("diff-from").value) + "&to=" + encodeURIComponent($("diff-to").value) +
    ($("diff-reveal").checked ? "&reveal=true" : "");
  try {
    const d = await api("GET", "/v1/config/diff?" + q);
    fillTable("diff", d.changes.length ? d.changes.map((c) => cells(c.key, c.change, c.from ?? "", c.to ?? ""))
      : [el("tr", {}, el("td", { colspan: "4" }, "No config differences."))]);
  } catch (e) { banner(e.message, true); }
});

// ---------------------------------------------------------------- config

async function loadConfig() {
  const d = await api("GET", "/v1/config");
  fillTable("config", Object.entries(d.config).map(([k, v]) => {
    const value = el("td", { class: "value" }, v);
    const reveal = el("button", {
      type: "button", class: "secondary", "aria-label": "Reveal " + k,
      onclick: async () => {
        try {
          const all = await api("GET", "/v1/config?reveal=true");
          value.textContent = all.config[k];
          reveal.disabled = true;
        } catch (e) { banner(e.message, true); }
      },
    }, "Reveal");
    const edit = el("button", {
      type: "button", class: "secondary", "aria-label": "Edit " + k,
      onclick: () => { $("config-key").value = k; $("config-value").value = ""; $("config-value").focus(); },
    }, "Edit");
    const remove = el("button", {
      type: "button", class: "danger", "aria-label": "Remove " + k,
      onclick: async () => {
        if (await confirmAction("Remove " + k + "?", "This makes a new release without " + k + " and restarts the processes."))
          startJob("PATCH", "/v1/config", { [k]: null }, refreshAll);
      },
    }, "Remove");
    return el("tr", {}, el("th", { scope: "row" }, k), value, el("td", { class: "actions" }, reveal, edit, remove));
  }));
}

$("config-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const k = $("config-key").value.trim();
  const v = $("config-value").value;
  if (await confirmAction("Set " + k + "?", "This makes a new release with " + k + " set and restarts the processes.")) {
    startJob("PATCH", "/v1/config", { [k]: v }, refreshAll);
    // A blank form for the next var: a key left behind would have the next one typed onto it.
    $("config-key").value = "";
    $("config-value").value = "";
  }
});

// ---------------------------------------------------------------- scale

async function loadScale() {
  const s = await api("GET", "/v1/status");
  lastStatus = s;
  fillTable("formation", Object.entries(s.formation).map(([type, n]) => {
    const running = s.processes.filter((p) => p.type === type && p.state === "up").length;
    const input = el("input", { type: "number", min: "0", max: "1000", value: String(n), "data-type": type, id: "count-" + type, "aria-label": type + " count" });
    const restart = el("button", {
      type: "button", class: "secondary",
      onclick: async () => {
        if (await confirmAction("Restart " + type + "?", "A rolling restart of every " + type + " process."))
          startJob("POST", "/v1/processes/" + encodeURIComponent(type) + "/restart", undefined, refreshAll);
      },
    }, "Restart " + type);
    return el("tr", {}, el("th", { scope: "row" }, type), el("td", {}, input), el("td", {}, running), el("td", {}, restart));
  }));
}

$("scale-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const counts = {};
  for (const input of $("formation").querySelectorAll("input[data-type]")) counts[input.dataset.type] = Number(input.value);
  if (await confirmAction("Scale?", Object.entries(counts).map(([t, n]) => t + "=" + n).join(" ")))
    startJob("PUT", "/v1/formation", counts, refreshAll);
});

// ---------------------------------------------------------------- logs

let logSource = null;
let logPaused = false;
const logHeld = [];
const LOG_MAX = 2000;

function logMatches(line) {
  const proc = $("log-proc").value;
  const text = $("log-text").value;
  // "2026-12-06T10:00:00.123456+00:00 web.1 | ..."
  const name = line.split(" ", 2)[1] || "";
  if (proc && name !== proc && name.split(".")[0] !== proc) return false;
  return !text || line.toLowerCase().includes(text.toLowerCase());
}

function logAppend(line) {
  const pre = $("log");
  const stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 20;
  const div = el("div", { "data-line": "" }, line);
  if (!logMatches(line)) div.hidden = true;
  pre.append(div);
  while (pre.childElementCount > LOG_MAX) pre.firstElementChild.remove();
  if (stick) pre.scrollTop = pre.scrollHeight;
}

function refilterLogs() {
  const pre = $("log");
  for (const d of pre.children) d.hidden = !logMatches(d.textContent);
  pre.scrollTop = pre.scrollHeight;  // the newest lines
}

function startLogs() {
  if (logSource) return;
  $("log").replaceChildren();
  logSource = new EventSource("/v1/logs?tail=200");
  logSource.onmessage = (ev) => { if (logPaused) logHeld.push(ev.data); else logAppend(ev.data); };
  logSource.onopen = () => { $("log-state").textContent = logPaused ? "paused" : "live"; };
  logSource.onerror = () => { $("log-state").textContent = "reconnecting…"; };
}

function stopLogs() { if (logSource) { logSource.close(); logSource = null; } }

$("log-pause").addEventListener("click", () => {
  logPaused = !logPaused;
  $("log-pause").textContent = logPaused ? "Resume" : "Pause";
  $("log-pause").setAttribute("aria-pressed", String(logPaused));
  $("log-state").textContent = logPaused ? "paused" : "live";
  if (!logPaused) { for (const l of logHeld.splice(0)) logAppend(l); }
});
$("log-text").addEventListener("input", refilterLogs);
$("log-proc").addEventListener("change", refilterLogs);

function fillLogProcs() {
  if (!lastStatus) return;
  const sel = $("log-proc");
  const keep = sel.value;
  const names = new Set(["system"]);
  for (const p of lastStatus.processes) { names.add(p.type); names.add(p.name); }
  sel.replaceChildren(el("option", { value: "" }, "all"), ...[...names].sort().map((n) => el("option", { value: n }, n)));
  sel.value = keep;
}

// ---------------------------------------------------------------- routing

const loaders = { overview: loadOverview, charts: loadSeries, endpoints: loadEndpoints, releases: loadReleases, config: loadConfig, scale: loadScale, logs: async () => { if (!lastStatus) lastStatus = await api("GET", "/v1/status"); fillLogProcs(); } };
const intervals = { overview: 2000, charts: 1000, endpoints: 2000, releases: 5000 };
let timer = null;
let current = null;

async function refresh() {
  if (!current) return;
  if (lastStatus) $("app-release").textContent = lastStatus.release || "no release";
  try { await loaders[current](); } catch (e) { if (e.message !== "logged out") banner(e.message, true); }
}
function refreshAll() { refresh(); }

function show(page) {
  if (!loaders[page]) page = "overview";
  current = page;
  for (const s of document.querySelectorAll(".page")) s.hidden = s.id !== "page-" + page;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.page === page) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  if (timer) clearInterval(timer);
  timer = null;
  if (page === "logs") startLogs(); else stopLogs();
  refresh();
  if (intervals[page]) timer = setInterval(refresh, intervals[page]);
}

window.addEventListener("hashchange", () => { show(location.hash.slice(1)); $("main").focus(); });
$("job-close").addEventListener("click", () => { $("job").hidden = true; });
$("logout").addEventListener("click", async () => {
  try { await api("POST", "/v1/dashboard/logout"); } catch (e) { /* logged out either way */ }
  window.location.assign("/dashboard/login");
});

// The series' start time (uptime) is needed on the overview too; charts keep collecting
// only while their page is shown (the ring on the server keeps the hour meanwhile).
api("GET", "/v1/metrics/series?since=" + (Date.now() / 1000)).then((d) => { startedAt = d.started_at; }).catch(() => {});
api("GET", "/v1/status").then((s) => {
  $("app-name").textContent = s.app;
  $("app-release").textContent = s.release || "no release";
}).catch(() => {});
show(location.hash.slice(1) || "overview");
