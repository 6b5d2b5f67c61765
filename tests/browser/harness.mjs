// Starts the real runrelay-sim and runrelay on free 127.0.0.1 ports, opens the
// dashboard in headless Chromium, and stops every process it started by its PID.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { once } from "node:events";
import { after } from "node:test";
import { chromium } from "playwright-core";

export const HOST = "127.0.0.1";
export const WAIT_MS = 15000;

const RELAY_BIN = process.env.RUNRELAY_BIN;
const SIM_BIN = process.env.RUNRELAY_SIM_BIN;
if (!RELAY_BIN || !SIM_BIN) {
  throw new Error("set RUNRELAY_BIN and RUNRELAY_SIM_BIN (ctest sets them)");
}

export async function free_port() {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

export async function wait_for(what, check, timeout_ms = WAIT_MS, interval_ms = 100) {
  const deadline = Date.now() + timeout_ms;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) throw new Error("timed out waiting for " + what + " (last: " + last + ")");
    await new Promise((resolve) => setTimeout(resolve, interval_ms));
  }
}

class proc {
  constructor(name, argv) {
    this.name = name;
    this.stderr = "";
    this.child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
    this.child.stderr.on("data", (chunk) => {
      this.stderr += chunk;
      if (this.stderr.length > 200000) this.stderr = this.stderr.slice(-100000);
    });
    this.exited = once(this.child, "exit");
  }

  alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal = "SIGKILL") {
    if (!this.alive()) return;
    process.kill(this.child.pid, signal);
    await this.exited;
  }
}

export async function http(port, method, path) {
  const response = await fetch("http://" + HOST + ":" + port + path, { method });
  const text = await response.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch (_) {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

// One test's processes and browser; `close()` ends them all.
export class stage {
  constructor() {
    this.procs = [];
    this.browser = null;
  }

  async start_sim(args = []) {
    const sim = new proc("sim", [SIM_BIN, "--listen", HOST + ":0", "--ping-ms", "0", ...args]);
    this.procs.push(sim);
    const port = await wait_for("runrelay-sim to listen", () => {
      if (!sim.alive()) throw new Error("runrelay-sim exited: " + sim.stderr);
      const match = /sim: listening on ws:\/\/[0-9.]+:(\d+)\//.exec(sim.stderr);
      return match && Number(match[1]);
    });
    sim.port = port;
    sim.url = "ws://" + HOST + ":" + port + "/";
    sim.control = (path) => http(port, "POST", "/control/" + path);
    return sim;
  }

  async start_relay(sim, { port, args = [] } = {}) {
    const listen = port || (await free_port());
    const relay = new proc("relay", [RELAY_BIN, "--listen", HOST + ":" + listen, "--upstream", sim.url,
                                     "--backoff-base-ms", "200", "--backoff-max-ms", "1500",
                                     "--shutdown-grace-ms", "1000", ...args]);
    this.procs.push(relay);
    relay.port = listen;
    relay.base = "http://" + HOST + ":" + listen;
    await wait_for("runrelay to serve /healthz", async () => {
      if (!relay.alive()) throw new Error("runrelay exited: " + relay.stderr);
      try {
        return (await http(listen, "GET", "/healthz")).status === 200;
      } catch (_) {
        return false;
      }
    });
    return relay;
  }

  async page({ width = 1280, height = 900, init } = {}) {
    if (!this.browser) {
      this.browser = await chromium.launch({
        executablePath: process.env.RUNRELAY_CHROMIUM || "/usr/bin/chromium",
        args: ["--no-sandbox", "--disable-background-networking"],
      });
    }
    const context = await this.browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    page.errors = [];
    page.on("pageerror", (error) => page.errors.push(String(error)));
    if (init) await page.addInitScript(init);
    return page;
  }

  async close() {
    if (this.browser) await this.browser.close().catch(() => {});
    for (const p of this.procs.reverse()) await p.kill().catch(() => {});
  }
}

// What a person sees in the run list, one entry per row.
export async function run_rows(page) {
  return page.$$eval("#run-list > li", (rows) => rows.map((row) => ({
    run_id: row.dataset.runId,
    status: row.dataset.status,
    last_event_id: row.dataset.lastEventId || null,
    width: row.querySelector(".progress > div").style.width,
    text: row.textContent,
  })));
}

// The event ids of the open run's view, oldest first.
export async function shown_event_ids(page) {
  return page.$$eval("#run-events > li", (rows) => rows.map((row) => row.dataset.eventId).reverse());
}

// A new stage for a test; every stage of the file is closed after its last test, even
// when a test failed half-way.
const open_stages = [];
after(async () => {
  for (const s of open_stages) await s.close();
});
export function new_stage() {
  const s = new stage();
  open_stages.push(s);
  return s;
}
