#pragma once
// Settings of the simulated orchestrator (runrelay-sim) and their command line.
#include <cstdint>
#include <optional>
#include <string>

namespace runrelay::sim {

struct sim_options {
  std::string listen_host = "127.0.0.1";
  unsigned short listen_port = 9090;
  double rate = 20.0; // events per second; 0 = only what is emitted on demand
  std::uint32_t concurrent_runs = 3;
  std::uint64_t seed = 0;
  std::uint32_t batch_percent = 10;
  std::uint32_t duplicate_percent = 5;
  std::uint32_t no_id_percent = 10;
  std::uint64_t ping_ms = 10000;   // JSON ping interval, 0 = off
  std::uint64_t drop_every_ms = 0; // close every relay connection periodically, 0 = off
  std::uint64_t refuse_first = 0;  // answer the first N upgrade attempts with 503
  std::uint64_t max_runs = 0;      // total runs to generate, 0 = forever
  bool quiet = false;
};

struct parsed_command_line {
  std::optional<sim_options> options; // empty: exit with exit_code
  int exit_code = 0;                  // 0 after --help, 2 for a bad option
};

// Parses runrelay-sim's options; prints help or the error (naming the option).
parsed_command_line parse_command_line(int argc, const char* const* argv);

} // namespace runrelay::sim
