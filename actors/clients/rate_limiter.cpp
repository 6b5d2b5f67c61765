#include "actors/clients/rate_limiter.hpp"

#include <algorithm>

namespace runrelay::actors {

bool rate_limiter::allow(clock::time_point now) {
  if (started_) {
    std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(capacity_, tokens_ + elapsed.count() * rate_);
  }
  started_ = true;
  last_ = now;
  if (tokens_ < 1.0)
    return false;
  tokens_ -= 1.0;
  return true;
}

} // namespace runrelay::actors
