#include "actors/client_session.hpp"

#include "protocol/client_codec.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace runrelay::actors {

using namespace protocol;

bool rate_limiter::allow(clock::time_point now) {
  if (started_) {
    std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(capacity_, tokens_ + elapsed.count() * rate_);
  }
  started_ = true;
  last_ = now;
  if (tokens_ < 1.0)
    return false;
  tokens_ -= 1.0;
  return true;
}

namespace {

std::string id_of(const client_message& message) {
  return std::visit([](const auto& request) { return request.id; }, message);
}

struct dispatcher {
  client_session_actor* self;
  client_id_t id;
  const client_sink_ptr& sink;
  const client_limits& limits;
  const client_session_deps& deps;

  void reply(std::string text) const { sink->send_frame(make_frame(std::move(text))); }

  void fail(error_code code, std::string_view message,
            std::string_view request_id) const {
    ++self->state.errors;
    reply(encode_error(code, message, request_id));
  }

  void operator()(subscribe_request& request) const {
    auto& subs = self->state.subscriptions;
    if (subs.count(request.run_id) == 0 && subs.size() >= limits.max_subscriptions)
      return fail(error_code::too_many_subscriptions,
                  "at most " + std::to_string(limits.max_subscriptions) +
                      " subscriptions",
                  request.id);
    subs.insert(request.run_id);
    self->send(deps.dedup,
               subscribe_cmd{id, sink, std::move(request.run_id),
                             std::move(request.since), std::move(request.id)});
  }

  void operator()(unsubscribe_request& request) const {
    if (self->state.subscriptions.erase(request.run_id) == 0)
      return reply(encode_unsubscribed(request.run_id, request.id));
    self->send(deps.dedup, unsubscribe_cmd{id, sink, std::move(request.run_id),
                                           std::move(request.id)});
  }

  void operator()(ping_request& request) const {
    reply(encode_client_pong(request.timestamp));
  }

  void operator()(send_request& request) const {
    ++self->state.sends;
    self->request(deps.queue, caf::infinite, send_upstream_atom::value,
                  std::move(request.data))
        .then([sink = sink, request_id = std::move(request.id)](bool sent) {
          sink->send_frame(make_frame(encode_ack(request_id, sent)));
        });
  }

  void operator()(client_error& error) const {
    fail(error.code, error.message, error.id);
  }
};

} // namespace

caf::behavior client_session(client_session_actor* self, client_id_t id,
                             std::string client_name, client_sink_ptr sink,
                             client_limits limits, client_session_deps deps) {
  self->state.limiter = std::make_unique<rate_limiter>(limits.rate_per_second);
  self->join(deps.clients);
  ++deps.board->counters.clients_connected;
  ++deps.board->counters.clients_total;
  sink->send_frame(
      make_frame(encode_welcome(client_name, deps.board->relay_id(),
                                deps.board->upstream().state, limits.heartbeat_ms)));
  // Runs through the exit whatever its cause, after the state is gone: capture by value.
  self->attach_functor([dedup = deps.dedup, board = deps.board, sink, id] {
    caf::anon_send(dedup, client_gone_atom::value, id);
    --board->counters.clients_connected;
    sink->close(1000, "");
  });
  return {
      [=](client_text_atom, const std::string& text) {
        auto& st = self->state;
        ++st.messages;
        auto message = decode_client_message(text);
        if (!st.limiter->allow(std::chrono::steady_clock::now())) {
          ++st.rate_limited;
          ++st.errors;
          auto request_id = id_of(message);
          sink->send_frame(make_frame(encode_error(
              error_code::rate_limited,
              "more than " +
                  std::to_string(static_cast<uint64_t>(limits.rate_per_second)) +
                  " messages per second",
              request_id)));
          return;
        }
        std::visit(dispatcher{self, id, sink, limits, deps}, message);
      },
      [=](client_closed_atom) { self->quit(); },
      [=](upstream_status_atom, const frame_ptr& frame) { sink->send_frame(frame); },
      [=](stats_atom) {
        auto& st = self->state;
        actor_stats stats{
            "client_session", "client:" + client_name, self->mailbox().size(), {}, {}};
        stats.labels["client_id"] = client_name;
        stats.counters["subscriptions"] = static_cast<int64_t>(st.subscriptions.size());
        stats.counters["messages"] = static_cast<int64_t>(st.messages);
        stats.counters["errors"] = static_cast<int64_t>(st.errors);
        stats.counters["rate_limited"] = static_cast<int64_t>(st.rate_limited);
        stats.counters["sends"] = static_cast<int64_t>(st.sends);
        stats.counters["backlog_frames"] = static_cast<int64_t>(sink->backlog_frames());
        return stats;
      },
      [=](shutdown_atom, uint16_t code, const std::string& reason) {
        sink->close(code, reason);
        self->quit();
      },
  };
}

} // namespace runrelay::actors
