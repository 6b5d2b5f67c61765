#include "actors/clients/client_session.hpp"

#include "protocol/client_codec.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace runrelay::actors {

using namespace protocol;

namespace {

std::string id_of(const client_message& message) {
  return std::visit([](const auto& request) { return request.id; }, message);
}

struct dispatcher {
  client_session_pointer self;
  client_session_state& st;

  void reply(std::string text) const { st.sink->send_frame(make_frame(std::move(text))); }

  void fail(error_code code, std::string_view message,
            std::string_view request_id) const {
    ++st.errors;
    reply(encode_error(code, message, request_id));
  }

  void operator()(subscribe_request& request) const {
    auto& subs = st.subscriptions;
    if (subs.count(request.run_id) == 0 && subs.size() >= st.limits.max_subscriptions)
      return fail(error_code::too_many_subscriptions,
                  "at most " + std::to_string(st.limits.max_subscriptions) +
                      " subscriptions",
                  request.id);
    subs.insert(request.run_id);
    self->send(st.deps.dedup,
               subscribe_cmd{st.id, st.sink, std::move(request.run_id),
                             std::move(request.since), std::move(request.id)});
  }

  void operator()(unsubscribe_request& request) const {
    if (st.subscriptions.erase(request.run_id) == 0)
      return reply(encode_unsubscribed(request.run_id, request.id));
    self->send(st.deps.dedup, unsubscribe_cmd{st.id, st.sink, std::move(request.run_id),
                                              std::move(request.id)});
  }

  void operator()(ping_request& request) const {
    reply(encode_client_pong(request.timestamp));
  }

  void operator()(send_request& request) const {
    ++st.sends;
    self->request(st.deps.queue, caf::infinite, send_upstream_atom::value,
                  std::move(request.data))
        .then([sink = st.sink, request_id = std::move(request.id)](bool sent) {
          sink->send_frame(make_frame(encode_ack(request_id, sent)));
        });
  }

  void operator()(client_error& error) const {
    fail(error.code, error.message, error.id);
  }
};

void on_client_text(client_session_pointer self, const std::string& text) {
  auto& st = self->state;
  ++st.messages;
  auto message = decode_client_message(text);
  if (!st.limiter.allow(std::chrono::steady_clock::now())) {
    ++st.rate_limited;
    ++st.errors;
    st.sink->send_frame(make_frame(encode_error(
        error_code::rate_limited,
        "more than " + std::to_string(static_cast<uint64_t>(st.limits.rate_per_second)) +
            " messages per second",
        id_of(message))));
    return;
  }
  std::visit(dispatcher{self, st}, message);
}

actor_stats_list stats_of(client_session_pointer self) {
  auto& st = self->state;
  actor_stats stats{
      "client_session", "client:" + st.client_name, self->mailbox().size(), {}, {}};
  stats.labels["client_id"] = st.client_name;
  stats.labels["transport"] = st.limits.transport;
  stats.counters["subscriptions"] = static_cast<int64_t>(st.subscriptions.size());
  stats.counters["messages"] = static_cast<int64_t>(st.messages);
  stats.counters["errors"] = static_cast<int64_t>(st.errors);
  stats.counters["rate_limited"] = static_cast<int64_t>(st.rate_limited);
  stats.counters["sends"] = static_cast<int64_t>(st.sends);
  stats.counters["backlog_frames"] = static_cast<int64_t>(st.sink->backlog_frames());
  return {stats};
}

} // namespace

client_session_actor::behavior_type
client_session(client_session_pointer self, client_id_t id, std::string client_name,
               client_sink_ptr sink, client_limits limits, client_session_deps deps) {
  auto& st = self->state;
  st.limiter = rate_limiter(limits.rate_per_second);
  ++deps.board->counters.clients_connected;
  ++deps.board->counters.clients_total;
  sink->send_frame(
      make_frame(encode_welcome(client_name, deps.board->relay_id(),
                                deps.board->upstream().state, limits.heartbeat_ms)));
  // Runs through the exit whatever its cause, after the state is gone: capture by value.
  // After a failure the client directory closes the connection with 1011 instead.
  self->attach_functor(
      [dedup = deps.dedup, board = deps.board, sink, id](const caf::error& reason) {
        caf::anon_send(dedup, client_gone_atom::value, id);
        --board->counters.clients_connected;
        if (!session_failed(reason))
          sink->close(1000, "");
      });
  st.id = id;
  st.client_name = std::move(client_name);
  st.sink = std::move(sink);
  st.limits = limits;
  st.deps = std::move(deps);
  return {
      [self](client_text_atom, const std::string& text) { on_client_text(self, text); },
      [self](client_closed_atom) { self->quit(); },
      [self](stats_atom) { return stats_of(self); },
      [self](shutdown_atom, uint16_t code, const std::string& reason) {
        self->state.sink->close(code, reason);
        self->quit();
      },
  };
}

} // namespace runrelay::actors
