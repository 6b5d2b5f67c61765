#include "actors/runs/run_book.hpp"

#include "protocol/client_codec.hpp"

#include <algorithm>

namespace runrelay::actors {

using protocol::since_position;

run_book::run_book(std::string run_id, run_settings settings, fanout_port_ptr fanout,
                   drain_request on_backlog, run_start from, run_card_ptr card)
    : run_id_(std::move(run_id)), settings_(settings), fanout_(std::move(fanout)),
      on_backlog_(std::move(on_backlog)),
      history_(settings.history_limit, from.first_seq),
      card_(card ? std::move(card) : std::make_shared<run_card>(run_id_)),
      history_lost_(from.history_lost) {}

run_book::publish_result run_book::publish(const protocol::upstream_event& event,
                                           const star_list_ptr& star) {
  publish_result result;
  if (history_.contains(event.event_id)) {
    ++duplicates_;
    return result;
  }
  auto seq = history_.next_seq();
  result.accepted = true;
  result.envelope = protocol::make_frame(
      protocol::encode_event(run_id_, event.event_id, seq, event.raw));
  history_.append(event.event_id, result.envelope);
  card_->record(event, seq, std::chrono::system_clock::now());

  refresh_star(star);
  // Subscriptions still catching up get this event from their cursor, in order.
  if (auto& targets = live_sinks(); !targets->empty()) {
    delivered_ += targets->size();
    fanout_->publish(targets, result.envelope);
  }
  if (!star_filtered_->empty())
    result.star_targets = star_filtered_;
  // Subscriptions waiting for exactly this id start right after it: live from now on.
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second.since.event_id == event.event_id) {
      auto cmd = std::move(it->second);
      it = waiting_.erase(it);
      start(cmd, history_.next_seq(), false);
    } else {
      ++it;
    }
  }
  return result;
}

bool run_book::subscribe(const subscribe_cmd& cmd, bool may_wait) {
  if (waiting_.erase(cmd.client) > 0)
    targets_changed();
  switch (cmd.since.from) {
  case since_position::kind::live_only:
    start(cmd, history_.next_seq(), false);
    return true;
  case since_position::kind::whole_history:
    start(cmd, history_.first_seq(), history_.first_seq() > 1 || history_lost_);
    return true;
  case since_position::kind::after_event:
    break;
  }
  if (auto seq = history_.seq_of(cmd.since.event_id)) {
    start(cmd, *seq + 1, false);
    return true;
  }
  if (may_wait) {
    // Until it arrives, or the wait ends, the client is not a subscriber here.
    if (auto it = subs_.find(cmd.client); it != subs_.end()) {
      subs_.erase(it);
      targets_changed();
    }
    waiting_[cmd.client] = cmd;
    targets_changed();
    return false;
  }
  start(cmd, history_.first_seq(), true);
  return true;
}

void run_book::resume_timed_out(client_id_t client) {
  auto it = waiting_.find(client);
  if (it == waiting_.end())
    return;
  auto cmd = std::move(it->second);
  waiting_.erase(it);
  start(cmd, history_.first_seq(), true);
}

void run_book::unsubscribe(const unsubscribe_cmd& cmd) {
  drop_client(cmd.client);
  cmd.sink->send_frame(
      protocol::make_frame(protocol::encode_unsubscribed(run_id_, cmd.request_id)));
}

void run_book::drop_client(client_id_t client) {
  if (waiting_.erase(client) > 0)
    targets_changed();
  if (subs_.erase(client) > 0) {
    targets_changed();
  }
}

void run_book::replay_more(client_id_t client) {
  auto it = subs_.find(client);
  if (it == subs_.end() || it->second.live)
    return;
  it->second.awaiting_drain = false;
  advance(client, it->second);
}

std::size_t run_book::catching_up() const {
  std::size_t count = 0;
  for (auto& [client, sub] : subs_)
    count += sub.live ? 0 : 1;
  return count;
}

