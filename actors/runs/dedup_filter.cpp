#include "actors/runs/dedup_filter.hpp"

#include "actors/stats_gather.hpp"
#include "protocol/client_codec.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace runrelay::actors {

namespace {

using clock = std::chrono::steady_clock;

// What every handler needs besides the state; built once, shared by the handlers.
struct dedup_context {
  dedup_settings settings;
  fanout_port_ptr fanout;
  std::shared_ptr<status_board> board;
  std::shared_ptr<run_index> index;
};
using context_ptr = std::shared_ptr<const dedup_context>;

// Often enough that an idle run goes within a few percent of its retention.
std::chrono::milliseconds sweep_interval(const dedup_settings& settings) {
  auto interval = settings.run_retention / 20;
  return std::clamp(interval, std::chrono::milliseconds(50),
                    std::chrono::milliseconds(60000));
}

// Spawns a run_subscriber and monitors it: its exit reaches on_run_down.
// The run API finds the run (its card and actor) in the index from then on.
run_subscriber_actor spawn_run(dedup_filter_pointer self, const std::string& run_id,
                               run_start from, const run_card_ptr& card,
                               const dedup_context& ctx) {
  auto actor = self->spawn(run_subscriber, run_id, ctx.settings.runs, from,
                           run_outcome_sink{self}, ctx.fanout, ctx.board, card);
  self->monitor(actor);
  self->state.run_of_actor.emplace(actor.address(), run_id);
  ctx.index->put(run_id, {card, actor});
  return actor;
}

run_directory::run_entry& run_for(dedup_filter_pointer self, const std::string& run_id,
                                  const dedup_context& ctx) {
  auto& st = self->state;
  if (auto* entry = st.directory->find(run_id))
    return *entry;
  ++st.runs_created;
  auto card = std::make_shared<run_card>(run_id);
  auto actor = spawn_run(self, run_id, {}, card, ctx);
  auto& entry = st.directory->add(run_id, std::move(actor), clock::now());
  entry.card = std::move(card);
  ctx.board->counters.runs = st.directory->size();
  return entry;
}

void evict(dedup_filter_pointer self, const dedup_context& ctx) {
  auto& st = self->state;
  for (auto& run_id : st.directory->evictable(clock::now())) {
    if (auto actor = st.directory->remove(run_id)) {
      ++st.runs_evicted;
      ctx.index->remove(run_id);
      self->send(actor, shutdown_atom::value);
    }
  }
  ctx.board->counters.runs = st.directory->size();
}

void answer_directly(const client_sink_ptr& sink, std::string text) {
  sink->send_frame(protocol::make_frame(std::move(text)));
}

void on_event(dedup_filter_pointer self, protocol::upstream_event& event,
              const dedup_context& ctx) {
  auto& st = self->state;
  auto now = clock::now();
  if (!st.window->admit(event.event_id, now)) {
    ++st.duplicates;
    ++ctx.board->counters.events_duplicate;
    return;
  }
  auto& entry = run_for(self, event.run_id, ctx);
  bool new_run = !entry.has_events && entry.subscribers.empty();
  st.directory->touch(entry, now);
  auto arrival = ++st.arrivals;
  entry.in_flight.push_back(arrival);
  self->send(entry.actor,
             run_event{std::move(event), arrival, st.directory->star_subscribers()});
  if (new_run && st.directory->size() > ctx.settings.max_runs)
    evict(self, ctx);
}

void on_subscribe(dedup_filter_pointer self, const subscribe_cmd& cmd,
                  const dedup_context& ctx) {
  auto& st = self->state;
  if (cmd.run_id == protocol::all_runs) {
    st.directory->add_star(cmd.client, cmd.sink);
    answer_directly(cmd.sink,
                    protocol::encode_subscribed(cmd.run_id, 0, false, cmd.request_id));
    return;
  }
  auto& entry = run_for(self, cmd.run_id, ctx);
  st.directory->add_subscriber(cmd.run_id, cmd.client, cmd.sink);
  self->send(entry.actor, cmd);
}

void on_unsubscribe(dedup_filter_pointer self, const unsubscribe_cmd& cmd) {
  auto& st = self->state;
  if (cmd.run_id == protocol::all_runs) {
    st.directory->remove_star(cmd.client);
  } else if (auto* entry = st.directory->find(cmd.run_id)) {
    st.directory->remove_subscriber(cmd.run_id, cmd.client);
    self->send(entry->actor, cmd);
    return;
  }
  answer_directly(cmd.sink, protocol::encode_unsubscribed(cmd.run_id, cmd.request_id));
}

void on_client_gone(dedup_filter_pointer self, client_id_t client) {
  auto& st = self->state;
  st.directory->remove_star(client);
  for (auto& run_id : st.directory->take_runs_of(client))
    if (auto* entry = st.directory->find(run_id))
      self->send(entry->actor, client_gone_atom::value, client);
}

// Releases outcomes in arrival order: "*" subscribers get events as upstream sent them.
void release(dedup_filter_pointer self, run_outcome outcome, const dedup_context& ctx) {
  auto& st = self->state;
  for (auto& ready : st.sequencer.take(std::move(outcome))) {
    if (!ready.accepted)
      continue;
    st.last_accepted_id = std::move(ready.event_id);
    if (ready.star_targets && !ready.star_targets->empty()) {
      ctx.board->counters.events_delivered += ready.star_targets->size();
      ctx.fanout->publish(std::move(ready.star_targets), std::move(ready.envelope));
    }
  }
}

void on_outcome(dedup_filter_pointer self, run_outcome& outcome,
                const dedup_context& ctx) {
  // Outcomes of a run come back in the order its events went out; an evicted run's
  // late outcomes do not match the entry of a run created again under its id.
  auto* entry = self->state.directory->find(outcome.run_id);
  if (entry && !entry->in_flight.empty() && entry->in_flight.front() == outcome.arrival) {
    entry->in_flight.pop_front();
    entry->accepted += outcome.accepted ? 1 : 0;
  }
  release(self, std::move(outcome), ctx);
}

// A run_subscriber failed: a fresh one continues the run's seq, without history.
void replace_run(dedup_filter_pointer self, const std::string& run_id,
                 run_directory::run_entry& entry, const dedup_context& ctx) {
  auto& st = self->state;
  for (auto arrival : entry.in_flight) {
    ++st.lost_in_flight;
    release(self, run_outcome{run_id, arrival, false, {}, nullptr, nullptr}, ctx);
  }
  entry.in_flight.clear();
  entry.actor =
      spawn_run(self, run_id, run_start{entry.accepted + 1, true}, entry.card, ctx);
  // "whole history" of a run whose history is lost: subscribed with gap:true, then live.
  for (auto& [client, sink] : entry.subscribers)
    if (sink)
      self->send(entry.actor, subscribe_cmd{client, sink, run_id, {}, "null"});
}

void on_run_down(dedup_filter_pointer self, const caf::down_msg& down,
                 const dedup_context& ctx) {
  auto& st = self->state;
  auto it = st.run_of_actor.find(down.source);
  if (it == st.run_of_actor.end())
    return;
  auto run_id = std::move(it->second);
  st.run_of_actor.erase(it);
  auto* entry = st.directory->find(run_id);
  if (st.stopping || !entry || entry->actor.address() != down.source)
    return; // evicted or shut down: its exit was asked for
  ++st.run_failures;
  spdlog::warn("dedup_filter: run_subscriber of run {} exited ({}); replacing it with "
               "seq continuing at {}, history lost",
               run_id, caf::to_string(down.reason), entry->accepted + 1);
  replace_run(self, run_id, *entry, ctx);
}

actor_stats own_stats(dedup_filter_pointer self) {
  auto& st = self->state;
  actor_stats own{"dedup_filter", "dedup_filter", self->mailbox().size(), {}, {}};
  own.counters["window_entries"] = static_cast<int64_t>(st.window->size());
  own.counters["window_evicted_early"] = static_cast<int64_t>(st.window->evicted_early());
  own.counters["duplicates"] = static_cast<int64_t>(st.duplicates);
  own.counters["forwarded"] = static_cast<int64_t>(st.arrivals);
  own.counters["runs"] = static_cast<int64_t>(st.directory->size());
  own.counters["runs_created"] = static_cast<int64_t>(st.runs_created);
  own.counters["runs_evicted"] = static_cast<int64_t>(st.runs_evicted);
  own.counters["run_failures"] = static_cast<int64_t>(st.run_failures);
  own.counters["lost_in_flight"] = static_cast<int64_t>(st.lost_in_flight);
  own.counters["star_subscribers"] =
      static_cast<int64_t>(st.directory->star_subscribers()->size());
  own.labels["last_accepted_id"] = st.last_accepted_id.value_or("");
  own.counters["star_skipped"] = static_cast<int64_t>(st.sequencer.skipped());
  own.counters["star_waiting"] = static_cast<int64_t>(st.sequencer.waiting());
  return own;
}

caf::result<actor_stats_list> stats_of(dedup_filter_pointer self) {
  std::vector<stats_source> runs;
  runs.reserve(self->state.directory->size());
  for (auto& [run_id, entry] : self->state.directory->runs())
    runs.emplace_back(entry.actor);
  return answer_stats(self, runs, own_stats(self));
}

void shut_down(dedup_filter_pointer self) {
  auto& st = self->state;
  st.stopping = true;
  for (auto& [run_id, entry] : st.directory->runs())
    self->send(entry.actor, shutdown_atom::value);
  self->quit();
}

} // namespace

