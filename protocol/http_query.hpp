#pragma once
// The query parameters of section 3's requests, decoded and checked. A bad value comes
// back as a query_error naming the parameter, for a 400 answer. Pure functions.
#include "protocol/client_codec.hpp"
#include "protocol/run_view.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace runrelay::protocol {

struct query_error {
  std::string parameter;
  std::string message; // for {"error": ...}
};

// Percent-decodes `text` ('+' is a space); nullopt when an escape is malformed or the
// result is not valid UTF-8.
std::optional<std::string> url_decode(std::string_view text);

// The decoded value of `key` in `query` (the part after '?'); nullopt when absent.
// A malformed value is reported through `error`.
std::optional<std::string> query_value(std::string_view query, std::string_view key,
                                       std::optional<query_error>& error);

struct stats_query {
  std::optional<std::size_t> limit;
};
struct runs_query {
  std::optional<std::size_t> limit;
  std::optional<std::string> status;
};
struct events_query {
  poll_position after;
  std::size_t limit = 100;
  std::chrono::milliseconds wait{0};
};
struct stream_query {
  since_position since;
};

// Bounds of the events request (docs/protocol.md, run API notes).
constexpr std::size_t max_events_limit = 1000;
constexpr uint64_t max_wait_ms = 60000;

std::variant<stats_query, query_error> parse_stats_query(std::string_view query);
std::variant<runs_query, query_error> parse_runs_query(std::string_view query);
std::variant<events_query, query_error> parse_events_query(std::string_view query);
// `last_event_id` is the Last-Event-ID header (empty when absent); it wins over `since`.
std::variant<stream_query, query_error>
parse_stream_query(std::string_view query, std::string_view last_event_id);

// A path segment decoded (a run id inside /runs/<run_id>...); nullopt when malformed.
std::optional<std::string> decode_path_segment(std::string_view segment);

} // namespace runrelay::protocol
