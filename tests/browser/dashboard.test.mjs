// The dashboard in headless Chromium against the real relay and simulator: what a
// person sees (docs/dashboard.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { new_stage, http, wait_for, run_rows } from "./harness.mjs";


async function open_dashboard(s, sim_args, { page_options, relay_args } = {}) {
  const sim = await s.start_sim(sim_args);
  const relay = await s.start_relay(sim, { args: relay_args });
  const page = await s.page(page_options);
  await page.goto(relay.base + "/");
  return { sim, relay, page };
}

const link_state = (page, id) => page.getAttribute("#" + id, "data-state");

test("GET / serves the page and its files with types and an ETag", async () => {
  const s = new_stage();
  const sim = await s.start_sim(["--rate", "0"]);
  const relay = await s.start_relay(sim);
  const page = await http(relay.port, "GET", "/");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type"), /^text\/html/);
  assert.equal(page.headers.get("cache-control"), "no-cache");
  assert.match(page.body, /<title>runrelay<\/title>/);
  const etag = page.headers.get("etag");
  assert.match(etag, /^"[0-9a-f]{20}"$/);
  const again = await fetch(relay.base + "/", { headers: { "If-None-Match": etag } });
  assert.equal(again.status, 304);
  const script = await http(relay.port, "GET", "/dashboard/dashboard.js");
  assert.equal(script.status, 200);
  assert.match(script.headers.get("content-type"), /^text\/javascript/);
  const css = await http(relay.port, "GET", "/dashboard/dashboard.css");
  assert.match(css.headers.get("content-type"), /^text\/css/);
  for (const path of ["/dashboard/", "/dashboard/nope.js", "/dashboard/../CMakeLists.txt"]) {
    assert.equal((await http(relay.port, "GET", path)).status, 404, path);
  }
  assert.equal((await http(relay.port, "POST", "/")).status, 405);
});

test("runs appear and progress, and the page is on WebSocket", async () => {
  const s = new_stage();
  const { page } = await open_dashboard(s, ["--rate", "20", "--runs", "3"]);
  await wait_for("the relay link to turn green", async () =>
    (await link_state(page, "link-relay")) === "up");
  assert.match(await page.textContent("#link-relay-text"), /WebSocket/);
  const first = await wait_for("runs on screen", async () => {
    const rows = await run_rows(page);
    return rows.length >= 2 && rows;
  });
  const counts = (rows) => new Map(rows.map((row) => [row.run_id, parseInt(/(\d+) ev/.exec(row.text)[1], 10)]));
  const before = counts(first);
  await wait_for("a run's event count and progress to grow", async () => {
    const rows = await run_rows(page);
    const now = counts(rows);
    return [...before].some(([id, n]) => now.get(id) > n) && rows.some((row) => row.width !== "0%");
  });
  // The relay joined the simulator mid-run, so the first runs never had their
  // workflow_started on it (`active`); the next run is seen from its start.
  await wait_for("a run seen from its start", async () =>
    (await run_rows(page)).some((row) => ["running", "completed", "failed"].includes(row.status)));
  const statuses = new Set((await run_rows(page)).map((row) => row.status));
  for (const status of statuses) assert.ok(["running", "active", "completed", "failed"].includes(status));
  assert.deepEqual(page.errors, []);
  const shot = process.env.RUNRELAY_SCREENSHOT;
  await page.screenshot({ path: shot || "/tmp/runrelay-dashboard.png" });
});

test("the upstream indicator turns red when the orchestrator drops, then green again", async () => {
  const s = new_stage();
  const { sim, page } = await open_dashboard(s, ["--rate", "5", "--runs", "2"]);
  await wait_for("upstream green", async () => (await link_state(page, "link-upstream")) === "up");
  await sim.control("refuse?on=1");
  await sim.control("drop?code=1001");
  await wait_for("upstream red with an attempt", async () =>
    (await link_state(page, "link-upstream")) === "down" &&
    /attempt \d+/.test(await page.textContent("#link-upstream-text")));
  await wait_for("a retry countdown", async () =>
    /retry in \d+\.\d s/.test(await page.textContent("#link-upstream-text")));
  assert.equal(await link_state(page, "link-relay"), "up", "the page's own link stays up");
  await sim.control("refuse?on=0");
  await wait_for("upstream green again", async () =>
    (await link_state(page, "link-upstream")) === "up" &&
    (await page.textContent("#link-upstream-text")) === "connected");
});

