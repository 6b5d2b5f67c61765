#pragma once
// One run's decisions, free of CAF: numbering, history, subscriptions and fan-out. The
// run_subscriber actor routes messages to it.
#include "actors/clients/fanout_port.hpp"
#include "actors/messages.hpp"
#include "actors/runs/run_card.hpp"
#include "actors/runs/run_history.hpp"
#include "protocol/run_view.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace runrelay::actors {

struct run_settings {
  std::size_t history_limit = 5000;
  std::chrono::milliseconds resume_wait{1000};
  // A replay goes out in chunks no larger than this, each after the client's socket has
  // drained the previous one, so a long replay never trips the slow-consumer limits.
  std::size_t replay_chunk_frames = 256;
  std::size_t replay_chunk_bytes = 1 << 20;
};

// Where a run's numbering starts: at 1 for a new run; after the events a failed
// run_subscriber had accepted for a replacement, whose history is then gone.
struct run_start {
  uint64_t first_seq = 1;
  bool history_lost = false;
};

// One GET /runs/<run_id>/events request as the run sees it.
struct poll_request {
  protocol::poll_position after;
  std::size_t limit = 100;
};

// The run's decisions, free of CAF: history, subscriptions and fan-out.
class run_book {
public:
  using star_list_ptr =
      std::shared_ptr<const std::vector<std::pair<client_id_t, client_sink_ptr>>>;
  // Asks to be called back (with the client) when that client's socket has drained.
  using drain_request = std::function<void(client_id_t, const client_sink_ptr&)>;

  run_book(std::string run_id, run_settings settings, fanout_port_ptr fanout,
           drain_request on_backlog, run_start from = {}, run_card_ptr card = nullptr);

  struct publish_result {
    bool accepted = false; // false: the id is still retained (a duplicate, dropped)
    frame_ptr envelope;
    // The "*" subscribers this event goes to: all but those replaying here. The
    // caller delivers to them, in arrival order across runs.
    sink_list_ptr star_targets;
  };
  // Numbers, retains and delivers the event to this run's subscribers.
  publish_result publish(const protocol::upstream_event& event,
                         const star_list_ptr& star);
  // False when the subscription waits for its `since` id (call resume_timed_out later).
  bool subscribe(const subscribe_cmd& cmd, bool may_wait);
  void resume_timed_out(client_id_t client);
  void unsubscribe(const unsubscribe_cmd& cmd);
  void drop_client(client_id_t client);
  void replay_more(client_id_t client);
  // The page a poll gets now; nullopt while `after` names an id not retained and
  // `id_wait_over` is false (a replica slightly behind may still receive it).
  std::optional<protocol::poll_page> read_page(const poll_request& request,
                                               bool id_wait_over) const;

  const run_history& history() const { return history_; }
  protocol::run_view summary() const { return card_->view(true); }
  const run_card_ptr& card() const { return card_; }
  std::size_t subscribers() const { return subs_.size(); }
  std::size_t catching_up() const;
  std::size_t waiting() const { return waiting_.size(); }
  uint64_t delivered() const { return delivered_; }
  uint64_t duplicates() const { return duplicates_; }

private:
  struct subscription {
    client_sink_ptr sink;
    uint64_t cursor = 0; // next seq to replay; meaningless once live
    bool live = false;
    bool awaiting_drain = false;
  };

  void start(const subscribe_cmd& cmd, uint64_t from, bool gap);
  void advance(client_id_t client, subscription& sub);
  void targets_changed();
  const sink_list_ptr& live_sinks();
  void refresh_star(const star_list_ptr& star);

  std::string run_id_;
  run_settings settings_;
  fanout_port_ptr fanout_;
  drain_request on_backlog_;
  run_history history_;
  run_card_ptr card_;
  std::unordered_map<client_id_t, subscription> subs_;
  std::unordered_map<client_id_t, subscribe_cmd> waiting_; // for their `since` id
  sink_list_ptr live_;                                     // rebuilt when subs_ change
  star_list_ptr star_seen_;                  // the "*" list star_ids_ was built from
  std::unordered_set<client_id_t> star_ids_; // its clients
  sink_list_ptr star_filtered_ = std::make_shared<const sink_list>(); // "*" targets
  bool star_dirty_ = true;
  uint64_t delivered_ = 0;
  uint64_t duplicates_ = 0;
  bool history_lost_ = false;
};

} // namespace runrelay::actors
