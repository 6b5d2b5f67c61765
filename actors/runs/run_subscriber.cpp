#include "actors/runs/run_subscriber.hpp"

#include <caf/all.hpp>

namespace runrelay::actors {

namespace {

// Runs report deliveries to the relay-wide total after each message that made some.
void report(run_subscriber_pointer self, status_board& board) {
  auto delivered = self->state.book->delivered();
  board.counters.events_delivered += delivered - self->state.reported;
  self->state.reported = delivered;
}

// The replay goes on when the client's socket has drained what it was given.
run_book::drain_request drain_requester(run_subscriber_pointer self) {
  auto address = self->address();
  return [address](client_id_t client, const client_sink_ptr& sink) {
    sink->notify_when_drained([address, client] {
      if (auto target = caf::actor_cast<run_subscriber_actor>(address))
        caf::anon_send(target, replay_more_atom::value, client);
    });
  };
}

void on_subscribe(run_subscriber_pointer self, const subscribe_cmd& cmd,
                  const run_settings& settings) {
  auto& st = self->state;
  bool may_wait = settings.resume_wait.count() > 0;
  if (!st.book->subscribe(cmd, may_wait)) {
    auto generation = ++st.wait_generation;
    st.wait_generations[cmd.client] = generation;
    self->delayed_send(self, settings.resume_wait, resume_wait_atom::value, cmd.client,
                       generation);
  }
}

void on_resume_wait(run_subscriber_pointer self, client_id_t client,
                    uint64_t generation) {
  auto& st = self->state;
  auto it = st.wait_generations.find(client);
  if (it == st.wait_generations.end() || it->second != generation)
    return;
  st.wait_generations.erase(it);
  st.book->resume_timed_out(client);
}

actor_stats_list stats_of(run_subscriber_pointer self, const std::string& run_id) {
  auto& book = *self->state.book;
  actor_stats stats{"run_subscriber", "run:" + run_id, self->mailbox().size(), {}, {}};
  stats.labels["run_id"] = run_id;
  stats.labels["status"] = book.summary().status;
  stats.labels["last_event_id"] = book.summary().last_event_id;
  stats.counters["event_count"] = static_cast<int64_t>(book.history().last_seq());
  stats.counters["retained"] = static_cast<int64_t>(book.history().size());
  stats.counters["subscribers"] = static_cast<int64_t>(book.subscribers());
  stats.counters["catching_up"] = static_cast<int64_t>(book.catching_up());
  stats.counters["waiting_for_since"] = static_cast<int64_t>(book.waiting());
  stats.counters["delivered"] = static_cast<int64_t>(book.delivered());
  stats.counters["duplicates"] = static_cast<int64_t>(book.duplicates());
  return {stats};
}

} // namespace

run_subscriber_actor::behavior_type
run_subscriber(run_subscriber_pointer self, std::string run_id, run_settings settings,
               run_start from, run_outcome_sink dedup, fanout_port_ptr fanout,
               std::shared_ptr<status_board> board) {
  self->state.book =
      std::make_unique<run_book>(run_id, settings, fanout, drain_requester(self), from);
  return {
      [=](const run_event& event) {
        auto result = self->state.book->publish(event.event, event.star);
        if (result.accepted)
          ++board->counters.events_accepted;
        else
          ++board->counters.events_duplicate;
        self->send(dedup, run_outcome{run_id, event.arrival, result.accepted,
                                      event.event.event_id, std::move(result.envelope),
                                      std::move(result.star_targets)});
        report(self, *board);
      },
      [=](const subscribe_cmd& cmd) {
        on_subscribe(self, cmd, settings);
        report(self, *board);
      },
      [=](resume_wait_atom, client_id_t client, uint64_t generation) {
        on_resume_wait(self, client, generation);
        report(self, *board);
      },
      [=](const unsubscribe_cmd& cmd) { self->state.book->unsubscribe(cmd); },
      [=](client_gone_atom, client_id_t client) {
        self->state.book->drop_client(client);
      },
      [=](replay_more_atom, client_id_t client) {
        self->state.book->replay_more(client);
        report(self, *board);
      },
      [=](stats_atom) { return stats_of(self, run_id); },
      [=](shutdown_atom) { self->quit(); },
  };
}

} // namespace runrelay::actors
