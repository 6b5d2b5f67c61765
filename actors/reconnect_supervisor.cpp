#include "actors/reconnect_supervisor.hpp"

#include "protocol/client_codec.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace runrelay::actors {

using protocol::upstream_state;
using std::chrono::milliseconds;

reconnect_policy::reconnect_policy(backoff_settings settings, uint64_t seed)
    : settings_(settings), rng_(seed) {}

reconnect_policy::step reconnect_policy::start() {
  status_ = {upstream_state::connecting, 1, std::nullopt};
  return {true, std::nullopt};
}

void reconnect_policy::connected() {
  if (lost_before_)
    ++reconnects_;
  ++handshakes_;
  failed_in_row_ = 0;
  status_ = {upstream_state::connected, 0, std::nullopt};
}

reconnect_policy::step reconnect_policy::session_ended(bool was_connected) {
  if (status_.state == upstream_state::disconnected ||
      status_.state == upstream_state::failed)
    return {};
  // A failed dial is a loss too: the next successful handshake is a reconnect.
  lost_before_ = true;
  if (was_connected)
    return wait_for(1);
  ++failed_in_row_;
  if (settings_.max_attempts > 0 && failed_in_row_ >= settings_.max_attempts) {
    status_ = {upstream_state::failed, status_.attempt, std::nullopt};
    return {};
  }
  return wait_for(status_.attempt + 1);
}

std::optional<reconnect_policy::step> reconnect_policy::manual_reconnect() {
  if (status_.state != upstream_state::failed &&
      status_.state != upstream_state::reconnecting)
    return std::nullopt;
  failed_in_row_ = 0;
  status_ = {upstream_state::connecting, 1, std::nullopt};
  return step{true, std::nullopt};
}

void reconnect_policy::shut_down() {
  status_ = {upstream_state::disconnected, 0, std::nullopt};
}

milliseconds reconnect_policy::nominal_delay(uint32_t n) const {
  // Past 2^40 the cap has long been reached; the clamp keeps the shift defined.
  auto exponent = std::min<uint32_t>(n > 0 ? n - 1 : 0, 40);
  auto base = static_cast<uint64_t>(settings_.base.count());
  auto cap = static_cast<uint64_t>(settings_.max.count());
  auto delay = base > (cap >> exponent) ? cap : std::min(cap, base << exponent);
  return milliseconds(delay);
}

milliseconds reconnect_policy::backoff_delay(uint32_t n) {
  std::uniform_real_distribution<double> factor(1.0 - settings_.jitter,
                                                1.0 + settings_.jitter);
  auto jittered = static_cast<double>(nominal_delay(n).count()) * factor(rng_);
  return milliseconds(std::max<int64_t>(0, std::llround(jittered)));
}

reconnect_policy::step reconnect_policy::wait_for(uint32_t attempt) {
  auto delay = backoff_delay(attempt);
  status_ = {upstream_state::reconnecting, attempt, static_cast<uint64_t>(delay.count())};
  return {false, delay};
}

namespace {

void announce(supervisor_actor* self, const caf::group& clients, status_board& board) {
  const auto& status = self->state.policy.status();
  board.set_upstream(status);
  auto frame = protocol::make_frame(protocol::encode_upstream_status(status));
  self->send(clients, upstream_status_atom::value, std::move(frame));
  spdlog::info("supervisor: upstream {} (attempt {}{})",
               protocol::to_string(status.state), status.attempt,
               status.retry_in_ms ? fmt::format(", dial in {} ms", *status.retry_in_ms)
                                  : std::string{});
}

void carry_out(supervisor_actor* self, const reconnect_policy::step& step,
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

} // namespace

caf::behavior reconnect_supervisor(supervisor_actor* self, backoff_settings settings,
                                   uint64_t seed, session_spawner spawn_session,
                                   caf::actor queue, caf::group clients,
                                   std::shared_ptr<status_board> board) {
  self->state.policy = reconnect_policy(settings, seed);
  self->set_down_handler([=](const caf::down_msg& down) {
    auto& st = self->state;
    if (down.source != st.session.address())
      return; // a session replaced by a manual reconnect
    bool was_connected = st.session_connected;
    st.session = nullptr;
    st.session_connected = false;
    if (was_connected)
      self->send(queue, upstream_lost_atom::value);
    auto before = st.policy.status();
    auto step = st.policy.session_ended(was_connected);
    if (st.policy.status().state != before.state ||
        st.policy.status().attempt != before.attempt)
      announce(self, clients, *board);
    carry_out(self, step, spawn_session);
  });
  carry_out(self, self->state.policy.start(), spawn_session);
  announce(self, clients, *board);
  return {
      [=](connected_atom) {
        auto& st = self->state;
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        if (sender != st.session)
          return;
        st.session_connected = true;
        auto reconnects_before = st.policy.reconnects();
        st.policy.connected();
        board->counters.upstream_reconnects += st.policy.reconnects() - reconnects_before;
        self->send(queue, upstream_ready_atom::value, st.session);
        announce(self, clients, *board);
      },
      [=](dial_atom, uint64_t generation) {
        auto& st = self->state;
        if (generation != st.dial_generation ||
            st.policy.status().state != upstream_state::reconnecting)
          return;
        // Not a state change: clients were told the delay when the wait began.
        st.policy.dialing();
        board->set_upstream(st.policy.status());
        carry_out(self, {true, std::nullopt}, spawn_session);
      },
      [=](reconnect_atom) -> std::tuple<bool, std::string> {
        auto& st = self->state;
        auto step = st.policy.manual_reconnect();
        if (!step)
          return {false, std::string{protocol::to_string(st.policy.status().state)}};
        if (st.session) {
          // A dial in progress is abandoned; its exit is ignored by the down handler.
          self->send_exit(st.session, caf::exit_reason::user_shutdown);
          st.session = nullptr;
        }
        announce(self, clients, *board);
        carry_out(self, *step, spawn_session);
        return {true, std::string{protocol::to_string(st.policy.status().state)}};
      },
      [=](stats_atom) -> caf::result<actor_stats_list> {
        auto& st = self->state;
        actor_stats own{"supervisor", "supervisor", self->mailbox().size(), {}, {}};
        own.labels["state"] = std::string{protocol::to_string(st.policy.status().state)};
        own.counters["attempt"] = st.policy.status().attempt;
        own.counters["failed_in_row"] = st.policy.failed_in_row();
        own.counters["dials"] = static_cast<int64_t>(st.dials);
        own.counters["handshakes"] =
            static_cast<int64_t>(st.policy.successful_handshakes());
        own.counters["reconnects"] = static_cast<int64_t>(st.policy.reconnects());
        if (!st.session)
          return actor_stats_list{own};
        auto promise = self->make_response_promise<actor_stats_list>();
        self->request(st.session, std::chrono::seconds(1), stats_atom::value)
            .then(
                [=](const actor_stats& session) mutable {
                  promise.deliver(actor_stats_list{own, session});
                },
                [=](const caf::error&) mutable {
                  promise.deliver(actor_stats_list{own});
                });
        return promise;
      },
      [=](shutdown_atom) {
        auto& st = self->state;
        st.policy.shut_down();
        ++st.dial_generation;
        if (st.session)
          self->send_exit(st.session, caf::exit_reason::user_shutdown);
        announce(self, clients, *board);
        self->quit();
      },
  };
}

} // namespace runrelay::actors
