#pragma once
// The reconnect supervisor's decisions, free of CAF so tests can drive them directly:
// which state upstream is in, and when to dial next (docs/protocol.md section 1,
// "Reconnect and connection state").
#include "protocol/upstream_state.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace runrelay::actors {

struct backoff_settings {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds max{30000};
  double jitter = 0.1;       // delay multiplied by a factor in [1 - jitter, 1 + jitter]
  uint32_t max_attempts = 0; // failed dials in a row before `failed`; 0 = unlimited
};

class reconnect_policy {
public:
  struct step {
    bool dial_now = false;
    std::optional<std::chrono::milliseconds> dial_after;
  };

  reconnect_policy(backoff_settings settings, uint64_t seed);

  step start();
  void connected();
  // A session ended; `was_connected` tells a lost connection from a failed dial.
  step session_ended(bool was_connected);
  // POST /upstream/reconnect: accepted only from failed or reconnecting.
  std::optional<step> manual_reconnect();
  void shut_down();
  // A scheduled dial starts: no wait is pending, so retry_in_ms is null until it ends.
  void dialing() { status_.retry_in_ms.reset(); }

  // Delay before dial `n` (1-based) after the last successful handshake, after jitter.
  std::chrono::milliseconds backoff_delay(uint32_t n);
  // The same without jitter: min(base * 2^(n-1), max).
  std::chrono::milliseconds nominal_delay(uint32_t n) const;

  const protocol::upstream_status& status() const { return status_; }
  uint32_t failed_in_row() const { return failed_in_row_; }
  uint64_t successful_handshakes() const { return handshakes_; }
  uint64_t reconnects() const { return reconnects_; }

private:
  step wait_for(uint32_t attempt);

  backoff_settings settings_;
  std::mt19937_64 rng_;
  protocol::upstream_status status_;
  uint32_t failed_in_row_ = 0;
  uint64_t handshakes_ = 0;
  uint64_t reconnects_ = 0; // successful handshakes after a loss
  bool lost_before_ = false;
};

} // namespace runrelay::actors
