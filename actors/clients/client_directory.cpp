#include "actors/clients/client_directory.hpp"

#include "actors/stats_gather.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace runrelay::actors {

namespace {

void on_session_down(client_directory_pointer self, const caf::down_msg& down) {
  auto& st = self->state;
  auto it = st.id_of.find(down.source);
  if (it == st.id_of.end())
    return;
  auto id = it->second;
  st.id_of.erase(it);
  auto session = st.sessions.find(id);
  if (session == st.sessions.end())
    return;
  auto sink = std::move(session->second.sink);
  st.sessions.erase(session);
  if (!session_failed(down.reason))
    return;
  ++st.session_failures;
  spdlog::warn("client_directory: session of client {} failed ({}); closing its "
               "connection with 1011",
               id, caf::to_string(down.reason));
  sink->close(1011, st.failure_reason);
}

caf::result<actor_stats_list> stats_of(client_directory_pointer self, uint64_t limit) {
  auto& st = self->state;
  actor_stats own{"client_directory", "client_directory", self->mailbox().size(), {}, {}};
  own.counters["sessions"] = static_cast<int64_t>(st.sessions.size());
  own.counters["adopted"] = static_cast<int64_t>(st.adopted_total);
  own.counters["session_failures"] = static_cast<int64_t>(st.session_failures);
  std::vector<stats_source> sessions;
  for (auto& [id, entry] : st.sessions) {
    if (sessions.size() >= limit)
      break;
    sessions.emplace_back(entry.session);
  }
  return answer_stats(self, sessions, std::move(own));
}

void going_away(client_directory_pointer self, caf::timespan spread) {
  auto& sessions = self->state.sessions;
  std::size_t i = 0;
  // Spread so that clients do not all reconnect elsewhere in the same millisecond.
  for (auto& [id, entry] : sessions) {
    auto delay =
        spread * static_cast<int64_t>(i++) / static_cast<int64_t>(sessions.size());
    if (delay.count() == 0)
      self->send(entry.session, shutdown_atom::value, uint16_t{1001},
                 std::string("going away"));
    else
      self->delayed_send(entry.session, delay, shutdown_atom::value, uint16_t{1001},
                         std::string("going away"));
  }
}

} // namespace

client_directory_actor::behavior_type client_directory(client_directory_pointer self,
                                                       std::string failure_reason) {
  self->state.failure_reason = std::move(failure_reason);
  self->set_down_handler(
      [self](const caf::down_msg& down) { on_session_down(self, down); });
  return {
      [self](adopt_atom, client_id_t id, const client_session_actor& session,
             const client_sink_ptr& sink) {
        auto& st = self->state;
        ++st.adopted_total;
        st.sessions[id] = {session, sink};
        st.id_of[session.address()] = id;
        self->monitor(session);
      },
      [self](stats_atom) { return stats_of(self, UINT64_MAX); },
      [self](stats_atom, uint64_t limit) { return stats_of(self, limit); },
      [self](shutdown_atom, caf::timespan spread) { going_away(self, spread); },
      [self](shutdown_atom) {
        for (auto& [id, entry] : self->state.sessions)
          self->send_exit(entry.session, caf::exit_reason::user_shutdown);
        self->quit();
      },
  };
}

} // namespace runrelay::actors
