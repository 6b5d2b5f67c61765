#pragma once
// client_session: one per WebSocket client on GET /ws. It greets the client, decodes
// what the client sends through protocol/, enforces the per-client limits, and routes
// subscriptions to the dedup filter and sends to the upstream queue. Events do not pass
// through it: run subscribers write them to the client's sink directly, so an event is
// serialized once for all clients; this actor keeps control of what the client is
// subscribed to and when the connection ends.
//
#include "actors/clients/rate_limiter.hpp"
#include "actors/messages.hpp"
#include "actors/runs/dedup_filter.hpp"
#include "actors/status_board.hpp"
#include "actors/upstream/upstream_queue.hpp"

#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <set>
#include <string>

namespace runrelay::actors {

using client_session_actor = caf::typed_actor<
    // from its connection: a text message from the client
    caf::reacts_to<client_text_atom, std::string>,
    // from its connection: the connection is gone
    caf::reacts_to<client_closed_atom>,
    caf::replies_to<stats_atom>::with<actor_stats_list>,
    // close the client with (code, reason) and stop
    caf::reacts_to<shutdown_atom, uint16_t, std::string>>;

// A session that quit, or was told to stop, ended well; any other exit is a failure.
inline bool session_failed(const caf::error& reason) {
  return reason && reason != caf::exit_reason::normal &&
         reason != caf::exit_reason::user_shutdown;
}

struct client_limits {
  std::size_t max_subscriptions = 100;
  double rate_per_second = 100; // bursts of twice that are allowed
  uint64_t heartbeat_ms = 30000;
  std::string transport = "websocket"; // or "sse": named in /stats
};

struct client_session_deps {
  dedup_filter_actor dedup;
  upstream_queue_actor queue;
  std::shared_ptr<status_board> board;
};

// Everything the session needs lives here, once: behaviour handlers capture only `self`
// (one copy per handler would cost every idle client hundreds of bytes).
struct client_session_state {
  static inline const char* name = "client_session";
  client_id_t id = 0;
  std::string client_name;
  client_sink_ptr sink;
  client_limits limits;
  client_session_deps deps;
  rate_limiter limiter{0};
  std::set<std::string> subscriptions;
  uint64_t messages = 0;
  uint64_t errors = 0;
  uint64_t rate_limited = 0;
  uint64_t sends = 0;
};

using client_session_pointer =
    client_session_actor::stateful_pointer<client_session_state>;

client_session_actor::behavior_type
client_session(client_session_pointer self, client_id_t id, std::string client_name,
               client_sink_ptr sink, client_limits limits, client_session_deps deps);

} // namespace runrelay::actors
