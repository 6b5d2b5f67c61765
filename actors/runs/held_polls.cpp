#include "actors/runs/held_polls.hpp"

#include <algorithm>

namespace runrelay::actors {

std::optional<held_polls::recheck> held_polls::take(const run_book& book,
                                                    const poll_request& request,
                                                    std::chrono::milliseconds wait,
                                                    poll_reply reply,
                                                    clock::time_point now) {
  held poll{request, std::move(reply), now, now + wait, now + resume_wait_};
  if (settle(book, poll, now, false))
    return std::nullopt;
  auto id = ++next_id_;
  auto at = next_look(poll, now);
  polls_.emplace(id, std::move(poll));
  return recheck{id, at};
}

void held_polls::event_arrived(const run_book& book, clock::time_point now) {
  for (auto it = polls_.begin(); it != polls_.end();)
    it = settle(book, it->second, now, false) ? polls_.erase(it) : std::next(it);
}

std::optional<held_polls::clock::time_point>
held_polls::tick(const run_book& book, uint64_t id, clock::time_point now) {
  auto it = polls_.find(id);
  if (it == polls_.end())
    return std::nullopt;
  if (settle(book, it->second, now, false)) {
    polls_.erase(it);
    return std::nullopt;
  }
  return next_look(it->second, now);
}

void held_polls::answer_all(const run_book& book) {
  for (auto& [id, poll] : polls_)
    settle(book, poll, clock::now(), true);
  polls_.clear();
}

std::vector<std::pair<uint64_t, std::chrono::milliseconds>>
held_polls::waiting(clock::time_point now) const {
  std::vector<std::pair<uint64_t, std::chrono::milliseconds>> result;
  result.reserve(polls_.size());
  for (auto& [id, poll] : polls_)
    result.emplace_back(
        id, std::chrono::duration_cast<std::chrono::milliseconds>(now - poll.since));
  return result;
}

bool held_polls::settle(const run_book& book, held& poll, clock::time_point now,
                        bool force) {
  bool id_wait_over = force || now >= poll.id_deadline;
  auto page = book.read_page(poll.request, id_wait_over);
  if (!page)
    return false;
  if (page->events.empty() && !force && now < poll.deadline)
    return false;
  delivered_ += page->events.size();
  ++answered_;
  poll.reply->answer(std::move(page));
  return true;
}

held_polls::clock::time_point held_polls::next_look(const held& poll,
                                                    clock::time_point now) const {
  // Whichever deadline comes first and is still ahead; once both passed, settle() has
  // answered, so the later one is only a safe fallback.
  auto soonest = std::min(poll.id_deadline, poll.deadline);
  return soonest > now ? soonest : std::max(poll.id_deadline, poll.deadline);
}

} // namespace runrelay::actors
