#include "actors/upstream/bounded_queue.hpp"

namespace runrelay::actors {

bool bounded_queue::push(std::string data) {
  items_.push_back(std::move(data));
  if (items_.size() <= capacity_)
    return false;
  items_.pop_front();
  ++dropped_;
  return true;
}

std::deque<std::string> bounded_queue::take_all() {
  std::deque<std::string> taken;
  taken.swap(items_);
  return taken;
}

} // namespace runrelay::actors
