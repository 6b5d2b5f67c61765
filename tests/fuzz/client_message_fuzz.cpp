// libFuzzer target for decode_client_message (protocol/client_codec.hpp): one input is
// one text message from a client on GET /ws. Besides ASan/UBSan findings, every
// invariant below that fails stops the process with __builtin_trap().
//
// Invariants (from the decisions in protocol/client_codec.cpp):
// - The decoded message is what an independent reference (below) expects from Boost.JSON
//   (max_depth 64) and Boost.JSON's own key decoding for the duplicate checks: the same
//   alternative, error code, fields, in the documented check order (JSON, object, id,
//   duplicate keys, type, the type's fields).
// - An id is "null" or the exact text of a string or number of the input: no
//   surrounding whitespace, a substring of the input, parsing to the object's `id`.
// - Raw fields (send's data, ping's timestamp) are substrings of the input and parse to
//   the value Boost.JSON keeps.
// - Every encoder fed with the decoded message (encode_error, encode_subscribed,
//   encode_unsubscribed, encode_client_pong, encode_ack, encode_event) writes JSON that
//   boost::json::parse accepts, carrying the same values.
// - Round trip: a subscribe request written back from a decoded subscribe's fields
//   decodes to the same fields.
// - json_quote(input) is exactly boost::json::serialize of the input as a string, and
//   parses back to the input whenever the input is valid UTF-8 (and only then).
#include "protocol/client_codec.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace {

using namespace runrelay::protocol;
namespace json = boost::json;

constexpr std::string_view tracked_keys[] = {"type", "run_id", "since",
                                             "id",   "data",   "timestamp"};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

template <class T, class = void> struct has_id : std::false_type {};
template <class T>
struct has_id<T, std::void_t<decltype(std::declval<const T&>().id)>> : std::true_type {};

// The message's raw id text, or nullptr for an alternative without one (ping_request
// has no id in older versions of client_codec.hpp).
const std::string* id_of(const client_message& msg) {
  return std::visit(
      [](const auto& m) -> const std::string* {
        if constexpr (has_id<std::decay_t<decltype(m)>>::value)
          return &m.id;
        else
          return nullptr;
      },
      msg);
}

// `field`, a JSON value written by an encoder for raw id text `id`.
void check_encoded_id(const json::value& field, std::string_view id) {
  if (id == null_id) {
    FUZZ_CHECK(field.is_null());
    return;
  }
  auto parsed = fuzz::parse_any(id);
  FUZZ_CHECK(parsed.has_value() && fuzz::same_value(field, *parsed));
}

std::optional<json::object> parse_object(const std::string& text) {
  auto v = fuzz::parse_any(text);
  FUZZ_CHECK(v.has_value() && v->is_object());
  return std::move(v->get_object());
}

bool string_field_is(const json::object& o, std::string_view key, std::string_view want) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  return v != nullptr && v->is_string() &&
         std::string_view(v->get_string().data(), v->get_string().size()) == want;
}

void check_error_encoding(const client_error& e) {
  auto o = parse_object(encode_error(e.code, e.message, e.id));
  FUZZ_CHECK(string_field_is(*o, "type", "error"));
  FUZZ_CHECK(string_field_is(*o, "code", to_string(e.code)));
  FUZZ_CHECK(string_field_is(*o, "message", e.message));
  check_encoded_id(o->at("id"), e.id);
}

std::string encode_subscribe_request(const subscribe_request& req, bool explicit_null) {
  std::string text = R"({"type":"subscribe","run_id":)" + json_quote(req.run_id);
  switch (req.since.from) {
  case since_position::kind::whole_history:
    if (explicit_null)
      text += R"(,"since":null)";
    break;
  case since_position::kind::live_only:
    text += R"(,"since":"live")";
    break;
  case since_position::kind::after_event:
    text += R"(,"since":)" + json_quote(req.since.event_id);
    break;
  }
  if (req.id != null_id)
    text += R"(,"id":)" + req.id;
  text += '}';
  return text;
}

