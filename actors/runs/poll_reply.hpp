#pragma once
// The answer to one GET /runs/<run_id>/events, carried with the poll to its run's actor
// and held there while the poll waits. It answers exactly once: with a page, or, when
// it is dropped unanswered (the run was evicted, the actor stopped, a message was lost),
// with "no such run", so no HTTP request ever waits for an answer that cannot come.
#include "protocol/run_view.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <utility>

namespace runrelay::actors {

class poll_answer {
public:
  // nullopt: the run is not retained here (404).
  using callback = std::function<void(std::optional<protocol::poll_page>)>;

  explicit poll_answer(callback done) : done_(std::move(done)) {}
  poll_answer(const poll_answer&) = delete;
  poll_answer& operator=(const poll_answer&) = delete;
  ~poll_answer() { answer(std::nullopt); }

  void answer(std::optional<protocol::poll_page> page) {
    if (auto done = std::exchange(done_, nullptr))
      done(std::move(page));
  }

private:
  callback done_;
};

using poll_reply = std::shared_ptr<poll_answer>;

} // namespace runrelay::actors
