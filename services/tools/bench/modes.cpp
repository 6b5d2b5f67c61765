#include "services/tools/bench/modes.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <boost/json/value_from.hpp>
#include <fmt/format.h>

#include "services/tools/bench/phase.hpp"
#include "services/tools/bench/report.hpp"

namespace runrelay::bench {
namespace {

namespace json = boost::json;

// More than this unread in the bench's sockets at a sample: the bench is behind.
constexpr std::uint64_t behind_bytes = 4u << 20;

void run_steady(const bench_options& o, bench_session& s, json::object& out,
                std::vector<std::string>& problems) {
  s.sampler().set_phase("publish", o.rate);
  auto m = measure(s, o.rate, o.warmup_s + o.duration_s, o.warmup_s);
  describe(o, m, out);
  delivery_problems(m, problems);
}

void run_idle(const bench_options& o, bench_session& s, json::object& out,
              std::vector<std::string>&) {
  s.sampler().set_phase("idle", 0);
  auto before = s.sampler().relay_now();
  auto mark = s.sampler().mark();
  s.hold(o.duration_s);
  auto cpu = s.sampler().since(mark);
  auto after = s.sampler().relay_now();
  auto subscribed = s.pool().progress().subscribed;
  json::object idle{{"held_s", round_to(cpu.wall_s, 2)},
                    {"subscribed", subscribed},
                    {"relay_cores", optional_number(cpu.relay_cores, 3)},
                    {"bench_cores", round_to(cpu.bench_cores, 3)}};
  if (auto start = s.relay_rss_before_connect_kib(); start && after) {
    auto delta_kib = static_cast<double>(after->rss_kib) - static_cast<double>(*start);
    idle["rss_mb_before_connect"] = kib_to_mb(*start);
    idle["rss_mb_after_hold"] = kib_to_mb(after->rss_kib);
    idle["rss_mb_delta"] = round_to(delta_kib / 1024, 1);
    if (subscribed)
      idle["kib_per_connection"] =
          round_to(delta_kib / static_cast<double>(subscribed), 2);
  }
  if (before && after) // growth while idle: heartbeats, timers, leaks
    idle["rss_mb_during_hold_delta"] = round_to(
        (static_cast<double>(after->rss_kib) - static_cast<double>(before->rss_kib)) /
            1024,
        1);
  out["idle"] = std::move(idle);
}

void run_storm(const bench_options& o, bench_session& s, json::object& out,
               std::vector<std::string>& problems) {
  double storm_at = o.storm_at_s >= 0 ? o.storm_at_s : o.duration_s / 2;
  auto clients = s.pool().progress().subscribed;
  std::int64_t storm_start_us = 0;
  s.sampler().set_phase("publish", o.rate);
  auto m = measure(
      s, o.rate, o.warmup_s + o.duration_s, o.warmup_s, o.warmup_s + storm_at,
      [&] {
        storm_start_us = monotonic_us();
        s.sampler().set_phase("storm", o.rate);
        s.pool().reconnect_all();
      },
      [&] { return s.pool().progress().caught_up >= clients; });
  describe(o, m, out);
  delivery_problems(m, problems);
  auto progress = s.pool().progress();
  const auto& catch_up = m.report.catch_up_us;
  json::object storm{{"at_s", round_to(o.warmup_s + storm_at, 2)},
                     {"clients", clients},
                     {"resubscribed", progress.resubscribed},
                     {"reconnect_failures", m.report.reconnect_failures},
                     {"gap_resumes", m.report.gap_resumes},
                     {"caught_up", progress.caught_up},
                     {"all_caught_up", progress.caught_up >= clients},
                     {"catch_up_ms", latency_json(catch_up)}};
  storm["catch_up_s"] = progress.caught_up >= clients && storm_start_us
                            ? json::value(round_to(catch_up.max() / 1e6, 3))
                            : json::value(nullptr);
  out["storm"] = std::move(storm);
  if (progress.caught_up < clients)
    problems.push_back(fmt::format("only {} of {} clients caught up after the storm",
                                   progress.caught_up, clients));
  if (m.report.reconnect_failures)
    problems.push_back(
        fmt::format("{} clients could not reconnect", m.report.reconnect_failures));
}

// What may make the figures say less about the relay than they seem to.
json::array warnings(bench_session& session) {
  json::array out;
  if (session.sampler().busiest_thread_peak() >= saturated_thread_cores)
    out.emplace_back(fmt::format(
        "a bench thread was busy {:.2f} cores: the generator may have limited the load "
        "(more --threads, or fewer clients per bench)",
        session.sampler().busiest_thread_peak()));
  if (double other = session.sampler().other_cores_mean(); other > contended_cores)
    out.emplace_back(fmt::format(
        "other processes used {:.2f} cores on average: the figures are from a contended "
        "machine",
        other));
  if (auto queued = session.sampler().client_recv_queue_peak(); queued > behind_bytes)
    out.emplace_back(fmt::format(
        "up to {} KB waited unread in the bench's sockets: the bench fell behind reading",
        queued / 1024));
  return out;
}

} // namespace

int run_mode(const bench_options& options, bench_session& session, json::object& result) {
  std::vector<std::string> problems;
  switch (options.mode) {
  case bench_mode::steady:
    run_steady(options, session, result, problems);
    break;
  case bench_mode::idle:
    run_idle(options, session, result, problems);
    break;
  case bench_mode::saturate:
    run_saturate(options, session, result, problems);
    break;
  case bench_mode::storm:
    run_storm(options, session, result, problems);
    break;
  case bench_mode::soak:
    run_soak(options, session, result, problems);
    break;
  }
  auto progress = session.pool().progress();
  const auto& connect = result["connect"].as_object();
  if (auto failed = connect.at("failed").to_number<std::uint64_t>() +
                    connect.at("unsettled").to_number<std::uint64_t>())
    problems.push_back(fmt::format("{} clients could not subscribe", failed));
  bool saturate = options.mode == bench_mode::saturate;
  if (progress.closed && !saturate) // saturate: the failing step says why
    problems.push_back(fmt::format("{} clients were closed by the relay or the network",
                                   progress.closed));
  if (!session.relay_alive())
    problems.push_back("the relay exited during the bench");
  if (stop_requested())
    problems.push_back("interrupted");
  result["warnings"] = warnings(session);
  int exit_code = problems.empty() ? 0 : 1;
  result["problems"] = json::value_from(problems);
  result["ok"] = exit_code == 0;
  result["exit_code"] = exit_code;
  return exit_code;
}

} // namespace runrelay::bench