void check_subscribe(const subscribe_request& req, const json::object& obj) {
  FUZZ_CHECK(!req.run_id.empty() && req.run_id.size() <= max_id_bytes);
  FUZZ_CHECK(string_field_is(obj, "run_id", req.run_id));
  const json::value* since = obj.if_contains("since");
  if (req.run_id == all_runs) {
    FUZZ_CHECK(req.since.from == since_position::kind::live_only);
  } else if (since == nullptr || since->is_null()) {
    FUZZ_CHECK(req.since.from == since_position::kind::whole_history);
  } else if (since->is_string() && since->get_string() == "live") {
    FUZZ_CHECK(req.since.from == since_position::kind::live_only);
  } else {
    FUZZ_CHECK(fuzz::is_id(since));
    FUZZ_CHECK(req.since.from == since_position::kind::after_event);
    FUZZ_CHECK(string_field_is(obj, "since", req.since.event_id));
  }
  if (req.since.from != since_position::kind::after_event)
    FUZZ_CHECK(req.since.event_id.empty());

  for (bool gap : {false, true}) {
    auto o = parse_object(encode_subscribed(req.run_id, 12345, gap, req.id));
    FUZZ_CHECK(string_field_is(*o, "type", "subscribed"));
    FUZZ_CHECK(string_field_is(*o, "run_id", req.run_id));
    FUZZ_CHECK(o->at("gap").is_bool() && o->at("gap").get_bool() == gap);
    check_encoded_id(o->at("id"), req.id);
  }

  // Round trip through a request written from the decoded fields.
  for (bool explicit_null : {false, true}) {
    const client_message again =
        decode_client_message(encode_subscribe_request(req, explicit_null));
    const auto* req2 = std::get_if<subscribe_request>(&again);
    FUZZ_CHECK(req2 != nullptr);
    FUZZ_CHECK(req2->run_id == req.run_id);
    FUZZ_CHECK(req2->since.from == req.since.from);
    FUZZ_CHECK(req2->since.event_id == req.since.event_id);
    FUZZ_CHECK(req2->id == req.id);
  }
}

void check_raw_field(const std::optional<std::string>& raw, const json::object& obj,
                     std::string_view key, std::string_view input) {
  FUZZ_CHECK(raw.has_value() == obj.contains(json::string_view(key.data(), key.size())));
  if (!raw)
    return;
  FUZZ_CHECK(!raw->empty() && fuzz::is_substring(input, *raw));
  FUZZ_CHECK(!fuzz::is_json_ws(raw->front()) && !fuzz::is_json_ws(raw->back()));
  auto parsed = fuzz::parse_any(*raw);
  FUZZ_CHECK(parsed.has_value());
  FUZZ_CHECK(
      fuzz::same_value(*parsed, obj.at(json::string_view(key.data(), key.size()))));
}

