#pragma once
// Puts run outcomes back in arrival order. Runs finish their events concurrently, but a
// "*" subscription must see events in upstream order, and resume_after must name the
// latest accepted event; the dedup filter releases both through this.
#include "actors/messages.hpp"

#include <map>
#include <vector>

namespace runrelay::actors {

class star_sequencer {
public:
  // Far more events than can be in flight between the dedup filter and the runs; past
  // it an outcome is presumed lost (its run died) and skipped rather than stalling "*".
  static constexpr std::size_t max_waiting = 100'000;

  // Takes the outcome of arrival `outcome.arrival` (arrivals count from 1) and returns
  // every outcome that can now be released, in arrival order.
  std::vector<run_outcome> take(run_outcome outcome);

  std::size_t waiting() const { return waiting_.size(); }
  uint64_t skipped() const { return skipped_; }

private:
  uint64_t next_ = 1;
  std::map<uint64_t, run_outcome> waiting_;
  uint64_t skipped_ = 0;
};

} // namespace runrelay::actors
