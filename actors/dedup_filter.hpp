#pragma once
// dedup_filter: the gate between the upstream session and the runs. It drops an event
// whose id was accepted within the dedup window, numbers the rest in arrival order, and
// routes each to its run's run_subscriber, spawning runs as they appear and evicting
// them as retention and max_runs say. Subscriptions pass through it so it knows which
// runs have subscribers; "*" subscribers are kept here and ride along with each event.
//
// Interface:
//   protocol::upstream_event                    from the upstream session
//   subscribe_cmd / unsubscribe_cmd              from client sessions
//   (client_gone_atom, client_id_t)              a client disconnected
//   run_outcome                                  a run's verdict on an event: released in
//                                                arrival order to "*" and resume_after
//   (resume_point_atom) -> (std::string, bool)   the last accepted id, and whether any
//   (sweep_atom)                                 its eviction tick
//   (stats_atom) -> actor_stats_list             its own entry and every run's
//   (shutdown_atom)
#include "actors/dedup_window.hpp"
#include "actors/messages.hpp"
#include "actors/run_directory.hpp"
#include "actors/run_subscriber.hpp"
#include "actors/star_sequencer.hpp"
#include "actors/status_board.hpp"

#include <caf/stateful_actor.hpp>

#include <optional>
#include <string>

namespace runrelay::actors {

struct dedup_settings {
  std::chrono::milliseconds window{5000};
  std::chrono::milliseconds run_retention{3600000};
  std::size_t max_runs = 10000;
  run_settings runs;
};

struct dedup_filter_state {
  static inline const char* name = "dedup_filter";
  std::unique_ptr<dedup_window> window;
  std::unique_ptr<run_directory> directory;
  star_sequencer sequencer;
  uint64_t arrivals = 0;
  std::optional<std::string> last_accepted_id; // resume_after for the next hello
  uint64_t duplicates = 0;
  uint64_t runs_created = 0;
  uint64_t runs_evicted = 0;
  bool stopping = false;
};

using dedup_filter_actor = caf::stateful_actor<dedup_filter_state>;

caf::behavior dedup_filter(dedup_filter_actor* self, dedup_settings settings,
                           fanout_port_ptr fanout, std::shared_ptr<status_board> board);

} // namespace runrelay::actors
