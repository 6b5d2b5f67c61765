#include "services/tools/bench/session.hpp"

#include <cstdio>
#include <thread>

#include <boost/asio/ip/address.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value_from.hpp>

#include "services/tools/bench/report.hpp"
#include "services/web_client/web_url.hpp"

namespace runrelay::bench {
namespace {

using namespace std::chrono_literals;

constexpr auto wait_step = 20ms;
constexpr auto settle_after_connect = 500ms; // lets the relay's RSS settle
constexpr double phase_overrun_s = 15;       // a phase ends this late at most
constexpr auto client_close_grace = 3s;
constexpr auto relay_stop_grace = 6s; // the relay's own grace is 5 s
constexpr auto collect_timeout = 10s;

double since_s(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

// The client WebSocket of the relay under test: a spawned relay serves /ws.
web_client::web_url relay_ws_url(const bench_options& options, const std::string& host,
                                 unsigned short port) {
  return {"ws", false, host, std::to_string(port),
          options.spawns_relay() ? "/ws" : options.relay_path};
}

} // namespace

bench_session::bench_session(const bench_options& options)
    : options_(options), heads_(options.runs),
      orchestrator_(std::make_unique<orchestrator_server>(options, heads_)) {}

bench_session::~bench_session() {
  boost::json::object ignored;
  finish(ignored);
}

bool bench_session::setup(boost::json::object& result) {
  auto& config = result["config"].emplace_object();
  config = config_json(options_);
  config["file_limit"] = raise_file_limit();
  unsigned short orchestrator_port = 0;
  try {
    orchestrator_port = orchestrator_->start(options_.orchestrator_port);
  } catch (const std::exception& e) {
    failure_ =
        "cannot listen on 127.0.0.1:" + std::to_string(options_.orchestrator_port) +
        ": " + e.what();
    return false;
  }
  auto upstream = "ws://127.0.0.1:" + std::to_string(orchestrator_port) + "/";
  config["orchestrator_url"] = upstream;
  auto& relay = result["relay"].emplace_object();
  relay["spawned"] = options_.spawns_relay();
  relay_host_ = options_.relay_host;
  relay_port_ = options_.relay_port;
  if (options_.spawns_relay()) {
    if (!spawn_relay(upstream, relay))
      return false;
  } else {
    relay_pid_ = options_.relay_pid;
    std::fprintf(stderr,
                 "runrelay-bench: orchestrator listening on %s; the relay must dial it "
                 "(runrelay --upstream %s)\n",
                 upstream.c_str(), upstream.c_str());
  }
  relay["pid"] = relay_pid_ ? boost::json::value(relay_pid_) : nullptr;
  relay["url"] = relay_ws_url(options_, relay_host_, relay_port_).text();
  return wait_for_relay(relay);
}

bool bench_session::spawn_relay(const std::string& upstream, boost::json::object& relay) {
  std::vector<std::string> args;
  try {
    relay_port_ = free_loopback_port();
    args = {"--listen", "127.0.0.1:" + std::to_string(relay_port_), "--upstream",
            upstream};
    args.insert(args.end(), options_.relay_args.begin(), options_.relay_args.end());
    relay_ =
        std::make_unique<relay_process>(options_.relay_bin, args, options_.relay_log);
  } catch (const std::exception& e) {
    failure_ = e.what();
    return false;
  }
  relay_pid_ = relay_->pid();
  set_watched_relay(relay_pid_);
  relay["bin"] = options_.relay_bin;
  relay["args"] = boost::json::value_from(args);
  relay["log"] = options_.relay_log.empty() ? boost::json::value(nullptr)
                                            : boost::json::value(options_.relay_log);
  return true;
}

bool bench_session::wait_for_relay(boost::json::object& relay) {
  auto start = std::chrono::steady_clock::now();
  auto budget = to_ms(options_.relay_wait_s);
  bool hello = false;
  while (!hello && std::chrono::steady_clock::now() - start < budget) {
    if (stop_requested() || !relay_alive())
      break;
    hello = orchestrator_->wait_for_hello(100ms);
  }
  if (!hello) {
    failure_ = !relay_alive() ? "the relay " + relay_->ending() + " before it said hello"
               : stop_requested() ? "interrupted"
                                  : "the relay did not dial the orchestrator within " +
                                        std::to_string(options_.relay_wait_s) + " s";
    if (relay_)
      failure_ += options_.relay_log.empty() ? " (--relay-log FILE keeps its stderr)"
                                             : " (its log: " + options_.relay_log + ")";
    return false;
  }
  boost::system::error_code ec;
  auto hello_value = boost::json::parse(orchestrator_->first_hello(), ec);
  relay["hello"] = ec ? boost::json::value(nullptr) : hello_value;
  auto left = budget - std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start);
  if (!wait_for_port(relay_host_, relay_port_,
                     std::max(left, std::chrono::milliseconds(1000)),
                     [this] { return !stop_requested() && relay_alive(); })) {
    failure_ = "the relay does not accept connections on " + relay_host_ + ":" +
               std::to_string(relay_port_);
    return false;
  }
  if (auto sample = sample_process(relay_pid_))
    relay["rss_mb_start"] = kib_to_mb(sample->rss_kib);
  return true;
}

bool bench_session::relay_alive() {
  return !relay_ || relay_->running();
}

subscriber_env bench_session::client_env() const {
  subscriber_env env;
  env.endpoint = {boost::asio::ip::make_address(relay_host_), relay_port_};
  auto url = relay_ws_url(options_, relay_host_, relay_port_);
  env.host = url.host_header();
  env.path = url.target;
  env.transport = options_.transport;
  env.connect_timeout = std::chrono::milliseconds(options_.connect_timeout_ms);
  env.connect_retries = options_.connect_retries;
  env.heads = &heads_;
  env.measure_from_us = &measure_from_us_;
  return env;
}

bool bench_session::connect_clients(boost::json::object& result) {
  pool_ = std::make_unique<subscriber_pool>(options_, client_env());
  monitor_ = std::make_unique<monitor>(options_, *pool_, *orchestrator_, relay_pid_,
                                       relay_port_);
  monitor_->set_phase("connect", 0);
  auto rss_before = sample_process(relay_pid_);
  if (rss_before)
    rss_before_connect_kib_ = rss_before->rss_kib;
  auto start = std::chrono::steady_clock::now();
  pool_->start();
  while (pool_->progress().settled() < options_.clients &&
         since_s(start) < options_.connect_budget_s() && !stop_requested() &&
         relay_alive()) {
    monitor_->tick();
    std::this_thread::sleep_for(wait_step);
  }
  double wall = since_s(start);
  auto progress = pool_->progress();
  std::this_thread::sleep_for(settle_after_connect);
  auto rss_after = sample_process(relay_pid_);
  auto report = pool_->collect({}, collect_timeout);
  subscribed_per_run_ = report.live_per_run;

  result["connect"] = connect_json(progress, report, options_.clients, wall);
  auto& relay = result["relay"].as_object();
  if (rss_before && rss_after) {
    relay["rss_mb_before_connect"] = kib_to_mb(rss_before->rss_kib);
    relay["rss_mb_after_connect"] = kib_to_mb(rss_after->rss_kib);
    if (progress.subscribed)
      relay["rss_kib_per_connection"] =
          round_to((static_cast<double>(rss_after->rss_kib) -
                    static_cast<double>(rss_before->rss_kib)) /
                       progress.subscribed,
                   2);
  }
  if (!options_.quiet)
    std::fprintf(stderr,
                 "[bench] %llu of %u clients subscribed in %.2f s (%llu failed)\n",
                 static_cast<unsigned long long>(progress.subscribed), options_.clients,
                 wall, static_cast<unsigned long long>(progress.failed));
  if (progress.subscribed == 0)
    failure_ = "no client could subscribe" +
               (report.errors.empty() ? std::string() : ": " + report.errors.front());
  return progress.subscribed > 0;
}

std::vector<seq_range> bench_session::heads_now() const {
  std::vector<seq_range> ranges(options_.runs);
  for (std::uint32_t run = 0; run < options_.runs; ++run)
    ranges[run] = seq_range{1, heads_.get(run)};
  return ranges;
}

phase_result bench_session::publish(double rate, double seconds, double action_at,
                                    const std::function<void()>& action) {
  phase_result result;
  auto from = heads_now();
  auto mark = monitor_->mark();
  auto before = orchestrator_->stats();
  auto start = std::chrono::steady_clock::now();
  bool acted = !action;
  orchestrator_->publish(rate, options_.burst, seconds);
  while (orchestrator_->publishing()) {
    if (stop_requested() || !relay_alive() ||
        since_s(start) > seconds + phase_overrun_s) {
      orchestrator_->cancel_publishing();
      break;
    }
    if (!acted && since_s(start) >= action_at) {
      acted = true;
      action();
    }
    monitor_->tick();
    std::this_thread::sleep_for(wait_step);
  }
  // The last burst goes out before the phase's end: the phase still lasts `seconds`.
  while (since_s(start) < seconds && !stop_requested() && relay_alive()) {
    monitor_->tick();
    std::this_thread::sleep_for(wait_step);
  }
  result.seconds = since_s(start);
  auto after = orchestrator_->stats();
  result.written_in_time = after.published - before.published;
  result.not_published = after.not_published - before.not_published;
  result.queued_peak = after.max_queued;
  result.ranges = heads_now();
  for (std::uint32_t run = 0; run < options_.runs; ++run)
    result.ranges[run].first = from[run].last + 1;
  result.cpu = monitor_->since(mark);
  return result;
}

void bench_session::hold(double seconds) {
  auto start = std::chrono::steady_clock::now();
  while (since_s(start) < seconds && !stop_requested() && relay_alive()) {
    monitor_->tick();
    std::this_thread::sleep_for(wait_step);
  }
}

std::uint64_t
bench_session::expected_deliveries(const std::vector<seq_range>& ranges) const {
  std::uint64_t expected = 0;
  for (std::uint32_t run = 0; run < ranges.size() && run < subscribed_per_run_.size();
       ++run)
    expected += ranges[run].size() * subscribed_per_run_[run];
  return expected;
}

void bench_session::finish(boost::json::object& result) {
  if (finished_)
    return;
  finished_ = true;
  auto end_sample = sample_process(relay_pid_);
  if (pool_)
    pool_->stop(client_close_grace);
  orchestrator_->stop();
  if (result.contains("relay")) {
    auto& relay = result["relay"].as_object();
    if (end_sample) {
      relay["rss_mb_end"] = kib_to_mb(end_sample->rss_kib);
      relay["rss_mb_hwm"] = kib_to_mb(end_sample->hwm_kib);
    }
    if (relay_) {
      bool died_early = !relay_->running();
      relay["ended_early"] = died_early;
      relay["exit"] = relay_->stop(relay_stop_grace);
      set_watched_relay(0);
    }
  }
  if (monitor_)
    monitor_->describe(result);
}

} // namespace runrelay::bench
