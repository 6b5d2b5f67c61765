#pragma once
// upstream_session: one WebSocket connection to the orchestrator, from dial to loss.
// It sends hello first, decodes every frame through protocol/, passes events on to the
// dedup filter, answers JSON pings, pings the orchestrator, and exits with a reason on
// any loss, a clean close included. It never reconnects: its supervisor does.
//
// Interface:
//   (link_up_atom) (link_frame_atom, std::string, bool) (link_alive_atom)
//   (link_down_atom, std::string)          from its upstream_link
//   (write_upstream_atom, std::string)     from the queue: one client `send`, written as
//   is (ping_tick_atom, uint64_t) (idle_check_atom, uint64_t)   its own timers
//   (stats_atom) -> actor_stats
// Sends: (connected_atom) to its supervisor once hello is written; upstream_event to the
// dedup filter; (resume_point_atom) request to the dedup filter for hello.
#include "actors/messages.hpp"
#include "actors/status_board.hpp"
#include "actors/upstream_link.hpp"

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>

namespace runrelay::actors {

struct upstream_session_settings {
  std::string relay_id;
  std::chrono::milliseconds ping_interval{15000};
  std::chrono::milliseconds idle_timeout{45000};
};

// Whether the link has been silent for too long, decided apart from timers.
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

struct upstream_session_state {
  static inline const char* name = "upstream_session";
  upstream_link_ptr link;
  idle_watch idle{std::chrono::milliseconds(45000)};
  bool handshake_done = false;
  uint64_t timer_generation = 0;
  uint64_t frames = 0;
  uint64_t events = 0;
  uint64_t rejected = 0;
  uint64_t pings_answered = 0;
  uint64_t written = 0;
};

using upstream_session_actor = caf::stateful_actor<upstream_session_state>;

caf::behavior upstream_session(upstream_session_actor* self, caf::actor supervisor,
                               caf::actor dedup, upstream_dialer dial,
                               upstream_session_settings settings,
                               std::shared_ptr<status_board> board);

} // namespace runrelay::actors
