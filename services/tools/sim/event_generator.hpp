#pragma once
// Deterministic generator of orchestrator traffic: overlapping workflow runs, each a
// workflow_started, steps (step_started / step_progress / log / artifact /
// step_completed) and a workflow_completed or workflow_failed. Given the same options
// and the same clock readings it produces the same bytes. No I/O.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace runrelay::sim {

struct generator_options {
  std::uint64_t seed = 0;
  std::uint32_t concurrent_runs = 3;
  std::uint64_t max_runs = 0; // 0 = forever
  std::uint32_t batch_percent = 10;
  std::uint32_t duplicate_percent = 5;
  std::uint32_t no_id_percent = 10;
};

struct sim_event {
  std::string bytes;    // the JSON object exactly as sent
  std::string event_id; // its "event_id" field, empty when the object has none
};

struct sim_frame {
  std::string text;              // the frame exactly as sent: an object or an array
  std::vector<sim_event> events; // new events in frame order; empty for a duplicate
  bool duplicate = false;        // a resend of the previous frame
};

// "2024-05-01T12:00:00.123Z" for a time in milliseconds since the Unix epoch.
std::string format_rfc3339_ms(std::int64_t unix_ms);

// {"type":"ping","timestamp":<unix_ms>}
std::string make_ping(std::int64_t unix_ms);

class event_generator {
public:
  explicit event_generator(generator_options options);

  // The next frame, stamped `unix_ms`, holding at most `max_events` (>= 1) new
  // events; nullopt once every run allowed by max_runs has finished.
  std::optional<sim_frame> next_frame(std::int64_t unix_ms, std::size_t max_events);

  bool exhausted() const;
  std::uint64_t runs_started() const { return runs_started_; }
  std::uint64_t runs_finished() const { return runs_finished_; }

private:
  enum class phase { start, step_start, step_body, step_end, finish, done };

  struct run_state {
    std::string run_id;
    std::uint64_t seq = 0;
    std::uint32_t pipeline = 0; // which list of step names the run follows
    std::uint32_t steps_total = 0;
    std::uint32_t step = 0; // index of the current step
    std::uint32_t progress = 0;
    std::uint32_t fail_step = 0; // meaningful when `fails`
    bool fails = false;
    phase at = phase::start;
  };

  void top_up_runs();
  sim_event next_event(std::int64_t unix_ms);
  sim_event advance(run_state& run, std::int64_t unix_ms);
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool chance(std::uint32_t percent) { return below(100) < percent; }

  generator_options options_;
  std::mt19937_64 rng_;
  std::vector<run_state> active_;
  std::uint64_t runs_started_ = 0;
  std::uint64_t runs_finished_ = 0;
  std::optional<std::string> previous_frame_; // cleared once it was duplicated
};

} // namespace runrelay::sim
