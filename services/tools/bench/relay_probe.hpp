#pragma once
// What a soak watches for growth in the relay under test: its memory, its open file
// descriptors (/proc/PID/fd) and its actors (from GET /stats: the pipeline's own actors
// plus one per run and one per client session, docs/protocol.md section 3).
#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

namespace runrelay::bench {

struct relay_counts {
  double at_s = 0; // seconds since the soak started
  std::optional<std::uint64_t> rss_kib;
  std::optional<std::uint64_t> open_fds;
  std::optional<std::uint64_t> actors; // empty: /stats did not answer
  std::uint64_t runs = 0;
  std::uint64_t clients = 0;
};

// Reads /proc for `pid` (0: unknown, no figures) and asks host:port for /stats.
relay_counts probe_relay(int pid, const std::string& host, unsigned short port);

boost::json::object counts_json(const relay_counts& counts);

} // namespace runrelay::bench
