#include "services/tools/bench/phase.hpp"

#include <algorithm>
#include <thread>

#include <boost/json/value_from.hpp>
#include <fmt/format.h>

#include "services/tools/bench/report.hpp"

namespace runrelay::bench {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr auto wait_step = 20ms;
constexpr auto stall_limit = 2s; // a drain ends when nothing arrives for this long

double since_s(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

drain_result drain(bench_session& s, std::uint64_t fresh_base, std::uint64_t expected,
                   const std::function<bool()>& done) {
  s.sampler().set_phase("drain", 0);
  auto start = std::chrono::steady_clock::now();
  auto last_change = start;
  std::vector<std::pair<double, std::uint64_t>> history; // (t, fresh)
  drain_result result;
  for (;;) {
    auto fresh = s.pool().progress().fresh;
    double t = since_s(start);
    if (history.empty() || fresh != history.back().second)
      last_change = std::chrono::steady_clock::now();
    history.emplace_back(t, fresh);
    result.complete = fresh - fresh_base >= expected && (!done || done());
    // Interrupted: a short drain still, so what is in flight is not counted as lost.
    if (result.complete || t >= s.options().drain_s || (stop_requested() && t >= 1.0) ||
        std::chrono::steady_clock::now() - last_change >= stall_limit)
      break;
    s.sampler().tick();
    std::this_thread::sleep_for(wait_step);
  }
  result.seconds = since_s(start);
  for (const auto& [t, fresh] : history) // the rate over the drain's last second
    if (t >= result.seconds - 1.0) {
      result.still_arriving_per_s = static_cast<double>(history.back().second - fresh) /
                                    std::max(result.seconds - t, 1e-3);
      break;
    }
  return result;
}

// One measured publishing phase: publish, drain, account.
measured measure(bench_session& s, double rate, double seconds, double measure_after_s,
                 double action_at, const std::function<void()>& action,
                 const std::function<bool()>& done) {
  measured m;
  s.pool().begin_phase(collect_timeout);
  auto base = s.pool().progress().fresh;
  s.measure_from(monotonic_us() + static_cast<std::int64_t>(measure_after_s * 1e6));
  m.phase = s.publish(rate, seconds, action_at, action);
  m.drain = drain(s, base, s.expected_deliveries(m.phase.ranges), done);
  // What is still queued in the bench was never sent: neither published nor lost.
  m.unsent = s.orchestrator().drop_queued(collect_timeout);
  auto written = s.orchestrator().written_heads();
  for (std::uint32_t run = 0; run < m.phase.ranges.size(); ++run) {
    auto& range = m.phase.ranges[run];
    range.last = std::min(range.last, written[run]);
    m.published += range.size();
  }
  m.report = s.pool().collect(m.phase.ranges, collect_timeout);
  return m;
}

json::value optional_number(const std::optional<double>& v, int decimals) {
  return v ? json::value(round_to(*v, decimals)) : json::value(nullptr);
}

void describe(const bench_options& o, const measured& m, json::object& out) {
  const auto& p = m.phase;
  out["publish"] = {{"published", m.published},
                    {"written_in_time", p.written_in_time},
                    {"not_published", p.not_published},
                    {"unsent_after_drain", m.unsent},
                    {"queued_peak", p.queued_peak},
                    {"seconds", round_to(p.seconds, 2)},
                    {"rate", round_to(p.written_in_time / std::max(p.seconds, 1e-3), 1)}};
  auto deliveries = deliveries_json(m.report.totals);
  // Over the publishing and the drain: what arrived late was not delivered at the rate.
  deliveries["per_s"] = round_to(
      m.report.totals.delivered / std::max(p.seconds + m.drain.seconds, 1e-3), 1);
  out["deliveries"] = std::move(deliveries);
  json::array runs;
  for (std::uint32_t run = 0; run < m.report.per_run.size(); ++run) {
    auto entry = deliveries_json(m.report.per_run[run]);
    entry["run_id"] = o.run_id(run);
    entry["bseq_first"] = p.ranges[run].first;
    entry["bseq_last"] = p.ranges[run].last;
    runs.push_back(std::move(entry));
  }
  out["per_run"] = std::move(runs);
  out["latency_ms"] = latency_json(m.report.latency);
  out["latency_all_ms"] = latency_json(m.report.latency_all);
  out["drain"] = {{"seconds", round_to(m.drain.seconds, 2)},
                  {"complete", m.drain.complete},
                  {"still_arriving_per_s", round_to(m.drain.still_arriving_per_s, 1)}};
  out["bad_envelopes"] = m.report.bad_envelopes;
  out["errors"] = json::value_from(m.report.errors);
  out["close_codes"] = counts_json(m.report.close_codes);
  out["control_messages"] = counts_json(m.report.control);
  out["cpu"] = {{"wall_s", round_to(p.cpu.wall_s, 2)},
                {"relay_cores", optional_number(p.cpu.relay_cores, 2)},
                {"bench_cores", round_to(p.cpu.bench_cores, 2)},
                {"other_cores", optional_number(p.cpu.other_cores, 2)}};
}

void delivery_problems(const measured& m, std::vector<std::string>& problems) {
  const auto& t = m.report.totals;
  if (!m.report.complete)
    problems.push_back("the subscriber threads did not report in time");
  if (t.lost)
    problems.push_back(fmt::format(
        "{} deliveries lost ({} of {} subscribers lost some, at "
        "most {} each)",
        t.lost, t.subscribers_with_loss, t.subscribers, t.max_lost_per_subscriber));
  if (t.duplicated)
    problems.push_back(fmt::format("{} deliveries duplicated", t.duplicated));
  if (m.report.bad_envelopes)
    problems.push_back(
        fmt::format("{} sampled event messages broke docs/protocol.md section 2",
                    m.report.bad_envelopes));
  if (auto wrong = m.report.control.find("_wrong_run"); wrong != m.report.control.end())
    problems.push_back(
        fmt::format("{} events came to subscribers of another run", wrong->second));
  if (t.out_of_order)
    problems.push_back(fmt::format("{} deliveries out of order", t.out_of_order));
  if (m.unsent)
    problems.push_back(fmt::format("{} events were never written to the relay: it did "
                                   "not read its upstream fast enough (up to {} queued)",
                                   m.unsent, m.phase.queued_peak));
  if (m.phase.not_published)
    problems.push_back(fmt::format("{} events could not be published (no relay "
                                   "connected, or its queue was full)",
                                   m.phase.not_published));
}

} // namespace runrelay::bench
