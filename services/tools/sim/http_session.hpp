#pragma once
// One accepted TCP connection before it is known what it is: reads HTTP requests,
// hands a WebSocket upgrade to ws_session (or answers 503 while refusing), and
// answers everything else through the control API, with keep-alive.
#include <boost/asio/ip/tcp.hpp>

namespace runrelay::sim {

class sim_server;

void start_http_session(boost::asio::ip::tcp::socket socket, sim_server& server);

} // namespace runrelay::sim
