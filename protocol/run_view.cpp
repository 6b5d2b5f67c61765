#include "protocol/run_view.hpp"

namespace runrelay::protocol {

std::string_view status_after(std::string_view current, std::string_view event_type) {
  if (event_type == "workflow_started")
    return "running";
  if (event_type == "workflow_completed")
    return "completed";
  if (event_type == "workflow_failed")
    return "failed";
  return current;
}

bool is_run_status(std::string_view status) {
  return status == "active" || status == "running" || status == "completed" ||
         status == "failed";
}

} // namespace runrelay::protocol
