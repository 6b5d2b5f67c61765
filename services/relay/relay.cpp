#include "services/relay/relay.hpp"

#include "actors/client_session.hpp"
#include "actors/dedup_filter.hpp"
#include "actors/reconnect_supervisor.hpp"
#include "actors/upstream_queue.hpp"
#include "actors/upstream_session.hpp"
#include "services/clients/fanout.hpp"
#include "services/clients/http_server.hpp"
#include "services/clients/stats_report.hpp"
#include "services/upstream/upstream_connector.hpp"

#include <boost/asio/signal_set.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <future>
#include <random>
#include <unordered_map>

namespace runrelay::services {

using namespace runrelay::actors;
using std::chrono::milliseconds;

namespace {

// Client sessions alive now, for /stats and for closing them all at shutdown.
class client_registry {
public:
  void add(client_id_t id, caf::actor actor) {
    std::lock_guard<std::mutex> guard(mutex_);
    clients_.emplace(id, std::move(actor));
  }
  void remove(client_id_t id) {
    std::lock_guard<std::mutex> guard(mutex_);
    clients_.erase(id);
  }
  std::vector<caf::actor> snapshot(std::size_t limit = SIZE_MAX) const {
    std::lock_guard<std::mutex> guard(mutex_);
    std::vector<caf::actor> result;
    for (auto& [id, actor] : clients_) {
      if (result.size() >= limit)
        break;
      result.push_back(actor);
    }
    return result;
  }
  std::size_t size() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return clients_.size();
  }

private:
  mutable std::mutex mutex_;
  std::unordered_map<client_id_t, caf::actor> clients_;
};

struct pipeline {
  caf::actor supervisor;
  caf::actor dedup;
  caf::actor queue;
};

// Asks every pipeline actor for its stats, waits at most `patience` for each answer,
// and hands the rendered report to `done`.
// CAF 0.17 dereferences a null argument tuple when a function actor is spawned with no
// arguments (undefined behaviour that UBSan stops on), so these short-lived actors
// take what they need as spawn arguments rather than captures.
void stats_collector(caf::event_based_actor* self, pipeline actors,
                     std::vector<caf::actor> clients, std::shared_ptr<status_board> board,
                     std::optional<std::size_t> limit, answer_callback done) {
  auto collected = std::make_shared<actor_stats_list>();
  auto pending = std::make_shared<std::size_t>(3 + clients.size());
  auto finish_one = [=] {
    if (--*pending == 0) {
      done({200, "application/json", render_stats(*board, *collected, limit)});
      self->quit();
    }
  };
  auto patience = std::chrono::seconds(2);
  auto ask_list = [&](const caf::actor& target) {
    self->request(target, patience, stats_atom::value)
        .then(
            [=](const actor_stats_list& list) {
              collected->insert(collected->end(), list.begin(), list.end());
              finish_one();
            },
            [=](const caf::error&) { finish_one(); });
  };
  auto ask_one = [&](const caf::actor& target) {
    self->request(target, patience, stats_atom::value)
        .then(
            [=](const actor_stats& stats) {
              collected->push_back(stats);
              finish_one();
            },
            [=](const caf::error&) { finish_one(); });
  };
  ask_list(actors.supervisor);
  ask_list(actors.dedup);
  ask_one(actors.queue);
  for (auto& client : clients)
    ask_one(client);
}

void reconnect_asker(caf::event_based_actor* self, caf::actor supervisor,
                     answer_callback done) {
  self->request(supervisor, std::chrono::seconds(2), reconnect_atom::value)
      .then(
          [=](bool accepted, const std::string& state) {
            done({accepted ? 202u : 409u, "application/json",
                  "{\"state\":\"" + state +
                      "\",\"accepted\":" + (accepted ? "true" : "false") + "}"});
          },
          [=](const caf::error& error) {
            done({503, "application/json",
                  "{\"error\":" + protocol::json_quote(caf::to_string(error)) + "}"});
          });
}

caf::actor_system_config& tune(caf::actor_system_config& cfg,
                               const relay_config& config) {
  // Measured: work stealing spends most of a wide fan-out in its deque spinlock; the
  // sharing scheduler with few workers does the same work several times faster.
  cfg.set("scheduler.policy", config.scheduler_policy == "stealing"
                                  ? caf::atom("stealing")
                                  : caf::atom("sharing"));
  cfg.set("scheduler.max-threads", static_cast<size_t>(config.scheduler_threads));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  return cfg;
}

} // namespace

