// The list of runs, newest first. At most `max_rows` rows exist in the DOM, whatever
// the number of runs; the filter box narrows the list by run id or status. Only rows
// whose run changed are rewritten, once per animation frame.
import { el, time_of, percent } from "./dom.js";

const max_rows = 200;

export class runs_view {
  constructor(store, on_open) {
    this.store = store;
    this.list = document.getElementById("run-list");
    this.summary = document.getElementById("run-summary");
    this.filter = document.getElementById("run-filter");
    this.rows = new Map();
    this.order_stale = true;
    this.filter.addEventListener("input", () => {
      this.order_stale = true;
    });
    this.list.addEventListener("click", (event) => {
      const row = event.target.closest("[data-run-id]");
      if (row) on_open(row.dataset.runId);
    });
    store.on_new_run(() => {
      this.order_stale = true;
    });
  }

  matches(run, needle) {
    return !needle || run.run_id.toLowerCase().includes(needle) || run.status.includes(needle);
  }

  render(dirty) {
    if (this.order_stale || this.touches_status(dirty)) this.reorder();
    for (const run_id of dirty) {
      const row = this.rows.get(run_id);
      if (row) this.fill(row, this.store.get(run_id));
    }
  }

  // A status change can move a run in or out of a status filter.
  touches_status(dirty) {
    return this.filter.value.trim() !== "" && dirty.size > 0;
  }

  reorder() {
    this.order_stale = false;
    const needle = this.filter.value.trim().toLowerCase();
    const all = [...this.store.runs.values()];
    const shown = all.filter((run) => this.matches(run, needle))
      .sort((a, b) => b.first_seen - a.first_seen || (a.run_id < b.run_id ? 1 : -1));
    const visible = shown.slice(0, max_rows);
    const keep = new Set(visible.map((run) => run.run_id));
    for (const [run_id, row] of this.rows) {
      if (!keep.has(run_id)) {
        row.remove();
        this.rows.delete(run_id);
      }
    }
    let cursor = this.list.firstChild;
    for (const run of visible) {
      let row = this.rows.get(run.run_id);
      if (!row) {
        row = this.make_row(run);
        this.rows.set(run.run_id, row);
        this.fill(row, run);
      }
      if (row !== cursor) this.list.insertBefore(row, cursor);
      else cursor = cursor.nextSibling;
    }
    const hidden = shown.length - visible.length;
    this.summary.textContent = all.length + " runs" +
      (needle ? ", " + shown.length + " match" : "") +
      (hidden > 0 ? ", showing the newest " + visible.length : "");
  }

  make_row(run) {
    const row = el("li", "run");
    row.dataset.runId = run.run_id;
    row.tabIndex = 0;
    const bar = el("div", "progress bar-cell");
    bar.append(el("div"));
    row.append(el("span", "id", run.run_id), el("span", "status"), bar,
               el("span", "count"), el("span", "time"), el("span", "extra"));
    return row;
  }

  fill(row, run) {
    const [, status, bar, count, time, extra] = row.children;
    status.textContent = run.status;
    status.dataset.status = run.status;
    row.dataset.status = run.status;
    bar.dataset.known = String(run.progress !== null);
    bar.firstChild.style.width = percent(run.progress || 0) || "0%";
    count.textContent = run.event_count + " ev";
    time.textContent = time_of(run.last_event_at);
    if (run.last_event_id) row.dataset.lastEventId = run.last_event_id;
    const parts = [];
    if (run.step) parts.push("step " + run.step.index + "/" + run.step.of + " " + (run.step.name || ""));
    if (run.progress !== null) parts.push(percent(run.progress));
    if (run.subscribers !== null) parts.push(run.subscribers + " subscribers");
    if (run.artifacts.length) parts.push(run.artifacts.length + " artifacts");
    extra.textContent = parts.join(" · ");
  }
}
