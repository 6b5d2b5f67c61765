#pragma once
// One run's retained events: the last `limit` envelopes, each serialized once, with a
// `seq` counting the run's events from 1 and an index by event_id, so an id is never
// accepted twice while it is retained.
#include "protocol/frame.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace runrelay::actors {

class run_history {
public:
  struct entry {
    uint64_t seq;
    std::string event_id;
    protocol::frame_ptr envelope;
  };

  // `first_seq` > 1 continues the numbering of a history that was lost.
  explicit run_history(std::size_t limit, uint64_t first_seq = 1)
      : limit_(limit), last_seq_(first_seq > 0 ? first_seq - 1 : 0) {}

  bool contains(const std::string& event_id) const { return by_id_.count(event_id) > 0; }
  std::optional<uint64_t> seq_of(const std::string& event_id) const;
  uint64_t next_seq() const { return last_seq_ + 1; }
  uint64_t last_seq() const { return last_seq_; }
  // Seq of the oldest retained event (next_seq() when nothing is retained).
  uint64_t first_seq() const {
    return entries_.empty() ? next_seq() : entries_.front().seq;
  }
  std::size_t size() const { return entries_.size(); }

  // Appends the envelope of event next_seq(); evicts the oldest past the limit.
  void append(std::string event_id, protocol::frame_ptr envelope);

  // The event_id of retained event `seq`; nullptr when it is not retained.
  const std::string* id_at(uint64_t seq) const;

  // Envelopes from seq `from` on, at most `max_frames` and, past the first, `max_bytes`.
  std::vector<protocol::frame_ptr> envelopes_from(uint64_t from, std::size_t max_frames,
                                                  std::size_t max_bytes) const;

private:
  std::size_t limit_;
  uint64_t last_seq_ = 0;
  std::deque<entry> entries_;
  std::unordered_map<std::string, uint64_t> by_id_;
};

} // namespace runrelay::actors
