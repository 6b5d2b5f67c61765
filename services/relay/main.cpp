// runrelay: relays live workflow events from one orchestrator to many clients.
#include "services/relay/log_format.hpp"
#include "services/relay/relay.hpp"
#include "services/relay/relay_config.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <csignal>
#include <iostream>

extern char** environ;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> environment;
  for (char** entry = environ; entry && *entry; ++entry)
    environment.emplace_back(*entry);
  auto outcome = runrelay::services::parse_relay_config(args, environment);
  if (!outcome.config) {
    (outcome.exit_status == 0 ? std::cout : std::cerr) << outcome.output;
    return outcome.exit_status;
  }
  const auto& config = *outcome.config;
  // Set before anything logs, so that every line has the chosen format.
  std::shared_ptr<spdlog::logger> logger;
  if (config.log_format == "json") {
    logger = spdlog::stderr_logger_mt("runrelay"); // no colour codes inside the JSON
    logger->set_formatter(std::make_unique<runrelay::services::json_log_formatter>(
        std::map<std::string, std::string>{{"relay_id", config.relay_id}}));
  } else {
    logger = spdlog::stderr_color_mt("runrelay");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  logger->set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_default_logger(logger);
  std::signal(SIGPIPE, SIG_IGN);
  // Each client is a socket: take every descriptor the system allows this process.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  return runrelay::services::run_relay(config);
}
