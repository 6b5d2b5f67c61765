#include "services/tools/bench/options.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

#include "services/web_client/web_url.hpp"

namespace runrelay::bench {
namespace {

constexpr int usage_error = 2;
constexpr std::uint32_t max_clients = 200000;
constexpr double max_rate = 1e6;
constexpr double max_duration_s = 3600;
constexpr std::size_t max_rate_steps = 40;
// Everything after the last phase that may still take time: reports, closing clients,
// stopping the relay.
constexpr double cap_slack_s = 60;

struct usage_failure {
  std::string option;
  std::string message;
};

// Loopback only: "localhost", 127.0.0.0/8 or ::1. Returns the address to dial.
std::string loopback_host(const std::string& host, const std::string& option) {
  if (host == "localhost")
    return "127.0.0.1";
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec || !address.is_loopback())
    throw usage_failure{option, "only 127.0.0.1, localhost or [::1] may be benchmarked, "
                                "got '" +
                                    host + "'"};
  return address.to_string();
}

// ws://HOST[:PORT][/PATH] into `options`.
void parse_relay_url(const std::string& url, bench_options& options) {
  web_client::web_url parsed;
  if (auto error = web_client::parse_web_url(url, {"ws"}, parsed); !error.empty())
    throw usage_failure{"--relay-url", "'" + url + "' " + error};
  options.relay_path = parsed.target;
  options.relay_port = static_cast<unsigned short>(std::stoul(parsed.port));
  options.relay_host = loopback_host(parsed.host, "--relay-url");
}

void require(bool ok, const std::string& option, const std::string& message) {
  if (!ok)
    throw usage_failure{option, message};
}

bench_transport parse_transport(const std::string& transport) {
  if (transport == "ws")
    return bench_transport::ws;
  if (transport == "sse")
    return bench_transport::sse;
  if (transport == "poll")
    return bench_transport::poll;
  throw usage_failure{"--transport", "expected ws, sse or poll, got '" + transport + "'"};
}

void validate(bench_options& o, const std::string& mode, const std::string& rates) {
  if (mode == "steady")
    o.mode = bench_mode::steady;
  else if (mode == "idle")
    o.mode = bench_mode::idle;
  else if (mode == "saturate")
    o.mode = bench_mode::saturate;
  else if (mode == "storm")
    o.mode = bench_mode::storm;
  else if (mode == "soak")
    o.mode = bench_mode::soak;
  else
    throw usage_failure{
        "--mode", "expected steady, idle, saturate, storm or soak, got '" + mode + "'"};
  require(o.churn_percent >= 1 && o.churn_percent <= 100, "--churn-percent",
          "expected 1 to 100");
  require(o.churn_every_s > 0, "--churn-every", "expected a number of seconds above 0");
  require(o.relay_bin.empty() != o.relay_url.empty(), "--relay-bin",
          "give either --relay-bin (start the relay) or --relay-url (attach to one)");
  if (!o.relay_url.empty())
    parse_relay_url(o.relay_url, o);
  require(o.relay_args.empty() || o.spawns_relay(), "--relay-arg",
          "only with --relay-bin");
  require(o.relay_pid == 0 || !o.spawns_relay(), "--relay-pid",
          "only with --relay-url (a spawned relay's PID is known)");
  require(o.clients >= 1 && o.clients <= max_clients, "--clients",
          "expected 1 to " + std::to_string(max_clients));
  require(o.runs >= 1 && o.runs <= o.clients, "--runs", "expected 1 to --clients");
  require(o.rate > 0 && o.rate <= max_rate, "--rate", "expected > 0 and <= 1000000");
  require(o.burst <= 100000, "--burst", "expected 0 to 100000");
  require(o.duration_s > 0 && o.duration_s <= max_duration_s, "--duration",
          "expected > 0 and <= 3600 seconds");
  require(o.warmup_s >= 0 && o.warmup_s <= 600, "--warmup", "expected 0 to 600 seconds");
  require(o.drain_s >= 0 && o.drain_s <= 300, "--drain", "expected 0 to 300 seconds");
  require(o.payload_bytes <= (1u << 20), "--payload-bytes", "expected at most 1048576");
  require(o.relay_wait_s > 0 && o.relay_wait_s <= 600, "--relay-wait",
          "expected > 0 and <= 600 seconds");
  require(o.step_duration_s > 0 && o.step_duration_s <= 600, "--step-duration",
          "expected > 0 and <= 600 seconds");
  require(o.p99_limit_ms > 0, "--p99-limit-ms", "expected > 0");
  require(o.max_steps >= 1 && o.max_steps <= max_rate_steps, "--max-steps",
          "expected 1 to 40");
  require(o.storm_at_s < o.duration_s, "--storm-at", "must be below --duration");
  require(o.threads <= 256, "--threads", "expected 0 to 256");
  require(o.connect_concurrency >= 1, "--connect-concurrency", "expected at least 1");
  require(o.connect_retries <= 10, "--connect-retries", "expected 0 to 10");
  require(o.connect_timeout_ms >= 100 && o.connect_timeout_ms <= 120000,
          "--connect-timeout-ms", "expected 100 to 120000");
  require(!o.run_prefix.empty() && o.run_prefix.size() <= 64 &&
              o.run_prefix.find_first_of("\"\\*") == std::string::npos,
          "--run-prefix", "expected 1 to 64 characters without quotes, \\ or *");
  if (!rates.empty()) {
    std::stringstream list(rates);
    for (std::string item; std::getline(list, item, ',');) {
      double rate = 0;
      require(CLI::detail::lexical_cast(item, rate) && rate > 0 && rate <= max_rate,
              "--rates",
              "expected a comma-separated list of rates > 0, got '" + item + "'");
      o.rates.push_back(rate);
    }
    require(o.rates.size() <= max_rate_steps, "--rates", "at most 40 rates");
  }
  if (o.threads == 0)
    o.threads = std::max(1u, std::thread::hardware_concurrency());
}

// Takes "--relay-arg X" / "--relay-arg=X" out of argv (X may start with "--", which
// CLI11 would read as an option) and everything after "--".
std::vector<std::string> split_relay_args(int argc, const char* const* argv,
                                          std::vector<std::string>& relay_args) {
  std::vector<std::string> rest;
  const std::string flag = "--relay-arg";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      relay_args.insert(relay_args.end(), argv + i + 1, argv + argc);
      break;
    }
    if (arg == flag) {
      if (i + 1 == argc)
        throw usage_failure{flag, "needs a value"};
      relay_args.emplace_back(argv[++i]);
    } else if (arg.rfind(flag + "=", 0) == 0) {
      relay_args.push_back(arg.substr(flag.size() + 1));
    } else {
      rest.push_back(std::move(arg));
    }
  }
  std::reverse(rest.begin(), rest.end()); // CLI11 takes a reversed vector
  return rest;
}

} // namespace