dedup_filter_actor::behavior_type
dedup_filter(dedup_filter_pointer self, dedup_settings settings, fanout_port_ptr fanout,
             std::shared_ptr<status_board> board, std::shared_ptr<run_index> index) {
  auto& st = self->state;
  st.window = std::make_unique<dedup_window>(settings.window);
  st.directory =
      std::make_unique<run_directory>(settings.run_retention, settings.max_runs);
  auto ctx = std::make_shared<const dedup_context>(
      dedup_context{settings, std::move(fanout), std::move(board), std::move(index)});
  self->set_down_handler(
      [self, ctx](const caf::down_msg& down) { on_run_down(self, down, *ctx); });
  self->delayed_send(self, sweep_interval(settings), sweep_atom::value);
  return {
      [=](protocol::upstream_event& event) { on_event(self, event, *ctx); },
      [=](const subscribe_cmd& cmd) { on_subscribe(self, cmd, *ctx); },
      [=](const unsubscribe_cmd& cmd) { on_unsubscribe(self, cmd); },
      [=](client_gone_atom, client_id_t client) { on_client_gone(self, client); },
      [=](run_outcome& outcome) { on_outcome(self, outcome, *ctx); },
      [=](resume_point_atom) {
        const auto& last = self->state.last_accepted_id;
        return std::make_tuple(last.value_or(std::string{}), last.has_value());
      },
      [=](sweep_atom) {
        if (self->state.stopping)
          return;
        self->state.window->expire(clock::now());
        evict(self, *ctx);
        self->delayed_send(self, sweep_interval(ctx->settings), sweep_atom::value);
      },
      [=](stats_atom) { return stats_of(self); },
      [=](shutdown_atom) { shut_down(self); },
  };
}

} // namespace runrelay::actors
