#include "actors/runs/dedup_window.hpp"

namespace runrelay::actors {

bool dedup_window::admit(const std::string& id, clock::time_point now) {
  expire(now);
  auto [it, inserted] = accepted_at_.emplace(id, now);
  if (!inserted)
    return false;
  by_age_.emplace_back(now, id);
  if (accepted_at_.size() > max_entries_) {
    forget_oldest();
    ++evicted_early_;
  }
  return true;
}

void dedup_window::expire(clock::time_point now) {
  while (!by_age_.empty() && now - by_age_.front().first >= window_)
    forget_oldest();
}

void dedup_window::forget_oldest() {
  accepted_at_.erase(by_age_.front().second);
  by_age_.pop_front();
}

} // namespace runrelay::actors
