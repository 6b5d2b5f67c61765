#pragma once
// run_subscriber: one per run_id. It numbers the run's events (seq from 1), keeps the
// last history_limit of them, drops an event whose id is still retained, replays history
// to new subscriptions as `since` asks, and fans every event out to live subscribers:
// the envelope is serialized once and the same bytes go to every client. The decisions
// are the run_book's; this actor routes messages to it.
#include "actors/clients/fanout_port.hpp"
#include "actors/messages.hpp"
#include "actors/runs/held_polls.hpp"
#include "actors/runs/run_book.hpp"
#include "actors/status_board.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <memory>
#include <string>
#include <unordered_map>

namespace runrelay::actors {

using run_subscriber_actor = caf::typed_actor<
    // from the dedup filter, in upstream order; answered with a run_outcome
    caf::reacts_to<run_event>,
    // from the dedup filter, for one client
    caf::reacts_to<subscribe_cmd>, caf::reacts_to<unsubscribe_cmd>,
    // the client disconnected
    caf::reacts_to<client_gone_atom, client_id_t>,
    // internal: the client's socket drained, send the next replay chunk
    caf::reacts_to<replay_more_atom, client_id_t>,
    // internal: a `since` id did not arrive in time (client, wait generation)
    caf::reacts_to<resume_wait_atom, client_id_t, uint64_t>,
    // from HTTP: a long-poll of the run's events, answered through its poll_reply
    caf::reacts_to<poll_cmd>,
    // internal: look at held poll `id` again (its wait or resume wait ended)
    caf::reacts_to<poll_tick_atom, uint64_t>,
    caf::replies_to<stats_atom>::with<actor_stats_list>, caf::reacts_to<shutdown_atom>>;

// The part of the dedup filter a run talks to: its verdict on every run_event.
using run_outcome_sink = caf::typed_actor<caf::reacts_to<run_outcome>>;

struct run_subscriber_state {
  static inline const char* name = "run_subscriber";
  std::unique_ptr<run_book> book;
  std::unique_ptr<held_polls> polls;
  uint64_t wait_generation = 0;
  std::unordered_map<client_id_t, uint64_t> wait_generations;
  uint64_t reported = 0;          // deliveries already added to the relay-wide total
  std::size_t polls_reported = 0; // held polls already counted in the relay-wide gauge
  uint64_t answers_reported = 0;  // answered polls already added to the total
};

using run_subscriber_pointer =
    run_subscriber_actor::stateful_pointer<run_subscriber_state>;

run_subscriber_actor::behavior_type
run_subscriber(run_subscriber_pointer self, std::string run_id, run_settings settings,
               run_start from, run_outcome_sink dedup, fanout_port_ptr fanout,
               std::shared_ptr<status_board> board, run_card_ptr card);

} // namespace runrelay::actors
