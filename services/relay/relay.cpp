#include "services/relay/relay.hpp"

#include "services/clients/fanout.hpp"
#include "services/clients/http_server.hpp"
#include "services/relay/io_pool.hpp"
#include "services/relay/pipeline.hpp"
#include "services/relay/relay_backend.hpp"
#include "services/relay/relay_shutdown.hpp"
#include "services/upstream/upstream_connector.hpp"

#include <boost/asio/signal_set.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <future>

namespace runrelay::services {

using std::chrono::milliseconds;

namespace {

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
  auto board = std::make_shared<actors::status_board>(config.relay_id);
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
  auto tls = endpoint->tls ? make_client_tls_context() : nullptr;
  // Batches from the orchestrator may be large; this only bounds a runaway frame.
  constexpr std::size_t max_upstream_message = 64 * 1024 * 1024;
  auto dial = make_upstream_dialer(pool.first(), tls, *endpoint, upstream_timeouts{},
                                   max_upstream_message);
  auto actors = start_pipeline(system, config, dial, make_io_fanout(pool), board);
  server.start(make_relay_backend(system, actors, config, board));
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
  spdlog::info("relay: signal {}", signal_number);
  drain_and_stop(actors, server, pool, *board, milliseconds(config.shutdown_grace_ms));
  spdlog::info("relay: stopped");
  return 0;
}

} // namespace runrelay::services
