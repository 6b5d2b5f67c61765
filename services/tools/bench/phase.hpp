#pragma once
// One measured publishing phase (publish, drain, account), the figures it yields and
// the thresholds the modes judge them by.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "services/tools/bench/options.hpp"
#include "services/tools/bench/session.hpp"

namespace runrelay::bench {

constexpr std::chrono::seconds collect_timeout{10};
// A publisher that wrote less than this share of a phase's events did not keep the rate.
constexpr double publish_tolerance = 0.97;
// A bench thread this busy (in cores) may have limited the load.
constexpr double saturated_thread_cores = 0.9;
// Other processes using more than this (cores, on average) make the figures unreliable.
constexpr double contended_cores = 0.25;

struct measured {
  phase_result phase; // its ranges end at the last bseq written to the relay
  drain_result drain;
  pool_report report;
  std::uint64_t published = 0; // written to the relay, during the phase or its drain
  std::uint64_t unsent = 0;    // still queued in the bench after the drain: dropped
};

// Waits for in-flight deliveries: until `expected` fresh ones since `fresh_base`
// arrived (and `done()`, if given), --drain seconds passed, or nothing came for 2 s.
drain_result drain(bench_session& s, std::uint64_t fresh_base, std::uint64_t expected,
                   const std::function<bool()>& done = {});

// Publishes `rate` events/s for `seconds` (latency counted from `measure_after_s` in),
// drains and accounts; `action` runs `action_at` seconds in, and the drain also waits
// for `done()`.
measured measure(bench_session& s, double rate, double seconds, double measure_after_s,
                 double action_at = -1, const std::function<void()>& action = {},
                 const std::function<bool()>& done = {});

// "publish", "deliveries", "per_run", "latency_ms", "drain", "close_codes",
// "control_messages" and "cpu" of a phase into `out`.
void describe(const bench_options& o, const measured& m, boost::json::object& out);

// Loss, duplicates, disorder and unpublished events, as sentences.
void delivery_problems(const measured& m, std::vector<std::string>& problems);

boost::json::value optional_number(const std::optional<double>& v, int decimals);

} // namespace runrelay::bench
