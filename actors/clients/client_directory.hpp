#pragma once
// client_directory: every client session alive, for /stats and for the paced shutdown.
// The I/O thread that upgrades a connection spawns its session (it needs the handle at
// once) and hands it here to adopt; the directory monitors it from then on (a session
// already gone still reports its exit). A session that fails, rather than quits, has its
// connection closed with 1011 so the client reconnects and resumes with `since`
// (docs/protocol.md section 2); the failure is counted and logged.
#include "actors/clients/client_session.hpp"
#include "actors/messages.hpp"

#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <map>
#include <string>
#include <unordered_map>

namespace runrelay::actors {

using client_directory_actor = caf::typed_actor<
    // a session just spawned for a connection, and that connection's sink
    caf::reacts_to<adopt_atom, client_id_t, client_session_actor, client_sink_ptr>,
    // its own entry and every session's; with a limit, at most that many sessions'
    caf::replies_to<stats_atom>::with<actor_stats_list>,
    caf::replies_to<stats_atom, uint64_t>::with<actor_stats_list>,
    // going away: close every client with 1001, spread evenly over `spread`
    caf::reacts_to<shutdown_atom, caf::timespan>,
    // stop every session left now, then itself
    caf::reacts_to<shutdown_atom>>;

struct client_directory_state {
  static inline const char* name = "client_directory";
  struct adopted {
    client_session_actor session;
    client_sink_ptr sink;
  };
  std::map<client_id_t, adopted> sessions; // ordered: /stats?limit= is stable
  std::unordered_map<caf::actor_addr, client_id_t> id_of;
  uint64_t adopted_total = 0;
  uint64_t session_failures = 0;
  std::string failure_reason = "internal error"; // close 1011 reason after a failure
};

using client_directory_pointer =
    client_directory_actor::stateful_pointer<client_directory_state>;

// `failure_reason` is the close reason a client gets (code 1011) when its session fails.
// It is also a spawn argument because CAF 0.17 dereferences a null argument tuple for a
// function actor spawned without arguments (undefined behaviour that UBSan stops on).
client_directory_actor::behavior_type client_directory(client_directory_pointer self,
                                                       std::string failure_reason);

} // namespace runrelay::actors
