#pragma once
// The relay's side of one client connection, as actors see it. Implemented over Beast in
// services/, and by recording fakes in tests. Every method is thread-safe and never
// blocks: frames are queued and written in call order.
#include "protocol/frame.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace runrelay::actors {

using protocol::frame_ptr;

class client_sink {
public:
  virtual ~client_sink() = default;
  virtual void send_frame(frame_ptr frame) = 0;
  virtual void send_frames(std::vector<frame_ptr> frames) = 0;
  // WebSocket close with `code`; later frames are dropped.
  virtual void close(uint16_t code, std::string reason) = 0;
  // Frames queued and not yet written (approximate when read from another thread).
  virtual std::size_t backlog_frames() const = 0;
  // Calls `callback` once, from the I/O thread, when every queued frame is written; never
  // if the connection closes first. Replays use it to send history in bounded chunks.
  virtual void notify_when_drained(std::function<void()> callback) = 0;
};

using client_sink_ptr = std::shared_ptr<client_sink>;
using sink_list = std::vector<client_sink_ptr>;
using sink_list_ptr = std::shared_ptr<const sink_list>;

} // namespace runrelay::actors
