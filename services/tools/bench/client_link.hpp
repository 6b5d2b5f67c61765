#pragma once
// One connection attempt of a subscriber to the relay's /ws: connect, WebSocket
// handshake, send the subscribe request, then read until the connection ends. It lives
// as long as one of its operations is pending; Beast stays in client_link.cpp.
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "services/tools/bench/subscriber.hpp"

namespace runrelay::bench {

class client_link;

// The subscriber, as its connection sees it; called on the shard's thread.
class link_events {
public:
  virtual ~link_events() = default;
  virtual void on_frame(client_link& link, std::string_view text) = 0;
  // Once per link. close_code: the relay's close code, -1 without one. live: the link
  // had been answered `subscribed`, or was closed on request.
  virtual void on_link_end(const std::string& why, int close_code, bool live) = 0;
};

class client_link {
public:
  virtual ~client_link() = default;
  // The relay answered `subscribed`: the connect deadline no longer applies.
  virtual void on_subscribed() = 0;
  // Ends the attempt, for `why` (say, a relay error before `subscribed`).
  virtual void abort(std::string why) = 0;
  // A normal close (a WebSocket close handshake, bounded by the connect timeout).
  virtual void close() = 0;
};

// Starts connecting; `request` is the subscribe message sent after the handshake.
std::shared_ptr<client_link> start_client_link(boost::asio::io_context& io,
                                               const subscriber_env& env,
                                               std::string request,
                                               std::shared_ptr<link_events> owner);

} // namespace runrelay::bench
