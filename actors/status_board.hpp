#pragma once
// What HTTP handlers and new client sessions read without asking an actor: the upstream
// status (for /readyz and `welcome`) and the relay's identity. Written only by the
// reconnect supervisor.
#include "protocol/upstream_state.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace runrelay::actors {

// Relay-wide totals for /stats and /metrics, bumped by the actors that see them happen.
struct relay_counters {
  std::atomic<uint64_t> events_accepted{0};
  std::atomic<uint64_t> events_rejected{0};
  std::atomic<uint64_t> events_duplicate{0};
  std::atomic<uint64_t> events_delivered{0};
  std::atomic<uint64_t> queue_dropped{0};
  std::atomic<uint64_t> slow_consumers_closed{0};
  std::atomic<uint64_t> clients_connected{0};
  std::atomic<uint64_t> clients_total{0};
  std::atomic<uint64_t> upstream_reconnects{0};
  std::atomic<uint64_t> runs{0};
  std::atomic<uint64_t> queue_depth{0};
  std::atomic<uint64_t> polls_held{0};  // long-polls waiting now
  std::atomic<uint64_t> polls_total{0}; // long-polls answered
  std::atomic<uint64_t> sse_clients{0}; // open SSE streams (also in clients_connected)
};

class status_board {
public:
  explicit status_board(std::string relay_id)
      : relay_id_(std::move(relay_id)), started_(std::chrono::steady_clock::now()) {}

  const std::string& relay_id() const { return relay_id_; }
  std::chrono::steady_clock::time_point started() const { return started_; }

  protocol::upstream_status upstream() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return upstream_;
  }
  void set_upstream(const protocol::upstream_status& status) {
    std::lock_guard<std::mutex> guard(mutex_);
    upstream_ = status;
  }

  // Set on SIGTERM/SIGINT: /readyz answers 503 from then on.
  bool draining() const { return draining_.load(); }
  void set_draining() { draining_.store(true); }

private:
  const std::string relay_id_;
  const std::chrono::steady_clock::time_point started_;
  mutable std::mutex mutex_;
  protocol::upstream_status upstream_;
  std::atomic<bool> draining_{false};

public:
  relay_counters counters;
};

} // namespace runrelay::actors
