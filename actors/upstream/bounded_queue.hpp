#pragma once
// Client sends waiting for upstream: at most `capacity`, the oldest dropped when full
// (docs/protocol.md section 1).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace runrelay::actors {

class bounded_queue {
public:
  explicit bounded_queue(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}
  // Returns true when the oldest entry had to be dropped to make room.
  bool push(std::string data);
  std::deque<std::string> take_all();
  std::size_t size() const { return items_.size(); }
  std::size_t capacity() const { return capacity_; }
  uint64_t dropped() const { return dropped_; }

private:
  std::size_t capacity_;
  std::deque<std::string> items_;
  uint64_t dropped_ = 0;
};

} // namespace runrelay::actors
