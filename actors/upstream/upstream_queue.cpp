#include "actors/upstream/upstream_queue.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace runrelay::actors {

upstream_queue_actor::behavior_type upstream_queue(upstream_queue_pointer self,
                                                   std::size_t capacity,
                                                   std::shared_ptr<status_board> board) {
  self->state.queue = std::make_unique<bounded_queue>(capacity);
  return {
      [=](send_upstream_atom, std::string& data) {
        auto& st = self->state;
        if (st.session) {
          ++st.sent;
          self->send(st.session, write_upstream_atom::value, std::move(data));
          return true;
        }
        ++st.queued;
        if (st.queue->push(std::move(data)))
          ++board->counters.queue_dropped;
        board->counters.queue_depth = st.queue->size();
        return false;
      },
      [=](upstream_ready_atom, const upstream_session_actor& session) {
        auto& st = self->state;
        st.session = session;
        auto waiting = st.queue->take_all();
        board->counters.queue_depth = 0;
        if (!waiting.empty())
          spdlog::info("queue: flushing {} queued message(s) upstream", waiting.size());
        for (auto& data : waiting) {
          ++st.flushed;
          self->send(session, write_upstream_atom::value, std::move(data));
        }
      },
      [=](upstream_lost_atom) { self->state.session = nullptr; },
      [=](stats_atom) {
        auto& st = self->state;
        actor_stats stats{"queue", "queue", self->mailbox().size(), {}, {}};
        stats.counters["depth"] = static_cast<int64_t>(st.queue->size());
        stats.counters["capacity"] = static_cast<int64_t>(st.queue->capacity());
        stats.counters["dropped"] = static_cast<int64_t>(st.queue->dropped());
        stats.counters["sent"] = static_cast<int64_t>(st.sent);
        stats.counters["queued"] = static_cast<int64_t>(st.queued);
        stats.counters["flushed"] = static_cast<int64_t>(st.flushed);
        return actor_stats_list{stats};
      },
      [=](shutdown_atom) { self->quit(); },
  };
}

} // namespace runrelay::actors
