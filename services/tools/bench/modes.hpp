#pragma once
// The four ways to load the relay (--mode):
//   steady    publish --rate for --warmup + --duration; deliveries, loss, latency, CPU
//   idle      hold --clients subscribed connections; the relay's memory per connection
//   saturate  raise the rate step by step until p99 > --p99-limit-ms or a loss
//   storm     steady, and halfway every client reconnects at once with `since`:
//             time until all caught up, and no loss or duplicate across it
//   soak      steady for a long --duration while a share of the clients leaves and
//             resumes every --churn-every: the relay's memory, descriptors and
//             actors at start, middle and end must stay flat
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "services/tools/bench/options.hpp"
#include "services/tools/bench/session.hpp"

namespace runrelay::bench {

// Runs the mode on a session that is set up and connected; fills `result` (including
// "ok", "exit_code" and "problems") and returns the exit status: 0 when the relay
// delivered everything exactly once and in order (saturate: when a limit was found),
// else 1.
int run_mode(const bench_options& options, bench_session& session,
             boost::json::object& result);

// The search of saturate mode (saturate.cpp); adds to `problems` if no limit was found.
void run_saturate(const bench_options& o, bench_session& s, boost::json::object& out,
                  std::vector<std::string>& problems);

// The soak (soak.cpp).
void run_soak(const bench_options& o, bench_session& s, boost::json::object& out,
              std::vector<std::string>& problems);

} // namespace runrelay::bench