const char* transport_name(bench_transport transport) {
  switch (transport) {
  case bench_transport::ws:
    return "ws";
  case bench_transport::sse:
    return "sse";
  case bench_transport::poll:
    return "poll";
  }
  return "?";
}

const char* mode_name(bench_mode mode) {
  switch (mode) {
  case bench_mode::steady:
    return "steady";
  case bench_mode::idle:
    return "idle";
  case bench_mode::saturate:
    return "saturate";
  case bench_mode::storm:
    return "storm";
  case bench_mode::soak:
    return "soak";
  }
  return "?";
}

double bench_options::connect_budget_s() const {
  return 30 + clients / 100.0 + (connect_retries + 1.0) * connect_timeout_ms / 1000.0;
}

double bench_options::hard_cap_s() const {
  double connect = connect_budget_s();
  double phases = 0;
  switch (mode) {
  case bench_mode::steady:
  case bench_mode::storm:
  case bench_mode::soak:
    phases = warmup_s + duration_s + drain_s + (mode == bench_mode::storm ? drain_s : 0);
    break;
  case bench_mode::idle:
    phases = duration_s;
    break;
  case bench_mode::saturate:
    phases = warmup_s + (max_steps + 2) * (step_duration_s + drain_s + 3); // 2 repeats
    break;
  }
  return relay_wait_s + connect + phases + cap_slack_s;
}

