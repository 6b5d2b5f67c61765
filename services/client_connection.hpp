#pragma once
// A WebSocket client of GET /ws, taken over from the HTTP session that read its upgrade
// request. It writes what actors hand it through a bounded queue, reads client messages
// and hands them to its client_session actor, pings the client, and closes with the
// codes PROTOCOL.md section 2 names.
#include "actors/status_board.hpp"
#include "services/io_sink.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <caf/actor.hpp>

#include <functional>
#include <memory>

namespace runrelay::services {

using upgrade_request = boost::beast::http::request<boost::beast::http::string_body>;

// Spawns the client's session actor once its sink exists.
using client_actor_factory = std::function<caf::actor(actors::client_sink_ptr)>;

// Accepts the upgrade and starts the connection on the socket's own io_context.
// `on_closed` runs on that thread when the connection is gone.
void start_client_connection(boost::asio::io_context& lane,
                             boost::asio::ip::tcp::socket socket, upgrade_request request,
                             client_connection_limits limits,
                             std::shared_ptr<actors::status_board> board,
                             client_actor_factory spawn_session,
                             std::function<void()> on_closed);

} // namespace runrelay::services
