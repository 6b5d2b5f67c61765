#pragma once
// reconnect_supervisor: owns the upstream connection's lifecycle. It spawns one
// upstream_session at a time, monitors it, and decides from the session's exit when to
// dial again (docs/protocol.md section 1, "Reconnect and connection state").
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
// Every state change is written to the status board and broadcast to every client.
#include "actors/clients/fanout_port.hpp"
#include "actors/messages.hpp"
#include "actors/status_board.hpp"
#include "actors/upstream/reconnect_policy.hpp"
#include "actors/upstream/upstream_queue.hpp"
#include "actors/upstream/upstream_session.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <functional>
#include <memory>
#include <string>

namespace runrelay::actors {

using supervisor_actor = caf::typed_actor<
    // from the current session, after hello went out
    caf::reacts_to<connected_atom>,
    // internal: a backoff wait ended (stale generations are ignored)
    caf::reacts_to<dial_atom, uint64_t>,
    // POST /upstream/reconnect: (accepted, state)
    caf::replies_to<reconnect_atom>::with<bool, std::string>,
    // its own entry and its session's
    caf::replies_to<stats_atom>::with<actor_stats_list>,
    // stop dialling, close the session, state disconnected
    caf::reacts_to<shutdown_atom>>;
// A down_msg tells it that its session exited, for whatever reason.

using supervisor_pointer = supervisor_actor::pointer;

// Spawns the session to supervise, through the supervisor (its parent).
using session_spawner = std::function<upstream_session_actor(supervisor_pointer self)>;

struct supervisor_state {
  static inline const char* name = "supervisor";
  reconnect_policy policy{backoff_settings{}, 0};
  upstream_session_actor session;
  bool session_connected = false;
  uint64_t dial_generation = 0;
  uint64_t dials = 0;
};

using supervisor_state_pointer = supervisor_actor::stateful_pointer<supervisor_state>;

// What the supervisor tells about state changes, and to whom.
struct supervisor_deps {
  upstream_queue_actor queue; // learns where to write while connected
  fanout_port_ptr fanout;     // broadcasts each `upstream` frame to every client
  std::shared_ptr<status_board> board;
};

supervisor_actor::behavior_type
reconnect_supervisor(supervisor_state_pointer self, backoff_settings settings,
                     uint64_t seed, session_spawner spawn_session, supervisor_deps deps);

} // namespace runrelay::actors
