#pragma once
// A client_sink that lives on one I/O thread (its lane). The fan-out port hands it a
// frame from that thread, so one post per lane serves every client on it.
#include "actors/clients/client_sink.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace runrelay::services {

class io_sink : public actors::client_sink {
public:
  explicit io_sink(boost::asio::io_context& lane) : lane_(lane) {}
  boost::asio::io_context& lane() const { return lane_; }
  // Only from the lane's own thread.
  virtual void deliver_here(const actors::frame_ptr& frame) = 0;

private:
  boost::asio::io_context& lane_;
};

// Hands `frame` to every open client connection of `lane`. Only from the lane's thread.
void deliver_to_lane_clients(boost::asio::io_context& lane,
                             const actors::frame_ptr& frame);

// Limits every client connection applies (docs/protocol.md section 2).
struct client_connection_limits {
  std::size_t max_frame_bytes = 65536;
  std::size_t buffer_frames = 1024;
  std::size_t buffer_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds heartbeat{30000};
  // How long a client has to answer the relay's close frame before the socket is closed.
  std::chrono::milliseconds close_timeout{10000};
};

} // namespace runrelay::services