parsed_command_line parse_command_line(int argc, const char* const* argv) {
  bench_options o;
  std::string mode = "steady";
  std::string transport = "ws";
  std::string rates;
  CLI::App app{"runrelay-bench: load generator for runrelay. It plays the orchestrator "
               "(a WebSocket server the relay dials), opens --clients subscribers on the "
               "relay's /ws, publishes numbered, timestamped events and reports "
               "delivery, loss, duplicates, order, one-way latency and the relay's CPU "
               "and memory. Relay arguments: --relay-arg X (repeatable; X may start "
               "with --) or everything after --."};
  app.get_formatter()->column_width(34);
  app.add_option("--mode", mode, "steady | idle | saturate | storm | soak")
      ->capture_default_str();
  app.add_option("--transport", transport,
                 "how subscribers receive: ws (/ws), sse (/runs/<id>/stream) or poll "
                 "(/runs/<id>/events?wait_ms=)")
      ->capture_default_str();
  app.add_option("--relay-bin", o.relay_bin,
                 "start this runrelay binary (--listen 127.0.0.1:<free port>, --upstream "
                 "this bench) and stop it at the end");
  app.add_option("--relay-log", o.relay_log,
                 "file for the spawned relay's stderr (default: discarded)");
  app.add_option("--relay-url", o.relay_url,
                 "attach to a running relay's WebSocket, e.g. ws://127.0.0.1:8080/ws");
  app.add_option("--relay-pid", o.relay_pid, "PID of that relay, for CPU/RSS sampling");
  app.add_option("--orchestrator-port", o.orchestrator_port,
                 "port of the orchestrator WebSocket the relay dials (0: any free port)")
      ->capture_default_str();
  app.add_option("--relay-wait", o.relay_wait_s,
                 "seconds to wait for the relay's hello and its client port")
      ->capture_default_str();
  app.add_option("--run-prefix", o.run_prefix,
                 "run ids are <prefix><k>; attached: default r<random>- so that event "
                 "ids never repeat on a relay that already saw a bench")
      ->capture_default_str();
  app.add_option("--clients", o.clients, "subscriber connections")->capture_default_str();
  app.add_option("--runs", o.runs, "runs; client i subscribes r<i % runs>")
      ->capture_default_str();
  app.add_option("--rate", o.rate, "events per second over all runs (saturate: first)")
      ->capture_default_str();
  app.add_option("--burst", o.burst, "publish K events at once every K/rate s (0: even)")
      ->capture_default_str();
  app.add_option("--duration", o.duration_s, "seconds of publishing (idle: holding)")
      ->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "seconds published first, not in the latency")
      ->capture_default_str();
  app.add_option("--payload-bytes", o.payload_bytes, "bytes of padding in each event")
      ->capture_default_str();
  app.add_option("--drain", o.drain_s, "max seconds to wait for in-flight deliveries")
      ->capture_default_str();
  app.add_option("--rates", rates, "saturate: comma-separated rates (default: doubling)");
  app.add_option("--step-duration", o.step_duration_s, "saturate: seconds per step")
      ->capture_default_str();
  app.add_option("--p99-limit-ms", o.p99_limit_ms, "saturate: a step fails above this")
      ->capture_default_str();
  app.add_option("--max-steps", o.max_steps, "saturate: most steps")
      ->capture_default_str();
  app.add_option("--storm-at", o.storm_at_s,
                 "storm: seconds into publishing when all clients reconnect (default "
                 "half the duration)");
  app.add_option("--churn-percent", o.churn_percent,
                 "soak: % of the clients that leave and resume with `since` each time")
      ->capture_default_str();
  app.add_option("--churn-every", o.churn_every_s, "soak: seconds between churns")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "subscriber I/O threads (0: one per core)")
      ->capture_default_str();
  app.add_option("--connect-concurrency", o.connect_concurrency,
                 "connection attempts in flight at once")
      ->capture_default_str();
  app.add_option("--connect-retries", o.connect_retries, "retries per client")
      ->capture_default_str();
  app.add_option("--connect-timeout-ms", o.connect_timeout_ms,
                 "connect + handshake + subscribed, per attempt")
      ->capture_default_str();
  app.add_flag("--json", o.json, "print one JSON object with every figure on stdout");
  app.add_flag("--quiet", o.quiet, "no progress lines on stderr");
  app.add_option("--relay-arg", o.relay_args,
                 "argument for the spawned relay (repeatable)");
  try {
    auto rest = split_relay_args(argc, argv, o.relay_args);
    try {
      app.parse(rest);
    } catch (const CLI::ParseError& e) {
      int code = app.exit(e);
      return parsed_command_line{std::nullopt, code == 0 ? 0 : usage_error};
    }
    bool prefix_given = app.count("--run-prefix") > 0;
    validate(o, mode, rates);
    o.transport = parse_transport(transport);
    if (!o.spawns_relay() && !prefix_given)
      o.run_prefix = "r" + std::to_string(std::random_device{}() % 1000000) + "-";
  } catch (const usage_failure& e) {
    std::fprintf(stderr,
                 "runrelay-bench: %s: %s\nrun 'runrelay-bench --help' for the "
                 "options\n",
                 e.option.c_str(), e.message.c_str());
    return parsed_command_line{std::nullopt, usage_error};
  }
  return parsed_command_line{o, 0};
}

} // namespace runrelay::bench
