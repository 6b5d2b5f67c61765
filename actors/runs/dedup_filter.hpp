#pragma once
// dedup_filter: the gate between the upstream session and the runs. It drops an event
// whose id was accepted within the dedup window, numbers the rest in arrival order, and
// routes each to its run's run_subscriber, spawning runs as they appear and evicting
// them as retention and max_runs say. Subscriptions pass through it so it knows which
// runs have subscribers; "*" subscribers are kept here and ride along with each event.
//
// It supervises the runs it spawns: a run_subscriber that exits while its run is still
// retained is replaced by a fresh one that continues the run's seq with an empty
// history; the run's subscribers are subscribed again there (`gap`: true, their history
// is gone) and the arrivals the dead run never answered are released as skipped, so "*"
// ordering never waits for them.
#include "actors/clients/fanout_port.hpp"
#include "actors/messages.hpp"
#include "actors/runs/dedup_window.hpp"
#include "actors/runs/run_directory.hpp"
#include "actors/runs/run_index.hpp"
#include "actors/runs/run_subscriber.hpp"
#include "actors/runs/star_sequencer.hpp"
#include "actors/status_board.hpp"

#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace runrelay::actors {

using dedup_filter_actor = caf::typed_actor<
    // from the upstream session
    caf::reacts_to<protocol::upstream_event>,
    // from client sessions
    caf::reacts_to<subscribe_cmd>, caf::reacts_to<unsubscribe_cmd>,
    caf::reacts_to<client_gone_atom, client_id_t>,
    // a run's verdict on an event: released in arrival order to "*" and resume_after
    caf::reacts_to<run_outcome>,
    // for hello: the last accepted id, and whether there is one
    caf::replies_to<resume_point_atom>::with<std::string, bool>,
    // internal: the eviction tick
    caf::reacts_to<sweep_atom>,
    // its own entry and every run's
    caf::replies_to<stats_atom>::with<actor_stats_list>, caf::reacts_to<shutdown_atom>>;

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
  std::unordered_map<caf::actor_addr, std::string> run_of_actor; // to read down_msgs
  star_sequencer sequencer;
  uint64_t arrivals = 0;
  std::optional<std::string> last_accepted_id; // resume_after for the next hello
  uint64_t duplicates = 0;
  uint64_t runs_created = 0;
  uint64_t runs_evicted = 0;
  uint64_t run_failures = 0;   // run_subscribers that exited while their run was retained
  uint64_t lost_in_flight = 0; // arrivals a failed run never answered
  bool stopping = false;
};

using dedup_filter_pointer = dedup_filter_actor::stateful_pointer<dedup_filter_state>;

dedup_filter_actor::behavior_type
dedup_filter(dedup_filter_pointer self, dedup_settings settings, fanout_port_ptr fanout,
             std::shared_ptr<status_board> board, std::shared_ptr<run_index> index);

} // namespace runrelay::actors
