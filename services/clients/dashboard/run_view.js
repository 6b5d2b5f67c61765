// One run's own view: status, progress, counts by type, artifacts and its events as they
// arrive, newest first. At most `max_rows` event rows exist in the DOM; older ones are
// dropped from the page (the count above says how many are shown).
import { el, time_of, percent, artifact_label, artifact_url } from "./dom.js";

const max_rows = 300;

function summary_of(data) {
  if (typeof data.message === "string") return data.message;
  if (typeof data.error === "string") return data.error;
  if (data.artifact !== undefined) return "artifact " + artifact_label(data.artifact);
  if ("progress" in data) return (data.step ? data.step + " " : "") + JSON.stringify(data.progress);
  if (data.step) return data.step + (data.index ? " (" + data.index + "/" + data.of + ")" : "");
  const rest = Object.fromEntries(Object.entries(data).filter(
    ([key]) => !["run_id", "type", "event_id", "ts", "seq"].includes(key)));
  const text = JSON.stringify(rest);
  return text.length > 160 ? text.slice(0, 157) + "..." : text;
}

export class run_view {
  constructor(store) {
    this.store = store;
    this.run_id = null;
    this.shown_ids = new Set();
    this.last_rendered = null;
    this.ids = ["run-title", "run-status", "run-progress-bar", "run-facts", "run-gap",
                "run-counts", "run-artifacts", "run-events", "run-shown"];
    this.node = {};
    for (const id of this.ids) this.node[id] = document.getElementById(id);
  }

  show(run_id) {
    this.run_id = run_id;
    this.shown_ids = new Set();
    this.last_rendered = null;
    this.node["run-events"].replaceChildren();
    this.node["run-artifacts"].replaceChildren();
    this.artifacts_shown = 0;
    this.reorders_seen = 0;
    this.render();
  }

  render() {
    const run = this.run_id && this.store.get(this.run_id);
    if (!run) return;
    const n = this.node;
    n["run-title"].textContent = run.run_id;
    n["run-status"].textContent = run.status;
    n["run-status"].dataset.status = run.status;
    n["run-progress-bar"].style.width = percent(run.progress || 0) || "0%";
    n["run-progress-bar"].parentElement.dataset.known = String(run.progress !== null);
    const facts = [run.event_count + " events", "last " + (time_of(run.last_event_at) || "-")];
    if (run.progress !== null) facts.push(percent(run.progress));
    if (run.step) facts.push("step " + run.step.index + " of " + run.step.of + " " + (run.step.name || ""));
    if (run.subscribers !== null) facts.push(run.subscribers + " subscribers");
    n["run-facts"].textContent = facts.join(" · ");
    n["run-gap"].hidden = !run.gap;
    this.render_counts(run);
    this.render_artifacts(run);
    this.render_events(run);
  }

  render_counts(run) {
    const body = this.node["run-counts"].tBodies[0];
    const rows = [...run.counts.entries()].sort((a, b) => b[1] - a[1]).map(([type, count]) => {
      const row = el("tr");
      row.append(el("td", "", type), el("td", "", String(count)));
      return row;
    });
    body.replaceChildren(...rows);
  }

  render_artifacts(run) {
    const list = this.node["run-artifacts"];
    for (; this.artifacts_shown < run.artifacts.length; this.artifacts_shown++) {
      const artifact = run.artifacts[this.artifacts_shown];
      const item = el("li");
      const url = artifact_url(artifact);
      if (url) {
        const link = el("a", "", artifact_label(artifact));
        link.href = url;
        link.rel = "noopener noreferrer";
        link.target = "_blank";
        item.append(link);
      } else {
        item.textContent = artifact_label(artifact);
      }
      list.append(item);
    }
  }

  // Appends what is new since the last frame: one fragment, one insertion.
  render_events(run) {
    const list = this.node["run-events"];
    if (run.reorders !== this.reorders_seen) {
      // Older events came in late: redraw in order rather than patch.
      this.reorders_seen = run.reorders;
      list.replaceChildren();
      this.shown_ids = new Set();
    }
    const fresh = [];
    for (let i = run.events.length - 1; i >= 0; i--) {
      const entry = run.events[i];
      if (this.shown_ids.has(entry.event_id)) break;
      fresh.push(entry);
      if (fresh.length >= max_rows) break;
    }
    if (fresh.length) {
      const fragment = document.createDocumentFragment();
      for (const entry of fresh) {
        this.shown_ids.add(entry.event_id);
        fragment.append(this.make_row(entry));
      }
      list.prepend(fragment);
      while (list.childElementCount > max_rows) {
        this.shown_ids.delete(list.lastElementChild.dataset.eventId);
        list.lastElementChild.remove();
      }
    }
    this.node["run-shown"].textContent = "(" + list.childElementCount + " shown" +
      (run.event_count > list.childElementCount ? " of " + run.event_count : "") + ")";
  }

  make_row(entry) {
    const row = el("li");
    row.dataset.eventId = entry.event_id;
    if (typeof entry.data.ts === "string") row.dataset.ts = entry.data.ts;
    row.append(el("span", "t", time_of(entry.data.ts)), el("span", "s", String(entry.seq ?? "")),
               el("span", "y", entry.type), el("span", "m", summary_of(entry.data)));
    row.title = entry.event_id;
    return row;
  }
}
