// The operator's view of the actors, from GET /stats polled every 2 s while it is open:
// every actor kind, the busiest mailboxes first, the relay's counters, and deliveries
// per second (runrelay_events_delivered_total of GET /metrics, else /stats'
// delivered_total) drawn over the last minutes.
import { el } from "./dom.js";
import { fetch_relay } from "./auth.js";

const poll_ms = 2000;
const history_ms = 5 * 60 * 1000;
const busiest_rows = 20;
const kinds = ["upstream_session", "supervisor", "dedup_filter", "queue", "run_subscriber",
               "client_session"];

function delivered_from_metrics(text) {
  const match = /^runrelay_events_delivered_total\s+([0-9.eE+]+)\s*$/m.exec(text || "");
  return match ? Number(match[1]) : null;
}

function counters_text(entry) {
  return Object.entries(entry)
    .filter(([key, value]) => !["kind", "name", "mailbox"].includes(key) &&
            (typeof value === "number" || typeof value === "string"))
    .map(([key, value]) => key + " " + value).join(", ");
}

export class stats_view {
  constructor(on_stats) {
    this.on_stats = on_stats;
    this.timer = null;
    this.samples = []; // {at, delivered}
    this.rates = []; // {at, per_second}
    this.canvas = document.getElementById("delivery-chart");
  }

  start() {
    if (this.timer) return;
    this.poll();
    this.timer = setInterval(() => this.poll(), poll_ms);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  async poll() {
    const [stats, metrics] = await Promise.all([
      fetch_relay("/stats?limit=1000"), fetch_relay("/metrics", { as_text: true })]);
    const error = document.getElementById("stats-error");
    if (stats.status !== 200 || !stats.body || typeof stats.body !== "object") {
      error.textContent = "GET /stats answered " + (stats.status || "nothing") +
        (stats.status === 401 || stats.status === 403 ? " (the token needs admin)" : "");
      return;
    }
    error.textContent = "";
    this.on_stats(stats.body);
    let delivered = metrics.status === 200 ? delivered_from_metrics(metrics.body) : null;
    if (delivered === null) delivered = stats.body.delivered_total ?? null;
    if (typeof delivered === "number") this.sample(delivered);
    this.render(stats.body);
  }

  sample(delivered) {
    const now = Date.now();
    const last = this.samples[this.samples.length - 1];
    this.samples.push({ at: now, delivered });
    // A restarted relay counts from 0 again: a drop is a new start, not a negative rate.
    if (last && delivered >= last.delivered && now > last.at) {
      this.rates.push({ at: now, per_second: (delivered - last.delivered) * 1000 / (now - last.at) });
    }
    while (this.samples.length > 2) this.samples.shift();
    while (this.rates.length && this.rates[0].at < now - history_ms) this.rates.shift();
    const latest = this.rates[this.rates.length - 1];
    document.getElementById("delivery-now").textContent =
      latest ? latest.per_second.toFixed(1) + " deliveries/s now, " + delivered + " in all" : "";
    this.draw();
  }

  render(stats) {
    const relay = stats.relay || {};
    document.getElementById("stats-relay").textContent = "relay " + (relay.relay_id || "?") +
      ", up " + Math.round((relay.uptime_ms || 0) / 1000) + " s";
    const actors = Array.isArray(stats.actors) ? stats.actors : [];
    this.render_kinds(actors);
    const busiest = [...actors].sort((a, b) => (b.mailbox || 0) - (a.mailbox || 0)).slice(0, busiest_rows);
    document.querySelector("#actor-busiest tbody").replaceChildren(...busiest.map((entry) => {
      const row = el("tr");
      row.append(el("td", "", entry.kind), el("td", "", entry.name), el("td", "", String(entry.mailbox)),
                 el("td", "", counters_text(entry)));
      return row;
    }));
    this.render_counters(stats);
  }

  render_kinds(actors) {
    const by_kind = new Map(kinds.map((kind) => [kind, { count: 0, total: 0, max: 0 }]));
    for (const entry of actors) {
      if (!by_kind.has(entry.kind)) by_kind.set(entry.kind, { count: 0, total: 0, max: 0 });
      const k = by_kind.get(entry.kind);
      k.count += 1;
      k.total += entry.mailbox || 0;
      k.max = Math.max(k.max, entry.mailbox || 0);
    }
    document.querySelector("#actor-kinds tbody").replaceChildren(...[...by_kind].map(([kind, k]) => {
      const row = el("tr");
      row.dataset.kind = kind;
      row.append(el("td", "", kind), el("td", "", String(k.count)), el("td", "", String(k.total)),
                 el("td", "", String(k.max)));
      return row;
    }));
  }

  render_counters(stats) {
    const rows = [];
    for (const section of ["upstream", "dedup", "queue"]) {
      const values = stats[section];
      if (values && typeof values === "object") rows.push([section, counters_text(values)]);
    }
    for (const key of ["runs_total", "clients_total", "delivered_total", "slow_consumers_closed_total"]) {
      if (key in stats) rows.push([key, String(stats[key])]);
    }
    document.querySelector("#relay-counters tbody").replaceChildren(...rows.map(([name, text]) => {
      const row = el("tr");
      row.append(el("th", "", name), el("td", "", text));
      return row;
    }));
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 300;
    const height = canvas.clientHeight || 160;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const g = canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    const peak = Math.max(1, ...this.rates.map((r) => r.per_second));
    const now = Date.now();
    g.fillStyle = "#667085";
    g.font = "11px system-ui, sans-serif";
    g.fillText(peak.toFixed(0) + "/s", 4, 12);
    g.fillText("-" + history_ms / 60000 + " min", 4, height - 4);
    g.strokeStyle = "#2f6fdf";
    g.lineWidth = 2;
    g.beginPath();
    this.rates.forEach((r, i) => {
      const x = width - ((now - r.at) / history_ms) * width;
      const y = height - 4 - (r.per_second / peak) * (height - 20);
      if (i === 0) g.moveTo(x, y);
      else g.lineTo(x, y);
    });
    g.stroke();
  }
}
