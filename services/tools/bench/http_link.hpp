#pragma once
// A subscriber's connection over the relay's HTTP transports (docs/protocol.md, "The
// run API"): Server-Sent Events on /runs/<id>/stream, or long-poll on
// /runs/<id>/events?wait_ms=. Each hands the subscriber the event envelopes as text, as
// the WebSocket link does, and the relay's other messages (SSE sends them as named
// events; a poll link makes up a `subscribed` at the relay's first answer), so the
// subscriber's accounting is the same for every transport.
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "services/tools/bench/client_link.hpp"

namespace runrelay::bench {

// `since`: empty for the whole retained history, "live", or an event_id.
std::shared_ptr<client_link> start_sse_link(boost::asio::io_context& io,
                                            const subscriber_env& env, std::string run_id,
                                            std::string since,
                                            std::shared_ptr<link_events> owner);

std::shared_ptr<client_link> start_poll_link(boost::asio::io_context& io,
                                             const subscriber_env& env,
                                             std::string run_id, std::string since,
                                             std::shared_ptr<link_events> owner);

inline std::string synthetic_subscribed(const std::string& run_id) {
  return R"({"type":"subscribed","run_id":")" + run_id + "\"}";
}

} // namespace runrelay::bench
