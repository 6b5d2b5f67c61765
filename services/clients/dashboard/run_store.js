// What the page knows of each run, from section 2 event envelopes and from GET /runs or
// GET /stats snapshots. No DOM here: the views read it once per animation frame.
//
// progress: the `progress` field of the latest event that had one (docs/protocol.md
// section 3), read as a fraction 0..1 from
//   - a number: above 1 it is a percentage (0..100), else already a fraction;
//   - an object with numeric `done` and `total` (also `current`/`total`);
//   - a string such as "42%" or "0.42".
// Anything else leaves the bar as it was. The simulator sends per-step numbers 0..100
// on `step_progress`, and `index`/`of` on step events, shown beside the bar.
const kept_events = 1000; // per run, for its view; the DOM shows fewer
const kept_ids = 5000; // per run, for dedup: the relay's default history

const final_status = { workflow_completed: "completed", workflow_failed: "failed" };

export function progress_fraction(value) {
  let number = null;
  if (typeof value === "number") number = value;
  else if (typeof value === "string" && value.trim() !== "") {
    const text = value.trim();
    number = text.endsWith("%") ? Number(text.slice(0, -1)) : Number(text);
    if (text.endsWith("%")) return Number.isFinite(number) ? clamp(number / 100) : null;
  } else if (value && typeof value === "object") {
    const done = typeof value.done === "number" ? value.done : value.current;
    if (typeof done === "number" && typeof value.total === "number" && value.total > 0) {
      return clamp(done / value.total);
    }
    return null;
  }
  if (number === null || !Number.isFinite(number)) return null;
  return clamp(number > 1 ? number / 100 : number);
}

function clamp(x) {
  return Math.min(1, Math.max(0, x));
}

class run_state {
  constructor(run_id) {
    this.run_id = run_id;
    this.status = "active";
    this.events = [];
    this.ids = new Set();
    this.id_order = [];
    this.counts = new Map();
    this.artifacts = [];
    this.progress = null;
    this.step = null;
    this.last_event_id = null;
    this.last_event_at = null;
    this.first_seen = Date.now();
    this.last_activity = 0;
    this.reorders = 0;
    this.seen = 0;
    this.base = 0;
    this.snapshot_count = 0;
    this.subscribers = null;
    this.gap = false;
  }

  get event_count() {
    return Math.max(this.seen + this.base, this.snapshot_count);
  }

  remember(id) {
    this.ids.add(id);
    this.id_order.push(id);
    if (this.id_order.length > kept_ids) this.ids.delete(this.id_order.shift());
  }

  // False for an event already shown (dedup by event_id). `epoch` counts the page's
  // connections: seq is comparable only within one relay process.
  add(envelope, epoch) {
    if (this.ids.has(envelope.event_id)) return false;
    this.remember(envelope.event_id);
    if (this.seen === 0) this.base_epoch = epoch;
    // Events before the first one the page got count too (the relay's seq says how
    // many), until a replay brings them.
    if (typeof envelope.seq === "number" && epoch === this.base_epoch &&
        (this.seen === 0 || envelope.seq - 1 < this.base)) this.base = envelope.seq - 1;
    this.seen += 1;
    const data = envelope.data && typeof envelope.data === "object" ? envelope.data : {};
    const type = typeof data.type === "string" ? data.type : "?";
    this.counts.set(type, (this.counts.get(type) || 0) + 1);
    if (data.artifact !== undefined && data.artifact !== null) this.artifacts.push(data.artifact);
    this.last_activity = Date.now();
    const entry = { event_id: envelope.event_id, seq: envelope.seq, epoch, type, data,
                    received_at: this.last_activity };
    if (this.insert(entry)) this.take_latest(entry);
    else this.take_status(type);
    return true;
  }

  // Status follows event types (docs/protocol.md section 3), whatever order a replay
  // brings them in: started only moves `active` on, and a final type always wins.
  take_status(type) {
    if (type === "workflow_started" && this.status === "active") this.status = "running";
    if (final_status[type]) this.status = final_status[type];
  }

  // What the newest event says of the run.
  take_latest(entry) {
    const data = entry.data;
    this.take_status(entry.type);
    if ("progress" in data) {
      const fraction = progress_fraction(data.progress);
      if (fraction !== null) this.progress = fraction;
    }
    if (typeof data.index === "number" && typeof data.of === "number") {
      this.step = { name: data.step, index: data.index, of: data.of };
    }
    this.last_event_id = entry.event_id;
    this.last_event_at = typeof data.ts === "string" ? data.ts : new Date().toISOString();
  }

  // In seq order: a replay asked for after live events (the view of a run the page
  // joined late) brings older events after newer ones.
  // True when it is the newest.
  insert(entry) {
    const before = (other) => other.epoch === entry.epoch && typeof entry.seq === "number" &&
                              other.seq > entry.seq;
    let at = this.events.length;
    while (at > 0 && before(this.events[at - 1])) at--;
    const newest = at === this.events.length;
    if (newest) this.events.push(entry);
    else {
      this.events.splice(at, 0, entry);
      this.reorders += 1;
    }
    if (this.events.length > kept_events) this.events.shift();
    return newest;
  }

  apply_snapshot(entry) {
    // The relay saw the run from its start; the page may have joined late.
    const late = this.seen === 0 || this.base > 0;
    if (typeof entry.status === "string" && entry.status && late &&
        this.status !== "completed" && this.status !== "failed") this.status = entry.status;
    if (typeof entry.event_count === "number") this.snapshot_count = entry.event_count;
    if (typeof entry.subscribers === "number") this.subscribers = entry.subscribers;
    if (typeof entry.last_event_at === "string" && this.seen === 0) this.last_event_at = entry.last_event_at;
  }
}

export class run_store {
  constructor() {
    this.runs = new Map();
    this.dirty = new Set();
    this.listeners = [];
    this.epoch = 0;
  }

  // A new connection: its seq numbers may start again (another relay process).
  new_epoch() {
    this.epoch += 1;
  }

  get(run_id) {
    return this.runs.get(run_id);
  }

  ensure(run_id) {
    let run = this.runs.get(run_id);
    if (!run) {
      run = new run_state(run_id);
      this.runs.set(run_id, run);
      this.listeners.forEach((listener) => listener(run));
    }
    return run;
  }

  on_new_run(listener) {
    this.listeners.push(listener);
  }

  // An event envelope: true when it was new.
  add_event(envelope) {
    if (typeof envelope.run_id !== "string" || typeof envelope.event_id !== "string") return false;
    const added = this.ensure(envelope.run_id).add(envelope, this.epoch);
    if (added) this.dirty.add(envelope.run_id);
    return added;
  }

  mark_gap(run_id) {
    this.ensure(run_id).gap = true;
    this.dirty.add(run_id);
  }

  // Entries of GET /runs or of /stats' `runs` list.
  apply_snapshot(entries) {
    for (const entry of entries) {
      if (!entry || typeof entry.run_id !== "string" || !entry.run_id) continue;
      this.ensure(entry.run_id).apply_snapshot(entry);
      this.dirty.add(entry.run_id);
    }
  }

  take_dirty() {
    const dirty = this.dirty;
    this.dirty = new Set();
    return dirty;
  }
}
