#pragma once
// The client-facing port: HTTP/1.x requests (health, readiness, stats, reconnect) and
// the upgrade to WebSocket on GET /ws. Everything that needs an actor's answer goes
// through http_backend, whose callbacks may run on any thread.
#include "actors/status_board.hpp"
#include "protocol/client_codec.hpp"
#include "services/clients/client_connection.hpp"
#include "services/clients/http_answer.hpp"
#include "services/clients/run_api.hpp"
#include "services/relay/io_pool.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace runrelay::services {

struct http_backend {
  std::shared_ptr<actors::status_board> board;
  // GET /stats: `limit` caps the runs and clients lists.
  std::function<void(std::optional<std::size_t> limit, answer_callback)> stats;
  // POST /upstream/reconnect
  std::function<void(answer_callback)> reconnect;
  // GET /ws with a valid upgrade: the connection takes over the socket and answers with
  // `accept_key`.
  std::function<void(boost::asio::io_context& lane, boost::asio::ip::tcp::socket,
                     std::string accept_key)>
      upgrade;
  // GET /runs, /runs/<run_id> and /runs/<run_id>/events
  std::shared_ptr<const run_api> runs;
  // GET /runs/<run_id>/stream: the SSE stream takes over the socket.
  std::function<void(boost::asio::io_context& lane, boost::asio::ip::tcp::socket,
                     std::string run_id, protocol::since_position since,
                     unsigned http_version)>
      stream;
};

class http_server {
public:
  explicit http_server(io_pool& pool);
  ~http_server();
  // Binds and listens; throws on failure. Done before anything else starts, so a
  // port that is taken ends the process before any actor or dial exists.
  void listen(const std::string& host, uint16_t port);
  // Starts accepting, answering with `backend`.
  void start(http_backend backend);
  uint16_t port() const;
  // Stops accepting; connections already open are not touched.
  void stop_accepting();

private:
  struct listener;
  std::shared_ptr<listener> listener_;
};

} // namespace runrelay::services
