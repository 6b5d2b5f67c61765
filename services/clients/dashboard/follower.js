// Which runs the transport follows, and from where. On WebSocket: `*` (the transport
// subscribes it) to discover runs, and each unfinished run with `since` = the last
// event_id the page has of it, so that after a reconnect each resumes exactly where it
// stopped (docs/protocol.md section 2). The relay allows 100 subscriptions per
// connection by default, `*` included, so at most `ws_budget` runs are followed, the
// least recently active dropped first; a finished run needs no resume and is let go.
// On SSE and long-poll only the open run is followed (one HTTP connection each).
const ws_budget = 90;

function finished(run) {
  return run.status === "completed" || run.status === "failed";
}

export class follower {
  constructor(store) {
    this.store = store;
    this.transport = null;
    this.followed = new Set();
    this.open_run = null;
    this.budget = ws_budget;
    this.full_history = new Set();
  }

  attach(transport) {
    this.transport = transport;
    this.followed.clear();
    if (!transport) return;
    if (transport.follows_all) {
      const runs = [...this.store.runs.values()]
        .filter((run) => !finished(run) || run.run_id === this.open_run)
        .sort((a, b) => b.last_activity - a.last_activity)
        .slice(0, this.budget);
      for (const run of runs) this.follow_run(run.run_id, this.since_for(run.run_id));
    }
    if (this.open_run && !this.followed.has(this.open_run)) {
      this.follow_run(this.open_run, this.since_for(this.open_run));
    }
  }

  since_for(run_id) {
    const run = this.store.get(run_id);
    if (run && run.last_event_id) return run.last_event_id;
    return this.full_history.has(run_id) ? undefined : "live";
  }

  follow_run(run_id, since) {
    this.transport.follow(run_id, since);
    this.followed.add(run_id);
  }

  drop(run_id) {
    this.transport.unfollow(run_id);
    this.followed.delete(run_id);
  }

  saw_event(run) {
    const transport = this.transport;
    if (!transport || !transport.follows_all) return;
    const followed = this.followed.has(run.run_id);
    if (finished(run)) {
      if (followed && run.run_id !== this.open_run) this.drop(run.run_id);
      return;
    }
    if (followed) return;
    if (this.followed.size >= this.budget) this.drop_least_active();
    // Joined late (its first seq was not 1): ask once for what came before.
    if (run.base > 0) this.full_history.add(run.run_id);
    this.follow_run(run.run_id, run.base > 0 ? undefined : run.last_event_id);
  }

  // A run the page learnt of from a listing, not from an event: an unfinished one is
  // followed from the start of its retained history, so that its status, progress and
  // artifacts are whole (runs that finished before the page opened are not replayed).
  saw_listed(run) {
    const transport = this.transport;
    if (!transport || !transport.follows_all || run.seen > 0 || finished(run)) return;
    if (this.followed.has(run.run_id) || this.followed.size >= this.budget) return;
    this.full_history.add(run.run_id);
    this.follow_run(run.run_id, undefined);
  }

  drop_least_active() {
    let oldest = null;
    for (const run_id of this.followed) {
      const run = this.store.get(run_id);
      if (run_id === this.open_run || !run) continue;
      if (!oldest || run.last_activity < oldest.last_activity) oldest = run;
    }
    if (oldest) this.drop(oldest.run_id);
  }

  // The run whose view is open, or null. Its view wants its whole retained history:
  // when the page joined it late, it is asked for again from the start (the store
  // drops what it already has).
  open(run_id) {
    const previous = this.open_run;
    this.open_run = run_id;
    let since;
    if (run_id) {
      const run = this.store.get(run_id);
      const partial = !run || run.seen === 0 || run.base > 0;
      if (partial) this.full_history.add(run_id);
      since = partial ? undefined : run.last_event_id;
    }
    if (!this.transport) return;
    if (run_id && run_id !== previous) this.follow_run(run_id, since);
    if (previous && previous !== run_id && !this.transport.follows_all) this.drop(previous);
  }

  on_error(message) {
    if (message.code !== "too_many_subscriptions") return;
    // This relay allows fewer than we assumed: stay under what it took.
    this.budget = Math.max(1, this.followed.size - 1);
    if (typeof message.id === "string" && message.id.startsWith("s:")) {
      this.followed.delete(message.id.slice(2));
    }
  }
}
