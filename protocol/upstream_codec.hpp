#pragma once
// Frames from the orchestrator (docs/protocol.md section 1): decoding, derived ids, and
// the relay's own upstream messages. Pure functions: no sockets, no actors.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runrelay::protocol {

struct upstream_event {
  std::string run_id;
  std::string type;
  std::string event_id; // the orchestrator's, or "h:" + XXH3-128 of `raw`
  bool derived_id = false;
  std::string raw; // the object's exact bytes as received, '{' to '}'
  // Raw JSON text of the `progress` and `artifact` fields when present (run summaries).
  std::optional<std::string> progress;
  std::optional<std::string> artifact;
};

struct upstream_ping {
  std::optional<std::string> timestamp; // raw JSON text of `timestamp`, if present
};

struct upstream_frame {
  std::vector<upstream_event> events; // in frame order
  std::vector<upstream_ping> pings;
  std::vector<std::string> rejections; // one human-readable reason per rejected object
  std::size_t pongs = 0;
};

// Decodes one text frame: an object, or an array of objects taken element by element.
// Never throws; whatever breaks section 1's rules lands in `rejections`.
upstream_frame decode_upstream_frame(std::string_view text);

// "h:" followed by the 32 lowercase hex digits of XXH3-128 over `raw_object`, in the
// canonical (big-endian) byte order.
std::string derive_event_id(std::string_view raw_object);

// {"type":"hello","relay_id":...,"resume_after":...|null}
std::string encode_hello(std::string_view relay_id,
                         const std::optional<std::string>& resume_after);

// {"type":"pong"} or {"type":"pong","timestamp":<raw>}
std::string encode_pong(const std::optional<std::string>& timestamp);

} // namespace runrelay::protocol
