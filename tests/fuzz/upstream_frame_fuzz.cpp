// libFuzzer target for decode_upstream_frame (protocol/upstream_codec.hpp): one input is
// one text frame from the orchestrator. Besides ASan/UBSan findings, every invariant
// below that fails stops the process with __builtin_trap().
//
// Invariants (from the decisions in protocol/upstream_codec.cpp):
// - Exactly what Boost.JSON (max_depth 64) rejects is one rejection and nothing else.
// - A top-level object is exactly one item (event, ping, pong or rejection); a top-level
//   array of n elements is exactly n items, classified element by element in order as
//   an independent reference (below) does, with Boost.JSON's own key decoding for the
//   duplicate check; any other top-level value is one rejection. So a frame yields
//   nothing only when it is an empty array.
// - Rejections of batch elements start with "batch element <i>: ", i increasing; none
//   is an internal error.
// - Every event: `raw` is a substring of the input, '{' to '}', parses to the object it
//   came from (run_id and type equal); run_id is 1..256 bytes and not "*"; event_id is
//   1..256 bytes; a derived id is "h:" + 32 lowercase hex digits and equals
//   derive_event_id(raw), a given one equals the object's event_id string.
// - progress / artifact / a ping's timestamp are present exactly when the key is, are
//   substrings of the input and parse to the value Boost.JSON keeps (the last one).
// - The relay's own messages built from decoded data (encode_pong, encode_hello,
//   encode_event) are valid JSON carrying the same values.
// - protocol/json_scan's scanners, fed the raw input (valid JSON or not), stay within it.
#include "protocol/client_codec.hpp"
#include "protocol/json_scan.hpp"
#include "protocol/upstream_codec.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace runrelay::protocol;
namespace json = boost::json;

enum class outcome { event, ping, pong, rejection };

// The reference classification of one object, restating section 1's rules.
outcome classify(const json::object& obj, const std::vector<std::string>& keys) {
  if (fuzz::count_key(keys, "run_id") > 1 || fuzz::count_key(keys, "type") > 1 ||
      fuzz::count_key(keys, "event_id") > 1)
    return outcome::rejection;
  const json::value* run_id = obj.if_contains("run_id");
  const json::value* type = obj.if_contains("type");
  if (run_id == nullptr) {
    if (type != nullptr && type->is_string() && type->get_string() == "ping")
      return outcome::ping;
    if (type != nullptr && type->is_string() && type->get_string() == "pong")
      return outcome::pong;
    return outcome::rejection;
  }
  if (!fuzz::is_id(run_id) || run_id->get_string() == "*")
    return outcome::rejection;
  if (type == nullptr || !type->is_string())
    return outcome::rejection;
  const json::value* event_id = obj.if_contains("event_id");
  if (event_id != nullptr && !fuzz::is_id(event_id))
    return outcome::rejection;
  return outcome::event;
}

