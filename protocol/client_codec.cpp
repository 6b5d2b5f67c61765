// Client <-> relay messages on GET /ws (docs/protocol.md section 2).
//
// Rules (decided by the lead):
// - Invalid JSON, including nesting deeper than max_json_depth (64): bad_json.
// - Not an object: bad_message. `type` missing or not a string: bad_message. A type
//   string that is not subscribe/unsubscribe/ping/send: unknown_type.
// - `id` is optional and must be a string or a number; it is kept as its raw text and
//   echoed verbatim (1.0 stays 1.0). Any other type: bad_message with id null. Once the
//   id is readable it goes into every error for that message.
// - subscribe: run_id a non-empty string of at most 256 bytes ("*" allowed); `since`
//   absent or null -> whole_history, "live" -> live_only, another non-empty string of at
//   most 256 bytes -> after_event, anything else bad_message. unsubscribe: same run_id
//   rule. ping: `timestamp` optional, any JSON, kept raw. send: `data` required, any
//   JSON, kept raw.
// - A duplicate type/run_id/since/id/data/timestamp key (decoded, so "\u0069d" is id):
//   bad_message naming the key.
// - Encoders: compact JSON, field order as in docs/protocol.md section 2; raw values
// (ids,
//   data, timestamps) are written verbatim, never re-serialized.
//
// Further decisions (this file):
// - Check order: JSON, object, id (a duplicate id is unreadable: id null), the other
//   duplicate keys, type, then the type's own fields.
// - subscribe with run_id "*": `since` is ignored (not validated) and the request says
//   live_only, since "*" is live only (docs/protocol.md section 2).
// - unknown_type's message quotes the type when it is at most 64 bytes.
// - Unknown extra fields are ignored.
// - An empty `id` argument to an encoder is written as null; an empty raw timestamp is
//   omitted from a pong (empty text is no JSON value).
// - Never throws: an allocation failure while decoding becomes bad_json.
#include "protocol/client_codec.hpp"

#include "protocol/upstream_codec.hpp"

#include "protocol/json_scan.hpp"
#include "protocol/limits.hpp"

#include <boost/json.hpp>

#include <array>

namespace runrelay::protocol {
namespace {

namespace json = boost::json;

// Keys whose duplication is rejected, with the last raw value of each.
constexpr std::array<std::string_view, 6> tracked_keys = {"type", "run_id", "since",
                                                          "id",   "data",   "timestamp"};
enum key_index : std::size_t { k_type, k_run_id, k_since, k_id, k_data, k_timestamp };

struct tracked {
  int count = 0;
  std::string_view raw; // last occurrence
};

bool is_id_string(const json::value* v) {
  if (v == nullptr || !v->is_string())
    return false;
  std::size_t n = v->get_string().size();
  return n > 0 && n <= max_id_bytes;
}

std::string to_std(const json::string& s) {
  return std::string(s.data(), s.size());
}

client_error error(error_code code, std::string message, std::string_view id = null_id) {
  return client_error{code, std::move(message), std::string(id)};
}

constexpr std::string_view run_id_rule =
    "run_id must be a non-empty string of at most 256 bytes";

client_message decode_object(std::string_view raw, const json::object& obj) {
  std::array<tracked, tracked_keys.size()> seen{};
  for (const detail::json_member& m : detail::scan_object_members(raw)) {
    for (std::size_t i = 0; i < tracked_keys.size(); ++i) {
      if (m.key == tracked_keys[i]) {
        ++seen[i].count;
        seen[i].raw = m.value;
      }
    }
  }

  std::string_view id = null_id;
  if (seen[k_id].count > 1)
    return error(error_code::bad_message, "duplicate key id");
  if (seen[k_id].count == 1) {
    const json::value* v = obj.if_contains("id");
    if (v == nullptr || (!v->is_string() && !v->is_number()))
      return error(error_code::bad_message, "id must be a string or a number");
    id = seen[k_id].raw;
  }
  for (std::size_t i = 0; i < tracked_keys.size(); ++i) {
    if (seen[i].count > 1)
      return error(error_code::bad_message,
                   "duplicate key " + std::string(tracked_keys[i]), id);
  }

  const json::value* type_value = obj.if_contains("type");
  if (type_value == nullptr || !type_value->is_string())
    return error(error_code::bad_message, "type must be a string", id);
  const json::string& type = type_value->get_string();

  if (type == "subscribe" || type == "unsubscribe") {
    const json::value* run_id = obj.if_contains("run_id");
    if (!is_id_string(run_id))
      return error(error_code::bad_message, std::string(run_id_rule), id);
    if (type == "unsubscribe")
      return unsubscribe_request{to_std(run_id->get_string()), std::string(id)};

    subscribe_request req;
    req.run_id = to_std(run_id->get_string());
    req.id = std::string(id);
    const json::value* since = obj.if_contains("since");
    if (req.run_id == all_runs) {
      req.since.from = since_position::kind::live_only;
    } else if (since == nullptr || since->is_null()) {
      req.since.from = since_position::kind::whole_history;
    } else if (since->is_string() && since->get_string() == "live") {
      req.since.from = since_position::kind::live_only;
    } else if (is_id_string(since)) {
      req.since.from = since_position::kind::after_event;
      req.since.event_id = to_std(since->get_string());
    } else {
      return error(
          error_code::bad_message,
          "since must be null, \"live\" or an event_id (a non-empty string of at "
          "most 256 bytes)",
          id);
    }
    return req;
  }
  if (type == "ping") {
    ping_request req;
    req.id = std::string(id);
    if (seen[k_timestamp].count > 0)
      req.timestamp = std::string(seen[k_timestamp].raw);
    return req;
  }
  if (type == "send") {
    if (seen[k_data].count == 0)
      return error(error_code::bad_message, "send requires a data field", id);
    return send_request{std::string(seen[k_data].raw), std::string(id)};
  }
  std::string message = "unknown type";
  if (type.size() <= 64) {
    message += ' ';
    detail::append_json_quoted(message, std::string_view(type.data(), type.size()));
  }
  return error(error_code::unknown_type, std::move(message), id);
}

void append_id(std::string& out, std::string_view id) {
  out += id.empty() ? null_id : id;
}

} // namespace

std::string_view to_string(error_code code) {
  switch (code) {
  case error_code::bad_json:
    return "bad_json";
  case error_code::bad_message:
    return "bad_message";
  case error_code::unknown_type:
    return "unknown_type";
  case error_code::too_many_subscriptions:
    return "too_many_subscriptions";
  case error_code::rate_limited:
    return "rate_limited";
  case error_code::unauthorized:
    return "unauthorized";
  }
  return "bad_message";
}

client_message decode_client_message(std::string_view text) {
  try {
    unsigned char buffer[4096];
    json::monotonic_resource resource(buffer, sizeof buffer);
    std::string invalid;
    json::value root = detail::parse_limited(text, &resource, invalid);
    if (!invalid.empty())
      return error(error_code::bad_json, std::move(invalid));
    if (!root.is_object())
      return error(error_code::bad_message, "message must be a JSON object");
    return decode_object(detail::trim_json_ws(text), root.get_object());
  } catch (const std::exception& e) { // bad_alloc: never throw at the caller
    return error(error_code::bad_json,
                 std::string("message could not be decoded: ") + e.what());
  }
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  detail::append_json_quoted(out, text);
  return out;
}

std::string encode_welcome(std::string_view client_id, std::string_view relay_id,
                           upstream_state state, uint64_t heartbeat_ms) {
  std::string out;
  out.reserve(96 + client_id.size() + relay_id.size());
  out += R"({"type":"welcome","client_id":)";
  detail::append_json_quoted(out, client_id);
  out += R"(,"relay_id":)";
  detail::append_json_quoted(out, relay_id);
  out += R"(,"upstream":")";
  out += to_string(state);
  out += R"(","heartbeat_ms":)";
  detail::append_uint(out, heartbeat_ms);
  out += '}';
  return out;
}

