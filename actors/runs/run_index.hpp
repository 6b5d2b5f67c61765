#pragma once
// The retained runs as the run API sees them: each run's card and its actor, kept by the
// dedup filter as runs come, are replaced and go. HTTP handlers read it from I/O
// threads, so GET /runs over 10,000 runs costs the pipeline actors nothing, and a poll
// goes straight to its run's actor.
#include "actors/runs/run_card.hpp"
#include "actors/runs/run_subscriber.hpp"

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace runrelay::actors {

class run_index {
public:
  struct entry {
    run_card_ptr card;
    run_subscriber_actor actor;
  };

  void put(const std::string& run_id, entry value);
  void remove(const std::string& run_id);
  // A run that has had an event on this relay.
  std::optional<entry> find(const std::string& run_id) const;

  struct listing {
    std::vector<protocol::run_view> runs; // most recently active first
    std::size_t total = 0;                // matching runs before `limit`
  };
  // Runs that have had events, with `status` if given, and that `visible` admits (the
  // caller's token, section 6).
  listing list(const std::optional<std::string>& status, std::size_t limit,
               const std::function<bool(const std::string&)>& visible) const;

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> runs_;
};

} // namespace runrelay::actors
