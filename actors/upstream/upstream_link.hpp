#pragma once
// The upstream session actor's view of its WebSocket: Beast stays in services/.
#include "actors/messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace runrelay::actors {

// What a link reports to its owner, with anonymous messages, in this order:
using link_owner_actor = caf::typed_actor<
    // the handshake succeeded
    caf::reacts_to<link_up_atom>,
    // a message arrived (text, is_binary)
    caf::reacts_to<link_frame_atom, std::string, bool>,
    // a control frame (pong, ping) arrived
    caf::reacts_to<link_alive_atom>,
    // the connection is gone (reason); nothing follows
    caf::reacts_to<link_down_atom, std::string>>;
// After link_down the link drops its owner handle, so neither keeps the other alive.

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
using upstream_dialer = std::function<upstream_link_ptr(link_owner_actor owner)>;

} // namespace runrelay::actors
