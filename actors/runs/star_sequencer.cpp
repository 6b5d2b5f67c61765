#include "actors/runs/star_sequencer.hpp"

namespace runrelay::actors {

std::vector<run_outcome> star_sequencer::take(run_outcome outcome) {
  std::vector<run_outcome> ready;
  if (outcome.arrival < next_)
    return ready;
  if (outcome.arrival == next_ && waiting_.empty()) {
    ++next_;
    ready.push_back(std::move(outcome));
    return ready;
  }
  waiting_.emplace(outcome.arrival, std::move(outcome));
  if (waiting_.size() > max_waiting) {
    skipped_ += waiting_.begin()->first - next_;
    next_ = waiting_.begin()->first;
  }
  while (!waiting_.empty() && waiting_.begin()->first == next_) {
    ready.push_back(std::move(waiting_.begin()->second));
    waiting_.erase(waiting_.begin());
    ++next_;
  }
  return ready;
}

} // namespace runrelay::actors
