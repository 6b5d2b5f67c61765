#pragma once
// One run's long-polls (GET /runs/<run_id>/events?wait_ms=), free of CAF: a poll with
// nothing to return is held, without a thread or a busy timer, until an event arrives,
// its wait ends, or (when `after` names an id not retained yet) the resume wait ends.
// The run_subscriber actor feeds it events and the ticks it asks for.
#include "actors/runs/poll_reply.hpp"
#include "actors/runs/run_book.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>

namespace runrelay::actors {

class held_polls {
public:
  using clock = std::chrono::steady_clock;
  // When to call tick(id) next for a poll still held.
  struct recheck {
    uint64_t id;
    clock::time_point at;
  };

  explicit held_polls(std::chrono::milliseconds resume_wait)
      : resume_wait_(resume_wait) {}

  // Answers at once when there is something to return (or nothing to wait for).
  std::optional<recheck> take(const run_book& book, const poll_request& request,
                              std::chrono::milliseconds wait, poll_reply reply,
                              clock::time_point now);
  // An event was accepted: every poll it gives something to is answered.
  void event_arrived(const run_book& book, clock::time_point now);
  std::optional<clock::time_point> tick(const run_book& book, uint64_t id,
                                        clock::time_point now);
  // Shutdown: every poll gets what there is now.
  void answer_all(const run_book& book);

  std::size_t size() const { return polls_.size(); }
  uint64_t delivered() const { return delivered_; }
  uint64_t answered() const { return answered_; }
  // How long each held poll has waited, for /stats.
  std::vector<std::pair<uint64_t, std::chrono::milliseconds>>
  waiting(clock::time_point now) const;

private:
  struct held {
    poll_request request;
    poll_reply reply;
    clock::time_point since;
    clock::time_point deadline;    // the poll's wait_ms
    clock::time_point id_deadline; // the resume wait for an `after` id not retained
  };
  // Answers and returns true when the poll is done.
  bool settle(const run_book& book, held& poll, clock::time_point now, bool force);
  clock::time_point next_look(const held& poll, clock::time_point now) const;

  std::chrono::milliseconds resume_wait_;
  std::unordered_map<uint64_t, held> polls_;
  uint64_t next_id_ = 0;
  uint64_t delivered_ = 0;
  uint64_t answered_ = 0;
};

} // namespace runrelay::actors
