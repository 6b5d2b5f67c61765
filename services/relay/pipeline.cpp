#include "services/relay/pipeline.hpp"

#include "actors/upstream/upstream_session.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <random>

namespace runrelay::services {

using namespace runrelay::actors;
using std::chrono::milliseconds;

namespace {

dedup_settings dedup_settings_of(const relay_config& config) {
  dedup_settings settings;
  settings.window = milliseconds(config.dedup_window_ms);
  settings.run_retention = milliseconds(config.run_retention_ms);
  settings.max_runs = config.max_runs;
  settings.runs.history_limit = config.history_limit;
  settings.runs.resume_wait = milliseconds(config.resume_wait_ms);
  // A replay chunk fits well within a client's buffer, so replays never trip it.
  settings.runs.replay_chunk_frames =
      std::clamp<std::size_t>(config.client_buffer_frames / 2, 1, 256);
  settings.runs.replay_chunk_bytes =
      std::clamp<std::size_t>(config.client_buffer_bytes / 2, 1, 1 << 20);
  return settings;
}

} // namespace

pipeline start_pipeline(caf::actor_system& system, const relay_config& config,
                        upstream_dialer dial, fanout_port_ptr fanout,
                        std::shared_ptr<status_board> board) {
  pipeline actors;
  actors.runs = std::make_shared<run_index>();
  actors.dedup =
      system.spawn(dedup_filter, dedup_settings_of(config), fanout, board, actors.runs);
  actors.queue = system.spawn(upstream_queue, config.queue_capacity, board);
  actors.clients = system.spawn(client_directory, std::string{"internal error"});
  upstream_session_settings session_config{config.relay_id,
                                           milliseconds(config.upstream_ping_ms),
                                           milliseconds(config.upstream_idle_timeout_ms)};
  session_spawner spawn_session = [dedup = actors.dedup, dial, session_config,
                                   board](supervisor_pointer supervisor) {
    return supervisor->spawn(upstream_session, session_owner_actor{supervisor}, dedup,
                             dial, session_config, board);
  };
  backoff_settings backoff{milliseconds(config.backoff_base_ms),
                           milliseconds(config.backoff_max_ms), config.backoff_jitter,
                           config.max_attempts};
  actors.supervisor =
      system.spawn(reconnect_supervisor, backoff, std::random_device{}(), spawn_session,
                   supervisor_deps{actors.queue, std::move(fanout), board});
  return actors;
}

} // namespace runrelay::services
