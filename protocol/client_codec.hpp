#pragma once
// Client <-> relay messages on GET /ws (docs/protocol.md section 2). Pure functions.
#include "protocol/upstream_state.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace runrelay::protocol {

enum class error_code : uint8_t {
  bad_json,
  bad_message,
  unknown_type,
  too_many_subscriptions,
  rate_limited,
  unauthorized,
};
std::string_view to_string(error_code code);

// Request ids are kept as the raw JSON text the client sent ("null" when absent), so they
// are echoed exactly as given.
constexpr std::string_view null_id = "null";
constexpr std::string_view all_runs = "*";

struct since_position {
  enum class kind : uint8_t { whole_history, after_event, live_only };
  kind from = kind::whole_history;
  std::string event_id; // for after_event
};

struct subscribe_request {
  std::string run_id; // "*" for every run
  since_position since;
  std::string id{null_id};
};
struct unsubscribe_request {
  std::string run_id;
  std::string id{null_id};
};
struct ping_request {
  std::optional<std::string> timestamp; // raw JSON
  std::string id{null_id};              // not echoed by pong; errors echo it
};
struct send_request {
  std::string data; // raw JSON text of `data`, written upstream as is
  std::string id{null_id};
};
struct client_error {
  error_code code;
  std::string message;
  std::string id{null_id};
};

using client_message = std::variant<subscribe_request, unsubscribe_request, ping_request,
                                    send_request, client_error>;

// Never throws. A message that cannot be processed comes back as client_error, with the
// request's id when one could be read.
client_message decode_client_message(std::string_view text);

std::string encode_welcome(std::string_view client_id, std::string_view relay_id,
                           upstream_state state, uint64_t heartbeat_ms);
std::string encode_subscribed(std::string_view run_id, uint64_t replayed, bool gap,
                              std::string_view id);
std::string encode_unsubscribed(std::string_view run_id, std::string_view id);
// {"type":"event","run_id":...,"event_id":...,"seq":n,"data":<raw, verbatim>}
std::string encode_event(std::string_view run_id, std::string_view event_id, uint64_t seq,
                         std::string_view raw_event);
std::string encode_upstream_status(const upstream_status& status);
std::string encode_error(error_code code, std::string_view message, std::string_view id);
std::string encode_client_pong(const std::optional<std::string>& timestamp);
std::string encode_ack(std::string_view id, bool sent);

// JSON string literal for `text` (quotes included).
std::string json_quote(std::string_view text);

} // namespace runrelay::protocol
