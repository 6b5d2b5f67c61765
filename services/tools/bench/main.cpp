// runrelay-bench: the load generator operators use to size a runrelay deployment. It
// plays the orchestrator (the relay dials it), opens --clients subscribers on the
// relay's /ws and publishes numbered, timestamped events; then it reports deliveries,
// loss, duplicates, order, one-way latency, and the relay's CPU and memory.
// Code: services/bench/ (options, orchestrator_server, subscriber, subscriber_pool,
// relay_process, monitor, session, modes, report) and services/bench_stats.hpp (the
// accounting). Exit status: 0 clean (saturate: a limit found), 1 a delivery problem,
// 2 a bad option, 3 the relay or the clients could not be set up (or the watchdog).
#include <cstdio>
#include <ctime>
#include <string>

#include <boost/json/serialize.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "services/tools/bench/modes.hpp"
#include "services/tools/bench/options.hpp"
#include "services/tools/bench/report.hpp"
#include "services/tools/bench/session.hpp"

namespace {

using namespace runrelay::bench;

constexpr int setup_failed = 3;

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

} // namespace

int main(int argc, char** argv) {
  auto command_line = parse_command_line(argc, argv);
  if (!command_line.options)
    return command_line.exit_code;
  const auto& options = *command_line.options;

  spdlog::set_default_logger(spdlog::stderr_logger_st("bench"));
  spdlog::set_pattern("%H:%M:%S.%e bench: %^%v%$");
  spdlog::set_level(options.quiet ? spdlog::level::err : spdlog::level::info);
  install_signal_handlers();
  watchdog guard(options.hard_cap_s());

  boost::json::object result{{"bench", "runrelay-bench"},
                             {"version", 1},
                             {"mode", mode_name(options.mode)},
                             {"transport", transport_name(options.transport)},
                             {"started_at", utc_now()}};
  int exit_code = setup_failed;
  {
    bench_session session(options);
    if (session.setup(result) && session.connect_clients(result)) {
      exit_code = run_mode(options, session, result);
    } else {
      std::fprintf(stderr, "runrelay-bench: %s\n", session.failure().c_str());
      result["problems"] = boost::json::array{session.failure().c_str()};
      result["ok"] = false;
      result["exit_code"] = exit_code;
    }
    session.finish(result);
  }

  auto summary = human_summary(result);
  if (options.json) {
    std::printf("%s\n", boost::json::serialize(result).c_str());
    if (!options.quiet)
      std::fputs(summary.c_str(), stderr);
  } else {
    std::fputs(summary.c_str(), stdout);
  }
  return exit_code;
}
