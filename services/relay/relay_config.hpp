#pragma once
// Every option of docs/protocol.md section 4, with its default. Parsed by
// parse_relay_config.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace runrelay::services {

struct relay_config {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::string upstream_url; // required, ws:// or wss://
  std::string relay_id;     // random when not given

  // Upstream session and reconnects (section 1).
  uint64_t upstream_ping_ms = 15000;
  uint64_t upstream_idle_timeout_ms = 45000;
  uint64_t backoff_base_ms = 1000;
  uint64_t backoff_max_ms = 30000;
  double backoff_jitter = 0.1;
  uint32_t max_attempts = 0; // 0 = unlimited

  // Dedup, history and runs.
  uint64_t dedup_window_ms = 5000;
  uint64_t history_limit = 5000;
  uint64_t run_retention_ms = 3600000;
  uint64_t max_runs = 10000;
  uint64_t resume_wait_ms = 1000; // 0 = no wait

  // Upstream send queue.
  uint64_t queue_capacity = 1000;

  // Clients (section 2).
  uint64_t heartbeat_ms = 30000;
  uint64_t max_subscriptions = 100;
  uint64_t client_rate_limit = 100;
  uint64_t max_frame_bytes = 65536;
  uint64_t client_buffer_frames = 1024;
  uint64_t client_buffer_bytes = 8 * 1024 * 1024;
  uint64_t max_held_polls = 10000;
  uint64_t shutdown_grace_ms = 5000;

  // Runtime tuning (not part of the contract).
  uint32_t scheduler_threads = 1;
  std::string scheduler_policy = "sharing"; // CAF's "sharing" or "stealing"
  uint32_t io_threads = 1;
  std::string log_level = "info";
  std::string log_format = "text"; // "text" or "json" (one object per line)
  std::string config_file;         // the TOML file the options were read from, if any
};

// Outcome of parsing argv and the environment: either a config to run with, or an exit
// status and the text to print (help on stdout with status 0, errors on stderr with 2).
struct parse_outcome {
  std::optional<relay_config> config;
  int exit_status = 0;
  std::string output;
};

// `args` is argv without argv[0] (main passes {argv + 1, argv + argc}). `environment`
// holds NAME=VALUE strings (main passes environ); the process environment is never read
// here. Each option is `--name VALUE`, `--name=VALUE` or the variable RUNRELAY_<NAME>
// (upper case, '-' as '_'), or a `name = value` line of the TOML file named by --config
// or RUNRELAY_CONFIG; a flag wins over its variable, which wins over the file. An empty
// variable counts as unset, unknown RUNRELAY_* variables are ignored, and of a repeated
// flag the last wins. A file's error (syntax, unknown key, bad value) is an error even
// where a flag or variable would override the key, and names the file, line and key.
// `--help` (or `-h`) anywhere gives the help text with status 0. Any error gives status
// 2 and two lines: "runrelay: <what is wrong, naming the option>" and a hint to run
// --help. `output` ends with a newline and is meant to be printed as is.
parse_outcome parse_relay_config(const std::vector<std::string>& args,
                                 const std::vector<std::string>& environment);

// Each option's name (without "--") and its default as --help shows it, in help order.
struct option_info {
  std::string name;
  std::string default_text;
};
std::vector<option_info> relay_options();

// "relay-" followed by 12 lowercase hex digits from std::random_device; the default of
// --relay-id.
std::string random_relay_id();

} // namespace runrelay::services
