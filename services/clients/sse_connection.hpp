#pragma once
// A Server-Sent Events client of GET /runs/<run_id>/stream (docs/protocol.md section 3),
// taken over from the HTTP session that read and checked its request. It is a client
// like a WebSocket one: a client_session actor of its own subscribes it to the run (with
// `since` from Last-Event-ID or the query), run subscribers write events to it directly,
// and the same slow-consumer bound applies. Each relay message is framed as SSE once per
// I/O thread and the bytes are shared by every stream on that thread; keep-alive
// comments go out from one timer per thread.
#include "actors/status_board.hpp"
#include "services/clients/client_connection.hpp"
#include "services/clients/io_sink.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace runrelay::services {

struct sse_settings {
  std::size_t buffer_frames = 1024;
  std::size_t buffer_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds keep_alive{30000};
  uint64_t retry_ms = 1000; // the `retry:` hint: how soon EventSource reconnects
  unsigned http_version = 11;
  std::string extra_headers; // whole header lines, each ending in \r\n
};

// Answers 200 text/event-stream and starts the stream on the socket's io_context, from
// that io_context's thread. `subscribe` is the subscribe message its session is given.
void start_sse_connection(boost::asio::io_context& lane,
                          boost::asio::ip::tcp::socket socket, sse_settings settings,
                          std::shared_ptr<actors::status_board> board,
                          client_actor_factory spawn_session, std::string subscribe);

// Hands `frame` to every open SSE stream of `lane`. Only from the lane's thread.
void deliver_to_lane_streams(boost::asio::io_context& lane,
                             const actors::frame_ptr& frame);

} // namespace runrelay::services
