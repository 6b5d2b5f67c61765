#pragma once
// The run API of docs/protocol.md section 3 (GET /runs, /runs/<run_id> and the long-poll
// /runs/<run_id>/events), answered from the run index: listings and details from the
// runs' cards on the calling I/O thread, polls by the run's own actor, which holds them
// until something arrives. Held polls are bounded relay-wide.
#include "actors/runs/run_index.hpp"
#include "actors/status_board.hpp"
#include "services/clients/http_answer.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace runrelay::services {

class run_api {
public:
  // Which runs a request may see (the caller's token, section 6); empty: every run.
  using run_filter = std::function<bool(const std::string&)>;

  run_api(std::shared_ptr<actors::run_index> runs,
          std::shared_ptr<actors::status_board> board, std::size_t max_held_polls);

  http_answer list(std::string_view query, const run_filter& visible = {}) const;
  http_answer detail(const std::string& run_id) const;
  // `done` may run on any thread, at once or when the poll is answered.
  void poll(const std::string& run_id, std::string_view query,
            answer_callback done) const;

private:
  std::shared_ptr<actors::run_index> runs_;
  std::shared_ptr<actors::status_board> board_;
  std::size_t max_held_polls_;
};

} // namespace runrelay::services
