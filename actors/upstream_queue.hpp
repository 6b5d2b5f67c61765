#pragma once
// upstream_queue: every client `send` passes through here on its way upstream. While a
// session is connected the data goes straight to it; otherwise it waits in a bounded
// queue that drops its oldest entry when full, and is flushed first-in first-out as soon
// as the next session has written its hello.
//
// Interface:
//   (send_upstream_atom, std::string data) -> bool   true: written now (ack "sent")
//   (upstream_ready_atom, caf::actor session)          flush, then write straight through
//   (upstream_lost_atom)                               queue from now on
//   (stats_atom) -> actor_stats
#include "actors/messages.hpp"
#include "actors/status_board.hpp"

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>

namespace runrelay::actors {

class bounded_queue {
public:
  explicit bounded_queue(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}
  // Returns true when the oldest entry had to be dropped to make room.
  bool push(std::string data);
  std::deque<std::string> take_all();
  std::size_t size() const { return items_.size(); }
  std::size_t capacity() const { return capacity_; }
  uint64_t dropped() const { return dropped_; }

private:
  std::size_t capacity_;
  std::deque<std::string> items_;
  uint64_t dropped_ = 0;
};

struct upstream_queue_state {
  static inline const char* name = "queue";
  std::unique_ptr<bounded_queue> queue;
  caf::actor session;
  uint64_t sent = 0;
  uint64_t queued = 0;
  uint64_t flushed = 0;
};

using upstream_queue_actor = caf::stateful_actor<upstream_queue_state>;

caf::behavior upstream_queue(upstream_queue_actor* self, std::size_t capacity,
                             std::shared_ptr<status_board> board);

} // namespace runrelay::actors
