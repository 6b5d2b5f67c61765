// The dashboard's wiring: the connector brings relay messages into the run store; views
// read the store once per animation frame. See docs/dashboard.md.
import { connector, default_order } from "./connector.js";
import { fetch_relay } from "./auth.js";
import { run_store } from "./run_store.js";
import { runs_view } from "./runs_view.js";
import { run_view } from "./run_view.js";
import { links_view } from "./links_view.js";
import { stats_view } from "./stats_view.js";
import { follower } from "./follower.js";

const snapshot_ms = 3000;
const runs_api_recheck_ms = 30000;

const store = new run_store();
const links = new links_view();
const list = new runs_view(store, (run_id) => { window.location.hash = "run=" + encodeURIComponent(run_id); });
const detail = new run_view(store);
const follow = new follower(store);
let frame_pending = false;
let runs_api_missing_since = null;

function schedule_render() {
  if (frame_pending) return;
  frame_pending = true;
  requestAnimationFrame(() => {
    frame_pending = false;
    const dirty = store.take_dirty();
    if (!document.getElementById("runs-view").hidden) list.render(dirty);
    else list.order_stale = list.order_stale || dirty.size > 0;
    if (detail.run_id && dirty.has(detail.run_id)) detail.render();
  });
}

function on_message(message) {
  switch (message.type) {
    case "welcome":
      store.new_epoch();
      links.upstream_status({ state: message.upstream });
      break;
    case "upstream":
      links.upstream_status(message);
      break;
    case "event":
      if (store.add_event(message)) {
        follow.saw_event(store.get(message.run_id));
        schedule_render();
      }
      break;
    case "subscribed":
      if (message.gap && message.run_id !== "*") {
        store.mark_gap(message.run_id);
        schedule_render();
      }
      break;
    case "error":
      follow.on_error(message);
      break;
  }
}

async function poll_snapshot() {
  const now = Date.now();
  if (runs_api_missing_since === null || now - runs_api_missing_since > runs_api_recheck_ms) {
    const runs = await fetch_relay("/runs?limit=1000");
    if (runs.status === 200 && runs.body && Array.isArray(runs.body.runs)) {
      runs_api_missing_since = null;
      return apply_snapshot(runs.body.runs, null);
    }
    runs_api_missing_since = now;
  }
  // Before the run API existed, /stats was the only list of runs (it needs admin when
  // tokens are on).
  const stats = await fetch_relay("/stats?limit=1000");
  if (stats.status === 200 && stats.body && Array.isArray(stats.body.runs)) {
    apply_snapshot(stats.body.runs, stats.body.upstream);
  } else if (!follow.transport || !follow.transport.follows_all) {
    const ready = await fetch_relay("/readyz");
    if (ready.body && typeof ready.body.state === "string") links.upstream_status(ready.body);
  }
}

function apply_snapshot(entries, upstream) {
  store.apply_snapshot(entries);
  for (const entry of entries) {
    const run = entry && store.get(entry.run_id);
    if (run) follow.saw_listed(run);
  }
  // Without WebSocket no `upstream` message is pushed: show what /stats says.
  if (upstream && (!follow.transport || !follow.transport.follows_all)) links.upstream_status(upstream);
  schedule_render();
}

function route() {
  const hash = decodeURIComponent(window.location.hash.slice(1));
  const run_id = hash.startsWith("run=") ? hash.slice(4) : null;
  const actors = hash === "actors";
  document.getElementById("runs-view").hidden = Boolean(run_id) || actors;
  document.getElementById("run-view").hidden = !run_id;
  document.getElementById("actors-view").hidden = !actors;
  document.getElementById("tab-runs").setAttribute("aria-pressed", String(!actors));
  document.getElementById("tab-actors").setAttribute("aria-pressed", String(actors));
  if (actors) stats.start();
  else stats.stop();
  if (run_id) {
    store.ensure(run_id);
    follow.open(run_id);
    detail.show(run_id);
  } else {
    follow.open(null);
    detail.run_id = null;
    list.order_stale = true;
  }
  schedule_render();
}

const stats = new stats_view((body) => {
  if (Array.isArray(body.runs)) apply_snapshot(body.runs, body.upstream);
});

function transport_order() {
  const forced = new URL(window.location.href).searchParams.get("transport");
  return forced ? forced.split(",") : default_order;
}

document.getElementById("tab-runs").addEventListener("click", () => { window.location.hash = ""; });
document.getElementById("tab-actors").addEventListener("click", () => { window.location.hash = "actors"; });
document.getElementById("run-back").addEventListener("click", () => { window.location.hash = ""; });
document.getElementById("run-filter").addEventListener("input", schedule_render);
window.addEventListener("hashchange", route);

new connector({
  order: transport_order(),
  on_open: (transport) => {
    store.new_epoch();
    follow.attach(transport);
  },
  on_message,
  on_state: (state) => {
    if (state.phase !== "open") follow.attach(null);
    links.page_state(state);
  },
}).start();
route();
poll_snapshot();
setInterval(poll_snapshot, snapshot_ms);

// For people debugging in the console, and for the browser tests.
window.runrelay_dashboard = { store, follow, links };