void run_book::start(const subscribe_cmd& cmd, uint64_t from, bool gap) {
  auto replayed = history_.next_seq() - from;
  cmd.sink->send_frame(protocol::make_frame(
      protocol::encode_subscribed(run_id_, replayed, gap, cmd.request_id)));
  auto& sub = subs_[cmd.client];
  bool was_draining = sub.awaiting_drain;
  sub = subscription{cmd.sink, from, false, was_draining};
  targets_changed();
  if (!was_draining)
    advance(cmd.client, sub);
}

void run_book::advance(client_id_t client, subscription& sub) {
  // History moved on past the cursor while the client drained a chunk: what lay between
  // is gone, so the subscription cannot go on without a hole. Close it as a slow
  // consumer; the client resumes with `since` and is told gap:true.
  if (sub.cursor < history_.first_seq()) {
    sub.sink->close(1013, "slow consumer");
    subs_.erase(client);
    targets_changed();
    return;
  }
  auto frames = history_.envelopes_from(sub.cursor, settings_.replay_chunk_frames,
                                        settings_.replay_chunk_bytes);
  if (!frames.empty()) {
    sub.cursor += frames.size();
    delivered_ += frames.size();
    sub.sink->send_frames(std::move(frames));
  }
  if (sub.cursor >= history_.next_seq()) {
    sub.live = true;
    targets_changed();
    return;
  }
  sub.awaiting_drain = true;
  on_backlog_(client, sub.sink);
}

void run_book::targets_changed() {
  live_ = nullptr;
  star_dirty_ = true;
  card_->set_subscribers(subs_.size() + waiting_.size());
}

std::optional<protocol::poll_page> run_book::read_page(const poll_request& request,
                                                       bool id_wait_over) const {
  using kind = protocol::poll_position::kind;
  protocol::poll_page page;
  uint64_t from = history_.first_seq();
  const auto& after = request.after;
  if (after.from == kind::start) {
    page.gap = history_.first_seq() > 1 || history_lost_;
  } else if (after.from == kind::seq && after.seq <= history_.last_seq()) {
    page.next = after.seq;
    page.gap = after.seq + 1 < history_.first_seq() || (after.seq == 0 && history_lost_);
    from = std::max(from, after.seq + 1);
  } else if (after.from == kind::seq) {
    page.gap = true; // past this relay's numbering: another relay's seq, or a restart
  } else if (auto seq = history_.seq_of(after.event_id)) {
    page.next = *seq;
    page.next_id = after.event_id;
    from = *seq + 1;
  } else if (!id_wait_over) {
    return std::nullopt;
  } else {
    page.next_id = after.event_id;
    page.gap = true;
  }
  page.events = history_.envelopes_from(from, request.limit, SIZE_MAX);
  if (!page.events.empty()) {
    page.next = from + page.events.size() - 1;
    page.next_id = *history_.id_at(page.next);
  }
  return page;
}

// A "*" client gets every live event through the dedup filter, which keeps upstream
// order across runs; this run writes to it directly only while it replays or waits
// for its `since` here. Everyone else subscribed here gets live events directly.
const sink_list_ptr& run_book::live_sinks() {
  if (!live_) {
    auto sinks = std::make_shared<sink_list>();
    sinks->reserve(subs_.size());
    for (auto& [client, sub] : subs_)
      if (sub.live && star_ids_.count(client) == 0)
        sinks->push_back(sub.sink);
    live_ = std::move(sinks);
  }
  return live_;
}

void run_book::refresh_star(const star_list_ptr& star) {
  static const star_list_ptr no_star =
      std::make_shared<const std::vector<std::pair<client_id_t, client_sink_ptr>>>();
  const auto& current = star ? star : no_star;
  if (current != star_seen_) {
    star_ids_.clear();
    for (auto& [client, sink] : *current)
      star_ids_.insert(client);
    star_seen_ = current;
    targets_changed();
  }
  if (!star_dirty_)
    return;
  auto sinks = std::make_shared<sink_list>();
  sinks->reserve(current->size());
  for (auto& [client, sink] : *current) {
    auto sub = subs_.find(client);
    bool replaying_here = sub != subs_.end() && !sub->second.live;
    if (!replaying_here)
      sinks->push_back(sink);
  }
  star_filtered_ = std::move(sinks);
  star_dirty_ = false;
}

} // namespace runrelay::actors
