#pragma once
// The dedup filter's map of runs: which run_subscriber serves a run_id, who subscribes
// to what, and which runs to evict (docs/protocol.md section 3: a run is retained while
// it has subscribers, otherwise until run_retention after its last event; at most
// max_runs, the least recently active run without subscribers going first).
#include "actors/messages.hpp"
#include "actors/runs/run_subscriber.hpp"

#include <chrono>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace runrelay::actors {

class run_directory {
public:
  using clock = std::chrono::steady_clock;
  using star_list = std::vector<std::pair<client_id_t, client_sink_ptr>>;
  using star_list_ptr = std::shared_ptr<const star_list>;

  struct run_entry {
    run_subscriber_actor actor;
    run_card_ptr card; // kept across replacements: the run's summary outlives an actor
    // Each subscriber's sink, to subscribe it again on a replacement run actor.
    std::unordered_map<client_id_t, client_sink_ptr> subscribers;
    // Arrivals sent to `actor` and not answered yet (outcomes come back in order).
    std::deque<uint64_t> in_flight;
    uint64_t accepted = 0; // events the run has numbered, across replacements
    clock::time_point last_activity;
    bool has_events = false;
    std::list<std::string>::iterator recency; // position in least-recently-active order
  };

  run_directory(std::chrono::milliseconds retention, std::size_t max_runs)
      : retention_(retention), max_runs_(max_runs) {}

  run_entry* find(const std::string& run_id);
  run_entry& add(const std::string& run_id, run_subscriber_actor actor,
                 clock::time_point now);
  // An event arrived for the run: it becomes the most recently active.
  void touch(run_entry& entry, clock::time_point now);
  run_subscriber_actor remove(const std::string& run_id);

  // Returns false when the client already subscribed to that run.
  bool add_subscriber(const std::string& run_id, client_id_t client,
                      client_sink_ptr sink = nullptr);
  bool remove_subscriber(const std::string& run_id, client_id_t client);
  // Every run the client subscribes to; forgets them.
  std::vector<std::string> take_runs_of(client_id_t client);

  // Runs to evict now: idle past retention, never-seen runs nobody waits for any more,
  // and, over max_runs, the least recently active ones without subscribers.
  std::vector<std::string> evictable(clock::time_point now) const;

  bool add_star(client_id_t client, client_sink_ptr sink);
  bool remove_star(client_id_t client);
  // Copy-on-write: events carry this pointer, so it is rebuilt only on change.
  const star_list_ptr& star_subscribers() const { return star_; }

  std::size_t size() const { return runs_.size(); }
  const std::unordered_map<std::string, run_entry>& runs() const { return runs_; }

private:
  static bool idle(const run_entry& entry) { return entry.subscribers.empty(); }

  std::chrono::milliseconds retention_;
  std::size_t max_runs_;
  std::unordered_map<std::string, run_entry> runs_;
  std::list<std::string> recency_; // front: least recently active
  std::unordered_map<client_id_t, std::unordered_set<std::string>> runs_by_client_;
  star_list_ptr star_ = std::make_shared<const star_list>();
};

} // namespace runrelay::actors
