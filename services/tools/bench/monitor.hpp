#pragma once
// Once a second: the relay's CPU and RSS, the bench's own CPU (and its busiest
// thread's, to see whether the generator saturated), the publish and delivery rates
// and the p99 so far. Prints the progress line on stderr and keeps the timeline.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "services/tools/bench/options.hpp"
#include "services/tools/bench/orchestrator_server.hpp"
#include "services/tools/bench/relay_process.hpp"
#include "services/tools/bench/subscriber_pool.hpp"

namespace runrelay::bench {

// CPU counters at one moment, to measure a phase.
struct cpu_mark {
  double t_s = 0;
  std::optional<double> relay_cpu_s;
  double self_cpu_s = 0;
  std::optional<machine_times> machine;
};

struct cpu_use {
  double wall_s = 0;
  std::optional<double> relay_cores;
  double bench_cores = 0;
  std::optional<double> other_cores; // the rest of the machine
};

class monitor {
public:
  monitor(const bench_options& options, subscriber_pool& pool,
          const orchestrator_server& orchestrator, int relay_pid,
          unsigned short relay_port);

  // Call at least every 100 ms while waiting; samples and prints once a second.
  void tick();
  // Names the phase in the progress lines and the timeline; `rate` is its target.
  void set_phase(std::string name, double rate);

  cpu_mark mark() const;
  cpu_use since(const cpu_mark& start) const;
  std::optional<process_sample> relay_now() const { return sample_process(relay_pid_); }

  double relay_cores_peak() const { return relay_cores_peak_; }
  double bench_cores_peak() const { return bench_cores_peak_; }
  double busiest_thread_peak() const { return busiest_thread_peak_; }
  // The same since reset_phase_peak().
  double busiest_thread_phase_peak() const { return busiest_thread_phase_peak_; }
  void reset_phase_peak() { busiest_thread_phase_peak_ = 0; }
  std::uint64_t relay_rss_peak_kib() const { return relay_rss_peak_kib_; }
  // Cores used by everything but the relay and the bench (other tenants, builds).
  double other_cores_mean() const { return samples_ ? other_cores_sum_ / samples_ : 0; }
  double other_cores_peak() const { return other_cores_peak_; }
  // Kernel socket queues on the relay's port (see tcp_queues), highest sampled.
  std::uint64_t client_recv_queue_peak() const { return client_recv_peak_; }
  std::uint64_t server_send_queue_peak() const { return server_send_peak_; }
  const boost::json::array& timeline() const { return timeline_; }
  // The peaks into "relay", and "bench_cpu", "machine", "kernel_queues_kb", "timeline".
  void describe(boost::json::object& result) const;

private:
  void sample();

  const bench_options& options_;
  subscriber_pool& pool_;
  const orchestrator_server& orchestrator_;
  int relay_pid_;
  unsigned short relay_port_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point next_ = start_ + std::chrono::seconds(1);
  std::string phase_ = "setup";
  double phase_rate_ = 0;
  cpu_mark last_;
  std::uint64_t last_published_ = 0;
  std::uint64_t last_fresh_ = 0;
  std::vector<std::pair<int, double>> last_thread_cpu_;
  double relay_cores_peak_ = 0;
  double bench_cores_peak_ = 0;
  double busiest_thread_peak_ = 0;
  double busiest_thread_phase_peak_ = 0;
  std::uint64_t relay_rss_peak_kib_ = 0;
  std::uint64_t samples_ = 0;
  double other_cores_sum_ = 0;
  double other_cores_peak_ = 0;
  std::uint64_t client_recv_peak_ = 0;
  std::uint64_t server_send_peak_ = 0;
  std::vector<std::uint64_t> fresh_samples_;     // cumulative, one a second
  std::vector<std::uint64_t> published_samples_; // cumulative, one a second
  boost::json::array timeline_;
};

} // namespace runrelay::bench
