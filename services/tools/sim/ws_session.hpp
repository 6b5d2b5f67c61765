#pragma once
// One relay's WebSocket connection: accepts the upgrade, reads the relay's messages
// into the hub, and writes frames through a per-connection queue (Beast allows one
// outstanding write). The session type itself lives in ws_session.cpp so that only
// that file compiles Beast's WebSocket code.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace runrelay::sim {

class relay_hub;

// A connection that has more than max_queued_frames waiting (a resume's backlog not
// counted) and has not finished a write for max_write_stall, or that has more than
// hard_max_queued_frames waiting, is dropped as too slow. The stall condition keeps a
// burst (POST /control/emit?count=100000 queues everything before any write can
// finish) from dropping relays that keep up.
constexpr std::size_t max_queued_frames = 10000;
constexpr std::size_t hard_max_queued_frames = 200000;
constexpr std::chrono::seconds max_write_stall{2};

// Completes the WebSocket handshake for `request`, read from `stream`, and serves the
// connection until it ends. `number` names it in log lines.
void start_ws_session(
    boost::beast::tcp_stream stream,
    boost::beast::http::request<boost::beast::http::string_body> request, relay_hub& hub,
    std::uint64_t number);

} // namespace runrelay::sim