int run_relay(const relay_config& config) {
  auto endpoint = parse_ws_url(config.upstream_url);
  if (!endpoint) {
    spdlog::error("relay: --upstream {} is not a ws:// or wss:// URL",
                  config.upstream_url);
    return 2;
  }
  auto board = std::make_shared<status_board>(config.relay_id);
  io_pool pool(config.io_threads);
  http_server server(pool);
  try {
    server.listen(config.listen_host, config.listen_port);
  } catch (const boost::system::system_error& e) {
    spdlog::error("relay: cannot listen on {}:{} (--listen): {}", config.listen_host,
                  config.listen_port, e.code().message());
    return 1;
  }
  caf::actor_system_config cfg;
  caf::actor_system system{tune(cfg, config)};
  auto clients_group = system.groups().anonymous();
  auto fanout = make_io_fanout(pool);

  dedup_settings dedup_config;
  dedup_config.window = milliseconds(config.dedup_window_ms);
  dedup_config.run_retention = milliseconds(config.run_retention_ms);
  dedup_config.max_runs = config.max_runs;
  dedup_config.runs.history_limit = config.history_limit;
  dedup_config.runs.resume_wait = milliseconds(config.resume_wait_ms);
  dedup_config.runs.replay_chunk_frames =
      std::clamp<std::size_t>(config.client_buffer_frames / 2, 1, 256);
  dedup_config.runs.replay_chunk_bytes =
      std::clamp<std::size_t>(config.client_buffer_bytes / 2, 1, 1 << 20);

  pipeline actors;
  actors.dedup = system.spawn(dedup_filter, dedup_config, fanout, board);
  actors.queue = system.spawn(upstream_queue, config.queue_capacity, board);

  auto tls = endpoint->tls ? make_client_tls_context() : nullptr;
  // Batches from the orchestrator may be large; this only bounds a runaway frame.
  constexpr std::size_t max_upstream_message = 64 * 1024 * 1024;
  auto dial = make_upstream_dialer(pool.first(), tls, *endpoint, upstream_timeouts{},
                                   max_upstream_message);
  upstream_session_settings session_config{config.relay_id,
                                           milliseconds(config.upstream_ping_ms),
                                           milliseconds(config.upstream_idle_timeout_ms)};
  auto dedup = actors.dedup;
  session_spawner spawn_session = [=](caf::event_based_actor* supervisor) {
    return supervisor->spawn(upstream_session, caf::actor_cast<caf::actor>(supervisor),
                             dedup, dial, session_config, board);
  };
  backoff_settings backoff{milliseconds(config.backoff_base_ms),
                           milliseconds(config.backoff_max_ms), config.backoff_jitter,
                           config.max_attempts};
  actors.supervisor = system.spawn(reconnect_supervisor, backoff, std::random_device{}(),
                                   spawn_session, actors.queue, clients_group, board);

  auto registry = std::make_shared<client_registry>();
  client_limits limits{config.max_subscriptions,
                       static_cast<double>(config.client_rate_limit),
                       config.heartbeat_ms};
  client_connection_limits connection_limits{
      config.max_frame_bytes, config.client_buffer_frames, config.client_buffer_bytes,
      milliseconds(config.heartbeat_ms), milliseconds(10000)};
  auto next_client = std::make_shared<std::atomic<client_id_t>>(0);
  client_session_deps deps{actors.dedup, actors.queue, clients_group, board};

  http_backend backend;
  backend.board = board;
  backend.stats = [&system, actors, registry, board](std::optional<std::size_t> limit,
                                                     answer_callback done) {
    system.spawn(stats_collector, actors, registry->snapshot(limit.value_or(SIZE_MAX)),
                 board, limit, std::move(done));
  };
  backend.reconnect = [&system, supervisor = actors.supervisor](answer_callback done) {
    system.spawn(reconnect_asker, supervisor, std::move(done));
  };
  backend.upgrade = [&system, registry, next_client, deps, limits, connection_limits,
                     board, relay_id = config.relay_id](
                        boost::asio::io_context& lane,
                        boost::asio::ip::tcp::socket socket, std::string accept_key) {
    auto id = ++*next_client;
    // Runs later, once the upgrade succeeded: capture by value.
    auto factory = [&system, registry, deps, limits, relay_id, id](client_sink_ptr sink) {
      auto actor = system.spawn(client_session, id, relay_id + "-" + std::to_string(id),
                                std::move(sink), limits, deps);
      registry->add(id, actor);
      return actor;
    };
    start_client_connection(lane, std::move(socket), std::move(accept_key),
                            connection_limits, board, factory,
                            [registry, id] { registry->remove(id); });
  };

  server.start(std::move(backend));
  std::promise<int> stop_signal;
  boost::asio::signal_set signals(pool.first(), SIGINT, SIGTERM);
  signals.async_wait([&stop_signal](const boost::system::error_code& ec, int number) {
    if (!ec)
      stop_signal.set_value(number);
  });
  pool.start();
  spdlog::info("relay: {} listening on {}:{}, upstream {}", config.relay_id,
               config.listen_host, server.port(), config.upstream_url);

  auto signal_number = stop_signal.get_future().get();
  auto deadline =
      std::chrono::steady_clock::now() + milliseconds(config.shutdown_grace_ms);
  spdlog::info("relay: signal {}: draining {} client(s) within {} ms", signal_number,
               registry->size(), config.shutdown_grace_ms);
  board->set_draining();
  server.stop_accepting();
  // Spread the going-away closes over half the grace window, so clients do not all
  // reconnect elsewhere in the same millisecond; the rest of the window lets them finish.
  auto clients = registry->snapshot();
  auto spread = milliseconds(config.shutdown_grace_ms) / 2;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto delay = spread * i / std::max<std::size_t>(clients.size(), 1);
    caf::delayed_anon_send(clients[i], delay, shutdown_atom::value, uint16_t{1001},
                           std::string("going away"));
  }
  caf::anon_send(actors.supervisor, shutdown_atom::value);
  caf::anon_send(actors.queue, shutdown_atom::value);
  while (registry->size() > 0 &&
         std::chrono::steady_clock::now() < deadline - milliseconds(100))
    std::this_thread::sleep_for(milliseconds(20));
  for (auto& client : registry->snapshot())
    caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
  caf::anon_send(actors.dedup, shutdown_atom::value);
  pool.for_each([](boost::asio::io_context& lane) { lane.stop(); });
  pool.stop();
  spdlog::info("relay: stopped");
  return 0;
}

} // namespace runrelay::services
