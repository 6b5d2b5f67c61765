// Frames from the orchestrator (docs/protocol.md section 1).
//
// Rules (decided by the lead):
// - A frame is validated with boost::json::parse, max_depth = max_json_depth (64 nested
//   containers pass, 65 do not). Invalid JSON or too deep: one rejection for the frame.
// - A top-level object is one item; a top-level array is a batch taken element by
//   element in order (an empty array yields nothing); a non-object element is rejected on
//   its own and the other elements still go through. Any other top-level value: rejected.
// - An object with `run_id` is an event only if run_id is a non-empty string of at most
//   256 bytes and not "*", `type` is a string, and `event_id`, when present, is a
//   non-empty string of at most 256 bytes; otherwise it is rejected naming the field.
// - Without `run_id`: type "ping" -> upstream_ping (raw `timestamp` when present), type
//   "pong" -> counted in `pongs`, anything else rejected.
// - An object in which run_id, type or event_id appears more than once (decoded keys, so
//   "run\u005fid" is run_id) is rejected ("duplicate key run_id"). Other duplicate keys
//   are kept verbatim in `raw`.
// - event_id: the orchestrator's, else derive_event_id(raw) with derived_id = true.
//   `raw` is the object's exact bytes, '{' to '}', without surrounding whitespace.
// - `progress` / `artifact` are kept as raw value text when present.
// - encode_hello / encode_pong: compact JSON, field order as in docs/protocol.md.
//
// Further decisions (this file):
// - Values that may legitimately be duplicated (progress, artifact, a ping's timestamp)
//   are taken from their LAST occurrence, matching what Boost.JSON and most parsers read.
// - Rejection reasons of batch elements start with "batch element <i>: " (0-based).
// - An event's `type` may be the empty string (the contract only asks for a string).
// - encode_pong omits `timestamp` when given an empty raw text (it would not be JSON).
// - Never throws: an allocation failure while decoding becomes a rejection.
#include "protocol/upstream_codec.hpp"

#include "protocol/json_scan.hpp"
#include "protocol/limits.hpp"

#include <boost/json.hpp>
#include <xxhash.h>

