#include "services/tools/sim/sim_options.hpp"

#include <random>

#include <CLI/CLI.hpp>

namespace runrelay::sim {
namespace {

constexpr int usage_error = 2;
constexpr std::uint64_t default_seed_range = 100000;

// "HOST:PORT" or "[v6]:PORT" into `options`; an error message, empty when fine.
std::string parse_listen(const std::string& text, sim_options& options) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return "expected HOST:PORT, got '" + text + "'";
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::string port = text.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoul(port) > 65535)
    return "bad port '" + port + "'";
  options.listen_host = host;
  options.listen_port = static_cast<unsigned short>(std::stoul(port));
  return {};
}

} // namespace

parsed_command_line parse_command_line(int argc, const char* const* argv) {
  sim_options options;
  options.seed = std::random_device{}() % default_seed_range;
  std::string listen = "127.0.0.1:9090";
  CLI::App app{"runrelay-sim: a simulated orchestrator that streams workflow events to "
               "relays over WebSocket, with an HTTP control API (/control/...) on the "
               "same port"};
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)")
      ->check([&](const std::string& v) { return parse_listen(v, options); })
      ->capture_default_str();
  app.add_option("--rate", options.rate, "events per second (0: only /control/emit)")
      ->check(
          [](const std::string& v) {
            double rate = -1;
            return CLI::detail::lexical_cast(v, rate) && rate >= 0
                       ? std::string()
                       : "expected a number of events per second >= 0, got '" + v + "'";
          },
          "RATE")
      ->capture_default_str();
  app.add_option("--runs", options.concurrent_runs, "concurrent runs")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  app.add_option("--seed", options.seed,
                 "random seed; run ids are run-<seed>-<n> (default: random)");
  app.add_option("--batch-percent", options.batch_percent,
                 "% of frames that are a JSON array of several events")
      ->check(CLI::Range(0u, 100u))
      ->capture_default_str();
  app.add_option("--duplicate-percent", options.duplicate_percent,
                 "% chance to send the previous frame again")
      ->check(CLI::Range(0u, 100u))
      ->capture_default_str();
  app.add_option("--no-id-percent", options.no_id_percent, "% of events without event_id")
      ->check(CLI::Range(0u, 100u))
      ->capture_default_str();
  app.add_option("--ping-ms", options.ping_ms, "JSON ping every N ms (0: off)")
      ->capture_default_str();
  app.add_option("--drop-every-ms", options.drop_every_ms,
                 "close every relay connection every N ms (0: off)")
      ->capture_default_str();
  app.add_option("--refuse-first", options.refuse_first,
                 "answer the first N upgrade attempts with HTTP 503")
      ->capture_default_str();
  app.add_option("--max-runs", options.max_runs,
                 "generate N runs in all, then stop (0: forever)")
      ->capture_default_str();
  app.add_flag("--quiet", options.quiet, "log only warnings to stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return parsed_command_line{std::nullopt, code == 0 ? 0 : usage_error};
  }
  return parsed_command_line{options, 0};
}

} // namespace runrelay::sim
