// --config FILE / RUNRELAY_CONFIG: precedence, errors with key and line, and
// deploy/runrelay.toml against the relay's options.
#include "services/relay/config_file.hpp"
#include "services/relay/relay_config.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <unistd.h>

using runrelay::services::parse_outcome;
using runrelay::services::parse_relay_config;
using runrelay::services::read_config_file;
using runrelay::services::relay_options;

namespace {

const std::string upstream = "--upstream=ws://orchestrator:9000/relay";

// A TOML file that lives as long as the object.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/runrelay-config-XXXXXX";
    int fd = mkstemp(name);
    BOOST_TEST_REQUIRE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream(path) << text;
  }
  ~temp_file() { std::remove(path.c_str()); }
};

parse_outcome parse(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), upstream);
  return parse_relay_config(args, env);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Exit 2 with one "runrelay: ..." line (and the --help hint) holding every part.
void check_error(const parse_outcome& out, const std::vector<std::string>& parts) {
  std::string first_line = out.output.substr(0, out.output.find('\n'));
  BOOST_TEST((!out.config && out.exit_status == 2), out.output);
  for (const auto& part : parts)
    BOOST_TEST(contains(first_line, part), "'" << part << "' not in: " << first_line);
}

} // namespace

BOOST_AUTO_TEST_SUITE(config_file)

BOOST_AUTO_TEST_CASE(file_applies_over_defaults) {
  temp_file f("# comment\n\nhistory-limit = 7 # trailing\nlisten = \"0.0.0.0:9001\"\n"
              "log-format = 'json'\nbackoff-jitter = 0.5\n");
  for (auto out : {parse({"--config", f.path}), parse({"--config=" + f.path}),
                   parse({}, {"RUNRELAY_CONFIG=" + f.path})}) {
    BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
    BOOST_TEST(out.config->history_limit == 7u);
    BOOST_TEST(out.config->listen_host == "0.0.0.0");
    BOOST_TEST(out.config->listen_port == 9001);
    BOOST_TEST(out.config->log_format == "json");
    BOOST_TEST(out.config->backoff_jitter == 0.5);
    BOOST_TEST(out.config->max_runs == 10000u); // not in the file: the default
    BOOST_TEST(out.config->config_file == f.path);
  }
}

BOOST_AUTO_TEST_CASE(precedence_flag_variable_file_default) {
  temp_file f("history-limit = 7\nmax-runs = 8\nqueue-capacity = 9\n");
  auto out = parse({"--config", f.path, "--history-limit=1"},
                   {"RUNRELAY_HISTORY_LIMIT=2", "RUNRELAY_MAX_RUNS=3"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->history_limit == 1u);  // flag > variable > file
  BOOST_TEST(out.config->max_runs == 3u);       // variable > file
  BOOST_TEST(out.config->queue_capacity == 9u); // file > default
  BOOST_TEST(out.config->heartbeat_ms == 30000u);
  out = parse({"--config", f.path, "--max-runs=4"});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->max_runs == 4u); // flag > file
  // An empty variable does not hide the file's value.
  out = parse({"--config", f.path}, {"RUNRELAY_MAX_RUNS="});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->max_runs == 8u);
}

BOOST_AUTO_TEST_CASE(config_flag_wins_over_its_variable) {
  temp_file a("max-runs = 11\n"), b("max-runs = 12\n");
  auto out = parse({"--config", a.path}, {"RUNRELAY_CONFIG=" + b.path});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  BOOST_TEST(out.config->max_runs == 11u);
  out = parse({}, {"RUNRELAY_CONFIG="}); // empty: no file
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
}

