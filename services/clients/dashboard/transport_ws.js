// The WebSocket transport: GET /ws, docs/protocol.md section 2.
//
// Every transport has the same shape (see connector.js):
//   name          what the page shows as "relay: <name>"
//   follows_all   true when following every run at once is cheap
//   open({message, closed}) resolves when the relay answered, rejects when it cannot
//   follow(run_id, since)   since: undefined (whole history), "live", or an event_id
//   unfollow(run_id), close()
// It hands the page section 2 messages: welcome, subscribed, event, upstream, error.
import { ws_url } from "./auth.js";

const open_timeout_ms = 5000;
// Under the relay's default of 100 messages per second, with room for the page's pings.
const send_interval_ms = 20;
// The relay pings us; this ping detects a relay that vanished without a close.
const ping_interval_ms = 15000;
const pong_deadline_ms = 10000;

export class ws_transport {
  constructor() {
    this.name = "WebSocket";
    this.follows_all = true;
    this.socket = null;
    this.outbox = [];
    this.timers = [];
    this.handlers = null;
    this.ended = false;
    this.awaiting_pong = false;
  }

  open(handlers) {
    this.handlers = handlers;
    return new Promise((resolve, reject) => {
      let welcomed = false;
      let socket;
      try {
        socket = new WebSocket(ws_url("/ws"));
      } catch (error) {
        reject(new Error("WebSocket unavailable: " + error.message));
        return;
      }
      this.socket = socket;
      const give_up = setTimeout(() => socket.close(), open_timeout_ms);
      socket.onmessage = (frame) => {
        let message;
        try {
          message = JSON.parse(frame.data);
        } catch (_) {
          return;
        }
        if (!welcomed && message.type === "welcome") {
          welcomed = true;
          clearTimeout(give_up);
          this.start_timers();
          this.enqueue({ type: "subscribe", run_id: "*", id: "s:*" });
          resolve();
        }
        this.on_message(message);
      };
      socket.onclose = (event) => {
        clearTimeout(give_up);
        const reason = "closed (" + event.code + (event.reason ? " " + event.reason : "") + ")";
        if (!welcomed) return reject(new Error("WebSocket " + reason));
        this.end("WebSocket " + reason);
      };
    });
  }

  on_message(message) {
    if (message.type === "pong") {
      this.awaiting_pong = false;
      return;
    }
    if (message.type === "error" && message.code === "rate_limited" &&
        typeof message.id === "string" && message.id.startsWith("s:")) {
      // Not processed by the relay: send it again a little later.
      const retry = this.sent_subscribes.get(message.id);
      if (retry) setTimeout(() => this.enqueue(retry), 1000);
      return;
    }
    this.handlers.message(message);
  }

  start_timers() {
    this.sent_subscribes = new Map();
    this.timers.push(setInterval(() => this.flush_one(), send_interval_ms));
    this.timers.push(setInterval(() => {
      if (this.awaiting_pong) return this.socket.close(4000, "no pong");
      this.awaiting_pong = true;
      this.send_now({ type: "ping", timestamp: Date.now() });
      setTimeout(() => {
        if (this.awaiting_pong && !this.ended) this.socket.close(4000, "no pong");
      }, pong_deadline_ms);
    }, ping_interval_ms));
  }

  follow(run_id, since) {
    const message = { type: "subscribe", run_id, id: "s:" + run_id };
    if (since !== undefined) message.since = since;
    this.enqueue(message);
  }

  unfollow(run_id) {
    this.outbox = this.outbox.filter((m) => m.run_id !== run_id);
    this.enqueue({ type: "unsubscribe", run_id, id: "u:" + run_id });
  }

  enqueue(message) {
    if (message.type === "subscribe") {
      // A newer subscribe for the same run replaces one still waiting.
      this.outbox = this.outbox.filter((m) => m.run_id !== message.run_id);
    }
    this.outbox.push(message);
  }

  flush_one() {
    const message = this.outbox.shift();
    if (!message) return;
    if (message.type === "subscribe") this.sent_subscribes.set(message.id, message);
    this.send_now(message);
  }

  send_now(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  end(reason) {
    if (this.ended) return;
    this.ended = true;
    this.timers.forEach(clearInterval);
    this.timers = [];
    if (this.handlers) this.handlers.closed(reason);
  }

  close() {
    this.ended = true;
    this.timers.forEach(clearInterval);
    if (this.socket) this.socket.close(1000, "page closed the transport");
  }
}
