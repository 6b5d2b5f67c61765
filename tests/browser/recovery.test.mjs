// The dashboard across a relay restart, on a phone, in the actors view, and on the
// HTTP fallbacks when WebSocket is blocked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { new_stage, http, wait_for, run_rows, shown_event_ids } from "./harness.mjs";


// One run at a time, made only by /control/emit; with this seed its first run is
// longer than the 16 events the restart test emits.
const quiet_sim = ["--rate", "0", "--runs", "1", "--duplicate-percent", "0", "--seed", "7"];

// A plain WebSocket client in its own page that records every envelope of `*`: the
// relay's own record of what it delivered.
async function recorder(s, relay) {
  const page = await s.page();
  await page.goto(relay.base + "/healthz");
  await page.evaluate((url) => new Promise((resolve, reject) => {
    window.got = [];
    const socket = new WebSocket(url);
    socket.onmessage = (frame) => {
      const message = JSON.parse(frame.data);
      if (message.type === "welcome") socket.send(JSON.stringify({ type: "subscribe", run_id: "*", id: 1 }));
      if (message.type === "subscribed") resolve();
      if (message.type === "event") window.got.push(message);
    };
    socket.onerror = () => reject(new Error("recorder could not connect"));
  }), relay.base.replace("http", "ws") + "/ws");
  return {
    ids: async (run_id) => page.evaluate((id) =>
      window.got.filter((m) => m.run_id === id).map((m) => m.event_id), run_id),
    count: async () => page.evaluate(() => window.got.length),
    last_run: async () => page.evaluate(() => window.got[window.got.length - 1].run_id),
  };
}

async function emit_and_record(sim, record, count) {
  const before = await record.count();
  await sim.control("emit?count=" + count);
  await wait_for(count + " events recorded", async () => (await record.count()) >= before + count);
}

test("after a relay restart the open run shows every event once", async () => {
  const s = new_stage();
  const sim = await s.start_sim(quiet_sim);
  let relay = await s.start_relay(sim);
  const record1 = await recorder(s, relay);
  const page = await s.page();
  await page.goto(relay.base + "/");
  await wait_for("the relay link", async () => (await page.getAttribute("#link-relay", "data-state")) === "up");
  await emit_and_record(sim, record1, 6);
  const run_id = await record1.last_run();
  await page.click(`#run-list > li[data-run-id="${run_id}"]`);
  await emit_and_record(sim, record1, 4);
  const before = await record1.ids(run_id);
  await wait_for("the run's events on screen", async () =>
    (await shown_event_ids(page)).length === before.length);

  await s.procs.find((p) => p.port === relay.port).kill("SIGKILL");
  await wait_for("the relay link to turn red", async () =>
    (await page.getAttribute("#link-relay", "data-state")) === "down");
  relay = await s.start_relay(sim, { port: relay.port });
  const record2 = await recorder(s, relay);
  await wait_for("the page back on the relay", async () =>
    (await page.getAttribute("#link-relay", "data-state")) === "up");
  await emit_and_record(sim, record2, 6);
  const after_restart = await record2.ids(run_id);
  assert.ok(after_restart.length > 0, "the run goes on after the restart");
  const expected = [...before, ...after_restart];
  await wait_for("the run's events after the restart", async () =>
    (await shown_event_ids(page)).length >= expected.length);
  const shown = await shown_event_ids(page);
  assert.equal(new Set(shown).size, shown.length, "no event twice: " + shown);
  assert.deepEqual(shown, expected);
  assert.deepEqual(page.errors, []);
});

