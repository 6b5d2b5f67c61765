// Keeps the page connected: tries WebSocket, then SSE, then long-poll, and uses the
// first that opens. When it closes, or none opens, it waits a jittered exponential
// backoff and starts again from WebSocket, so a page that fell back returns to
// WebSocket as soon as the relay accepts it again.
//
//   idle --start--> trying(ws) --fail--> trying(sse) --fail--> trying(poll) --fail--+
//                      |  open              |  open                |  open           |
//                      v                    v                      v                 |
//                    open(transport) --closed--> waiting(backoff) <------------------+
//                                                   |  delay over
//                                                   +--> trying(ws) ...
import { backoff } from "./backoff.js";
import { ws_transport } from "./transport_ws.js";
import { sse_transport, poll_transport } from "./transport_http.js";

const makers = { ws: () => new ws_transport(), sse: () => new sse_transport(),
                 poll: () => new poll_transport() };

export const default_order = ["ws", "sse", "poll"];

export class connector {
  // on_open(transport), on_message(message), on_state({phase, transport, reason,
  // retry_at, attempt}): phase is "trying", "open" or "waiting".
  constructor({ order = default_order, on_open, on_message, on_state }) {
    this.order = order.filter((kind) => makers[kind]);
    if (!this.order.length) this.order = default_order;
    this.on_open = on_open;
    this.on_message = on_message;
    this.on_state = on_state;
    this.delays = new backoff();
    this.current = null;
  }

  start() {
    this.cycle();
  }

  async cycle() {
    const reasons = [];
    for (const kind of this.order) {
      const transport = makers[kind]();
      this.on_state({ phase: "trying", transport: transport.name, attempt: this.delays.attempt });
      let report_closed;
      const closed = new Promise((resolve) => {
        report_closed = resolve;
      });
      try {
        await transport.open({ message: this.on_message, closed: report_closed });
      } catch (error) {
        reasons.push(String((error && error.message) || error));
        continue;
      }
      this.opened(transport);
      const reason = await closed;
      this.current = null;
      return this.wait(reason);
    }
    return this.wait(reasons.join("; "));
  }

  opened(transport) {
    this.current = transport;
    this.delays.reset();
    this.on_state({ phase: "open", transport: transport.name });
    this.on_open(transport);
  }

  wait(reason) {
    const delay = this.delays.next_delay();
    this.on_state({ phase: "waiting", reason, retry_at: Date.now() + delay,
                    attempt: this.delays.attempt });
    setTimeout(() => this.cycle(), delay);
  }
}
