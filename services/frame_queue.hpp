#pragma once
// A client's unsent frames, first in first out. It allocates nothing while empty and
// gives memory back once drained: most clients are idle most of the time, and
// std::deque allocates a 512-byte block as soon as it exists.
#include "protocol/frame.hpp"

#include <vector>

namespace runrelay::services {

class frame_queue {
public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  void push_back(protocol::frame_ptr frame) { items_.push_back(std::move(frame)); }

  protocol::frame_ptr pop_front() {
    auto frame = std::move(items_[head_++]);
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
      // A burst may have grown it; an idle client should not keep that.
      if (items_.capacity() > retained_capacity)
        items_.shrink_to_fit();
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
  static constexpr std::size_t retained_capacity = 16;
  static constexpr std::size_t compact_after = 64;
  std::vector<protocol::frame_ptr> items_;
  std::size_t head_ = 0;
};

} // namespace runrelay::services
