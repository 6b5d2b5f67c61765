// The two connection indicators: the page's own link to the relay (and on which
// transport), and the relay's link to the orchestrator with `attempt` and a live
// `retry_in_ms` countdown (docs/protocol.md section 2, `upstream` messages).
export class links_view {
  constructor() {
    this.relay = document.getElementById("link-relay");
    this.relay_text = document.getElementById("link-relay-text");
    this.upstream = document.getElementById("link-upstream");
    this.upstream_text = document.getElementById("link-upstream-text");
    this.page_retry_at = null;
    this.page_text = "";
    this.upstream_state = null;
    setInterval(() => this.tick(), 100);
  }

  // From the connector: {phase, transport, reason, retry_at, attempt}.
  page_state(state) {
    this.relay.dataset.transport = state.transport || "";
    this.relay.title = state.reason ? "last problem: " + state.reason : "";
    if (state.phase === "open") {
      this.set(this.relay, "up");
      this.page_retry_at = null;
      this.page_text = state.transport;
    } else if (state.phase === "trying") {
      this.set(this.relay, "down");
      this.page_retry_at = null;
      this.page_text = "trying " + state.transport;
    } else {
      this.set(this.relay, "down");
      this.page_retry_at = state.retry_at;
      this.page_text = "lost, attempt " + state.attempt;
    }
    this.tick();
  }

  // A section 2 `upstream` message, or {state} from welcome, /readyz or /stats.
  upstream_status(message) {
    const retry = typeof message.retry_in_ms === "number" ? Date.now() + message.retry_in_ms : null;
    this.upstream_state = { state: message.state, attempt: message.attempt, retry_at: retry };
    this.upstream.dataset.upstream = message.state;
    this.set(this.upstream, message.state === "connected" ? "up" : "down");
    this.tick();
  }

  set(node, state) {
    node.dataset.state = state;
  }

  tick() {
    this.relay_text.textContent = this.page_text + countdown(this.page_retry_at);
    const up = this.upstream_state;
    if (!up) return;
    let text = up.state;
    if (typeof up.attempt === "number" && up.attempt > 0) text += ", attempt " + up.attempt;
    this.upstream_text.textContent = text + countdown(up.retry_at);
  }
}

function countdown(at) {
  if (at === null || at === undefined) return "";
  const left = Math.max(0, at - Date.now());
  return ", retry in " + (left / 1000).toFixed(1) + " s";
}
