#include "services/relay/relay_backend.hpp"

#include "actors/clients/client_session.hpp"
#include "actors/stats_gather.hpp"
#include "protocol/client_codec.hpp"
#include "services/clients/client_connection.hpp"
#include "services/clients/sse_connection.hpp"
#include "services/clients/stats_report.hpp"

#include <caf/all.hpp>

#include <atomic>

namespace runrelay::services {

using namespace runrelay::actors;
using std::chrono::milliseconds;

namespace {

// Asks every pipeline actor for its stats and hands the rendered report to `done`.
// CAF 0.17 dereferences a null argument tuple when a function actor is spawned with no
// arguments (undefined behaviour that UBSan stops on), so these short-lived actors
// take what they need as spawn arguments rather than captures.
void stats_collector(caf::event_based_actor* self, pipeline actors,
                     std::shared_ptr<status_board> board,
                     std::optional<std::size_t> limit, answer_callback done) {
  std::vector<stats_source> sources{actors.supervisor, actors.dedup, actors.queue};
  auto render = [self, board, limit, done](actor_stats_list all) {
    done({200, "application/json", render_stats(*board, all, limit)});
    self->quit();
  };
  auto clients = actors.clients;
  // The directory asks only up to `limit` sessions: the others are not shown anyway.
  gather_stats(
      self, sources, {},
      [=](actor_stats_list pipeline_stats) {
        auto add_clients = [render, pipeline_stats](const actor_stats_list& sessions) {
          auto all = pipeline_stats;
          all.insert(all.end(), sessions.begin(), sessions.end());
          render(std::move(all));
        };
        self->request(clients, std::chrono::seconds(2), stats_atom::value,
                      uint64_t{limit.value_or(UINT64_MAX)})
            .then(add_clients, [=](const caf::error&) { render(pipeline_stats); });
      },
      std::chrono::seconds(2));
}

void reconnect_asker(caf::event_based_actor* self, supervisor_actor supervisor,
                     answer_callback done) {
  self->request(supervisor, std::chrono::seconds(2), reconnect_atom::value)
      .then(
          [=](bool accepted, const std::string& state) {
            done({accepted ? 202u : 409u, "application/json",
                  "{\"state\":\"" + state +
                      "\",\"accepted\":" + (accepted ? "true" : "false") + "}"});
          },
          [=](const caf::error& error) {
            done({503, "application/json",
                  "{\"error\":" + protocol::json_quote(caf::to_string(error)) + "}"});
          });
}

// A new client's id and the factory of its session, which the connection calls once
// the client is really there (after the 101, or the SSE head): it captures by value.
struct session_maker {
  caf::actor_system* system;
  client_directory_actor directory;
  client_session_deps deps;
  std::string relay_id;
  std::shared_ptr<std::atomic<client_id_t>> next_id;

  client_actor_factory next(client_limits limits) const {
    auto id = ++*next_id;
    return [maker = *this, limits, id](client_sink_ptr sink) {
      auto session = maker.system->spawn(client_session, id,
                                         maker.relay_id + "-" + std::to_string(id), sink,
                                         limits, maker.deps);
      caf::anon_send(maker.directory, adopt_atom::value, id, session, std::move(sink));
      return session;
    };
  }
};

// What an SSE stream's session is told, as a WebSocket client would say it.
std::string subscribe_text(const std::string& run_id,
                           const protocol::since_position& since) {
  std::string text = "{\"type\":\"subscribe\",\"run_id\":" + protocol::json_quote(run_id);
  if (since.from == protocol::since_position::kind::live_only)
    text += ",\"since\":\"live\"";
  else if (since.from == protocol::since_position::kind::after_event)
    text += ",\"since\":" + protocol::json_quote(since.event_id);
  return text + "}";
}

} // namespace

http_backend make_relay_backend(caf::actor_system& system, const pipeline& actors,
                                const relay_config& config,
                                std::shared_ptr<status_board> board) {
  client_limits limits{config.max_subscriptions,
                       static_cast<double>(config.client_rate_limit),
                       config.heartbeat_ms};
  client_connection_limits connection_limits{
      config.max_frame_bytes, config.client_buffer_frames, config.client_buffer_bytes,
      milliseconds(config.heartbeat_ms), milliseconds(10000)};
  auto next_client = std::make_shared<std::atomic<client_id_t>>(0);
  client_session_deps deps{actors.dedup, actors.queue, board};
  http_backend backend;
  backend.board = board;
  backend.stats = [&system, actors, board](std::optional<std::size_t> limit,
                                           answer_callback done) {
    system.spawn(stats_collector, actors, board, limit, std::move(done));
  };
  backend.reconnect = [&system, supervisor = actors.supervisor](answer_callback done) {
    system.spawn(reconnect_asker, supervisor, std::move(done));
  };
  session_maker sessions{&system, actors.clients, deps, config.relay_id, next_client};
  backend.upgrade = [sessions, limits, connection_limits,
                     board](boost::asio::io_context& lane,
                            boost::asio::ip::tcp::socket socket, std::string accept_key) {
    start_client_connection(lane, std::move(socket), std::move(accept_key),
                            connection_limits, board, sessions.next(limits), [] {});
  };
  backend.runs =
      std::make_shared<const run_api>(actors.runs, board, config.max_held_polls);
  auto sse_limits = limits;
  sse_limits.transport = "sse";
  sse_settings stream_settings{config.client_buffer_frames,
                               config.client_buffer_bytes,
                               milliseconds(config.heartbeat_ms),
                               config.backoff_base_ms,
                               11,
                               {}};
  backend.stream = [sessions, sse_limits, stream_settings,
                    board](boost::asio::io_context& lane,
                           boost::asio::ip::tcp::socket socket, std::string run_id,
                           protocol::since_position since, unsigned version) {
    auto settings = stream_settings;
    settings.http_version = version;
    start_sse_connection(lane, std::move(socket), std::move(settings), board,
                         sessions.next(sse_limits), subscribe_text(run_id, since));
  };
  return backend;
}

} // namespace runrelay::services
