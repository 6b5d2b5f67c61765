#pragma once
// One connection from the relay under test to the bench's orchestrator (docs/protocol.md
// section 1): accepts the WebSocket upgrade, reads what the relay sends (hello, JSON
// pings), and writes pongs and events one frame at a time. Beast stays in
// relay_link.cpp.
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace runrelay::bench {

class relay_link;

// The orchestrator as a link sees it; called on the orchestrator's thread.
class link_owner {
public:
  virtual ~link_owner() = default;
  virtual void on_hello(const std::shared_ptr<relay_link>& link, std::string text) = 0;
  virtual void on_message() = 0; // anything the relay sent, for the counters
  // Formats the next event for `link` into `frame` (stamping its send time); false when
  // there is none, or `link` is not the relay being published to.
  virtual bool next_event(const relay_link* link, std::string& frame) = 0;
  // The connection ended; `why` is empty when that was expected (closed by either side).
  virtual void on_gone(const relay_link* link, const std::string& why) = 0;
};

class relay_link {
public:
  virtual ~relay_link() = default;
  // Writes whatever waits (pongs first, then events), if no write is in progress.
  virtual void write_more() = 0;
  virtual void close() = 0;
};

std::shared_ptr<relay_link> start_relay_link(boost::asio::ip::tcp::socket socket,
                                             link_owner& owner);

} // namespace runrelay::bench
