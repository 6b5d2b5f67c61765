#include "actors/runs/run_index.hpp"

#include <algorithm>

namespace runrelay::actors {

void run_index::put(const std::string& run_id, entry value) {
  std::lock_guard<std::mutex> guard(mutex_);
  runs_[run_id] = std::move(value);
}

void run_index::remove(const std::string& run_id) {
  std::lock_guard<std::mutex> guard(mutex_);
  runs_.erase(run_id);
}

std::optional<run_index::entry> run_index::find(const std::string& run_id) const {
  std::lock_guard<std::mutex> guard(mutex_);
  auto it = runs_.find(run_id);
  if (it == runs_.end() || !it->second.card->seen())
    return std::nullopt;
  return it->second;
}

run_index::listing
run_index::list(const std::optional<std::string>& status, std::size_t limit,
                const std::function<bool(const std::string&)>& visible) const {
  std::vector<run_card_ptr> cards;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    cards.reserve(runs_.size());
    for (auto& [run_id, value] : runs_)
      if (!visible || visible(run_id))
        cards.push_back(value.card);
  }
  listing result;
  result.runs.reserve(cards.size());
  for (auto& card : cards) {
    auto view = card->view(false);
    if (view.event_count > 0 && (!status || view.status == *status))
      result.runs.push_back(std::move(view));
  }
  result.total = result.runs.size();
  auto newer = [](const protocol::run_view& a, const protocol::run_view& b) {
    return a.last_event_at != b.last_event_at ? a.last_event_at > b.last_event_at
                                              : a.run_id < b.run_id;
  };
  auto shown = std::min(limit, result.runs.size());
  std::partial_sort(result.runs.begin(), result.runs.begin() + shown, result.runs.end(),
                    newer);
  result.runs.resize(shown);
  return result;
}

} // namespace runrelay::actors
