#pragma once
// A WebSocket client of GET /ws, taken over from the HTTP session that read and checked
// its upgrade request. It speaks RFC 6455 framing itself (protocol/websocket_codec) on a
// non-blocking socket: frames actors hand it go out at once when the socket takes them,
// through a bounded queue when the client is behind; client messages go to its
// client_session actor; the I/O thread pings all its clients with one timer; closes use
// the codes docs/protocol.md section 2 names.
#include "actors/clients/client_session.hpp"
#include "actors/status_board.hpp"
#include "services/clients/io_sink.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>

namespace runrelay::services {

// Spawns the client's session actor once its sink exists.
using client_actor_factory =
    std::function<actors::client_session_actor(actors::client_sink_ptr)>;

// Answers the upgrade (101 with `accept_key`) and starts the connection on the socket's
// own io_context, from that io_context's thread. `on_closed` runs on that thread when
// the connection is gone.
void start_client_connection(boost::asio::io_context& lane,
                             boost::asio::ip::tcp::socket socket, std::string accept_key,
                             client_connection_limits limits,
                             std::shared_ptr<actors::status_board> board,
                             client_actor_factory spawn_session,
                             std::function<void()> on_closed);

} // namespace runrelay::services