BOOST_AUTO_TEST_CASE(errors_name_the_file_line_and_key) {
  struct bad {
    std::string text;
    std::vector<std::string> parts;
  };
  const std::vector<bad> cases = {
      {"# x\nhistory-limt = 5\n", {":2: unknown key 'history-limt'"}},
      {"max_runs = 5\n", {":1: unknown key 'max_runs' (did you mean --max-runs?)"}},
      {"\n\nhistory-limit = 0\n", {":3: history-limit: '0' is not an integer"}},
      {"history-limit = lots\n", {":1: history-limit: 'lots'"}},
      {"listen = \"127.0.0.1:8080\n", {":1: listen: unclosed quote"}},
      {"just words\n", {":1: expected KEY = VALUE"}},
      {"[relay]\nmax-runs = 1\n", {":1: tables"}},
      {"max-runs = [1, 2]\n", {":1: max-runs: takes one value"}},
      {"max-runs =\n", {":1: max-runs: missing value"}},
      {"max-runs = 1\nmax-runs = 2\n", {":2: max-runs: already set on line 1"}},
      {"config = \"/etc/x\"\n", {":1: unknown key 'config'"}},
      {"log-format = \"xml\"\n", {":1: log-format: 'xml' is not one of text, json"}},
  };
  for (const auto& c : cases) {
    temp_file f(c.text);
    auto parts = c.parts;
    parts.push_back("--config " + f.path + ":");
    check_error(parse({"--config", f.path}), parts);
  }
  // A file's error stands even where a flag overrides the key.
  temp_file f("history-limit = lots\n");
  check_error(parse({"--config", f.path, "--history-limit=3"}), {"history-limit"});
  check_error(parse({}, {"RUNRELAY_CONFIG=" + f.path}), {"RUNRELAY_CONFIG " + f.path});
  check_error(parse({"--config", "/nonexistent/runrelay.toml"}),
              {"/nonexistent/runrelay.toml: cannot read"});
}

BOOST_AUTO_TEST_CASE(example_file_lists_every_option_with_its_default) {
  const std::string path = std::string(RUNRELAY_SOURCE_DIR) + "/deploy/runrelay.toml";
  auto file = read_config_file(path);
  BOOST_TEST_REQUIRE(file.error.empty(), file.error);
  std::set<std::string> keys, options;
  for (const auto& e : file.entries)
    keys.insert(e.key);
  // Options without a default are there as comments: '# upstream = "ws://..."'.
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    for (const char* name : {"upstream", "relay-id"})
      if (line.rfind(std::string("# ") + name + " = ", 0) == 0)
        keys.insert(name);
  for (const auto& o : relay_options()) {
    if (o.name == "config")
      continue;
    options.insert(o.name);
    for (const auto& e : file.entries)
      if (e.key == o.name) // "3600000 (1 h)" -> "3600000"
        BOOST_TEST(e.value == o.default_text.substr(0, o.default_text.find(" (")),
                   o.name);
  }
  BOOST_TEST(keys == options, "the file's keys are not exactly the relay's options");
  // Loading it changes nothing: every field is its default.
  auto out = parse({"--config", path});
  BOOST_TEST_REQUIRE(out.config.has_value(), out.output);
  auto loaded = *out.config;
  runrelay::services::relay_config d;
  d.upstream_url = loaded.upstream_url;
  d.relay_id = loaded.relay_id;
  d.config_file = path;
  auto fields = [](const runrelay::services::relay_config& c) {
    return std::make_tuple(
        c.listen_host, c.listen_port, c.upstream_ping_ms, c.upstream_idle_timeout_ms,
        c.backoff_base_ms, c.backoff_max_ms, c.backoff_jitter, c.max_attempts,
        c.dedup_window_ms, c.history_limit, c.run_retention_ms, c.max_runs,
        c.resume_wait_ms, c.queue_capacity, c.heartbeat_ms, c.max_subscriptions,
        c.client_rate_limit, c.max_frame_bytes, c.client_buffer_frames,
        c.client_buffer_bytes, c.shutdown_grace_ms, c.scheduler_threads,
        c.scheduler_policy, c.io_threads, c.log_level, c.log_format, c.config_file);
  };
  BOOST_TEST((fields(loaded) == fields(d)));
}

BOOST_AUTO_TEST_CASE(help_mentions_the_file) {
  auto out = parse_relay_config({"--help"}, {});
  BOOST_TEST(contains(out.output, "--config FILE"));
  BOOST_TEST(contains(out.output, "env RUNRELAY_CONFIG"));
  BOOST_TEST(contains(out.output, "--log-format FORMAT"));
}

BOOST_AUTO_TEST_SUITE_END()
