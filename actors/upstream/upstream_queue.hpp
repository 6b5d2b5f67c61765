#pragma once
// upstream_queue: every client `send` passes through here on its way upstream. While a
// session is connected the data goes straight to it; otherwise it waits in a bounded
// queue that drops its oldest entry when full, and is flushed first-in first-out as soon
// as the next session has written its hello.
#include "actors/messages.hpp"
#include "actors/status_board.hpp"
#include "actors/upstream/bounded_queue.hpp"
#include "actors/upstream/upstream_session.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <memory>

namespace runrelay::actors {

using upstream_queue_actor = caf::typed_actor<
    // from a client session: true when written now (ack "sent"), false when queued
    caf::replies_to<send_upstream_atom, std::string>::with<bool>,
    // from the supervisor: this session has written hello; flush, then write through
    caf::reacts_to<upstream_ready_atom, upstream_session_actor>,
    // from the supervisor: the session is gone; queue from now on
    caf::reacts_to<upstream_lost_atom>,
    caf::replies_to<stats_atom>::with<actor_stats_list>, caf::reacts_to<shutdown_atom>>;

struct upstream_queue_state {
  static inline const char* name = "queue";
  std::unique_ptr<bounded_queue> queue;
  upstream_session_actor session;
  uint64_t sent = 0;
  uint64_t queued = 0;
  uint64_t flushed = 0;
};

using upstream_queue_pointer =
    upstream_queue_actor::stateful_pointer<upstream_queue_state>;

upstream_queue_actor::behavior_type upstream_queue(upstream_queue_pointer self,
                                                   std::size_t capacity,
                                                   std::shared_ptr<status_board> board);

} // namespace runrelay::actors
