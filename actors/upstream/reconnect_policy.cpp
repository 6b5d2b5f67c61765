#include "actors/upstream/reconnect_policy.hpp"

#include <algorithm>
#include <cmath>

namespace runrelay::actors {

using protocol::upstream_state;
using std::chrono::milliseconds;

reconnect_policy::reconnect_policy(backoff_settings settings, uint64_t seed)
    : settings_(settings), rng_(seed) {}

reconnect_policy::step reconnect_policy::start() {
  status_ = {upstream_state::connecting, 1, std::nullopt};
  return {true, std::nullopt};
}

void reconnect_policy::connected() {
  if (lost_before_)
    ++reconnects_;
  ++handshakes_;
  failed_in_row_ = 0;
  status_ = {upstream_state::connected, 0, std::nullopt};
}

reconnect_policy::step reconnect_policy::session_ended(bool was_connected) {
  if (status_.state == upstream_state::disconnected ||
      status_.state == upstream_state::failed)
    return {};
  // A failed dial is a loss too: the next successful handshake is a reconnect.
  lost_before_ = true;
  if (was_connected)
    return wait_for(1);
  ++failed_in_row_;
  if (settings_.max_attempts > 0 && failed_in_row_ >= settings_.max_attempts) {
    status_ = {upstream_state::failed, status_.attempt, std::nullopt};
    return {};
  }
  return wait_for(status_.attempt + 1);
}

std::optional<reconnect_policy::step> reconnect_policy::manual_reconnect() {
  if (status_.state != upstream_state::failed &&
      status_.state != upstream_state::reconnecting)
    return std::nullopt;
  failed_in_row_ = 0;
  status_ = {upstream_state::connecting, 1, std::nullopt};
  return step{true, std::nullopt};
}

void reconnect_policy::shut_down() {
  status_ = {upstream_state::disconnected, 0, std::nullopt};
}

milliseconds reconnect_policy::nominal_delay(uint32_t n) const {
  // Past 2^40 the cap has long been reached; the clamp keeps the shift defined.
  auto exponent = std::min<uint32_t>(n > 0 ? n - 1 : 0, 40);
  auto base = static_cast<uint64_t>(settings_.base.count());
  auto cap = static_cast<uint64_t>(settings_.max.count());
  auto delay = base > (cap >> exponent) ? cap : std::min(cap, base << exponent);
  return milliseconds(delay);
}

milliseconds reconnect_policy::backoff_delay(uint32_t n) {
  std::uniform_real_distribution<double> factor(1.0 - settings_.jitter,
                                                1.0 + settings_.jitter);
  auto jittered = static_cast<double>(nominal_delay(n).count()) * factor(rng_);
  return milliseconds(std::max<int64_t>(0, std::llround(jittered)));
}

reconnect_policy::step reconnect_policy::wait_for(uint32_t attempt) {
  auto delay = backoff_delay(attempt);
  status_ = {upstream_state::reconnecting, attempt, static_cast<uint64_t>(delay.count())};
  return {false, delay};
}

} // namespace runrelay::actors
