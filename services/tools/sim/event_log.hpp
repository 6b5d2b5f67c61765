#pragma once
// The bounded log of emitted events (exact bytes and ids, derived ids included) that
// lets a reconnecting relay resume after the last event it accepted. No I/O.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace runrelay::sim {

using frame_ptr = std::shared_ptr<const std::string>;

class event_log {
public:
  explicit event_log(std::size_t capacity);

  // Logs one event; `event_id` empty means the object has none and the id is derived.
  void append(std::string event_id, frame_ptr bytes);

  // Every logged event after the one with id `id`, oldest first; nullopt when `id` is
  // not in the log (never seen, or evicted).
  std::optional<std::vector<frame_ptr>> after(const std::string& id) const;

  std::size_t size() const { return entries_.size(); }
  std::uint64_t appended() const { return first_index_ + entries_.size(); }

private:
  struct entry {
    std::string id;
    frame_ptr bytes;
  };

  std::size_t capacity_;
  std::deque<entry> entries_;
  std::uint64_t first_index_ = 0;                        // absolute index of front()
  std::unordered_map<std::string, std::uint64_t> index_; // id -> latest absolute index
};

} // namespace runrelay::sim
