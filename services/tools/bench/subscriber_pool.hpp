#pragma once
// The subscribers, spread over --threads I/O threads (shards: one io_context each, so a
// subscriber's state needs no lock). The modes read live counters at any time and ask
// the shards for the figures between phases.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "services/tools/bench/options.hpp"
#include "services/tools/bench/subscriber.hpp"

namespace runrelay::bench {

// Summed atomics of every shard; readable from any thread.
struct pool_progress {
  std::uint64_t subscribed = 0;
  std::uint64_t failed = 0;
  std::uint64_t closed = 0;
  std::uint64_t fresh = 0;
  std::uint64_t frames = 0;
  std::uint64_t resubscribed = 0;
  std::uint64_t caught_up = 0;
  std::uint64_t open_links = 0;
  std::uint64_t settled() const { return subscribed + failed; }
};

struct pool_report {
  bool complete = true; // every shard answered in time
  latency_histogram latency;
  latency_histogram latency_all;
  latency_histogram connect_us;
  latency_histogram catch_up_us;
  delivery_totals totals;
  std::vector<delivery_totals> per_run;
  std::vector<std::uint32_t> live_per_run; // subscribed and still connected
  std::map<int, std::uint64_t> close_codes;
  std::map<std::string, std::uint64_t> control;
  std::vector<std::string> errors;
  std::uint64_t retries = 0;
  std::uint64_t gap_resumes = 0;
  std::uint64_t reconnect_failures = 0;
  std::uint64_t bad_envelopes = 0;
};

class subscriber_pool {
public:
  subscriber_pool(const bench_options& options, subscriber_env env);
  ~subscriber_pool();
  subscriber_pool(const subscriber_pool&) = delete;
  subscriber_pool& operator=(const subscriber_pool&) = delete;

  // Starts the threads and connects every subscriber, --connect-concurrency at a time.
  void start();
  pool_progress progress() const;
  std::vector<int> thread_ids() const;

  // A phase starts: latency histograms empty, duplicates and order counted from now.
  bool begin_phase(std::chrono::milliseconds timeout);
  // The figures so far; deliveries over `ranges` (one per run, may be empty).
  pool_report collect(const std::vector<seq_range>& ranges,
                      std::chrono::milliseconds timeout);
  // Storm: every subscriber closes and reconnects at once.
  void reconnect_all();
  // Soak: one in `every` subscribers (a different one each round) reconnects.
  void reconnect_share(std::uint32_t every, std::uint64_t round);
  // Closes every connection (waiting at most `grace`), then stops the threads.
  void stop(std::chrono::milliseconds grace);

private:
  struct shard;
  template <class F> bool on_every_shard(F f, std::chrono::milliseconds timeout);

  const bench_options& options_;
  subscriber_env env_;
  std::vector<std::unique_ptr<shard>> shards_;
  bool stopped_ = false;
};

} // namespace runrelay::bench
