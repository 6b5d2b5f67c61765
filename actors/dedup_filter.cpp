#include "actors/dedup_filter.hpp"

#include "protocol/client_codec.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace runrelay::actors {

namespace {

using clock = std::chrono::steady_clock;

// Often enough that an idle run goes within a few percent of its retention.
std::chrono::milliseconds sweep_interval(const dedup_settings& settings) {
  auto interval = settings.run_retention / 20;
  return std::clamp(interval, std::chrono::milliseconds(50),
                    std::chrono::milliseconds(60000));
}

run_directory::run_entry& run_for(dedup_filter_actor* self, const std::string& run_id,
                                  const dedup_settings& settings,
                                  const fanout_port_ptr& fanout,
                                  const std::shared_ptr<status_board>& board) {
  auto& st = self->state;
  if (auto* entry = st.directory->find(run_id))
    return *entry;
  ++st.runs_created;
  auto actor = self->spawn(run_subscriber, run_id, settings.runs,
                           caf::actor_cast<caf::actor>(self), fanout, board);
  auto& entry = st.directory->add(run_id, std::move(actor), clock::now());
  board->counters.runs = st.directory->size();
  return entry;
}

void evict(dedup_filter_actor* self, status_board& board) {
  auto& st = self->state;
  for (auto& run_id : st.directory->evictable(clock::now())) {
    if (auto actor = st.directory->remove(run_id)) {
      ++st.runs_evicted;
      self->send(actor, shutdown_atom::value);
    }
  }
  board.counters.runs = st.directory->size();
}

void answer_directly(const client_sink_ptr& sink, std::string text) {
  sink->send_frame(protocol::make_frame(std::move(text)));
}

} // namespace

caf::behavior dedup_filter(dedup_filter_actor* self, dedup_settings settings,
                           fanout_port_ptr fanout, std::shared_ptr<status_board> board) {
  auto& st = self->state;
  st.window = std::make_unique<dedup_window>(settings.window);
  st.directory =
      std::make_unique<run_directory>(settings.run_retention, settings.max_runs);
  self->delayed_send(self, sweep_interval(settings), sweep_atom::value);
  return {
      [=](protocol::upstream_event& event) {
        auto& st = self->state;
        auto now = clock::now();
        if (!st.window->admit(event.event_id, now)) {
          ++st.duplicates;
          ++board->counters.events_duplicate;
          return;
        }
        auto& entry = run_for(self, event.run_id, settings, fanout, board);
        bool new_run = !entry.has_events && entry.subscribers.empty();
        st.directory->touch(entry, now);
        self->send(entry.actor, run_event{std::move(event), ++st.arrivals,
                                          st.directory->star_subscribers()});
        if (new_run && st.directory->size() > settings.max_runs)
          evict(self, *board);
      },
      [=](const subscribe_cmd& cmd) {
        auto& st = self->state;
        if (cmd.run_id == protocol::all_runs) {
          st.directory->add_star(cmd.client, cmd.sink);
          answer_directly(cmd.sink, protocol::encode_subscribed(cmd.run_id, 0, false,
                                                                cmd.request_id));
          return;
        }
        auto& entry = run_for(self, cmd.run_id, settings, fanout, board);
        st.directory->add_subscriber(cmd.run_id, cmd.client);
        self->send(entry.actor, cmd);
      },
      [=](const unsubscribe_cmd& cmd) {
        auto& st = self->state;
        if (cmd.run_id == protocol::all_runs) {
          st.directory->remove_star(cmd.client);
        } else if (auto* entry = st.directory->find(cmd.run_id)) {
          st.directory->remove_subscriber(cmd.run_id, cmd.client);
          self->send(entry->actor, cmd);
          return;
        }
        answer_directly(cmd.sink,
                        protocol::encode_unsubscribed(cmd.run_id, cmd.request_id));
      },
      [=](client_gone_atom, client_id_t client) {
        auto& st = self->state;
        st.directory->remove_star(client);
        for (auto& run_id : st.directory->take_runs_of(client))
          if (auto* entry = st.directory->find(run_id))
            self->send(entry->actor, client_gone_atom::value, client);
      },
      [=](run_outcome& outcome) {
        auto& st = self->state;
        for (auto& ready : st.sequencer.take(std::move(outcome))) {
          if (!ready.accepted)
            continue;
          st.last_accepted_id = std::move(ready.event_id);
          if (ready.star_targets && !ready.star_targets->empty()) {
            board->counters.events_delivered += ready.star_targets->size();
            fanout->publish(std::move(ready.star_targets), std::move(ready.envelope));
          }
        }
      },
      [=](resume_point_atom) {
        const auto& last = self->state.last_accepted_id;
        return caf::make_message(last.value_or(std::string{}), last.has_value());
      },
      [=](sweep_atom) {
        if (self->state.stopping)
          return;
        self->state.window->expire(clock::now());
        evict(self, *board);
        self->delayed_send(self, sweep_interval(settings), sweep_atom::value);
      },
      [=](stats_atom) -> caf::result<actor_stats_list> {
        auto& st = self->state;
        actor_stats own{"dedup_filter", "dedup_filter", self->mailbox().size(), {}, {}};
        own.counters["window_entries"] = static_cast<int64_t>(st.window->size());
        own.counters["window_evicted_early"] =
            static_cast<int64_t>(st.window->evicted_early());
        own.counters["duplicates"] = static_cast<int64_t>(st.duplicates);
        own.counters["forwarded"] = static_cast<int64_t>(st.arrivals);
        own.counters["runs"] = static_cast<int64_t>(st.directory->size());
        own.counters["runs_created"] = static_cast<int64_t>(st.runs_created);
        own.counters["runs_evicted"] = static_cast<int64_t>(st.runs_evicted);
        own.counters["star_subscribers"] =
            static_cast<int64_t>(st.directory->star_subscribers()->size());
        own.labels["last_accepted_id"] = st.last_accepted_id.value_or("");
        own.counters["star_skipped"] = static_cast<int64_t>(st.sequencer.skipped());
        own.counters["star_waiting"] = static_cast<int64_t>(st.sequencer.waiting());
        if (st.directory->size() == 0)
          return actor_stats_list{own};
        // Once a promise exists it owns the reply: create it only when runs will answer.
        auto promise = self->make_response_promise<actor_stats_list>();
        auto collected = std::make_shared<actor_stats_list>(actor_stats_list{own});
        auto pending = std::make_shared<std::size_t>(st.directory->size());
        auto one_done = [=]() mutable {
          if (--*pending == 0)
            promise.deliver(std::move(*collected));
        };
        for (auto& [run_id, entry] : st.directory->runs())
          self->request(entry.actor, std::chrono::seconds(1), stats_atom::value)
              .then(
                  [=](const actor_stats& run) mutable {
                    collected->push_back(run);
                    one_done();
                  },
                  [=](const caf::error&) mutable { one_done(); });
        return promise;
      },
      [=](shutdown_atom) {
        auto& st = self->state;
        st.stopping = true;
        for (auto& [run_id, entry] : st.directory->runs())
          self->send(entry.actor, shutdown_atom::value);
        self->quit();
      },
  };
}

} // namespace runrelay::actors
