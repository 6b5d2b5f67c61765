#pragma once
// Settings of runrelay-bench and their command line.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace runrelay::bench {

enum class bench_mode { steady, idle, saturate, storm, soak };
// How subscribers receive events (docs/protocol.md): /ws, /runs/<id>/stream (SSE) or
// /runs/<id>/events?wait_ms= (long-poll).
enum class bench_transport { ws, sse, poll };

const char* mode_name(bench_mode mode);
const char* transport_name(bench_transport transport);

struct bench_options {
  bench_mode mode = bench_mode::steady;
  bench_transport transport = bench_transport::ws;

  // The relay under test: spawned (relay_bin) or already running (relay_url).
  std::string relay_bin;
  std::vector<std::string> relay_args;
  std::string relay_log; // the spawned relay's stderr and stdout; empty: discarded
  std::string relay_url;
  int relay_pid = 0;                    // for CPU and RSS sampling; 0: unknown
  std::string relay_host = "127.0.0.1"; // a loopback address, from relay_url
  unsigned short relay_port = 0;
  std::string relay_path = "/ws";
  unsigned short orchestrator_port = 0; // 0: any free port
  double relay_wait_s = 30;             // for the relay's hello and its port
  std::string run_prefix = "r";         // run ids are <prefix><k>

  // Load.
  std::uint32_t clients = 100;
  std::uint32_t runs = 1;
  double rate = 100;       // events per second, over all runs
  std::uint32_t burst = 0; // 0: evenly paced; K: K events at once every K/rate s
  double duration_s = 10;
  double warmup_s = 1;
  std::uint32_t payload_bytes = 128;
  double drain_s = 5; // longest wait for in-flight deliveries after publishing

  // saturate: the rates to try, else doubling from `rate`.
  std::vector<double> rates;
  double step_duration_s = 5;
  double p99_limit_ms = 50;
  std::uint32_t max_steps = 12;

  // storm: when the clients reconnect, in seconds after publishing starts (< 0: half
  // of the duration).
  double storm_at_s = -1;

  // soak: every churn_every_s, churn_percent of the clients leave and come back with
  // `since`, all through --duration.
  std::uint32_t churn_percent = 10;
  double churn_every_s = 1;

  // The tool itself.
  std::uint32_t threads = 0; // subscriber I/O threads; 0: hardware concurrency
  std::uint32_t connect_concurrency = 64;
  std::uint32_t connect_retries = 2;
  std::uint32_t connect_timeout_ms = 10000;
  bool json = false;
  bool quiet = false;

  bool spawns_relay() const { return !relay_bin.empty(); }
  std::string run_id(std::uint32_t run) const { return run_prefix + std::to_string(run); }
  // Seconds to connect every client: each has bounded attempts, all have this.
  double connect_budget_s() const;
  // Seconds after which the bench stops whatever it is doing (the watchdog).
  double hard_cap_s() const;
};

struct parsed_command_line {
  std::optional<bench_options> options; // empty: exit with exit_code
  int exit_code = 0;                    // 0 after --help, 2 for a bad option
};

// Parses runrelay-bench's options; prints help or the error (naming the option).
parsed_command_line parse_command_line(int argc, const char* const* argv);

} // namespace runrelay::bench
