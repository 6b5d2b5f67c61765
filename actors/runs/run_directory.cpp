#include "actors/runs/run_directory.hpp"

#include <algorithm>

namespace runrelay::actors {

run_directory::run_entry* run_directory::find(const std::string& run_id) {
  auto it = runs_.find(run_id);
  return it == runs_.end() ? nullptr : &it->second;
}

run_directory::run_entry& run_directory::add(const std::string& run_id,
                                             run_subscriber_actor actor,
                                             clock::time_point now) {
  auto& entry = runs_[run_id];
  entry.actor = std::move(actor);
  entry.last_activity = now;
  entry.recency = recency_.insert(recency_.end(), run_id);
  return entry;
}

void run_directory::touch(run_entry& entry, clock::time_point now) {
  entry.has_events = true;
  entry.last_activity = now;
  recency_.splice(recency_.end(), recency_, entry.recency);
}

run_subscriber_actor run_directory::remove(const std::string& run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end())
    return {};
  auto actor = std::move(it->second.actor);
  for (auto& [client, sink] : it->second.subscribers) {
    auto by_client = runs_by_client_.find(client);
    if (by_client != runs_by_client_.end())
      by_client->second.erase(run_id);
  }
  recency_.erase(it->second.recency);
  runs_.erase(it);
  return actor;
}

bool run_directory::add_subscriber(const std::string& run_id, client_id_t client,
                                   client_sink_ptr sink) {
  auto* entry = find(run_id);
  if (!entry || !entry->subscribers.emplace(client, std::move(sink)).second)
    return false;
  runs_by_client_[client].insert(run_id);
  return true;
}

bool run_directory::remove_subscriber(const std::string& run_id, client_id_t client) {
  auto* entry = find(run_id);
  if (!entry || entry->subscribers.erase(client) == 0)
    return false;
  auto by_client = runs_by_client_.find(client);
  if (by_client != runs_by_client_.end()) {
    by_client->second.erase(run_id);
    if (by_client->second.empty())
      runs_by_client_.erase(by_client);
  }
  return true;
}

std::vector<std::string> run_directory::take_runs_of(client_id_t client) {
  std::vector<std::string> result;
  auto by_client = runs_by_client_.find(client);
  if (by_client == runs_by_client_.end())
    return result;
  for (auto& run_id : by_client->second) {
    result.push_back(run_id);
    if (auto* entry = find(run_id))
      entry->subscribers.erase(client);
  }
  runs_by_client_.erase(by_client);
  return result;
}

std::vector<std::string> run_directory::evictable(clock::time_point now) const {
  std::vector<std::string> result;
  std::size_t remaining = runs_.size();
  for (auto& run_id : recency_) {
    auto& entry = runs_.at(run_id);
    if (!idle(entry))
      continue;
    bool expired = !entry.has_events || now - entry.last_activity >= retention_;
    if (expired || remaining > max_runs_) {
      result.push_back(run_id);
      --remaining;
    }
  }
  return result;
}

bool run_directory::add_star(client_id_t client, client_sink_ptr sink) {
  auto& current = *star_;
  auto same = [client](const auto& entry) { return entry.first == client; };
  if (std::any_of(current.begin(), current.end(), same))
    return false;
  auto next = std::make_shared<star_list>(current);
  next->emplace_back(client, std::move(sink));
  star_ = std::move(next);
  return true;
}

bool run_directory::remove_star(client_id_t client) {
  auto& current = *star_;
  auto same = [client](const auto& entry) { return entry.first == client; };
  if (std::none_of(current.begin(), current.end(), same))
    return false;
  auto next = std::make_shared<star_list>();
  next->reserve(current.size());
  std::copy_if(current.begin(), current.end(), std::back_inserter(*next),
               [client](const auto& entry) { return entry.first != client; });
  star_ = std::move(next);
  return true;
}

} // namespace runrelay::actors
