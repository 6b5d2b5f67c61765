#pragma once
// Which event ids were accepted within the last `window`: an id seen again inside the
// window is a duplicate. Keyed by id alone, across runs; the window counts from the
// first acceptance (a rejected duplicate does not extend it). Memory is bounded by the
// ids accepted within one window, and by `max_entries` beyond that.
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace runrelay::actors {

class dedup_window {
public:
  using clock = std::chrono::steady_clock;
  // Far above what one window holds at any rate the relay sustains; a flood of unique
  // ids past it expires the oldest early rather than growing without bound.
  static constexpr std::size_t default_max_entries = 1'000'000;

  explicit dedup_window(std::chrono::milliseconds window,
                        std::size_t max_entries = default_max_entries)
      : window_(window), max_entries_(max_entries) {}

  // True when `id` is new within the window; it is then remembered from `now`.
  bool admit(const std::string& id, clock::time_point now);
  void expire(clock::time_point now);

  std::size_t size() const { return accepted_at_.size(); }
  uint64_t evicted_early() const { return evicted_early_; }

private:
  void forget_oldest();

  std::chrono::milliseconds window_;
  std::size_t max_entries_;
  std::unordered_map<std::string, clock::time_point> accepted_at_;
  std::deque<std::pair<clock::time_point, std::string>> by_age_;
  uint64_t evicted_early_ = 0;
};

} // namespace runrelay::actors
