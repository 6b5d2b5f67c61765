// The soak: a steady load for a long --duration while a share of the clients leaves and
// resumes with `since` every --churn-every, so connections come and go over every run
// for the whole time. What it proves is that nothing grows: the relay's memory, open
// descriptors and actors are sampled at the start, the middle and the end, and every
// event still reaches every client exactly once and in order.
#include <atomic>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "services/tools/bench/modes.hpp"
#include "services/tools/bench/phase.hpp"
#include "services/tools/bench/relay_probe.hpp"
#include "services/tools/bench/report.hpp"

namespace runrelay::bench {
namespace {

namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

constexpr double flat_percent = 5; // allowed growth of memory from middle to end
constexpr auto churn_step = std::chrono::milliseconds(20);

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Reconnects a share of the clients every `every_s` until `stop`, and takes the middle
// sample halfway through the publishing.
struct churner {
  churner(bench_session& s, const bench_options& o) : session(s), options(o) {}

  bench_session& session;
  const bench_options& options;
  clock_type::time_point start = clock_type::now();
  std::atomic<bool> stop{false};
  std::uint64_t rounds = 0;
  relay_counts middle;

  void run() {
    std::uint32_t every = std::max<std::uint32_t>(1, 100 / options.churn_percent);
    double next_churn = options.warmup_s + options.churn_every_s;
    double middle_at = options.warmup_s + options.duration_s / 2;
    bool middle_taken = false;
    while (!stop.load()) {
      double t = seconds_since(start);
      if (!middle_taken && t >= middle_at) {
        middle = probe(t);
        middle_taken = true;
      }
      if (t >= next_churn && t < options.warmup_s + options.duration_s) {
        session.pool().reconnect_share(every, rounds++);
        next_churn += options.churn_every_s;
      }
      std::this_thread::sleep_for(churn_step);
    }
  }

  relay_counts probe(double at_s) {
    auto counts =
        probe_relay(session.relay_pid(), session.relay_host(), session.relay_port());
    counts.at_s = at_s;
    return counts;
  }
};

double growth_percent(std::optional<std::uint64_t> from,
                      std::optional<std::uint64_t> to) {
  if (!from || !to || *from == 0)
    return 0;
  return (static_cast<double>(*to) - static_cast<double>(*from)) * 100.0 /
         static_cast<double>(*from);
}

void flatness_problems(const relay_counts& start, const relay_counts& middle,
                       const relay_counts& end, std::vector<std::string>& problems) {
  if (double rss = growth_percent(middle.rss_kib, end.rss_kib); rss > flat_percent)
    problems.push_back(
        fmt::format("relay memory grew {:.1f}% from the middle to the end", rss));
  // Every client is connected at each sample: descriptors and actors come back.
  if (start.open_fds && end.open_fds && *end.open_fds > *start.open_fds + 10)
    problems.push_back(fmt::format("relay descriptors grew from {} to {}",
                                   *start.open_fds, *end.open_fds));
  if (start.actors && end.actors && *end.actors > *start.actors + 10)
    problems.push_back(
        fmt::format("relay actors grew from {} to {}", *start.actors, *end.actors));
  if (!end.actors)
    problems.push_back("the relay's /stats did not answer at the end of the soak");
}

} // namespace

void run_soak(const bench_options& o, bench_session& s, json::object& out,
              std::vector<std::string>& problems) {
  churner churn(s, o);
  auto start = churn.probe(0);
  s.sampler().set_phase("soak", o.rate);
  std::thread churn_thread([&churn] { churn.run(); });
  auto m = measure(s, o.rate, o.warmup_s + o.duration_s, o.warmup_s);
  churn.stop = true;
  churn_thread.join();
  auto end = churn.probe(seconds_since(churn.start));
  describe(o, m, out);
  delivery_problems(m, problems);
  flatness_problems(start, churn.middle, end, problems);
  out["soak"] = {{"churn_every_s", o.churn_every_s},
                 {"churn_percent", o.churn_percent},
                 {"churn_rounds", churn.rounds},
                 {"resubscribed", s.pool().progress().resubscribed},
                 {"reconnect_failures", m.report.reconnect_failures},
                 {"samples", json::array{counts_json(start), counts_json(churn.middle),
                                         counts_json(end)}},
                 {"rss_growth_middle_to_end_percent",
                  round_to(growth_percent(churn.middle.rss_kib, end.rss_kib), 2)}};
  if (m.report.reconnect_failures)
    problems.push_back(
        fmt::format("{} clients could not resume", m.report.reconnect_failures));
}

} // namespace runrelay::bench
