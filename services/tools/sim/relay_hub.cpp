#include "services/tools/sim/relay_hub.hpp"

#include <iostream>
#include <optional>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

namespace runrelay::sim {
namespace {

namespace json = boost::json;

struct hello_message {
  std::string relay_id;
  std::optional<std::string> resume_after;
};

std::optional<hello_message> parse_hello(const std::string& text) {
  json::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object())
    return std::nullopt;
  const auto& object = value.get_object();
  const auto* type = object.if_contains("type");
  const auto* relay_id = object.if_contains("relay_id");
  if (!type || !type->is_string() || type->get_string() != "hello" || !relay_id ||
      !relay_id->is_string())
    return std::nullopt;
  hello_message hello{std::string(relay_id->get_string()), std::nullopt};
  if (const auto* resume = object.if_contains("resume_after");
      resume && resume->is_string())
    hello.resume_after = std::string(resume->get_string());
  return hello;
}

} // namespace

relay_hub::relay_hub(std::size_t log_capacity, std::size_t received_capacity)
    : log_(log_capacity), received_capacity_(received_capacity) {}

void relay_hub::on_connect(const std::shared_ptr<relay_connection>& connection) {
  peers_.emplace(connection, peer{});
  spdlog::info("relay connected on {} ({} connection(s) now); waiting for its hello",
               connection->name(), connections());
}

void relay_hub::on_text(const std::shared_ptr<relay_connection>& connection,
                        std::string text) {
  auto found = peers_.find(connection);
  if (found == peers_.end())
    return; // already disconnected
  peer& who = found->second;
  if (!who.greeted) {
    greet(connection, who, text);
    record(who.relay_id, std::move(text));
    return;
  }
  std::cout << "sim: received " << who.relay_id << ' ' << text << std::endl;
  record(who.relay_id, std::move(text));
}

void relay_hub::greet(const std::shared_ptr<relay_connection>& connection, peer& who,
                      const std::string& text) {
  who.greeted = true;
  auto hello = parse_hello(text);
  if (!hello) {
    who.relay_id = "unknown";
    spdlog::warn("first message on {} is not a hello, streaming live anyway: {}",
                 connection->name(), text);
    std::cout << "sim: received " << who.relay_id << ' ' << text << std::endl;
    return;
  }
  ++hellos_;
  who.relay_id = hello->relay_id;
  if (!hello->resume_after) {
    spdlog::info("hello from relay '{}' on {}: no resume point, streaming live",
                 who.relay_id, connection->name());
    return;
  }
  auto backlog = log_.after(*hello->resume_after);
  if (!backlog) {
    spdlog::info("hello from relay '{}' on {}: resume_after '{}' is not in the log, "
                 "streaming live",
                 who.relay_id, connection->name(), *hello->resume_after);
    return;
  }
  spdlog::info("hello from relay '{}' on {}: resuming after '{}', replaying {} event(s)",
               who.relay_id, connection->name(), *hello->resume_after, backlog->size());
  connection->send_replay(std::move(*backlog));
}

void relay_hub::record(const std::string& relay_id, std::string text) {
  if (received_.size() == received_capacity_)
    received_.pop_front();
  received_.push_back(received_message{relay_id, std::move(text)});
}

void relay_hub::on_disconnect(const std::shared_ptr<relay_connection>& connection,
                              std::string_view why) {
  auto found = peers_.find(connection);
  if (found == peers_.end())
    return;
  std::string relay_id = found->second.greeted ? found->second.relay_id : "(no hello)";
  if (found->second.closing)
    --closing_;
  peers_.erase(found);
  spdlog::info("relay '{}' on {} disconnected: {} ({} connection(s) left)", relay_id,
               connection->name(), why, connections());
}

void relay_hub::publish(const sim_frame& frame) {
  ++frames_;
  if (frame.duplicate)
    ++duplicates_;
  for (const auto& event : frame.events) {
    log_.append(event.event_id, std::make_shared<const std::string>(event.bytes));
    ++emitted_events_;
  }
  broadcast(std::make_shared<const std::string>(frame.text), false);
}

std::size_t relay_hub::broadcast(frame_ptr frame, bool binary) {
  // Copy first: a send may drop a slow connection, which erases it from peers_.
  std::vector<std::shared_ptr<relay_connection>> targets;
  for (const auto& [connection, who] : peers_)
    if (who.greeted && !who.closing)
      targets.push_back(connection);
  for (const auto& connection : targets)
    connection->send(frame, binary);
  return targets.size();
}

std::size_t relay_hub::close_all(std::uint16_t code) {
  std::vector<std::shared_ptr<relay_connection>> targets;
  for (auto& [connection, who] : peers_) {
    if (!who.closing) {
      who.closing = true;
      ++closing_;
      targets.push_back(connection);
    }
  }
  for (const auto& connection : targets)
    connection->close(code); // may end the connection (and erase it) right away
  return targets.size();
}

} // namespace runrelay::sim
