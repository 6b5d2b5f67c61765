#include "services/clients/run_api.hpp"

#include "protocol/http_query.hpp"
#include "protocol/run_api_codec.hpp"

#include <caf/send.hpp>

namespace runrelay::services {

namespace {

http_answer bad_parameter(const protocol::query_error& error) {
  return error_answer(400, error.message);
}

http_answer unknown_run(const std::string& run_id) {
  return error_answer(404, "no such run: " + run_id);
}

} // namespace

run_api::run_api(std::shared_ptr<actors::run_index> runs,
                 std::shared_ptr<actors::status_board> board, std::size_t max_held_polls)
    : runs_(std::move(runs)), board_(std::move(board)), max_held_polls_(max_held_polls) {}

http_answer run_api::list(std::string_view query, const run_filter& visible) const {
  auto parsed = protocol::parse_runs_query(query);
  if (auto* error = std::get_if<protocol::query_error>(&parsed))
    return bad_parameter(*error);
  auto& request = std::get<protocol::runs_query>(parsed);
  auto listing = runs_->list(request.status, request.limit.value_or(SIZE_MAX), visible);
  return {200, "application/json", protocol::encode_runs(listing.runs, listing.total)};
}

http_answer run_api::detail(const std::string& run_id) const {
  auto found = runs_->find(run_id);
  if (!found)
    return unknown_run(run_id);
  return {200, "application/json", protocol::encode_run(found->card->view(true), true)};
}

void run_api::poll(const std::string& run_id, std::string_view query,
                   answer_callback done) const {
  auto parsed = protocol::parse_events_query(query);
  if (auto* error = std::get_if<protocol::query_error>(&parsed))
    return done(bad_parameter(*error));
  auto& request = std::get<protocol::events_query>(parsed);
  auto found = runs_->find(run_id);
  if (!found)
    return done(unknown_run(run_id));
  if (request.wait.count() > 0 &&
      board_->counters.polls_held.load(std::memory_order_relaxed) >= max_held_polls_) {
    auto answer = error_answer(503, "too many long-polls are held; retry shortly");
    answer.headers.emplace_back("Retry-After", "1");
    return done(std::move(answer));
  }
  auto reply = std::make_shared<actors::poll_answer>(
      [run_id, done = std::move(done)](std::optional<protocol::poll_page> page) {
        if (!page)
          return done(unknown_run(run_id));
        done({200, "application/json", protocol::encode_poll_page(*page)});
      });
  caf::anon_send(found->actor,
                 actors::poll_cmd{request.after, request.limit, request.wait, reply});
}

} // namespace runrelay::services
