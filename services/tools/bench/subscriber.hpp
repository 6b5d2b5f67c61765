#pragma once
// One subscriber of the relay under test (docs/protocol.md section 2): connects to /ws,
// subscribes to its run, and accounts every event it receives (bench_stats). It lives
// on one I/O thread, its shard, and shares that shard's figures. Beast stays in
// subscriber.cpp.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "services/tools/bench/bench_stats.hpp"
#include "services/tools/bench/options.hpp"
#include "services/tools/bench/run_heads.hpp"

namespace runrelay::bench {

// What every subscriber needs; fixed before the first connection.
struct subscriber_env {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host; // the Host header
  std::string path; // of /ws
  bench_transport transport = bench_transport::ws;
  std::chrono::milliseconds connect_timeout{10000}; // per attempt, until `subscribed`
  std::uint32_t connect_retries = 2;
  const run_heads* heads = nullptr;
  // Deliveries of events sent before this (monotonic us) stay out of `latency`.
  const std::atomic<std::int64_t>* measure_from_us = nullptr;
};

// The figures of one shard (one I/O thread). Only its thread touches them, except the
// atomics, which the modes read while the bench runs.
struct shard_stats {
  static constexpr std::size_t max_error_samples = 5;

  latency_histogram latency;                    // events sent after measure_from_us, us
  latency_histogram latency_all;                // every delivery, us
  latency_histogram connect_us;                 // first connect to `subscribed`
  latency_histogram catch_up_us;                // storm: reconnect to caught up
  std::map<int, std::uint64_t> close_codes;     // unexpected closes; -1: without a code
  std::map<std::string, std::uint64_t> control; // messages other than events, by type
  std::vector<std::string> errors;              // the first few failures, as text
  std::uint64_t retries = 0;
  std::uint64_t gap_resumes = 0; // `subscribed` with gap:true
  std::uint64_t reconnect_failures = 0;
  std::uint64_t bad_envelopes = 0; // sampled full checks of the event message that failed

  std::atomic<std::uint64_t> fresh{0};  // distinct events received
  std::atomic<std::uint64_t> frames{0}; // event frames received
  std::atomic<std::uint64_t> subscribed{0};
  std::atomic<std::uint64_t> failed{0}; // gave up before the first `subscribed`
  std::atomic<std::uint64_t> closed{0}; // closed by the relay or the network
  std::atomic<std::uint64_t> resubscribed{0};
  std::atomic<std::uint64_t> caught_up{0};
  std::atomic<std::uint64_t> open_links{0};

  void note_error(std::string text) {
    if (errors.size() < max_error_samples)
      errors.push_back(std::move(text));
  }
};

enum class subscriber_status { idle, connecting, subscribed, failed, closed, done };

class subscriber {
public:
  virtual ~subscriber() = default;

  // Connects and subscribes with since="live", retrying a bounded number of times.
  virtual void start() = 0;
  // Storm: closes and at once reconnects, resubscribing since the last event received.
  virtual void reconnect() = 0;
  virtual void close() = 0;
  // A phase starts: duplicates and out-of-order arrivals count from now.
  virtual void rebase() = 0;
  virtual delivery_totals account(seq_range range) const = 0;
  virtual std::uint32_t run() const = 0;
  virtual subscriber_status status() const = 0;
  // Subscribed at least once: only such subscribers are owed deliveries.
  virtual bool ever_subscribed() const = 0;
};

// `on_settled` runs once, on the shard's thread, when the first subscribe succeeded
// or every attempt failed. `expected_events` sizes the bitmap of bseqs.
std::shared_ptr<subscriber> make_subscriber(boost::asio::io_context& io,
                                            const subscriber_env& env, shard_stats& stats,
                                            std::uint32_t run, std::string run_id,
                                            std::uint64_t expected_events,
                                            std::function<void()> on_settled);

} // namespace runrelay::bench
