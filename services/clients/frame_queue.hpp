#pragma once
// A client's unsent frames, first in first out. Most clients are idle most of the time
// and a writable socket takes a frame at once, so the queue allocates only while a
// client is behind and gives the memory back when it catches up.
#include "protocol/frame.hpp"
#include "protocol/websocket_codec.hpp"

#include <vector>

namespace runrelay::services {

struct outgoing_frame {
  protocol::frame_ptr payload; // shared with every other client it goes to
  protocol::websocket::opcode op = protocol::websocket::opcode::text;
};

class frame_queue {
public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  const outgoing_frame& operator[](std::size_t i) const { return items_[head_ + i]; }
  void push_back(outgoing_frame frame) { items_.push_back(std::move(frame)); }

  outgoing_frame pop_front() {
    auto frame = std::move(items_[head_++]);
    if (head_ == items_.size()) {
      clear();
    } else if (head_ >= compact_after && 2 * head_ >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return frame;
  }

  void clear() {
    items_ = {};
    head_ = 0;
  }

private:
  static constexpr std::size_t compact_after = 64;
  std::vector<outgoing_frame> items_;
  std::size_t head_ = 0;
};

} // namespace runrelay::services
