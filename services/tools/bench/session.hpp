#pragma once
// What every mode does: start the orchestrator, start the relay (or wait for the
// attached one) until it said hello, connect the subscribers, publish paced phases,
// drain, and tear everything down. All waits are bounded and end early on SIGINT.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "services/tools/bench/monitor.hpp"
#include "services/tools/bench/options.hpp"
#include "services/tools/bench/orchestrator_server.hpp"
#include "services/tools/bench/relay_process.hpp"
#include "services/tools/bench/run_heads.hpp"
#include "services/tools/bench/subscriber_pool.hpp"
#include "services/tools/bench/watchdog.hpp"

namespace runrelay::bench {

struct phase_result {
  std::vector<seq_range> ranges; // per run: the bseqs published in the phase
  double seconds = 0;
  std::uint64_t written_in_time = 0; // written to the relay before the phase ended
  std::uint64_t not_published = 0;   // due, but no relay connected or the queue full
  std::uint64_t queued_peak = 0;     // events waiting in the bench for the relay
  cpu_use cpu;
};

struct drain_result {
  double seconds = 0;
  double still_arriving_per_s = 0; // in the drain's last second: a backlog, not drops
  bool complete = false;           // every expected delivery arrived
};

class bench_session {
public:
  explicit bench_session(const bench_options& options);
  ~bench_session();

  // The orchestrator listens and the relay said hello and accepts clients. Fills
  // "config" and "relay"; false (see failure()) when that did not happen in time.
  bool setup(boost::json::object& result);
  // Connects and subscribes every client; fills "connect". False if none subscribed.
  bool connect_clients(boost::json::object& result);

  // Events sent before `us` (monotonic) stay out of the latency figures.
  void measure_from(std::int64_t us) { measure_from_us_ = us; }
  // Publishes `rate` events/s for `seconds`; `action` runs once `action_at` seconds in.
  phase_result publish(double rate, double seconds, double action_at = -1,
                       const std::function<void()>& action = {});
  // Waits `seconds`, sampling.
  void hold(double seconds);
  // Deliveries due over `ranges`: each run's range times its subscribed clients.
  std::uint64_t expected_deliveries(const std::vector<seq_range>& ranges) const;
  std::vector<seq_range> heads_now() const;

  // Closes the clients, stops the orchestrator and a spawned relay; fills "relay"'s
  // end figures and what the monitor saw (monitor::describe).
  void finish(boost::json::object& result);

  const bench_options& options() const { return options_; }
  subscriber_pool& pool() { return *pool_; }
  orchestrator_server& orchestrator() { return *orchestrator_; }
  monitor& sampler() { return *monitor_; }
  const std::string& failure() const { return failure_; }
  int relay_pid() const { return relay_pid_; }
  const std::string& relay_host() const { return relay_host_; }
  unsigned short relay_port() const { return relay_port_; }
  bool relay_alive();
  std::optional<std::uint64_t> relay_rss_before_connect_kib() const {
    return rss_before_connect_kib_;
  }

private:
  bool spawn_relay(const std::string& upstream, boost::json::object& relay);
  bool wait_for_relay(boost::json::object& relay);
  subscriber_env client_env() const;

  const bench_options& options_;
  run_heads heads_;
  std::atomic<std::int64_t> measure_from_us_{0};
  std::unique_ptr<orchestrator_server> orchestrator_;
  std::unique_ptr<relay_process> relay_;
  int relay_pid_ = 0;
  std::string relay_host_;
  unsigned short relay_port_ = 0;
  std::unique_ptr<subscriber_pool> pool_;
  std::unique_ptr<monitor> monitor_;
  std::vector<std::uint32_t> subscribed_per_run_;
  std::optional<std::uint64_t> rss_before_connect_kib_;
  std::string failure_;
  bool finished_ = false;
};

} // namespace runrelay::bench
