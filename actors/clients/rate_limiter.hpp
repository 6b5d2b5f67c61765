#pragma once
// Token bucket for one client's messages: `rate` per second on average, bursts of
// 2 * rate (docs/protocol.md section 2, `rate_limited`).
#include <chrono>

namespace runrelay::actors {

class rate_limiter {
public:
  using clock = std::chrono::steady_clock;
  explicit rate_limiter(double rate)
      : rate_(rate), capacity_(2 * rate), tokens_(2 * rate) {}
  bool allow(clock::time_point now);

private:
  double rate_;
  double capacity_;
  double tokens_;
  clock::time_point last_{};
  bool started_ = false;
};

} // namespace runrelay::actors
