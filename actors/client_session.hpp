#pragma once
// client_session: one per WebSocket client on GET /ws. It greets the client, decodes
// what the client sends through protocol/, enforces the per-client limits, and routes
// subscriptions to the dedup filter and sends to the upstream queue. Events do not pass
// through it: run subscribers write them to the client's sink directly, so an event is
// serialized once for all clients; this actor keeps control of what the client is
// subscribed to and when the connection ends.
//
// Interface:
//   (client_text_atom, std::string)        a text message from the client
//   (client_closed_atom)                   the connection is gone
//   (upstream_status_atom, frame_ptr)      an upstream state change (clients group)
//   (stats_atom) -> actor_stats
//   (shutdown_atom, uint16_t code, std::string reason)   close the client and stop
// Sends: subscribe_cmd / unsubscribe_cmd / (client_gone_atom, id) to the dedup filter,
// (send_upstream_atom, data) requests to the queue.
#include "actors/messages.hpp"
#include "actors/status_board.hpp"

#include <caf/actor.hpp>
#include <caf/group.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <set>

namespace runrelay::actors {

struct client_limits {
  std::size_t max_subscriptions = 100;
  double rate_per_second = 100; // bursts of twice that are allowed
  uint64_t heartbeat_ms = 30000;
};

// Token bucket: `rate` messages per second on average, bursts of 2 * rate.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;
  explicit rate_limiter(double rate)
      : rate_(rate), capacity_(2 * rate), tokens_(2 * rate) {}
  bool allow(clock::time_point now);

private:
  double rate_;
  double capacity_;
  double tokens_;
  clock::time_point last_{};
  bool started_ = false;
};

struct client_session_deps {
  caf::actor dedup;
  caf::actor queue;
  caf::group clients;
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

using client_session_actor = caf::stateful_actor<client_session_state>;

caf::behavior client_session(client_session_actor* self, client_id_t id,
                             std::string client_name, client_sink_ptr sink,
                             client_limits limits, client_session_deps deps);

} // namespace runrelay::actors
