// docs/protocol.md section 1, "Reconnect and connection state": reconnect_policy, the
// reconnect supervisor's decisions without an actor (the actor:
// reconnect_supervisor_test).
#include "actors/upstream/reconnect_supervisor.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <set>

using runrelay::actors::backoff_settings;
using policy_t = runrelay::actors::reconnect_policy;
using runrelay::protocol::upstream_state;
using std::chrono::milliseconds;

namespace {

backoff_settings exact(uint32_t max_attempts = 0) {
  return backoff_settings{milliseconds(1000), milliseconds(30000), 0.0, max_attempts};
}

void check_status(const runrelay::protocol::upstream_status& status, upstream_state state,
                  uint32_t attempt, std::optional<uint64_t> retry_in_ms) {
  BOOST_TEST(runrelay::protocol::to_string(status.state) ==
             runrelay::protocol::to_string(state));
  BOOST_TEST(status.attempt == attempt);
  BOOST_TEST(status.retry_in_ms.has_value() == retry_in_ms.has_value());
  if (status.retry_in_ms && retry_in_ms)
    BOOST_TEST(*status.retry_in_ms == *retry_in_ms);
}

} // namespace

BOOST_AUTO_TEST_SUITE(reconnect_policy)

BOOST_AUTO_TEST_CASE(nominal_delays_double_up_to_the_cap) {
  policy_t policy(exact(), 1);
  const int64_t expected[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
  for (uint32_t n = 1; n <= 7; ++n) {
    BOOST_TEST(policy.nominal_delay(n).count() == expected[n - 1]);
    BOOST_TEST(policy.backoff_delay(n).count() == expected[n - 1]); // jitter 0: exact
  }
}

BOOST_AUTO_TEST_CASE(jitter_stays_within_bounds_and_varies) {
  policy_t policy(backoff_settings{}, 42); // base 1000, max 30000, jitter 0.1
  for (uint32_t n = 1; n <= 8; ++n) {
    auto nominal = static_cast<double>(policy.nominal_delay(n).count());
    std::set<int64_t> seen;
    for (int draw = 0; draw < 2000; ++draw) {
      auto delay = static_cast<double>(policy.backoff_delay(n).count());
      BOOST_TEST_REQUIRE(delay >= 0.9 * nominal);
      BOOST_TEST_REQUIRE(delay <= 1.1 * nominal);
      seen.insert(static_cast<int64_t>(delay));
    }
    BOOST_TEST(seen.size() > 10u);
  }
}

BOOST_AUTO_TEST_CASE(large_attempt_numbers_do_not_overflow) {
  policy_t policy(backoff_settings{}, 7);
  for (uint32_t n : {40u, 63u, 64u, 65u, 1000u, std::numeric_limits<uint32_t>::max()}) {
    BOOST_TEST(policy.nominal_delay(n).count() == 30000);
    auto jittered = policy.backoff_delay(n).count();
    BOOST_TEST(jittered >= 27000);
    BOOST_TEST(jittered <= 33000);
  }
  // A cap far beyond any shift: delays still grow monotonically and never wrap.
  policy_t huge(backoff_settings{milliseconds(1000),
                                 milliseconds(std::numeric_limits<int64_t>::max()), 0.0,
                                 0},
                7);
  int64_t previous = 0;
  for (uint32_t n = 1; n < 200; ++n) {
    auto delay = huge.nominal_delay(n).count();
    BOOST_TEST_REQUIRE(delay >= previous);
    previous = delay;
  }
  BOOST_TEST(previous > 0);
}

BOOST_AUTO_TEST_CASE(first_dial_failures_back_off_from_dial_two) {
  policy_t policy(exact(), 1);
  check_status(policy.status(), upstream_state::disconnected, 0, std::nullopt);
  auto step = policy.start();
  BOOST_TEST(step.dial_now);
  check_status(policy.status(), upstream_state::connecting, 1, std::nullopt);
  // Dial n waits min(base * 2^(n-1), max); the very first dial was dial 1.
  const uint64_t expected[] = {2000, 4000, 8000, 16000, 30000, 30000};
  for (uint32_t i = 0; i < 6; ++i) {
    step = policy.session_ended(false);
    BOOST_TEST(!step.dial_now);
    BOOST_TEST_REQUIRE(step.dial_after.has_value());
    BOOST_TEST(static_cast<uint64_t>(step.dial_after->count()) == expected[i]);
    check_status(policy.status(), upstream_state::reconnecting, i + 2, expected[i]);
    BOOST_TEST(policy.failed_in_row() == i + 1);
  }
}

BOOST_AUTO_TEST_CASE(handshake_resets_the_attempt_count) {
  policy_t policy(exact(), 1);
  policy.start();
  policy.session_ended(false);
  policy.session_ended(false);
  policy.connected();
  check_status(policy.status(), upstream_state::connected, 0, std::nullopt);
  BOOST_TEST(policy.failed_in_row() == 0u);
  auto step = policy.session_ended(true);
  BOOST_TEST_REQUIRE(step.dial_after.has_value());
  BOOST_TEST(step.dial_after->count() == 1000);
  check_status(policy.status(), upstream_state::reconnecting, 1, 1000);
  policy.session_ended(false);
  check_status(policy.status(), upstream_state::reconnecting, 2, 2000);
}

BOOST_AUTO_TEST_CASE(max_attempts_counts_the_very_first_dial) {
  policy_t once(exact(1), 1);
  once.start();
  auto step = once.session_ended(false);
  BOOST_TEST(!step.dial_now);
  BOOST_TEST(!step.dial_after.has_value());
  BOOST_TEST(runrelay::protocol::to_string(once.status().state) == "failed");
  BOOST_TEST(!once.status().retry_in_ms.has_value());

  policy_t three(exact(3), 1);
  three.start();
  three.session_ended(false); // dial 1 failed
  three.session_ended(false); // dial 2 failed
  BOOST_TEST(runrelay::protocol::to_string(three.status().state) == "reconnecting");
  step = three.session_ended(false); // dial 3 failed
  BOOST_TEST(!step.dial_now);
  BOOST_TEST(!step.dial_after.has_value());
  check_status(three.status(), upstream_state::failed, 3, std::nullopt);
  // Nothing more happens on its own from failed.
  step = three.session_ended(false);
  BOOST_TEST(!step.dial_now);
  BOOST_TEST(!step.dial_after.has_value());
  BOOST_TEST(runrelay::protocol::to_string(three.status().state) == "failed");
}

BOOST_AUTO_TEST_CASE(max_attempts_counts_failed_dials_since_the_last_handshake) {
  policy_t policy(exact(2), 1);
  policy.start();
  policy.session_ended(false); // 1 failed
  policy.connected();          // reset
  policy.session_ended(true);  // a loss is not a failed dial
  BOOST_TEST(policy.failed_in_row() == 0u);
  policy.session_ended(false); // dial 1 after the loss failed
  BOOST_TEST(runrelay::protocol::to_string(policy.status().state) == "reconnecting");
  policy.session_ended(false); // dial 2 failed
  BOOST_TEST(runrelay::protocol::to_string(policy.status().state) == "failed");
}

BOOST_AUTO_TEST_CASE(manual_reconnect_only_from_failed_or_reconnecting) {
  policy_t policy(exact(2), 1);
  BOOST_TEST(!policy.manual_reconnect().has_value()); // disconnected
  policy.start();
  BOOST_TEST(!policy.manual_reconnect().has_value()); // connecting
  policy.connected();
  BOOST_TEST(!policy.manual_reconnect().has_value()); // connected
  check_status(policy.status(), upstream_state::connected, 0, std::nullopt);

  policy.session_ended(true);
  auto step = policy.manual_reconnect(); // reconnecting
  BOOST_TEST_REQUIRE(step.has_value());
  BOOST_TEST(step->dial_now);
  check_status(policy.status(), upstream_state::connecting, 1, std::nullopt);

  policy.session_ended(false);
  policy.session_ended(false);
  BOOST_TEST(runrelay::protocol::to_string(policy.status().state) == "failed");
  step = policy.manual_reconnect(); // failed
  BOOST_TEST_REQUIRE(step.has_value());
  BOOST_TEST(step->dial_now);
  check_status(policy.status(), upstream_state::connecting, 1, std::nullopt);
  BOOST_TEST(policy.failed_in_row() == 0u);
  // The count starts over: one failure waits for dial 2, the second fails again.
  policy.session_ended(false);
  check_status(policy.status(), upstream_state::reconnecting, 2, 2000);
  policy.session_ended(false);
  BOOST_TEST(runrelay::protocol::to_string(policy.status().state) == "failed");
}

BOOST_AUTO_TEST_CASE(reconnects_count_handshakes_after_a_loss_only) {
  policy_t policy(exact(), 1);
  policy.start();
  policy.connected();
  BOOST_TEST(policy.successful_handshakes() == 1u);
  BOOST_TEST(policy.reconnects() == 0u);
  policy.session_ended(true);
  policy.session_ended(false);
  BOOST_TEST(policy.reconnects() == 0u);
  policy.connected();
  BOOST_TEST(policy.reconnects() == 1u);
  policy.session_ended(true);
  policy.connected();
  BOOST_TEST(policy.reconnects() == 2u);
  BOOST_TEST(policy.successful_handshakes() == 3u);
}

BOOST_AUTO_TEST_CASE(a_failed_first_dial_is_a_loss_too) {
  // docs/protocol.md section 1 counts "a failed dial or handshake" among losses.
  policy_t policy(exact(), 1);
  policy.start();
  policy.session_ended(false);
  policy.connected();
  BOOST_TEST(policy.successful_handshakes() == 1u);
  BOOST_TEST(policy.reconnects() == 1u);
}

BOOST_AUTO_TEST_CASE(shut_down_stops_dialling) {
  policy_t policy(exact(), 1);
  policy.start();
  policy.shut_down();
  check_status(policy.status(), upstream_state::disconnected, 0, std::nullopt);
  auto step = policy.session_ended(false);
  BOOST_TEST(!step.dial_now);
  BOOST_TEST(!step.dial_after.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
