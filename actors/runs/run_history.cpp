#include "actors/runs/run_history.hpp"

namespace runrelay::actors {

std::optional<uint64_t> run_history::seq_of(const std::string& event_id) const {
  auto it = by_id_.find(event_id);
  if (it == by_id_.end())
    return std::nullopt;
  return it->second;
}

const std::string* run_history::id_at(uint64_t seq) const {
  if (entries_.empty() || seq < entries_.front().seq || seq > last_seq_)
    return nullptr;
  return &entries_[static_cast<std::size_t>(seq - entries_.front().seq)].event_id;
}

void run_history::append(std::string event_id, protocol::frame_ptr envelope) {
  ++last_seq_;
  by_id_.emplace(event_id, last_seq_);
  entries_.push_back({last_seq_, std::move(event_id), std::move(envelope)});
  while (entries_.size() > limit_) {
    by_id_.erase(entries_.front().event_id);
    entries_.pop_front();
  }
}

std::vector<protocol::frame_ptr>
run_history::envelopes_from(uint64_t from, std::size_t max_frames,
                            std::size_t max_bytes) const {
  std::vector<protocol::frame_ptr> result;
  if (entries_.empty() || from > last_seq_)
    return result;
  auto first = entries_.front().seq;
  std::size_t index = from > first ? static_cast<std::size_t>(from - first) : 0;
  std::size_t bytes = 0;
  for (; index < entries_.size() && result.size() < max_frames; ++index) {
    const auto& envelope = entries_[index].envelope;
    if (!result.empty() && bytes + envelope->size() > max_bytes)
      break;
    bytes += envelope->size();
    result.push_back(envelope);
  }
  return result;
}

} // namespace runrelay::actors