std::string encode_subscribed(std::string_view run_id, uint64_t replayed, bool gap,
                              std::string_view id) {
  std::string out;
  out.reserve(72 + run_id.size() + id.size());
  out += R"({"type":"subscribed","run_id":)";
  detail::append_json_quoted(out, run_id);
  out += R"(,"replayed":)";
  detail::append_uint(out, replayed);
  out += gap ? R"(,"gap":true,"id":)" : R"(,"gap":false,"id":)";
  append_id(out, id);
  out += '}';
  return out;
}

std::string encode_unsubscribed(std::string_view run_id, std::string_view id) {
  std::string out;
  out.reserve(48 + run_id.size() + id.size());
  out += R"({"type":"unsubscribed","run_id":)";
  detail::append_json_quoted(out, run_id);
  out += R"(,"id":)";
  append_id(out, id);
  out += '}';
  return out;
}

std::string encode_event(std::string_view run_id, std::string_view event_id, uint64_t seq,
                         std::string_view raw_event) {
  std::string out;
  // Fixed text is 51 bytes, a seq at most 20 digits; escapes beyond that are rare.
  out.reserve(80 + run_id.size() + event_id.size() + raw_event.size());
  out += R"({"type":"event","run_id":)";
  detail::append_json_quoted(out, run_id);
  out += R"(,"event_id":)";
  detail::append_json_quoted(out, event_id);
  out += R"(,"seq":)";
  detail::append_uint(out, seq);
  out += R"(,"data":)";
  out += raw_event;
  out += '}';
  return out;
}

std::string encode_upstream_status(const upstream_status& status) {
  std::string out;
  out.reserve(96);
  out += R"({"type":"upstream","state":")";
  out += to_string(status.state);
  out += R"(","attempt":)";
  detail::append_uint(out, status.attempt);
  out += R"(,"retry_in_ms":)";
  if (status.retry_in_ms)
    detail::append_uint(out, *status.retry_in_ms);
  else
    out += "null";
  out += '}';
  return out;
}

std::string encode_error(error_code code, std::string_view message, std::string_view id) {
  std::string out;
  out.reserve(72 + message.size() + id.size());
  out += R"({"type":"error","code":")";
  out += to_string(code);
  out += R"(","message":)";
  detail::append_json_quoted(out, message);
  out += R"(,"id":)";
  append_id(out, id);
  out += '}';
  return out;
}

// Same shape as the relay's pong to the orchestrator.
std::string encode_client_pong(const std::optional<std::string>& timestamp) {
  return encode_pong(timestamp);
}

std::string encode_ack(std::string_view id, bool sent) {
  std::string out;
  out.reserve(48 + id.size());
  out += R"({"type":"ack","id":)";
  append_id(out, id);
  out += sent ? R"(,"status":"sent"})" : R"(,"status":"queued"})";
  return out;
}

} // namespace runrelay::protocol
