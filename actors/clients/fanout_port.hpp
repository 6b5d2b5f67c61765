#pragma once
// How actors hand one frame to many client connections: with as few cross-thread
// hand-offs as the transport allows (one per I/O thread rather than one per client).
// Implemented over the I/O threads in services/clients/fanout.cpp.
#include "actors/clients/client_sink.hpp"

#include <memory>

namespace runrelay::actors {

class fanout_port {
public:
  virtual ~fanout_port() = default;
  // To each of `targets`: the run subscribers' hot path, serialized once.
  virtual void publish(sink_list_ptr targets, frame_ptr frame) = 0;
  // To every open client connection, whatever it subscribes to: upstream state changes
  // (docs/protocol.md section 2, `upstream`).
  virtual void broadcast(frame_ptr frame) = 0;
};

using fanout_port_ptr = std::shared_ptr<fanout_port>;

} // namespace runrelay::actors