// Compares the decoded message with the reference for a JSON object input.
void check_object(const client_message& msg, const json::object& obj,
                  const std::vector<std::string>& keys, std::string_view input) {
  const auto* err = std::get_if<client_error>(&msg);
  auto expect_error = [&](error_code code, bool with_id) {
    FUZZ_CHECK(err != nullptr && err->code == code);
    if (!with_id)
      FUZZ_CHECK(err->id == null_id);
  };

  // id
  if (fuzz::count_key(keys, "id") > 1) {
    expect_error(error_code::bad_message, false);
    FUZZ_CHECK(err->message == "duplicate key id");
    return;
  }
  const json::value* id = obj.if_contains("id");
  if (id != nullptr && !id->is_string() && !id->is_number()) {
    expect_error(error_code::bad_message, false);
    return;
  }
  const std::string* decoded_id = id_of(msg);
  if (decoded_id != nullptr) {
    FUZZ_CHECK((id == nullptr) == (*decoded_id == null_id));
    if (id != nullptr) {
      FUZZ_CHECK(fuzz::is_substring(input, *decoded_id));
      FUZZ_CHECK(!fuzz::is_json_ws(decoded_id->front()) &&
                 !fuzz::is_json_ws(decoded_id->back()));
      auto parsed = fuzz::parse_relay(*decoded_id);
      FUZZ_CHECK(parsed.has_value() && fuzz::same_value(*parsed, *id));
    }
  }

  // Duplicate keys
  for (std::string_view key : tracked_keys) {
    if (fuzz::count_key(keys, key) > 1) {
      expect_error(error_code::bad_message, true);
      FUZZ_CHECK(starts_with(err->message, "duplicate key "));
      FUZZ_CHECK(fuzz::count_key(keys, err->message.substr(14)) > 1);
      return;
    }
  }

  // type
  const json::value* type = obj.if_contains("type");
  if (type == nullptr || !type->is_string()) {
    expect_error(error_code::bad_message, true);
    return;
  }
  const json::string& t = type->get_string();
  if (t == "subscribe" || t == "unsubscribe") {
    if (!fuzz::is_id(obj.if_contains("run_id"))) {
      expect_error(error_code::bad_message, true);
      return;
    }
    if (t == "unsubscribe") {
      const auto* req = std::get_if<unsubscribe_request>(&msg);
      FUZZ_CHECK(req != nullptr);
      FUZZ_CHECK(string_field_is(obj, "run_id", req->run_id));
      auto o = parse_object(encode_unsubscribed(req->run_id, req->id));
      FUZZ_CHECK(string_field_is(*o, "type", "unsubscribed"));
      FUZZ_CHECK(string_field_is(*o, "run_id", req->run_id));
      check_encoded_id(o->at("id"), req->id);
      return;
    }
    const json::value* since = obj.if_contains("since");
    const bool since_ok = string_field_is(obj, "run_id", all_runs) || since == nullptr ||
                          since->is_null() || fuzz::is_id(since);
    if (!since_ok) {
      expect_error(error_code::bad_message, true);
      return;
    }
    const auto* req = std::get_if<subscribe_request>(&msg);
    FUZZ_CHECK(req != nullptr);
    check_subscribe(*req, obj);
    return;
  }
  if (t == "ping") {
    const auto* req = std::get_if<ping_request>(&msg);
    FUZZ_CHECK(req != nullptr);
    check_raw_field(req->timestamp, obj, "timestamp", input);
    auto o = parse_object(encode_client_pong(req->timestamp));
    FUZZ_CHECK(string_field_is(*o, "type", "pong"));
    FUZZ_CHECK(o->contains("timestamp") == req->timestamp.has_value());
    if (req->timestamp)
      FUZZ_CHECK(fuzz::same_value(o->at("timestamp"), obj.at("timestamp")));
    return;
  }
  if (t == "send") {
    if (!obj.contains("data")) {
      expect_error(error_code::bad_message, true);
      return;
    }
    const auto* req = std::get_if<send_request>(&msg);
    FUZZ_CHECK(req != nullptr);
    check_raw_field(std::optional<std::string>(req->data), obj, "data", input);
    for (bool sent : {false, true}) {
      auto o = parse_object(encode_ack(req->id, sent));
      FUZZ_CHECK(string_field_is(*o, "type", "ack"));
      FUZZ_CHECK(string_field_is(*o, "status", sent ? "sent" : "queued"));
      check_encoded_id(o->at("id"), req->id);
    }
    // The data written upstream, wrapped as an event would be, stays the same value.
    auto o = parse_object(encode_event("r", "e", 1, req->data));
    FUZZ_CHECK(fuzz::same_value(o->at("data"), obj.at("data")));
    return;
  }
  expect_error(error_code::unknown_type, true);
  if (t.size() <= 64)
    FUZZ_CHECK(err->message ==
               "unknown type " + json_quote(std::string_view(t.data(), t.size())));
  else
    FUZZ_CHECK(err->message == "unknown type");
}

void check_json_quote(std::string_view input) {
  const std::string quoted = json_quote(input);
  FUZZ_CHECK(quoted == json::serialize(json::string(input.data(), input.size())));
  auto back = fuzz::parse_any(quoted);
  FUZZ_CHECK(back.has_value() == fuzz::is_valid_utf8(input));
  if (back)
    FUZZ_CHECK(back->is_string() &&
               back->get_string() == json::string_view(input.data(), input.size()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const client_message msg = decode_client_message(input);

  const std::string* id = id_of(msg);
  if (id != nullptr) {
    FUZZ_CHECK(!id->empty());
    if (*id != null_id) {
      FUZZ_CHECK(fuzz::is_substring(input, *id));
      auto parsed = fuzz::parse_relay(*id);
      FUZZ_CHECK(parsed.has_value() && (parsed->is_string() || parsed->is_number()));
    }
  }
  if (const auto* err = std::get_if<client_error>(&msg)) {
    FUZZ_CHECK(!err->message.empty());
    FUZZ_CHECK(!starts_with(err->message, "message could not be decoded"));
    check_error_encoding(*err);
  }

  const std::optional<json::value> root = fuzz::parse_relay(input);
  const fuzz::key_lists keys = fuzz::list_keys(input);
  FUZZ_CHECK(keys.valid == root.has_value());
  if (!root) {
    const auto* err = std::get_if<client_error>(&msg);
    FUZZ_CHECK(err != nullptr && err->code == error_code::bad_json && err->id == null_id);
    FUZZ_CHECK(starts_with(err->message, "invalid JSON: "));
  } else if (!root->is_object()) {
    const auto* err = std::get_if<client_error>(&msg);
    FUZZ_CHECK(err != nullptr && err->code == error_code::bad_message &&
               err->id == null_id);
  } else {
    FUZZ_CHECK(keys.objects.size() == 1);
    check_object(msg, root->get_object(), keys.objects.front(), input);
  }

  check_json_quote(input);
  return 0;
}
