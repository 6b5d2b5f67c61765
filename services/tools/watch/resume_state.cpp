#include "services/tools/watch/resume_state.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "protocol/client_codec.hpp"

namespace runrelay::watch {
namespace {

using protocol::json_quote;

std::string subscribe(std::string_view run, std::optional<std::string_view> since) {
  std::string message = R"({"type":"subscribe","run_id":)" + json_quote(run);
  if (since)
    message += R"(,"since":)" + json_quote(*since);
  return message + "}";
}

} // namespace

resume_state::resume_state(std::string run, std::string since)
    : run_(std::move(run)), since_(std::move(since)) {}

bool resume_state::finishes(std::string_view type) {
  return type == "workflow_completed" || type == "workflow_failed";
}

std::vector<const std::pair<const std::string, resume_state::run_position>*>
resume_state::catch_up_candidates() const {
  std::vector<const std::pair<const std::string, run_position>*> out;
  for (const auto& entry : runs_)
    if (!entry.second.finished && !entry.second.last_event_id.empty())
      out.push_back(&entry);
  std::sort(out.begin(), out.end(),
            [](auto* a, auto* b) { return a->second.last_touch > b->second.last_touch; });
  if (out.size() > max_catch_up)
    out.resize(max_catch_up);
  return out;
}

std::vector<std::string> resume_state::subscribe_messages() {
  std::vector<std::string> out;
  bool first = std::exchange(first_, false);
  catch_up_.clear();
  if (run_ == protocol::all_runs) {
    // "*" first, so that a low --max-subscriptions on the relay refuses catch-ups, never
    // it. A live event that comes through "*" before its run's catch-up replay is not
    // shown again (accept()).
    out.push_back(subscribe(run_, std::nullopt));
    if (!first)
      for (const auto* entry : catch_up_candidates()) {
        out.push_back(subscribe(entry->first, entry->second.last_event_id));
        catch_up_.insert(entry->first);
      }
    return out;
  }
  auto it = runs_.find(run_);
  if (it != runs_.end() && !it->second.last_event_id.empty())
    out.push_back(subscribe(run_, it->second.last_event_id));
  else
    out.push_back(subscribe(
        run_, since_.empty() ? std::nullopt : std::optional<std::string_view>(since_)));
  return out;
}

std::string resume_state::resume_description() const {
  if (run_ == protocol::all_runs) {
    auto n = catch_up_candidates().size();
    return n == 0 ? "resubscribing to every run, live"
                  : "resubscribing to every run, live, and to " + std::to_string(n) +
                        " unfinished run" + (n == 1 ? "" : "s") +
                        " after the last event seen (a run that started meanwhile shows "
                        "from its next event)";
  }
  auto it = runs_.find(run_);
  if (it != runs_.end() && !it->second.last_event_id.empty())
    return "resubscribing to run " + run_ + " after event " + it->second.last_event_id;
  if (since_ == "live")
    return "resubscribing to run " + run_ + ", live";
  return "resubscribing to run " + run_ +
         (since_.empty() ? " from its retained history" : " after event " + since_);
}

bool resume_state::accept(std::string_view run_id, std::string_view event_id,
                          std::string_view type) {
  if (!event_id.empty()) {
    std::string key = std::string(run_id) + '\x1f' + std::string(event_id);
    if (!recent_.insert(key).second)
      return false;
    recent_order_.push_back(std::move(key));
    if (recent_order_.size() > remembered_ids) {
      recent_.erase(recent_order_.front());
      recent_order_.pop_front();
    }
  }
  auto& position = runs_[std::string(run_id)];
  if (!event_id.empty())
    position.last_event_id = std::string(event_id);
  position.last_touch = ++touches_;
  position.finished = position.finished || finishes(type);
  if (runs_.size() > remembered_runs) { // forget the finished runs, else the stalest
    for (auto it = runs_.begin(); it != runs_.end();)
      it = it->second.finished && it->first != run_ ? runs_.erase(it) : std::next(it);
    if (runs_.size() > remembered_runs)
      runs_.erase(std::min_element(runs_.begin(), runs_.end(), [](auto& a, auto& b) {
        return a.second.last_touch < b.second.last_touch;
      }));
  }
  return true;
}

std::string resume_state::unsubscribe_if_finished(std::string_view run_id,
                                                  std::string_view type) {
  if (!finishes(type) || catch_up_.erase(std::string(run_id)) == 0)
    return {};
  return R"({"type":"unsubscribe","run_id":)" + json_quote(run_id) + R"(,"id":)" +
         json_quote(catch_up_id) + "}";
}

} // namespace runrelay::watch
