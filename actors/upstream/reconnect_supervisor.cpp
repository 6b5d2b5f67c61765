#include "actors/upstream/reconnect_supervisor.hpp"

#include "actors/stats_gather.hpp"
#include "protocol/client_codec.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace runrelay::actors {

using protocol::upstream_state;

namespace {

void announce(supervisor_state_pointer self, const supervisor_deps& deps) {
  const auto& status = self->state.policy.status();
  deps.board->set_upstream(status);
  deps.fanout->broadcast(protocol::make_frame(protocol::encode_upstream_status(status)));
  spdlog::info("supervisor: upstream {} (attempt {}{})",
               protocol::to_string(status.state), status.attempt,
               status.retry_in_ms ? fmt::format(", dial in {} ms", *status.retry_in_ms)
                                  : std::string{});
}

void carry_out(supervisor_state_pointer self, const reconnect_policy::step& step,
               const session_spawner& spawn_session) {
  auto& st = self->state;
  auto generation = ++st.dial_generation;
  if (step.dial_now) {
    ++st.dials;
    st.session_connected = false;
    st.session = spawn_session(self);
    self->monitor(st.session);
  } else if (step.dial_after) {
    self->delayed_send(self, *step.dial_after, dial_atom::value, generation);
  }
}

// The session exited: a lost connection or a failed dial, whatever the reason.
void on_session_down(supervisor_state_pointer self, const caf::down_msg& down,
                     const session_spawner& spawn_session, const supervisor_deps& deps) {
  auto& st = self->state;
  if (down.source != st.session.address())
    return; // a session replaced by a manual reconnect
  bool was_connected = st.session_connected;
  st.session = nullptr;
  st.session_connected = false;
  if (was_connected)
    self->send(deps.queue, upstream_lost_atom::value);
  auto before = st.policy.status();
  auto step = st.policy.session_ended(was_connected);
  if (st.policy.status().state != before.state ||
      st.policy.status().attempt != before.attempt)
    announce(self, deps);
  carry_out(self, step, spawn_session);
}

void on_connected(supervisor_state_pointer self, const supervisor_deps& deps) {
  auto& st = self->state;
  if (self->current_sender() != st.session.address())
    return;
  st.session_connected = true;
  auto reconnects_before = st.policy.reconnects();
  st.policy.connected();
  deps.board->counters.upstream_reconnects += st.policy.reconnects() - reconnects_before;
  self->send(deps.queue, upstream_ready_atom::value, st.session);
  announce(self, deps);
}

std::tuple<bool, std::string> on_manual_reconnect(supervisor_state_pointer self,
                                                  const session_spawner& spawn_session,
                                                  const supervisor_deps& deps) {
  auto& st = self->state;
  auto step = st.policy.manual_reconnect();
  if (!step)
    return {false, std::string{protocol::to_string(st.policy.status().state)}};
  if (st.session) {
    // A dial in progress is abandoned; its exit is ignored by the down handler.
    self->send_exit(st.session, caf::exit_reason::user_shutdown);
    st.session = nullptr;
  }
  announce(self, deps);
  carry_out(self, *step, spawn_session);
  return {true, std::string{protocol::to_string(st.policy.status().state)}};
}

actor_stats own_stats(supervisor_state_pointer self) {
  auto& st = self->state;
  actor_stats own{"supervisor", "supervisor", self->mailbox().size(), {}, {}};
  own.labels["state"] = std::string{protocol::to_string(st.policy.status().state)};
  own.counters["attempt"] = st.policy.status().attempt;
  own.counters["failed_in_row"] = st.policy.failed_in_row();
  own.counters["dials"] = static_cast<int64_t>(st.dials);
  own.counters["handshakes"] = static_cast<int64_t>(st.policy.successful_handshakes());
  own.counters["reconnects"] = static_cast<int64_t>(st.policy.reconnects());
  return own;
}

caf::result<actor_stats_list> stats_of(supervisor_state_pointer self) {
  std::vector<stats_source> session;
  if (self->state.session)
    session.emplace_back(self->state.session);
  return answer_stats(self, session, own_stats(self));
}

} // namespace

supervisor_actor::behavior_type
reconnect_supervisor(supervisor_state_pointer self, backoff_settings settings,
                     uint64_t seed, session_spawner spawn_session, supervisor_deps deps) {
  self->state.policy = reconnect_policy(settings, seed);
  self->set_down_handler([=](const caf::down_msg& down) {
    on_session_down(self, down, spawn_session, deps);
  });
  carry_out(self, self->state.policy.start(), spawn_session);
  announce(self, deps);
  return {
      [=](connected_atom) { on_connected(self, deps); },
      [=](dial_atom, uint64_t generation) {
        auto& st = self->state;
        if (generation != st.dial_generation ||
            st.policy.status().state != upstream_state::reconnecting)
          return;
        // Not a state change: clients were told the delay when the wait began.
        st.policy.dialing();
        deps.board->set_upstream(st.policy.status());
        carry_out(self, {true, std::nullopt}, spawn_session);
      },
      [=](reconnect_atom) { return on_manual_reconnect(self, spawn_session, deps); },
      [=](stats_atom) { return stats_of(self); },
      [=](shutdown_atom) {
        auto& st = self->state;
        st.policy.shut_down();
        ++st.dial_generation;
        if (st.session)
          self->send_exit(st.session, caf::exit_reason::user_shutdown);
        announce(self, deps);
        self->quit();
      },
  };
}

} // namespace runrelay::actors
