#include "actors/runs/run_card.hpp"

namespace runrelay::actors {

run_card::run_card(std::string run_id) {
  view_.run_id = std::move(run_id);
}

void run_card::record(const protocol::upstream_event& event, uint64_t seq,
                      std::chrono::system_clock::time_point now) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (view_.event_count == 0)
    view_.first_event_at = now;
  view_.last_event_at = now;
  view_.event_count = seq;
  view_.last_event_id = event.event_id;
  view_.status = std::string(protocol::status_after(view_.status, event.type));
  ++view_.counts[event.type];
  if (event.progress)
    view_.progress = event.progress;
  if (event.artifact) {
    if (view_.artifacts.size() < max_artifacts)
      view_.artifacts.push_back(*event.artifact);
    else
      view_.artifacts_truncated = true;
  }
}

void run_card::set_subscribers(uint64_t subscribers) {
  std::lock_guard<std::mutex> guard(mutex_);
  view_.subscribers = subscribers;
}

protocol::run_view run_card::view(bool detail) const {
  std::lock_guard<std::mutex> guard(mutex_);
  if (detail)
    return view_;
  protocol::run_view brief;
  brief.run_id = view_.run_id;
  brief.status = view_.status;
  brief.event_count = view_.event_count;
  brief.last_event_id = view_.last_event_id;
  brief.subscribers = view_.subscribers;
  brief.first_event_at = view_.first_event_at;
  brief.last_event_at = view_.last_event_at;
  return brief;
}

bool run_card::seen() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return view_.event_count > 0;
}

std::string run_card::status() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return view_.status;
}

} // namespace runrelay::actors
