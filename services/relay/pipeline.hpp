#pragma once
// The relay's actors, spawned and wired from its config (actors/README.md draws them).
#include "actors/clients/client_directory.hpp"
#include "actors/clients/fanout_port.hpp"
#include "actors/runs/dedup_filter.hpp"
#include "actors/status_board.hpp"
#include "actors/upstream/reconnect_supervisor.hpp"
#include "actors/upstream/upstream_link.hpp"
#include "actors/upstream/upstream_queue.hpp"
#include "services/relay/relay_config.hpp"

#include <caf/actor_system.hpp>

#include <memory>

namespace runrelay::services {

struct pipeline {
  actors::supervisor_actor supervisor;
  actors::dedup_filter_actor dedup;
  actors::upstream_queue_actor queue;
  actors::client_directory_actor clients;
  // What the run API reads: every retained run's card and actor.
  std::shared_ptr<actors::run_index> runs;
};

// Spawns every long-lived actor; the supervisor starts dialling through `dial` at once.
pipeline start_pipeline(caf::actor_system& system, const relay_config& config,
                        actors::upstream_dialer dial, actors::fanout_port_ptr fanout,
                        std::shared_ptr<actors::status_board> board);

} // namespace runrelay::services
