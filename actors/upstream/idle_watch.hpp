#pragma once
// Whether the upstream link has been silent for too long, decided apart from timers.
#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

#include <chrono>

namespace runrelay::actors {

class idle_watch {
public:
  using time_point = caf::actor_clock::time_point;
  explicit idle_watch(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  void heard(time_point now) { last_heard_ = now; }
  bool expired(time_point now) const { return now - last_heard_ >= timeout_; }
  // How long until expiry if nothing is heard meanwhile.
  caf::timespan remaining(time_point now) const {
    return std::chrono::duration_cast<caf::timespan>(last_heard_ + timeout_ - now);
  }

private:
  std::chrono::milliseconds timeout_;
  time_point last_heard_{};
};

} // namespace runrelay::actors