test("the actors view lists every actor kind with mailboxes and a delivery line", async () => {
  const s = new_stage();
  const sim = await s.start_sim(["--rate", "10", "--runs", "2"]);
  const relay = await s.start_relay(sim);
  const page = await s.page();
  await page.goto(relay.base + "/#actors");
  const kinds = ["upstream_session", "supervisor", "dedup_filter", "queue", "run_subscriber", "client_session"];
  await wait_for("every actor kind listed with at least one actor", async () => {
    const rows = await page.$$eval("#actor-kinds tbody tr", (trs) =>
      trs.map((tr) => [tr.dataset.kind, Number(tr.children[1].textContent)]));
    const seen = new Map(rows);
    return kinds.every((kind) => seen.get(kind) > 0);
  });
  assert.ok((await page.$$("#actor-busiest tbody tr")).length > 0);
  await wait_for("a delivery rate", async () =>
    /deliveries\/s now/.test(await page.textContent("#delivery-now")));
  assert.equal(await page.textContent("#stats-error"), "");
});

test("a phone-width screen needs no horizontal scroll", async () => {
  const s = new_stage();
  const sim = await s.start_sim(["--rate", "20", "--runs", "3"]);
  const relay = await s.start_relay(sim);
  const page = await s.page({ width: 375, height: 740 });
  await page.goto(relay.base + "/");
  await wait_for("runs on screen", async () => (await run_rows(page)).length >= 2);
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok((await overflow()) <= 0, "run list overflows by " + (await overflow()));
  await page.click("#run-list > li");
  await wait_for("the run's events", async () => (await shown_event_ids(page)).length > 0);
  assert.ok((await overflow()) <= 0, "run view overflows by " + (await overflow()));
  await page.click("#tab-actors");
  await wait_for("actors", async () => (await page.$$("#actor-busiest tbody tr")).length > 0);
  assert.ok((await overflow()) <= 0, "actors view overflows by " + (await overflow()));
});

// The HTTP run API is not served yet: these run as soon as the relay answers it.
async function run_api(relay, what) {
  const runs = await http(relay.port, "GET", "/stats");
  const run_id = runs.body && runs.body.runs && runs.body.runs[0] && runs.body.runs[0].run_id;
  if (!run_id) return false;
  const path = "/runs/" + encodeURIComponent(run_id) + what;
  const answer = await fetch(relay.base + path, { signal: AbortSignal.timeout(3000) }).catch(() => null);
  if (answer && answer.body) await answer.body.cancel().catch(() => {});
  return answer && answer.status === 200;
}

async function fallback_test(t, { what, disable, transport }) {
  const s = new_stage();
  const sim = await s.start_sim(["--rate", "10", "--runs", "2"]);
  const relay = await s.start_relay(sim);
  await wait_for("a run on the relay", async () => (await http(relay.port, "GET", "/stats")).body.runs.length > 0);
  assert.ok(await run_api(relay, what), "GET /runs/<run_id>" + what + " answers 200");
  const page = await s.page({ init: disable });
  await page.goto(relay.base + "/");
  await wait_for("the page on " + transport, async () =>
    (await page.getAttribute("#link-relay", "data-state")) === "up" &&
    (await page.textContent("#link-relay-text")) === transport);
  const rows = await wait_for("runs on screen", async () => {
    const list = await run_rows(page);
    return list.length > 0 && list;
  });
  await page.click(`#run-list > li[data-run-id="${rows[0].run_id}"]`);
  const first = await wait_for("the run's events", async () => (await shown_event_ids(page)).length);
  await wait_for("live events", async () => (await shown_event_ids(page)).length > first ||
    /completed|failed/.test(await page.textContent("#run-status")));
  const shown = await shown_event_ids(page);
  assert.equal(new Set(shown).size, shown.length);
}

test("with WebSocket blocked the page falls back to long-poll", async (t) => {
  await fallback_test(t, {
    what: "/events",
    transport: "long-poll",
    disable: () => {
      window.WebSocket = function blocked() { throw new Error("blocked by the test"); };
      delete window.EventSource;
    },
  });
});

test("with WebSocket blocked the page falls back to SSE", async (t) => {
  await fallback_test(t, {
    what: "/stream",
    transport: "SSE",
    disable: () => {
      window.WebSocket = function blocked() { throw new Error("blocked by the test"); };
    },
  });
});
