#include "services/tools/sim/event_log.hpp"

#include <utility>

#include "protocol/upstream_codec.hpp"

namespace runrelay::sim {

event_log::event_log(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

void event_log::append(std::string event_id, frame_ptr bytes) {
  if (event_id.empty())
    event_id = protocol::derive_event_id(*bytes); // the id the relay derives too
  if (entries_.size() == capacity_) {
    auto found = index_.find(entries_.front().id);
    if (found != index_.end() && found->second == first_index_)
      index_.erase(found);
    entries_.pop_front();
    ++first_index_;
  }
  index_[event_id] = first_index_ + entries_.size();
  entries_.push_back(entry{std::move(event_id), std::move(bytes)});
}

std::optional<std::vector<frame_ptr>> event_log::after(const std::string& id) const {
  auto found = index_.find(id);
  if (found == index_.end())
    return std::nullopt;
  std::vector<frame_ptr> out;
  for (auto i = static_cast<std::size_t>(found->second - first_index_) + 1;
       i < entries_.size(); ++i)
    out.push_back(entries_[i].bytes);
  return out;
}

} // namespace runrelay::sim
