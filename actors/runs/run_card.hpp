#pragma once
// What the run API (docs/protocol.md section 3) reads about a run without asking its
// actor: the run's summary card, kept up to date by its run_book as events arrive and
// read by HTTP handlers on I/O threads (actors/runs/run_index.hpp lists them).
#include "protocol/run_view.hpp"
#include "protocol/upstream_codec.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace runrelay::actors {

class run_card {
public:
  // A run's artifacts are listed up to this many; the rest are counted only.
  static constexpr std::size_t max_artifacts = 1000;

  explicit run_card(std::string run_id);

  void record(const protocol::upstream_event& event, uint64_t seq,
              std::chrono::system_clock::time_point now);
  void set_subscribers(uint64_t subscribers);
  // A copy; `detail` adds counts, progress and artifacts.
  protocol::run_view view(bool detail) const;
  bool seen() const;
  std::string status() const;

private:
  mutable std::mutex mutex_;
  protocol::run_view view_;
};

using run_card_ptr = std::shared_ptr<run_card>;

} // namespace runrelay::actors