bool is_derived_id_form(std::string_view id) {
  if (id.size() != 34 || id.substr(0, 2) != "h:")
    return false;
  for (char c : id.substr(2))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

// `raw_field` (the decoder's raw text of a field) against the object's key list and
// Boost.JSON's value for it (the last duplicate).
void check_raw_field(const std::optional<std::string>& raw_field, const json::object& obj,
                     const std::vector<std::string>& keys, std::string_view key,
                     std::string_view input) {
  FUZZ_CHECK(raw_field.has_value() == (fuzz::count_key(keys, key) > 0));
  if (!raw_field)
    return;
  FUZZ_CHECK(!raw_field->empty());
  FUZZ_CHECK(fuzz::is_substring(input, *raw_field));
  auto parsed = fuzz::parse_any(*raw_field);
  FUZZ_CHECK(parsed.has_value());
  FUZZ_CHECK(
      fuzz::same_value(*parsed, obj.at(json::string_view(key.data(), key.size()))));
}

void check_event(const upstream_event& ev, const json::object& obj,
                 const std::vector<std::string>& keys, std::string_view input) {
  // raw: the object's exact bytes.
  FUZZ_CHECK(ev.raw.size() >= 2 && ev.raw.front() == '{' && ev.raw.back() == '}');
  FUZZ_CHECK(fuzz::is_substring(input, ev.raw));
  auto raw_value = fuzz::parse_relay(ev.raw);
  FUZZ_CHECK(raw_value.has_value() && raw_value->is_object());
  FUZZ_CHECK(fuzz::same_value(*raw_value, obj));

  // Fields.
  FUZZ_CHECK(!ev.run_id.empty() && ev.run_id.size() <= max_id_bytes && ev.run_id != "*");
  FUZZ_CHECK(ev.run_id == fuzz::to_std(obj.at("run_id").get_string()));
  FUZZ_CHECK(ev.type == fuzz::to_std(obj.at("type").get_string()));
  FUZZ_CHECK(!ev.event_id.empty() && ev.event_id.size() <= max_id_bytes);
  const json::value* given = obj.if_contains("event_id");
  FUZZ_CHECK(ev.derived_id == (given == nullptr));
  if (ev.derived_id) {
    FUZZ_CHECK(is_derived_id_form(ev.event_id));
    FUZZ_CHECK(ev.event_id == derive_event_id(ev.raw));
  } else {
    FUZZ_CHECK(ev.event_id == fuzz::to_std(given->get_string()));
  }
  check_raw_field(ev.progress, obj, keys, "progress", input);
  check_raw_field(ev.artifact, obj, keys, "artifact", input);

  // What the relay builds from an event is JSON and carries the same values.
  auto envelope = fuzz::parse_any(encode_event(ev.run_id, ev.event_id, 7, ev.raw));
  FUZZ_CHECK(envelope.has_value() && envelope->is_object());
  const json::object& env = envelope->get_object();
  FUZZ_CHECK(env.at("run_id").is_string() &&
             fuzz::to_std(env.at("run_id").get_string()) == ev.run_id);
  FUZZ_CHECK(env.at("event_id").is_string() &&
             fuzz::to_std(env.at("event_id").get_string()) == ev.event_id);
  FUZZ_CHECK(fuzz::same_value(env.at("data"), obj));
  auto hello = fuzz::parse_any(encode_hello(ev.run_id, ev.event_id));
  FUZZ_CHECK(hello.has_value() && hello->is_object());
  FUZZ_CHECK(fuzz::to_std(hello->get_object().at("relay_id").get_string()) == ev.run_id);
  FUZZ_CHECK(fuzz::to_std(hello->get_object().at("resume_after").get_string()) ==
             ev.event_id);
}

void check_ping(const upstream_ping& ping, const json::object& obj,
                const std::vector<std::string>& keys, std::string_view input) {
  check_raw_field(ping.timestamp, obj, keys, "timestamp", input);
  auto pong = fuzz::parse_any(encode_pong(ping.timestamp));
  FUZZ_CHECK(pong.has_value() && pong->is_object());
  const json::object& p = pong->get_object();
  FUZZ_CHECK(p.at("type").is_string() && p.at("type").get_string() == "pong");
  FUZZ_CHECK(p.contains("timestamp") == ping.timestamp.has_value());
  if (ping.timestamp)
    FUZZ_CHECK(fuzz::same_value(p.at("timestamp"), obj.at("timestamp")));
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool inside(std::string_view outer, std::string_view inner) {
  auto begin = reinterpret_cast<std::uintptr_t>(outer.data());
  auto at = reinterpret_cast<std::uintptr_t>(inner.data());
  return inner.empty() || (at >= begin && at + inner.size() <= begin + outer.size());
}

// protocol/json_scan.hpp promises that its scanners never read out of bounds, even on
// bytes that are not valid JSON (ASan checks the reads), and its views point into the
// text they were given.
void check_scanner(std::string_view input) {
  const std::string_view t = runrelay::protocol::detail::trim_json_ws(input);
  FUZZ_CHECK(inside(input, t));
  for (std::string_view element : runrelay::protocol::detail::scan_array_elements(t))
    FUZZ_CHECK(!element.empty() && inside(t, element));
  for (const auto& member : runrelay::protocol::detail::scan_object_members(t))
    FUZZ_CHECK(!member.value.empty() && inside(t, member.value));
  (void)runrelay::protocol::detail::decode_json_string(input);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_scanner(input);
  const upstream_frame frame = decode_upstream_frame(input);

  for (const std::string& why : frame.rejections) {
    FUZZ_CHECK(!why.empty());
    FUZZ_CHECK(!starts_with(why, "internal error"));
    FUZZ_CHECK(!starts_with(why, "frame could not be decoded"));
  }

  // The reference: Boost.JSON's value plus its own key lists.
  const std::optional<json::value> root = fuzz::parse_relay(input);
  const fuzz::key_lists keys = fuzz::list_keys(input);
  FUZZ_CHECK(keys.valid == root.has_value());
  if (!root) {
    FUZZ_CHECK(frame.rejections.size() == 1 && frame.events.empty() &&
               frame.pings.empty() && frame.pongs == 0);
    FUZZ_CHECK(starts_with(frame.rejections.front(), "invalid JSON: "));
    return 0;
  }

  // Items in frame order: each object, or nullptr for an element that is not one.
  std::vector<const json::object*> objects;
  bool batch = false;
  if (root->is_object()) {
    objects.push_back(&root->get_object());
  } else if (root->is_array()) {
    batch = true;
    for (const json::value& element : root->get_array())
      objects.push_back(element.is_object() ? &element.get_object() : nullptr);
  } else {
    FUZZ_CHECK(frame.rejections.size() == 1 && frame.events.empty() &&
               frame.pings.empty() && frame.pongs == 0);
    return 0;
  }

  std::size_t next_keys = 0, next_event = 0, next_ping = 0, next_rejection = 0, pongs = 0;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    outcome item = outcome::rejection;
    const std::vector<std::string>* item_keys = nullptr;
    if (objects[i] != nullptr) {
      FUZZ_CHECK(next_keys < keys.objects.size());
      item_keys = &keys.objects[next_keys++];
      FUZZ_CHECK(item_keys->size() >= objects[i]->size());
      item = classify(*objects[i], *item_keys);
    }
    switch (item) {
    case outcome::event:
      FUZZ_CHECK(next_event < frame.events.size());
      check_event(frame.events[next_event++], *objects[i], *item_keys, input);
      break;
    case outcome::ping:
      FUZZ_CHECK(next_ping < frame.pings.size());
      check_ping(frame.pings[next_ping++], *objects[i], *item_keys, input);
      break;
    case outcome::pong:
      ++pongs;
      break;
    case outcome::rejection:
      FUZZ_CHECK(next_rejection < frame.rejections.size());
      const std::string& why = frame.rejections[next_rejection++];
      if (batch)
        FUZZ_CHECK(starts_with(why, "batch element " + std::to_string(i) + ": "));
      else
        FUZZ_CHECK(!starts_with(why, "batch element "));
      break;
    }
  }
  FUZZ_CHECK(next_keys == keys.objects.size());
  FUZZ_CHECK(next_event == frame.events.size());
  FUZZ_CHECK(next_ping == frame.pings.size());
  FUZZ_CHECK(next_rejection == frame.rejections.size());
  FUZZ_CHECK(pongs == frame.pongs);

  // Only an empty array carries nothing.
  const std::size_t items =
      frame.events.size() + frame.pings.size() + frame.rejections.size() + frame.pongs;
  FUZZ_CHECK(items > 0 || (root->is_array() && root->get_array().empty()));
  if (!batch) {
    FUZZ_CHECK(items == 1);
    for (const upstream_event& ev : frame.events)
      FUZZ_CHECK(ev.raw == fuzz::trim_ws(input));
  }
  return 0;
}
