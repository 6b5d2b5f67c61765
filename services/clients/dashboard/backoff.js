// Reconnect delays: exponential from `base_ms` up to `max_ms`, each multiplied by a
// random factor in [1 - jitter, 1 + jitter] so that many pages that lost the same relay
// do not all come back in the same millisecond.
export class backoff {
  constructor({ base_ms = 500, max_ms = 15000, jitter = 0.2 } = {}) {
    this.base_ms = base_ms;
    this.max_ms = max_ms;
    this.jitter = jitter;
    this.attempt = 0;
  }

  next_delay() {
    this.attempt += 1;
    const raw = Math.min(this.base_ms * 2 ** (this.attempt - 1), this.max_ms);
    const factor = 1 - this.jitter + Math.random() * 2 * this.jitter;
    return Math.round(raw * factor);
  }

  reset() {
    this.attempt = 0;
  }
}
