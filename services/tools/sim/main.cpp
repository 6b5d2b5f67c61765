// runrelay-sim: a simulated orchestrator for demos and integration tests. Relays dial
// it over WebSocket; it streams generated workflow events to all of them and has an
// HTTP control API on the same port (services/sim/control_api.hpp).
#include <chrono>
#include <csignal>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "services/tools/sim/sim_options.hpp"
#include "services/tools/sim/sim_server.hpp"

namespace {

// Time left for close frames to go out after SIGINT/SIGTERM.
constexpr std::chrono::milliseconds shutdown_grace{300};

} // namespace

int main(int argc, char** argv) {
  auto command_line = runrelay::sim::parse_command_line(argc, argv);
  if (!command_line.options)
    return command_line.exit_code;
  const auto& options = *command_line.options;

  spdlog::set_default_logger(spdlog::stderr_logger_st("sim"));
  spdlog::set_pattern("%H:%M:%S.%e sim: %^%v%$");
  spdlog::set_level(options.quiet ? spdlog::level::warn : spdlog::level::info);

  boost::asio::io_context io;
  runrelay::sim::sim_server server(io, options);
  try {
    server.start();
  } catch (const boost::system::system_error& e) {
    std::cerr << "sim: cannot listen on " << options.listen_host << ":"
              << options.listen_port << ": " << e.code().message() << std::endl;
    return 1;
  }
  // Printed even with --quiet: with --listen HOST:0 this is how to learn the port.
  auto endpoint = server.local_endpoint();
  std::cerr << "sim: listening on ws://" << endpoint << "/ (control: http://" << endpoint
            << "/control/status); seed " << options.seed << ", " << options.rate
            << " events/s, " << options.concurrent_runs << " concurrent runs"
            << std::endl;

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer grace(io);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec)
      return;
    spdlog::info("signal {}: closing relay connections and exiting", signal);
    server.stop();
    grace.expires_after(shutdown_grace);
    grace.async_wait([&](const boost::system::error_code&) { io.stop(); });
  });
  io.run();
  return 0;
}
