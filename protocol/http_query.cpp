#include "protocol/http_query.hpp"

#include "protocol/json_scan.hpp"
#include "protocol/websocket_codec.hpp"

#include <charconv>

namespace runrelay::protocol {

namespace {

bool valid_utf8(std::string_view text) {
  websocket::utf8_validator validator;
  return validator.feed(text) && validator.complete();
}

// '+' means a space in a query, not in a path.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      if (i + 2 >= text.size())
        return std::nullopt;
      int high = detail::hex_value(text[i + 1]), low = detail::hex_value(text[i + 2]);
      if (high < 0 || low < 0)
        return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  if (!valid_utf8(out))
    return std::nullopt;
  return out;
}

std::optional<uint64_t> digits_value(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

bool all_digits(std::string_view text) {
  if (text.empty())
    return false;
  for (char c : text)
    if (c < '0' || c > '9')
      return false;
  return true;
}

// A count parameter: an integer from `low` to `high`.
std::optional<uint64_t> bounded_number(std::string_view query, std::string_view key,
                                       uint64_t low, uint64_t high,
                                       std::optional<query_error>& error) {
  auto text = query_value(query, key, error);
  if (!text || error)
    return std::nullopt;
  auto value = digits_value(*text);
  if (!value || *value < low || *value > high) {
    error = query_error{std::string(key), std::string(key) + " must be an integer from " +
                                              std::to_string(low) + " to " +
                                              std::to_string(high)};
    return std::nullopt;
  }
  return value;
}

} // namespace

std::optional<std::string> url_decode(std::string_view text) {
  return percent_decode(text, true);
}

std::optional<std::string> query_value(std::string_view query, std::string_view key,
                                       std::optional<query_error>& error) {
  while (!query.empty()) {
    auto end = query.find('&');
    auto pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view{} : query.substr(end + 1);
    auto equals = pair.find('=');
    if (pair.substr(0, equals) != key)
      continue;
    auto raw =
        equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
    auto value = url_decode(raw);
    if (!value)
      error = query_error{std::string(key),
                          std::string(key) + " is not valid percent-encoded UTF-8"};
    return value;
  }
  return std::nullopt;
}

std::variant<stats_query, query_error> parse_stats_query(std::string_view query) {
  std::optional<query_error> error;
  stats_query result;
  if (auto limit = bounded_number(query, "limit", 0, 1000000, error))
    result.limit = *limit;
  if (error)
    return *error;
  return result;
}

std::variant<runs_query, query_error> parse_runs_query(std::string_view query) {
  std::optional<query_error> error;
  runs_query result;
  if (auto limit = bounded_number(query, "limit", 1, 1000000, error))
    result.limit = *limit;
  if (error)
    return *error;
  result.status = query_value(query, "status", error);
  if (!error && result.status && !is_run_status(*result.status))
    error =
        query_error{"status", "status must be one of active, running, completed, failed"};
  if (error)
    return *error;
  return result;
}

std::variant<events_query, query_error> parse_events_query(std::string_view query) {
  std::optional<query_error> error;
  events_query result;
  if (auto after = query_value(query, "after", error); after && !error) {
    if (after->empty())
      error = query_error{"after", "after must be a seq or an event_id"};
    else if (!all_digits(*after))
      result.after = {poll_position::kind::event_id, 0, *after};
    else if (auto seq = digits_value(*after))
      result.after = {poll_position::kind::seq, *seq, {}};
    else
      error = query_error{"after", "after is a seq too large to be one"};
  }
  if (auto limit = bounded_number(query, "limit", 1, max_events_limit, error))
    result.limit = *limit;
  if (auto wait = bounded_number(query, "wait_ms", 0, max_wait_ms, error))
    result.wait = std::chrono::milliseconds(*wait);
  if (error)
    return *error;
  return result;
}

std::variant<stream_query, query_error>
parse_stream_query(std::string_view query, std::string_view last_event_id) {
  stream_query result;
  if (!last_event_id.empty()) {
    if (!valid_utf8(last_event_id))
      return query_error{"Last-Event-ID", "Last-Event-ID is not valid UTF-8"};
    result.since = {since_position::kind::after_event, std::string(last_event_id)};
    return result;
  }
  std::optional<query_error> error;
  auto since = query_value(query, "since", error);
  if (error)
    return *error;
  if (!since)
    return result;
  if (since->empty())
    return query_error{"since", "since must be an event_id or live"};
  if (*since == "live")
    result.since = {since_position::kind::live_only, {}};
  else
    result.since = {since_position::kind::after_event, *since};
  return result;
}

std::optional<std::string> decode_path_segment(std::string_view segment) {
  auto decoded = percent_decode(segment, false);
  if (!decoded || decoded->empty())
    return std::nullopt;
  return decoded;
}

} // namespace runrelay::protocol