test("an event is on screen within one second of its emission", async () => {
  const s = new_stage();
  const { sim, page } = await open_dashboard(s, ["--rate", "0", "--runs", "1",
                                                "--duplicate-percent", "0", "--batch-percent", "0"]);
  await wait_for("the relay link", async () => (await link_state(page, "link-relay")) === "up");
  // Each row change is stamped when the DOM shows it, in the page's own clock.
  await page.evaluate(() => {
    window.appeared = {};
    const stamp = (node) => {
      const id = node.dataset && node.dataset.lastEventId;
      if (id && !(id in window.appeared)) window.appeared[id] = Date.now();
    };
    new MutationObserver((records) => {
      for (const record of records) {
        stamp(record.target);
        record.addedNodes.forEach(stamp);
      }
    }).observe(document.getElementById("run-list"),
               { subtree: true, childList: true, attributes: true,
                 attributeFilter: ["data-last-event-id"] });
  });
  for (let i = 0; i < 8; i++) {
    const count = Object.keys(await page.evaluate(() => window.appeared)).length;
    await sim.control("emit?count=1");
    await wait_for("event " + i + " on screen", async () =>
      Object.keys(await page.evaluate(() => window.appeared)).length > count);
  }
  const lags = await page.evaluate(() => {
    const { store } = window.runrelay_dashboard;
    const out = [];
    for (const run of store.runs.values()) {
      for (const event of run.events) {
        if (event.event_id in window.appeared) {
          out.push({ id: event.event_id, lag: window.appeared[event.event_id] - Date.parse(event.data.ts) });
        }
      }
    }
    return out;
  });
  assert.ok(lags.length >= 6, JSON.stringify(lags));
  // The first event also creates the run's row and its subscription; under the
  // sanitizer build beside other tests that took up to 3 s once. The bound is for live
  // events of a run on screen (docs/dashboard.md); the first one is reported, not held.
  lags.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  const [first, ...live] = lags;
  console.log("# first event of the run on screen after " + first.lag + " ms");
  for (const { id, lag } of live) assert.ok(lag < 1000, id + " took " + lag + " ms to show");
});

test("a thousand runs keep the DOM bounded, and the filter finds one", async () => {
  const s = new_stage();
  const { sim, page } = await open_dashboard(s, ["--rate", "0", "--runs", "1000",
                                                "--duplicate-percent", "0"]);
  await wait_for("the relay link", async () => (await page.getAttribute("#link-relay", "data-state")) === "up");
  // Events go to runs at random: 5000 of them reach nearly all of the 1000.
  await sim.control("emit?count=5000");
  await wait_for("about a thousand runs known", async () => {
    const summary = await page.textContent("#run-summary");
    return Number((/^(\d+) runs/.exec(summary) || [0, 0])[1]) >= 950;
  }, 30000);
  const rows = await page.$$eval("#run-list > li", (items) => items.map((item) => item.dataset.runId));
  assert.ok(rows.length <= 200, rows.length + " rows in the DOM");
  assert.match(await page.textContent("#run-summary"), /showing the newest 200/);
  const wanted = rows[rows.length - 1];
  await page.fill("#run-filter", wanted);
  await wait_for("the filter to narrow the list", async () => {
    const ids = await page.$$eval("#run-list > li", (items) => items.map((item) => item.dataset.runId));
    return ids.length >= 1 && ids.every((id) => id.includes(wanted));
  });
  assert.deepEqual(page.errors, []);
});

test("a run with a thousand events keeps its view bounded", async () => {
  const s = new_stage();
  const { sim, relay, page } = await open_dashboard(s, ["--rate", "0"]);
  await page.goto(relay.base + "/#run=big");
  await wait_for("the relay link", async () => (await page.getAttribute("#link-relay", "data-state")) === "up");
  for (let frame = 0; frame < 10; frame++) {
    const batch = [];
    for (let i = 1; i <= 100; i++) {
      const n = frame * 100 + i;
      batch.push({ run_id: "big", event_id: "big:" + n, type: "step_progress", progress: n / 10,
                   ts: new Date().toISOString() });
    }
    const answer = await fetch(sim.url.replace("ws", "http") + "control/inject", {
      method: "POST", body: JSON.stringify(batch) });
    assert.equal(answer.status, 200);
  }
  await wait_for("1000 events counted", async () => /^1000 events/.test(await page.textContent("#run-facts")));
  const ids = await page.$$eval("#run-events > li", (items) => items.map((item) => item.dataset.eventId));
  assert.ok(ids.length <= 300, ids.length + " rows in the DOM");
  assert.equal(ids[0], "big:1000", "the newest on top");
  assert.equal(await page.getAttribute("#run-progress-bar", "style"), "width: 100%;");
  assert.deepEqual(page.errors, []);
});
