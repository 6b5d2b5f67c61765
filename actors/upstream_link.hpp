#pragma once
// The upstream session actor's view of its WebSocket: Beast stays in services/.
//
// A link reports to its owner actor with anonymous messages, in this order:
//   (link_up_atom)                          the handshake succeeded
//   (link_frame_atom, std::string, bool)    a message arrived (text, is_binary)
//   (link_alive_atom)                       a control frame (pong, ping) arrived
//   (link_down_atom, std::string reason)    the connection is gone; nothing follows
// After link_down the link drops its owner handle, so neither keeps the other alive.
#include <caf/actor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace runrelay::actors {

class upstream_link {
public:
  virtual ~upstream_link() = default;
  // Thread-safe. Messages are written in call order, one outstanding write at a time.
  virtual void send_text(std::string text) = 0;
  // Thread-safe. Sends a WebSocket ping.
  virtual void ping() = 0;
  // Thread-safe. Closes the connection (close code 1000); link_down follows.
  virtual void close() = 0;
};

using upstream_link_ptr = std::shared_ptr<upstream_link>;

// Starts dialling and returns at once; the outcome arrives as link_up or link_down.
using upstream_dialer = std::function<upstream_link_ptr(caf::actor owner)>;

} // namespace runrelay::actors
