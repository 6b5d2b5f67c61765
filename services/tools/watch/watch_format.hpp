#pragma once
// What runrelay-watch prints: relay messages (docs/protocol.md section 2) as one line
// each, and a GET /stats body (section 3) as a report. Pure (no I/O), so it lives in the
// project library and is unit-tested (tests/unit/event_printer_test.cpp); the network
// side of the watcher is in services/watch/.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace runrelay::watch {

struct format_options {
  bool color = false; // ANSI colors
  bool utc = false;   // clock times in UTC instead of local time
};

// One message from the relay, parsed once for both the watcher's bookkeeping and the
// printer. `type` is empty when the text is not a JSON object with a string `type`.
struct relay_message {
  std::string type;
  boost::json::object body;
  std::string raw;

  // The string field `key` of the message, "" when absent or not a string.
  std::string_view text(std::string_view key) const;
};
relay_message parse_relay_message(std::string_view text);

// "[#####-----] 50%"; `percent` is clamped to 0..100.
std::string progress_bar(double percent, int width = 10);

// `text` with control characters escaped ("\n", "\x1b", ...), so that text from the
// orchestrator can neither break a line nor drive the terminal.
std::string printable(std::string_view text);

class event_printer {
public:
  explicit event_printer(format_options options) : options_(options) {}

  // The line for one message, without a newline; empty for messages not worth a line
  // (pong, ack). Events are stamped with their own `ts` when they have one, anything
  // else with `received`.
  std::string format(const relay_message& message,
                     std::chrono::system_clock::time_point received);

  // A line of the watcher's own (connection lost, resuming ...), in the same layout.
  std::string notice(std::string_view text, std::chrono::system_clock::time_point at,
                     bool warning = false) const;

  // "HH:MM:SS.mmm", local time (or UTC).
  std::string clock(std::chrono::system_clock::time_point at) const;

private:
  std::string format_event(const relay_message& message,
                           std::chrono::system_clock::time_point received);
  std::string summary(const boost::json::object& data) const;
  std::string status_line(const relay_message& message, const char*& color) const;
  std::string paint(std::string_view text, const char* color) const;

  format_options options_;
  std::size_t run_width_ = 0; // grows (up to a cap) so interleaved runs line up
};

// The operator's report for a GET /stats body: the relay, the upstream state and
// counters, the other totals, and a table of every actor (kind, name, mailbox, main
// counters). Ends with a newline. nullopt when `body` is not a JSON object with
// `relay` or `actors`.
std::optional<std::string> format_stats(std::string_view body,
                                        const format_options& options);

// Helpers shared by the printers' sources (watch_format.cpp, watch_event_printer.cpp,
// watch_stats_printer.cpp); not an interface for anyone else.
namespace format_detail {

constexpr std::size_t max_text_bytes = 240; // a summary or a value in a report
// ANSI SGR codes
constexpr const char* dim = "2";
constexpr const char* bold = "1";
constexpr const char* green = "1;32";
constexpr const char* red = "1;31";
constexpr const char* yellow = "33";

const boost::json::value* field(const boost::json::object& o, std::string_view key);
std::optional<std::string_view> str(const boost::json::object& o, std::string_view key);
std::optional<double> num(const boost::json::value* v);
std::optional<double> num(const boost::json::object& o, std::string_view key);
std::string integer(double value);                       // "12"
std::string one_decimal(double value, const char* unit); // "4.1 s"
std::string duration(double ms); // "850 ms", "4.1 s", "1h 02m 03s"
std::string bytes(double n);     // "512 B", "12.3 MiB"
std::string truncated(std::string text, std::size_t max); // on a UTF-8 boundary, "..."
std::string padded(std::string text, std::size_t width);
std::string compact(const boost::json::value& value); // printable, truncated JSON
std::string scalar(const boost::json::value& v);      // a string unquoted, null as "-"
std::string paint(std::string_view text, const char* color, bool on);
std::string join(const std::vector<std::string>& parts, std::string_view glue);

} // namespace format_detail

} // namespace runrelay::watch
