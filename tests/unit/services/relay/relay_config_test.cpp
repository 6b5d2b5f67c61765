#include "services/relay/relay_config.hpp"

#include <boost/test/unit_test.hpp>

#include <functional>
#include <sstream>

using runrelay::services::parse_outcome;
using runrelay::services::parse_relay_config;
using runrelay::services::random_relay_id;
using config = runrelay::services::relay_config;

namespace {

const std::string upstream = "--upstream=ws://orchestrator:9000/relay";

parse_outcome parse(std::vector<std::string> args, std::vector<std::string> env = {}) {
  return parse_relay_config(args, env);
}

// Parses with a valid upstream added, for options other than --upstream.
parse_outcome parse_with(std::vector<std::string> args,
                         std::vector<std::string> env = {}) {
  args.insert(args.begin(), upstream); // first, so that a later --upstream wins
  return parse_relay_config(args, env);
}

std::string variable_of(const std::string& name) {
  std::string v = "RUNRELAY_" + name;
  for (char& c : v)
    c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return v;
}

// "relay-" and 12 lowercase hex digits.
bool is_relay_id(const std::string& id) {
  return id.size() == 18 && id.rfind("relay-", 0) == 0 &&
         id.find_first_not_of("0123456789abcdef", 6) == std::string::npos;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void check_error(const parse_outcome& out, const std::vector<std::string>& parts) {
  BOOST_TEST_CONTEXT("output: " << out.output) {
    BOOST_TEST(!out.config.has_value());
    BOOST_TEST(out.exit_status == 2);
    BOOST_TEST(out.output.rfind("runrelay: ", 0) == 0u);
    BOOST_TEST(contains(out.output, "run 'runrelay --help' for the options"));
    BOOST_TEST(std::count(out.output.begin(), out.output.end(), '\n') == 2);
    for (const auto& part : parts)
      BOOST_TEST(contains(out.output, part), "missing '" << part << "'");
  }
}

// Every option with a valid non-default value and how to check it arrived.
struct option_case {
  std::string name;
  std::string value;
  std::function<bool(const config&)> applied;
};

std::vector<option_case> every_option() {
  return {
      {"listen", "0.0.0.0:9001",
       [](const config& c) {
         return c.listen_host == "0.0.0.0" && c.listen_port == 9001;
       }},
      {"upstream", "wss://orch.example:8443/ws?x=1",
       [](const config& c) {
         return c.upstream_url == "wss://orch.example:8443/ws?x=1";
       }},
      {"relay-id", "relay-a", [](const config& c) { return c.relay_id == "relay-a"; }},
      {"upstream-ping-ms", "2000",
       [](const config& c) { return c.upstream_ping_ms == 2000; }},
      {"upstream-idle-timeout-ms", "60000",
       [](const config& c) { return c.upstream_idle_timeout_ms == 60000; }},
      {"backoff-base-ms", "500",
       [](const config& c) { return c.backoff_base_ms == 500; }},
      {"backoff-max-ms", "40000",
       [](const config& c) { return c.backoff_max_ms == 40000; }},
      {"backoff-jitter", "0.25",
       [](const config& c) { return c.backoff_jitter == 0.25; }},
      {"max-attempts", "7", [](const config& c) { return c.max_attempts == 7u; }},
      {"dedup-window-ms", "7000",
       [](const config& c) { return c.dedup_window_ms == 7000; }},
      {"history-limit", "42", [](const config& c) { return c.history_limit == 42; }},
      {"run-retention-ms", "120000",
       [](const config& c) { return c.run_retention_ms == 120000; }},
      {"max-runs", "3", [](const config& c) { return c.max_runs == 3; }},
      {"resume-wait-ms", "250", [](const config& c) { return c.resume_wait_ms == 250; }},
      {"queue-capacity", "9", [](const config& c) { return c.queue_capacity == 9; }},
      {"heartbeat-ms", "1500", [](const config& c) { return c.heartbeat_ms == 1500; }},
      {"max-subscriptions", "4",
       [](const config& c) { return c.max_subscriptions == 4; }},
      {"client-rate-limit", "11",
       [](const config& c) { return c.client_rate_limit == 11; }},
      {"max-frame-bytes", "1024",
       [](const config& c) { return c.max_frame_bytes == 1024; }},
      {"client-buffer-frames", "16",
       [](const config& c) { return c.client_buffer_frames == 16; }},
      {"client-buffer-bytes", "4096",
       [](const config& c) { return c.client_buffer_bytes == 4096; }},
      {"shutdown-grace-ms", "100",
       [](const config& c) { return c.shutdown_grace_ms == 100; }},
      {"scheduler-threads", "4",
       [](const config& c) { return c.scheduler_threads == 4u; }},
      {"io-threads", "2", [](const config& c) { return c.io_threads == 2u; }},
      {"scheduler", "stealing",
       [](const config& c) { return c.scheduler_policy == "stealing"; }},
      {"log-level", "debug", [](const config& c) { return c.log_level == "debug"; }},
  };
}

// Options taking an integer, with their minimum.
std::vector<std::pair<std::string, int>> integer_options() {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& o : every_option())
    if (o.value.find_first_not_of("0123456789") == std::string::npos)
      out.emplace_back(o.name,
                       o.name == "max-attempts" || o.name == "resume-wait-ms" ? 0 : 1);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(relay_config)

BOOST_AUTO_TEST_CASE(defaults) {
  auto out = parse({upstream});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.exit_status == 0);
  BOOST_TEST(out.output.empty());
  const auto& c = *out.config;
  BOOST_TEST(c.listen_host == "127.0.0.1");
  BOOST_TEST(c.listen_port == 8080);
  BOOST_TEST(c.upstream_url == "ws://orchestrator:9000/relay");
  BOOST_TEST(is_relay_id(c.relay_id), c.relay_id);
  BOOST_TEST(c.upstream_ping_ms == 15000u);
  BOOST_TEST(c.upstream_idle_timeout_ms == 45000u);
  BOOST_TEST(c.backoff_base_ms == 1000u);
  BOOST_TEST(c.backoff_max_ms == 30000u);
  BOOST_TEST(c.backoff_jitter == 0.1);
  BOOST_TEST(c.max_attempts == 0u);
  BOOST_TEST(c.dedup_window_ms == 5000u);
  BOOST_TEST(c.history_limit == 5000u);
  BOOST_TEST(c.run_retention_ms == 3600000u);
  BOOST_TEST(c.max_runs == 10000u);
  BOOST_TEST(c.resume_wait_ms == 1000u);
  BOOST_TEST(c.queue_capacity == 1000u);
  BOOST_TEST(c.heartbeat_ms == 30000u);
  BOOST_TEST(c.max_subscriptions == 100u);
  BOOST_TEST(c.client_rate_limit == 100u);
  BOOST_TEST(c.max_frame_bytes == 65536u);
  BOOST_TEST(c.client_buffer_frames == 1024u);
  BOOST_TEST(c.client_buffer_bytes == 8u * 1024 * 1024);
  BOOST_TEST(c.shutdown_grace_ms == 5000u);
  BOOST_TEST(c.scheduler_threads == 1u);
  BOOST_TEST(c.io_threads == 1u);
  BOOST_TEST(c.log_level == "info");
  BOOST_TEST(c.scheduler_policy == "sharing");
}

BOOST_AUTO_TEST_CASE(random_relay_ids_differ) {
  std::string a = random_relay_id(), b = random_relay_id();
  BOOST_TEST(is_relay_id(a), a);
  BOOST_TEST(a != b);
  BOOST_TEST(parse({upstream}).config->relay_id != parse({upstream}).config->relay_id);
}

BOOST_AUTO_TEST_CASE(every_option_as_flag_equals_form_and_variable) {
  for (const auto& o : every_option()) {
    BOOST_TEST_CONTEXT("--" << o.name << " " << o.value) {
      auto spaced = parse_with({"--" + o.name, o.value});
      BOOST_TEST_REQUIRE(spaced.config.has_value(), spaced.output);
      BOOST_TEST(o.applied(*spaced.config));

      auto equals = parse_with({"--" + o.name + "=" + o.value});
      BOOST_TEST_REQUIRE(equals.config.has_value(), equals.output);
      BOOST_TEST(o.applied(*equals.config));

      std::vector<std::string> env = {"PATH=/usr/bin",
                                      variable_of(o.name) + "=" + o.value};
      if (o.name != "upstream")
        env.push_back("RUNRELAY_UPSTREAM=ws://orchestrator");
      auto from_env = parse({}, env);
      BOOST_TEST_REQUIRE(from_env.config.has_value(), from_env.output);
      BOOST_TEST(o.applied(*from_env.config));
    }
  }
}

BOOST_AUTO_TEST_CASE(flag_beats_variable) {
  auto out = parse_with({"--history-limit", "7", "--listen=[::1]:9"},
                        {"RUNRELAY_HISTORY_LIMIT=9", "RUNRELAY_LISTEN=10.0.0.1:1",
                         "RUNRELAY_UPSTREAM=ws://other", "RUNRELAY_MAX_RUNS=5"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->history_limit == 7u);
  BOOST_TEST(out.config->listen_host == "::1");
  BOOST_TEST(out.config->listen_port == 9);
  BOOST_TEST(out.config->upstream_url == "ws://orchestrator:9000/relay");
  BOOST_TEST(out.config->max_runs == 5u); // a variable without a flag still applies
  // A flag also hides an invalid variable.
  out = parse_with({"--history-limit=3"}, {"RUNRELAY_HISTORY_LIMIT=junk"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->history_limit == 3u);
}

BOOST_AUTO_TEST_CASE(variables_empty_unrelated_and_repeated_flags) {
  auto out =
      parse_with({}, {"RUNRELAY_HISTORY_LIMIT=", "RUNRELAY_BIN=/x/runrelay",
                      "RUNRELAY_HISTORY_LIMITS=1", "NOEQUALS", "X_RUNRELAY_MAX_RUNS=1"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->history_limit == 5000u);
  BOOST_TEST(out.config->max_runs == 10000u);
  out = parse_with({"--max-runs", "2", "--max-runs=3"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->max_runs == 3u);
}

BOOST_AUTO_TEST_CASE(invalid_integers_name_the_option) {
  for (const auto& [name, min] : integer_options()) {
    std::vector<std::string> bad = {"abc",          "-5", "12x",
                                    " 5",           "+5", "1.5",
                                    "0x10",         "",   "99999999999999999999999",
                                    "1000000000001"};
    if (min == 1)
      bad.push_back("0");
    for (const auto& value : bad) {
      BOOST_TEST_CONTEXT("--" << name << " '" << value << "'") {
        check_error(parse_with({"--" + name, value}),
                    {"--" + name + ": '" + value + "'"});
        auto env =
            parse_with({}, {variable_of(name) + "=" + (value.empty() ? "x" : value)});
        check_error(env, {variable_of(name) + " (--" + name + "): "});
      }
    }
  }
  check_error(parse_with({"--dedup-window-ms", "0"}),
              {"runrelay: --dedup-window-ms: '0' is not an integer of at least 1"});
  check_error(parse_with({"--history-limit=99999999999999999999999"}), {"too large"});
}

BOOST_AUTO_TEST_CASE(zero_exceptions) {
  auto out = parse_with({"--max-attempts", "0", "--resume-wait-ms=0"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->max_attempts == 0u);
  BOOST_TEST(out.config->resume_wait_ms == 0u);
  out = parse_with({}, {"RUNRELAY_MAX_ATTEMPTS=0", "RUNRELAY_RESUME_WAIT_MS=0"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->resume_wait_ms == 0u);
  out = parse_with({"--max-attempts=4294967295"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  check_error(parse_with({"--max-attempts=4294967296"}), {"--max-attempts", "too large"});
}

BOOST_AUTO_TEST_CASE(thread_counts) {
  BOOST_TEST(
      parse_with({"--scheduler-threads=64", "--io-threads=64"}).config.has_value());
  check_error(parse_with({"--scheduler-threads=65"}),
              {"--scheduler-threads", "at most 64"});
  check_error(parse_with({"--io-threads=0"}), {"--io-threads"});
}

BOOST_AUTO_TEST_CASE(jitter_bounds) {
  for (std::string ok : {"0", "1", "0.5", "1.0", ".5", "1e-1"}) {
    auto out = parse_with({"--backoff-jitter", ok});
    BOOST_TEST_REQUIRE(out.config.has_value(), ok << ": " << out.output);
    BOOST_TEST(out.config->backoff_jitter == std::stod(ok));
  }
  for (std::string bad :
       {"-0.1", "1.01", "2", "nan", "inf", "abc", "0.5x", "", " 0.5", "0,5"})
    check_error(parse_with({"--backoff-jitter", bad}),
                {"--backoff-jitter: '" + bad + "' is not a number from 0 to 1"});
  check_error(parse_with({}, {"RUNRELAY_BACKOFF_JITTER=1.5"}),
              {"RUNRELAY_BACKOFF_JITTER (--backoff-jitter)"});
}

BOOST_AUTO_TEST_CASE(listen_addresses) {
  auto out = parse_with({"--listen", "[::1]:8080"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->listen_host == "::1");
  BOOST_TEST(out.config->listen_port == 8080);
  out = parse_with({"--listen=localhost:65535"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->listen_host == "localhost");
  BOOST_TEST(out.config->listen_port == 65535);
  for (std::string bad : {"8080", "host:0", "host:65536", ":8080", "::1:8080", "[::1]",
                          "[::1]8080", "host:80x", "host:", "[]:80", "[::1:80", "a b:80"})
    check_error(parse_with({"--listen", bad}), {"--listen: '" + bad + "'"});
  check_error(parse_with({}, {"RUNRELAY_LISTEN=nope"}), {"RUNRELAY_LISTEN (--listen)"});
}

BOOST_AUTO_TEST_CASE(upstream_urls) {
  for (std::string ok : {"ws://h", "wss://h:443/p?q#f", "ws://[::1]:9/x"}) {
    auto out = parse({"--upstream", ok});
    BOOST_TEST_REQUIRE(out.config.has_value(), ok << ": " << out.output);
    BOOST_TEST(out.config->upstream_url == ok);
  }
  BOOST_TEST(parse({"--upstream=WS://Host/x"}).config->upstream_url == "ws://Host/x");
  for (std::string bad : {"http://h", "h:80", "ws://", "ws:///p", "ws://h:0", "ws://h:x",
                          "ws://a b", "wss//h", "ws://[::1/", "ws://::1/",
                          "ws://u:p@h/"}) // run_relay could never dial user info
    check_error(parse({"--upstream", bad}), {"--upstream: '" + bad + "'"});
  check_error(
      parse({}, {"RUNRELAY_UPSTREAM=http://x"}),
      {"RUNRELAY_UPSTREAM (--upstream): 'http://x' is not a ws:// or wss:// URL"});
}

BOOST_AUTO_TEST_CASE(relay_id_log_level_and_scheduler) {
  check_error(parse_with({"--relay-id", "a b"}), {"--relay-id"});
  check_error(parse_with({"--relay-id", std::string(129, 'x')}), {"--relay-id"});
  BOOST_TEST(parse_with({"--relay-id", std::string(128, 'x')}).config.has_value());
  for (std::string level : {"trace", "debug", "info", "warn", "error", "off"})
    BOOST_TEST(parse_with({"--log-level", level}).config->log_level == level);
  BOOST_TEST(parse_with({"--log-level=WARN"}).config->log_level == "warn");
  check_error(parse_with({"--log-level", "verbose"}), {"--log-level: 'verbose'"});
  BOOST_TEST(parse_with({"--scheduler=Sharing"}).config->scheduler_policy == "sharing");
  check_error(parse_with({"--scheduler", "fifo"}), {"--scheduler: 'fifo'"});
}

BOOST_AUTO_TEST_CASE(cross_checks) {
  check_error(parse_with({"--backoff-base-ms=5000", "--backoff-max-ms=1000"}),
              {"--backoff-max-ms (1000)", "--backoff-base-ms (5000)"});
  BOOST_TEST(
      parse_with({"--backoff-base-ms=5000", "--backoff-max-ms=5000"}).config.has_value());
  check_error(parse_with({"--upstream-ping-ms=45000"}),
              {"--upstream-idle-timeout-ms (45000)", "--upstream-ping-ms (45000)"});
  check_error(parse_with({}, {"RUNRELAY_UPSTREAM_IDLE_TIMEOUT_MS=100"}),
              {"--upstream-idle-timeout-ms (100)", "--upstream-ping-ms"});
}

BOOST_AUTO_TEST_CASE(unknown_options_and_arguments) {
  check_error(parse_with({"--bogus"}), {"unknown option '--bogus'"});
  check_error(parse_with({"--bogus=1"}), {"unknown option '--bogus'"});
  check_error(parse_with({"-x"}), {"unknown option '-x'"});
  check_error(parse_with({"-"}), {"'-'"});
  check_error(parse_with({"--history"}), {"did you mean --history-limit?"});
  check_error(parse_with({"extra"}), {"unexpected argument 'extra'"});
  check_error(parse_with({"--", "--max-runs=1"}), {"'--max-runs=1'"});
  BOOST_TEST(parse_with({"--"}).config.has_value());
}

BOOST_AUTO_TEST_CASE(missing_values) {
  check_error(parse_with({"--history-limit"}), {"--history-limit: missing value"});
  check_error(parse({upstream, "--history-limit"}), {"--history-limit: missing value"});
  check_error(parse_with({"--relay-id", "--max-runs", "5"}),
              {"--relay-id: missing value"});
  check_error(parse_with({"--max-runs="}), {"--max-runs: missing value"});
  check_error(parse({"--upstream"}), {"--upstream: missing value"});
}

BOOST_AUTO_TEST_CASE(missing_upstream) {
  check_error(parse({}), {"runrelay: --upstream (or RUNRELAY_UPSTREAM) is required"});
  check_error(parse({"--history-limit=5"}, {"RUNRELAY_UPSTREAM="}), {"is required"});
}

BOOST_AUTO_TEST_CASE(help) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"--bogus", "--help"}, {"--max-runs", "--help"}}) {
    auto out = parse(args);
    BOOST_TEST(out.exit_status == 0);
    BOOST_TEST(!out.config.has_value());
    BOOST_TEST(contains(out.output, "usage: runrelay"));
  }
  const std::string text = parse({"--help"}).output;
  for (const auto& o : every_option()) {
    BOOST_TEST(contains(text, "--" + o.name + " "), o.name);
    BOOST_TEST(contains(text, "env " + variable_of(o.name) + "\n"), o.name);
  }
  for (std::string part :
       {"Upstream", "Dedup, history", "Clients", "Runtime", "default 5000",
        "default 127.0.0.1:8080", "default 0.1", "default info",
        "default 8388608 (8 MiB)", "default 3600000 (1 h)"})
    BOOST_TEST(contains(text, part), part);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    BOOST_TEST(line.size() <= 100u, line);
}

BOOST_AUTO_TEST_SUITE_END()
