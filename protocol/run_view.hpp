#pragma once
// What the run API (docs/protocol.md section 3, GET /runs and /runs/<run_id>) shows of
// one run, and the cursor of GET /runs/<run_id>/events. Plain data, no I/O.
#include "protocol/frame.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace runrelay::protocol {

// Run status follows event types (section 3).
std::string_view status_after(std::string_view current, std::string_view event_type);
bool is_run_status(std::string_view status);

struct run_view {
  std::string run_id;
  std::string status = "active";
  uint64_t event_count = 0; // = last_seq: every event the run had here, evicted too
  std::string last_event_id;
  uint64_t subscribers = 0;
  std::chrono::system_clock::time_point first_event_at{};
  std::chrono::system_clock::time_point last_event_at{};
  // Detail (GET /runs/<run_id>): raw JSON texts as the orchestrator sent them.
  std::map<std::string, uint64_t> counts;
  std::optional<std::string> progress;
  std::vector<std::string> artifacts;
  bool artifacts_truncated = false;
};

// `after` of GET /runs/<run_id>/events: a seq if all digits, else an event_id.
struct poll_position {
  enum class kind : uint8_t { start, seq, event_id };
  kind from = kind::start;
  uint64_t seq = 0;
  std::string event_id;
};

// One answer of GET /runs/<run_id>/events.
struct poll_page {
  std::vector<frame_ptr> events; // section 2 envelopes, serialized once
  uint64_t next = 0;
  std::optional<std::string> next_id;
  bool gap = false;
};

} // namespace runrelay::protocol