namespace runrelay::protocol {
namespace {

namespace json = boost::json;

bool is_id_string(const json::value* v, bool allow_star) {
  if (v == nullptr || !v->is_string())
    return false;
  const json::string& s = v->get_string();
  if (s.empty() || s.size() > max_id_bytes)
    return false;
  return allow_star || s != "*";
}

std::string to_std(const json::string& s) {
  return std::string(s.data(), s.size());
}

// One object (top-level or batch element). `raw` is its exact text.
void decode_object(std::string_view raw, const json::object& obj,
                   const std::string& prefix, upstream_frame& out) {
  auto reject = [&](std::string_view why) {
    out.rejections.push_back(prefix + std::string(why));
  };

  int run_ids = 0, types = 0, event_ids = 0;
  std::string_view progress, artifact, timestamp;
  for (const detail::json_member& m : detail::scan_object_members(raw)) {
    if (m.key == "run_id")
      ++run_ids;
    else if (m.key == "type")
      ++types;
    else if (m.key == "event_id")
      ++event_ids;
    else if (m.key == "progress")
      progress = m.value;
    else if (m.key == "artifact")
      artifact = m.value;
    else if (m.key == "timestamp")
      timestamp = m.value;
  }
  if (run_ids > 1)
    return reject("duplicate key run_id");
  if (types > 1)
    return reject("duplicate key type");
  if (event_ids > 1)
    return reject("duplicate key event_id");

  const json::value* run_id = obj.if_contains("run_id");
  const json::value* type = obj.if_contains("type");
  if (run_id == nullptr) {
    if (type != nullptr && type->is_string()) {
      if (type->get_string() == "ping") {
        upstream_ping ping;
        if (!timestamp.empty())
          ping.timestamp.emplace(timestamp);
        out.pings.push_back(std::move(ping));
        return;
      }
      if (type->get_string() == "pong") {
        ++out.pongs;
        return;
      }
    }
    return reject("missing run_id (an object without run_id must be a ping or a pong)");
  }
  if (!is_id_string(run_id, false))
    return reject("run_id must be a non-empty string of at most 256 bytes, not \"*\"");
  if (type == nullptr || !type->is_string())
    return reject("type must be a string");
  const json::value* event_id = obj.if_contains("event_id");
  if (event_id != nullptr && !is_id_string(event_id, true))
    return reject("event_id must be a non-empty string of at most 256 bytes");

  upstream_event ev;
  ev.run_id = to_std(run_id->get_string());
  ev.type = to_std(type->get_string());
  ev.raw.assign(raw.data(), raw.size());
  if (event_id != nullptr) {
    ev.event_id = to_std(event_id->get_string());
  } else {
    ev.event_id = derive_event_id(raw);
    ev.derived_id = true;
  }
  if (!progress.empty())
    ev.progress.emplace(progress);
  if (!artifact.empty())
    ev.artifact.emplace(artifact);
  out.events.push_back(std::move(ev));
}

} // namespace

upstream_frame decode_upstream_frame(std::string_view text) {
  upstream_frame out;
  try {
    unsigned char buffer[4096];
    json::monotonic_resource resource(buffer, sizeof buffer);
    std::string invalid;
    json::value root = detail::parse_limited(text, &resource, invalid);
    if (!invalid.empty()) {
      out.rejections.push_back(std::move(invalid));
      return out;
    }
    std::string_view trimmed = detail::trim_json_ws(text);
    if (root.is_object()) {
      decode_object(trimmed, root.get_object(), std::string(), out);
      return out;
    }
    if (!root.is_array()) {
      out.rejections.push_back("not an object or an array of objects");
      return out;
    }
    const json::array& batch = root.get_array();
    std::vector<std::string_view> elements = detail::scan_array_elements(trimmed);
    if (elements.size() != batch.size()) { // cannot happen on validated JSON
      out.rejections.push_back("internal error: batch could not be split");
      return out;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      std::string prefix = "batch element " + std::to_string(i) + ": ";
      if (batch[i].is_object())
        decode_object(elements[i], batch[i].get_object(), prefix, out);
      else
        out.rejections.push_back(prefix + "not an object");
    }
  } catch (const std::exception& e) { // bad_alloc: never let a frame throw
    out.rejections.push_back(std::string("frame could not be decoded: ") + e.what());
  }
  return out;
}

std::string derive_event_id(std::string_view raw_object) {
  static constexpr char hex[] = "0123456789abcdef";
  XXH128_hash_t hash = XXH3_128bits(raw_object.data(), raw_object.size());
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  std::string id;
  id.reserve(2 + 2 * sizeof canonical.digest);
  id += "h:";
  for (unsigned char byte : canonical.digest) {
    id += hex[byte >> 4];
    id += hex[byte & 0xF];
  }
  return id;
}

std::string encode_hello(std::string_view relay_id,
                         const std::optional<std::string>& resume_after) {
  std::string out;
  out.reserve(48 + relay_id.size() + (resume_after ? resume_after->size() : 4));
  out += R"({"type":"hello","relay_id":)";
  detail::append_json_quoted(out, relay_id);
  out += R"(,"resume_after":)";
  if (resume_after)
    detail::append_json_quoted(out, *resume_after);
  else
    out += "null";
  out += '}';
  return out;
}

std::string encode_pong(const std::optional<std::string>& timestamp) {
  if (!timestamp || timestamp->empty()) // empty raw text is no JSON value: omit it
    return R"({"type":"pong"})";
  std::string out;
  out.reserve(30 + timestamp->size());
  out += R"({"type":"pong","timestamp":)";
  out += *timestamp;
  out += '}';
  return out;
}

} // namespace runrelay::protocol
