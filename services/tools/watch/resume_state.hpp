#pragma once
// Where the watcher is in each run, so that a reconnect resumes right after the last
// event shown: nothing missed that the relay still retains, nothing shown twice.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace runrelay::watch {

class resume_state {
public:
  // `run` is a run_id or "*"; `since` is "" (whole retained history), "live" or an
  // event_id, and applies to the first subscription only.
  resume_state(std::string run, std::string since);

  // The subscribe messages for a new connection. The first connection asks for
  // `since`; later ones resume after the last event seen. With "*" (live only, the
  // relay ignores `since`) a reconnect also resubscribes each unfinished run seen, up
  // to max_catch_up, after its last event, so what they emitted meanwhile is replayed.
  std::vector<std::string> subscribe_messages();

  // What the next subscribe_messages() will do, for the watcher's status line.
  std::string resume_description() const;

  // Records an event. False when it was already shown: a replay overlapping what this
  // watcher saw before a reconnect.
  bool accept(std::string_view run_id, std::string_view event_id, std::string_view type);

  // After an accepted event: the unsubscribe message for a catch-up subscription whose
  // run has just finished, or "".
  std::string unsubscribe_if_finished(std::string_view run_id, std::string_view type);

  // The request id of those unsubscribes; their answers are not worth a line.
  static constexpr std::string_view catch_up_id = "catch-up";
  static constexpr std::size_t max_catch_up = 50; // --max-subscriptions is 100 by default
  static constexpr std::size_t remembered_ids = 8192;
  static constexpr std::size_t remembered_runs = 4096;

private:
  struct run_position {
    std::string last_event_id;
    std::uint64_t last_touch = 0;
    bool finished = false;
  };
  static bool finishes(std::string_view type);
  std::vector<const std::pair<const std::string, run_position>*>
  catch_up_candidates() const;

  std::string run_;
  std::string since_;
  bool first_ = true;
  std::uint64_t touches_ = 0;
  std::unordered_map<std::string, run_position> runs_;
  std::unordered_set<std::string>
      catch_up_;                         // runs subscribed on their own after a reconnect
  std::deque<std::string> recent_order_; // recent run/event_id keys, oldest first
  std::unordered_set<std::string> recent_;
};

} // namespace runrelay::watch
