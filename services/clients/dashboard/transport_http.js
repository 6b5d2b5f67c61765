// The two HTTP transports of docs/protocol.md section 3, for when WebSocket is blocked:
// Server-Sent Events on GET /runs/<id>/stream, then long-poll on
// GET /runs/<id>/events?wait_ms=. Each followed run holds one HTTP connection and a
// browser allows six per origin, so these follow only the run that is open
// (follows_all = false); the page learns of the others from GET /runs.
// Both hand the page the same section 2 messages as the WebSocket transport.
import { fetch_relay, with_token } from "./auth.js";

const poll_wait_ms = 20000;
const poll_limit = 500;
const unknown_run_retry_ms = 1000;

function run_path(run_id) {
  return "/runs/" + encodeURIComponent(run_id);
}

// Both need GET /runs: it is how they discover runs, and it tells whether the relay
// serves the HTTP run API at all.
async function probe_runs(name) {
  const answer = await fetch_relay("/runs?limit=1");
  if (answer.status !== 200) {
    throw new Error(name + " unavailable: GET /runs answered " + (answer.status || "nothing"));
  }
}

// What both keep: one handle per followed run, each with a stop() that ends its
// connection.
class per_run_transport {
  constructor(name) {
    this.name = name;
    this.follows_all = false;
    this.followed = new Map();
    this.handlers = null;
    this.ended = false;
  }

  unfollow(run_id) {
    const handle = this.followed.get(run_id);
    if (handle) handle.stop();
    this.followed.delete(run_id);
  }

  end(reason) {
    if (this.ended) return;
    this.close();
    this.handlers.closed(reason);
  }

  close() {
    this.ended = true;
    for (const handle of this.followed.values()) handle.stop();
    this.followed.clear();
  }
}

export class sse_transport extends per_run_transport {
  constructor() {
    super("SSE");
  }

  async open(handlers) {
    if (typeof EventSource !== "function") throw new Error("SSE unavailable in this browser");
    await probe_runs("SSE");
    this.handlers = handlers;
  }

  follow(run_id, since) {
    this.unfollow(run_id);
    let path = run_path(run_id) + "/stream";
    if (since !== undefined) path += "?since=" + encodeURIComponent(since);
    const source = new EventSource(with_token(path));
    let opened = false;
    const deliver = (frame) => {
      try {
        this.handlers.message(JSON.parse(frame.data));
      } catch (_) {
        // A frame that is not JSON is not a section 2 message: nothing to show.
      }
    };
    source.onopen = () => {
      opened = true;
    };
    source.onmessage = deliver;
    source.addEventListener("upstream", deliver);
    // EventSource reconnects by itself and resumes with Last-Event-ID; it gives up
    // (CLOSED) only on an answer that is not an event stream.
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        this.end("SSE stream of " + run_id + (opened ? " ended" : " refused"));
      }
    };
    this.followed.set(run_id, { stop: () => source.close() });
  }
}

export class poll_transport extends per_run_transport {
  constructor() {
    super("long-poll");
  }

  async open(handlers) {
    await probe_runs("long-poll");
    this.handlers = handlers;
  }

  follow(run_id, since) {
    this.unfollow(run_id);
    const controller = new AbortController();
    this.followed.set(run_id, { stop: () => controller.abort() });
    this.poll_loop(run_id, since, controller.signal).catch((error) => {
      if (error && error.name === "AbortError") return;
      this.end("long-poll of " + run_id + " failed: " + error.message);
    });
  }

  // "live" needs a starting cursor: the run's last event now.
  async live_cursor(run_id, signal) {
    const answer = await fetch_relay(run_path(run_id), { signal });
    return answer.status === 200 && answer.body ? answer.body.last_event_id || null : null;
  }

  async poll_loop(run_id, since, signal) {
    let after = since === "live" ? await this.live_cursor(run_id, signal) : since;
    while (!signal.aborted) {
      let path = run_path(run_id) + "/events?limit=" + poll_limit + "&wait_ms=" + poll_wait_ms;
      if (after) path += "&after=" + encodeURIComponent(after);
      const answer = await fetch_relay(path, { signal });
      if (answer.status === 404) {
        await new Promise((resolve) => setTimeout(resolve, unknown_run_retry_ms));
        continue;
      }
      if (answer.status !== 200 || !answer.body || !Array.isArray(answer.body.events)) {
        throw new Error("GET " + path.split("?")[0] + " answered " + (answer.status || "nothing"));
      }
      const body = answer.body;
      if (body.gap) this.handlers.message({ type: "subscribed", run_id, gap: true });
      for (const envelope of body.events) this.handlers.message(envelope);
      // next_id is an event_id: it stays valid behind a load balancer, unlike seq.
      if (body.next_id) after = body.next_id;
    }
  }
}
