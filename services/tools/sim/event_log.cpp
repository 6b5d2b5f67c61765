#include "services/tools/sim/event_log.hpp"

#include <utility>

#include <xxhash.h>

namespace runrelay::sim {

std::string derive_event_id(std::string_view object_bytes) {
  XXH128_hash_t hash = XXH3_128bits(object_bytes.data(), object_bytes.size());
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  constexpr const char* digits = "0123456789abcdef";
  std::string id = "h:";
  for (unsigned char byte : canonical.digest) {
    id += digits[byte >> 4];
    id += digits[byte & 0xf];
  }
  return id;
}

event_log::event_log(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

void event_log::append(std::string event_id, frame_ptr bytes) {
  if (event_id.empty())
    event_id = derive_event_id(*bytes);
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
