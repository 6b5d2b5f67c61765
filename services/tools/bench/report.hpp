#pragma once
// The bench's figures as JSON (one object, built by the modes) and the human summary
// printed from that same object, so both always say the same.
#include <cstdint>
#include <map>
#include <string>

#include <boost/json/object.hpp>

#include "services/tools/bench/bench_stats.hpp"
#include "services/tools/bench/options.hpp"
#include "services/tools/bench/subscriber_pool.hpp"

namespace runrelay::bench {

// The settings that shape the load ("config").
boost::json::object config_json(const bench_options& options);

// How connecting went ("connect").
boost::json::object connect_json(const pool_progress& progress, const pool_report& report,
                                 std::uint32_t clients, double wall_s);

double round_to(double value, int decimals);
double kib_to_mb(std::uint64_t kib);

// {"samples","mean","min","p50","p90","p99","p999","max"} in milliseconds.
boost::json::object latency_json(const latency_histogram& h);
boost::json::object deliveries_json(const delivery_totals& t);
boost::json::object counts_json(const std::map<std::string, std::uint64_t>& counts);
boost::json::object counts_json(const std::map<int, std::uint64_t>& counts);

// The summary for people, from the object the modes filled.
std::string human_summary(const boost::json::object& result);

} // namespace runrelay::bench
