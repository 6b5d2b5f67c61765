#include <fmt/format.h>

#include "services/tools/bench/modes.hpp"
#include "services/tools/bench/phase.hpp"
#include "services/tools/bench/report.hpp"

namespace runrelay::bench {
namespace {

namespace json = boost::json;

// A step that failed on latency while the machine was contended is run again, this
// many times in all.
constexpr std::uint32_t max_contended_repeats = 2;
constexpr double max_rate = 1e6; // as --rate allows

} // namespace

// Steps up the rate (--rates, or doubling from --rate) until a step fails: p99 above
// --p99-limit-ms, anything lost, duplicated or out of order, or the rate not kept.
void run_saturate(const bench_options& o, bench_session& s, json::object& out,
                  std::vector<std::string>& problems) {
  std::vector<double> rates = o.rates;
  for (double r = o.rate;
       rates.empty() || (o.rates.empty() && rates.size() < o.max_steps && r <= max_rate);
       r *= 2)
    rates.push_back(r);
  if (rates.size() > o.max_steps)
    rates.resize(o.max_steps);
  if (o.warmup_s > 0) {
    s.sampler().set_phase("warmup", rates.front());
    measure(s, rates.front(), o.warmup_s, o.warmup_s);
  }
  json::array steps;
  json::value last_good = nullptr;
  json::value limit = nullptr;
  std::uint32_t repeats_left = max_contended_repeats;
  for (std::size_t i = 0; i < rates.size() && !stop_requested() && s.relay_alive(); ++i) {
    double rate = rates[i];
    s.sampler().set_phase(fmt::format("step {}", i + 1), rate);
    s.sampler().reset_phase_peak();
    auto m = measure(s, rate, o.step_duration_s, 0);
    json::object step{{"rate", rate}};
    describe(o, m, step);
    step.erase("per_run");
    double p99_ms = m.report.latency.percentile(99) / 1000.0;
    bool kept_rate =
        m.phase.written_in_time >= publish_tolerance * rate * o.step_duration_s;
    std::vector<std::string> why;
    if (!m.report.totals.clean())
      why.push_back(fmt::format("lost {} dup {} out of order {}", m.report.totals.lost,
                                m.report.totals.duplicated,
                                m.report.totals.out_of_order));
    if (p99_ms > o.p99_limit_ms)
      why.push_back(fmt::format("p99 {:.2f} ms > {} ms", p99_ms, o.p99_limit_ms));
    if (!kept_rate)
      why.push_back(fmt::format("only {} of {:.0f} events written to the relay in time",
                                m.phase.written_in_time, rate * o.step_duration_s));
    bool generator_busy =
        s.sampler().busiest_thread_phase_peak() >= saturated_thread_cores;
    bool contended = m.phase.cpu.other_cores.value_or(0) > contended_cores;
    step["pass"] = why.empty();
    step["generator_busy"] = generator_busy;
    step["contended"] = contended;
    if (!why.empty() && contended && repeats_left > 0 && m.report.totals.clean()) {
      // Other processes took the CPU: try the same rate again rather than call it a
      // limit.
      --repeats_left;
      step["reason"] = fmt::format("{}; contended: repeated", fmt::join(why, "; "));
      if (!o.quiet)
        fmt::print(stderr,
                   "[bench] step {} at {} ev/s failed while other processes used "
                   "{:.2f} cores: repeating it\n",
                   i + 1, rate, *m.phase.cpu.other_cores);
      steps.push_back(std::move(step));
      --i;
      continue;
    }
    if (!why.empty()) {
      std::string reason = fmt::format("{}", fmt::join(why, "; "));
      step["reason"] = reason;
      limit = {{"rate", rate},
               {"reason", reason},
               {"limited_by", generator_busy && !kept_rate ? "generator" : "relay"},
               {"contended", contended}};
    } else {
      last_good = {{"rate", rate},
                   {"delivered_per_s", step["deliveries"].as_object()["per_s"]},
                   {"p99_ms", round_to(p99_ms, 3)}};
    }
    if (!o.quiet)
      fmt::print(stderr, "[bench] step {} at {} ev/s: p99 {:.2f} ms, lost {} -> {}\n",
                 i + 1, rate, p99_ms, m.report.totals.lost,
                 why.empty() ? "PASS" : "FAIL");
    steps.push_back(std::move(step));
    if (!why.empty())
      break;
  }
  out["steps"] = std::move(steps);
  out["last_good"] = last_good;
  out["limit"] = limit;
  if (limit.is_null())
    problems.push_back(fmt::format("no limit found up to {} events/s: raise --rates or "
                                   "--max-steps",
                                   rates.back()));
}

} // namespace runrelay::bench
