#include "actors/runs/run_subscriber.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace runrelay::actors {

namespace {

// Runs report deliveries to the relay-wide total after each message that made some.
void report(run_subscriber_pointer self, status_board& board) {
  auto& st = self->state;
  auto delivered = st.book->delivered() + st.polls->delivered();
  board.counters.events_delivered += delivered - st.reported;
  st.reported = delivered;
  auto held = st.polls->size();
  if (held >= st.polls_reported)
    board.counters.polls_held += held - st.polls_reported;
  else
    board.counters.polls_held -= st.polls_reported - held;
  st.polls_reported = held;
  board.counters.polls_total += st.polls->answered() - st.answers_reported;
  st.answers_reported = st.polls->answered();
}

void look_again(run_subscriber_pointer self, uint64_t id,
                held_polls::clock::time_point at) {
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(
      at - held_polls::clock::now());
  self->delayed_send(
      self, std::max(delay, std::chrono::milliseconds(0)) + std::chrono::milliseconds(1),
      poll_tick_atom::value, id);
}

void on_poll(run_subscriber_pointer self, poll_cmd& cmd) {
  auto held = self->state.polls->take(*self->state.book, {cmd.after, cmd.limit}, cmd.wait,
                                      std::move(cmd.reply), held_polls::clock::now());
  if (held)
    look_again(self, held->id, held->at);
}

void on_poll_tick(run_subscriber_pointer self, uint64_t id) {
  if (auto at = self->state.polls->tick(*self->state.book, id, held_polls::clock::now()))
    look_again(self, id, *at);
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

// Held long-polls are clients too (/stats lists them beside WebSocket and SSE ones).
void add_poll_clients(run_subscriber_pointer self, const std::string& run_id,
                      actor_stats_list& list) {
  for (auto& [id, waited] : self->state.polls->waiting(held_polls::clock::now())) {
    actor_stats poll{"long_poll", "poll:" + run_id + ":" + std::to_string(id), 0, {}, {}};
    poll.labels["client_id"] = "poll-" + run_id + "-" + std::to_string(id);
    poll.labels["transport"] = "long_poll";
    poll.labels["run_id"] = run_id;
    poll.counters["waited_ms"] = static_cast<int64_t>(waited.count());
    list.push_back(std::move(poll));
  }
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
  stats.counters["polls_held"] = static_cast<int64_t>(self->state.polls->size());
  stats.counters["polls_answered"] = static_cast<int64_t>(self->state.polls->answered());
  actor_stats_list list{stats};
  add_poll_clients(self, run_id, list);
  return list;
}

} // namespace

run_subscriber_actor::behavior_type
run_subscriber(run_subscriber_pointer self, std::string run_id, run_settings settings,
               run_start from, run_outcome_sink dedup, fanout_port_ptr fanout,
               std::shared_ptr<status_board> board, run_card_ptr card) {
  self->state.book = std::make_unique<run_book>(run_id, settings, fanout,
                                                drain_requester(self), from, card);
  self->state.polls = std::make_unique<held_polls>(settings.resume_wait);
  return {
      [=](const run_event& event) {
        auto result = self->state.book->publish(event.event, event.star);
        if (result.accepted) {
          ++board->counters.events_accepted;
          if (self->state.polls->size() > 0)
            self->state.polls->event_arrived(*self->state.book, held_polls::clock::now());
        } else
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
      [=](poll_cmd& cmd) {
        on_poll(self, cmd);
        report(self, *board);
      },
      [=](poll_tick_atom, uint64_t id) {
        on_poll_tick(self, id);
        report(self, *board);
      },
      [=](stats_atom) { return stats_of(self, run_id); },
      [=](shutdown_atom) {
        self->state.polls->answer_all(*self->state.book);
        report(self, *board);
        self->quit();
      },
  };
}

} // namespace runrelay::actors
