#pragma once
// upstream_session: one WebSocket connection to the orchestrator, from dial to loss.
// It sends hello first, decodes every frame through protocol/, passes events on to the
// dedup filter, answers JSON pings, pings the orchestrator, and exits with a reason on
// any loss, a clean close included. It never reconnects: its supervisor does.
#include "actors/messages.hpp"
#include "actors/runs/dedup_filter.hpp"
#include "actors/status_board.hpp"
#include "actors/upstream/idle_watch.hpp"
#include "actors/upstream/upstream_link.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>

namespace runrelay::actors {

using upstream_session_actor = link_owner_actor::extend<
    // from the queue: one client `send`, written upstream as is
    caf::reacts_to<write_upstream_atom, std::string>,
    // internal: its keep-alive ping and idle check, per timer generation
    caf::reacts_to<ping_tick_atom, uint64_t>, caf::reacts_to<idle_check_atom, uint64_t>,
    caf::replies_to<stats_atom>::with<actor_stats_list>>;

// The part of the reconnect supervisor a session talks to: "hello went out".
using session_owner_actor = caf::typed_actor<caf::reacts_to<connected_atom>>;

struct upstream_session_settings {
  std::string relay_id;
  std::chrono::milliseconds ping_interval{15000};
  std::chrono::milliseconds idle_timeout{45000};
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

using upstream_session_pointer =
    upstream_session_actor::stateful_pointer<upstream_session_state>;

// Asks `dedup` for the resume point on link_up, tells `supervisor` once hello is out.
upstream_session_actor::behavior_type
upstream_session(upstream_session_pointer self, session_owner_actor supervisor,
                 dedup_filter_actor dedup, upstream_dialer dial,
                 upstream_session_settings settings, std::shared_ptr<status_board> board);

} // namespace runrelay::actors
