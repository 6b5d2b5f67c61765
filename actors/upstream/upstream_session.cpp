#include "actors/upstream/upstream_session.hpp"

#include "protocol/upstream_codec.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <optional>

namespace runrelay::actors {

namespace {

void lose(upstream_session_pointer self, const std::string& reason) {
  spdlog::warn("upstream_session: connection lost: {}", reason);
  self->quit(caf::make_error(caf::sec::runtime_error, reason));
}

void schedule_timers(upstream_session_pointer self,
                     const upstream_session_settings& settings) {
  auto generation = self->state.timer_generation;
  self->delayed_send(self, settings.ping_interval, ping_tick_atom::value, generation);
  self->delayed_send(self, settings.idle_timeout, idle_check_atom::value, generation);
}

void take_frame(upstream_session_pointer self, const dedup_filter_actor& dedup,
                status_board& board, const std::string& text, bool binary) {
  auto& st = self->state;
  ++st.frames;
  if (binary) {
    ++st.rejected;
    ++board.counters.events_rejected;
    spdlog::warn("upstream_session: rejected a binary frame of {} bytes", text.size());
    return;
  }
  auto frame = protocol::decode_upstream_frame(text);
  for (auto& reason : frame.rejections) {
    ++st.rejected;
    ++board.counters.events_rejected;
    spdlog::warn("upstream_session: rejected: {}", reason);
  }
  for (auto& ping : frame.pings) {
    ++st.pings_answered;
    st.link->send_text(protocol::encode_pong(ping.timestamp));
  }
  for (auto& event : frame.events) {
    ++st.events;
    self->send(dedup, std::move(event));
  }
}

void send_hello(upstream_session_pointer self, const upstream_session_settings& settings,
                const std::string& resume_after, bool known) {
  auto& st = self->state;
  st.link->send_text(protocol::encode_hello(
      settings.relay_id,
      known ? std::optional<std::string>{resume_after} : std::nullopt));
  st.handshake_done = true;
  spdlog::info("upstream_session: connected, hello sent (resume_after {})",
               known ? resume_after : "null");
  schedule_timers(self, settings);
}

actor_stats_list stats_of(upstream_session_pointer self) {
  auto& st = self->state;
  actor_stats stats{
      "upstream_session", "upstream_session", self->mailbox().size(), {}, {}};
  stats.labels["handshake"] = st.handshake_done ? "done" : "pending";
  stats.counters["frames"] = static_cast<int64_t>(st.frames);
  stats.counters["events"] = static_cast<int64_t>(st.events);
  stats.counters["rejected"] = static_cast<int64_t>(st.rejected);
  stats.counters["pings_answered"] = static_cast<int64_t>(st.pings_answered);
  stats.counters["written"] = static_cast<int64_t>(st.written);
  return {stats};
}

} // namespace

upstream_session_actor::behavior_type
upstream_session(upstream_session_pointer self, session_owner_actor supervisor,
                 dedup_filter_actor dedup, upstream_dialer dial,
                 upstream_session_settings settings,
                 std::shared_ptr<status_board> board) {
  auto& st = self->state;
  st.idle = idle_watch(settings.idle_timeout);
  st.link = dial(link_owner_actor{self});
  // The link holds this actor's handle until it reports link_down; closing it on exit
  // (state is gone by then, so capture the pointer) breaks the cycle either way.
  self->attach_functor([link = st.link] { link->close(); });
  return {
      [=](link_up_atom) {
        self->state.idle.heard(self->clock().now());
        self->request(dedup, caf::infinite, resume_point_atom::value)
            .then([=](const std::string& resume_after, bool known) {
              send_hello(self, settings, resume_after, known);
              self->send(supervisor, connected_atom::value);
            });
      },
      [=](link_frame_atom, const std::string& text, bool binary) {
        self->state.idle.heard(self->clock().now());
        take_frame(self, dedup, *board, text, binary);
      },
      [=](link_alive_atom) { self->state.idle.heard(self->clock().now()); },
      [=](link_down_atom, const std::string& reason) { lose(self, reason); },
      [=](write_upstream_atom, const std::string& data) {
        ++self->state.written;
        self->state.link->send_text(data);
      },
      [=](ping_tick_atom, uint64_t generation) {
        if (generation != self->state.timer_generation)
          return;
        self->state.link->ping();
        self->delayed_send(self, settings.ping_interval, ping_tick_atom::value,
                           generation);
      },
      [=](idle_check_atom, uint64_t generation) {
        auto& st = self->state;
        if (generation != st.timer_generation)
          return;
        auto now = self->clock().now();
        if (st.idle.expired(now))
          return lose(self, "idle timeout: nothing heard for " +
                                std::to_string(settings.idle_timeout.count()) + " ms");
        self->delayed_send(self, st.idle.remaining(now), idle_check_atom::value,
                           generation);
      },
      [=](stats_atom) { return stats_of(self); },
  };
}

} // namespace runrelay::actors
