#pragma once
// reconnect_supervisor: owns the upstream connection's lifecycle. It spawns one
// upstream_session at a time, monitors it, and decides from the session's exit when to
// dial again (PROTOCOL.md section 1, "Reconnect and connection state").
//
//                 start                handshake (connected_atom)
//   disconnected -------> connecting ---------------------------> connected
//                            |  ^                                     |
//          dial failed       |  | POST /upstream/reconnect            | session lost
//                            v  |                                     v
//                        reconnecting <------------------------- reconnecting
//          wait backoff(n), dial n; a dial failure waits backoff(n+1)
//                            |
//                            | max_attempts failed dials in a row
//                            v
//                          failed  --POST /upstream/reconnect--> connecting
//
// Interface:
//   (connected_atom)                 from the current session, after hello went out
//   down_msg                         the session exited, for whatever reason
//   (dial_atom, uint64_t generation) a backoff wait ended (stale generations ignored)
//   (reconnect_atom) -> (bool accepted, std::string state)   POST /upstream/reconnect
//   (stats_atom) -> actor_stats_list  its own entry and its session's
//   (shutdown_atom)                  stop dialling, close the session, state disconnected
#include "actors/messages.hpp"
#include "actors/status_board.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/group.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <random>

namespace runrelay::actors {

struct backoff_settings {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds max{30000};
  double jitter = 0.1;       // delay multiplied by a factor in [1 - jitter, 1 + jitter]
  uint32_t max_attempts = 0; // failed dials in a row before `failed`; 0 = unlimited
};

// The supervisor's decisions, free of CAF so tests can drive them directly.
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

// Spawns the session to supervise; the supervisor passes itself as the session's parent.
using session_spawner = std::function<caf::actor(caf::event_based_actor* supervisor)>;

struct supervisor_state {
  static inline const char* name = "supervisor";
  reconnect_policy policy{backoff_settings{}, 0};
  caf::actor session;
  bool session_connected = false;
  uint64_t dial_generation = 0;
  uint64_t dials = 0;
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

// `queue` learns where to write when upstream is connected; `clients` (a group) and
// `board` learn every status change.
caf::behavior reconnect_supervisor(supervisor_actor* self, backoff_settings settings,
                                   uint64_t seed, session_spawner spawn_session,
                                   caf::actor queue, caf::group clients,
                                   std::shared_ptr<status_board> board);

} // namespace runrelay::actors
