// event_printer (watch_format.hpp): one line per relay message.
#include "services/tools/watch/watch_format.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <vector>

namespace runrelay::watch {

using namespace format_detail;
namespace json = boost::json;

namespace {

using time_point = std::chrono::system_clock::time_point;

constexpr std::size_t max_run_width = 24;
constexpr std::size_t seq_width = 5;
constexpr std::size_t type_width = 18; // "workflow_completed"
// Run ids get one of these by hash; green and red are kept for outcomes.
constexpr const char* run_colors[] = {"36", "35", "34", "96", "95", "94"};

// "2024-05-01T12:34:56.789Z" (any offset) or a Unix time in s or ms.
std::optional<time_point> event_time(const json::object& data) {
  const json::value* v = field(data, "ts");
  if (!v)
    v = field(data, "timestamp");
  if (auto n = num(v)) {
    auto ms = static_cast<long long>(*n < 1e11 ? *n * 1000 : *n);
    return time_point(std::chrono::milliseconds(ms));
  }
  if (!v || !v->is_string())
    return std::nullopt;
  std::string s(v->get_string());
  std::tm tm{};
  int used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6 ||
      used == 0)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  long long ms = static_cast<long long>(timegm(&tm)) * 1000;
  auto pos = static_cast<std::size_t>(used);
  if (pos < s.size() && s[pos] == '.') {
    int scale = 100;
    for (++pos; pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]));
         ++pos) {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
    }
  }
  int oh = 0, om = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-') &&
      std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) == 2)
    ms -= (s[pos] == '+' ? 1 : -1) * (oh * 60 + om) * 60'000LL;
  return time_point(std::chrono::milliseconds(ms));
}

// The `progress` field as a percentage: 0..100 as a number or "50%", a fraction 0..1
// written with a decimal point, or {"percent"} / {"done"|"current", "total"}.
std::optional<double> progress_percent(const json::object& data) {
  const json::value* v = field(data, "progress");
  if (!v)
    return std::nullopt;
  if (v->is_double())
    return v->get_double() <= 1.0 ? v->get_double() * 100 : v->get_double();
  if (v->is_number())
    return num(v);
  if (v->is_string()) {
    std::string s(v->get_string());
    char* end = nullptr;
    double x = std::strtod(s.c_str(), &end);
    if (end == s.c_str())
      return std::nullopt;
    bool fraction = s.find('%') == std::string::npos && s.find('.') != std::string::npos;
    return fraction && x <= 1.0 ? x * 100 : x;
  }
  if (!v->is_object())
    return std::nullopt;
  const auto& o = v->get_object();
  if (auto p = num(o, "percent"))
    return p;
  auto done = num(o, "done") ? num(o, "done") : num(o, "current");
  auto total = num(o, "total");
  if (done && total && *total > 0)
    return *done * 100 / *total;
  return std::nullopt;
}

std::string artifact_text(const json::value& v) {
  if (v.is_string())
    return printable(v.get_string());
  if (!v.is_object())
    return compact(v);
  const auto& o = v.get_object();
  auto name = str(o, "name")   ? str(o, "name")
              : str(o, "path") ? str(o, "path")
                               : str(o, "url");
  std::string text = name ? printable(*name) : compact(v);
  auto size = num(o, "size_bytes") ? num(o, "size_bytes") : num(o, "size");
  return size ? text + " (" + bytes(*size) + ")" : text;
}

} // namespace

std::string event_printer::paint(std::string_view text, const char* color) const {
  return format_detail::paint(text, color, options_.color);
}

std::string event_printer::clock(time_point at) const {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch())
                .count();
  auto secs = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  std::tm parts{};
  options_.utc ? gmtime_r(&secs, &parts) : localtime_r(&secs, &parts);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", parts.tm_hour, parts.tm_min,
                parts.tm_sec, static_cast<int>((ms % 1000 + 1000) % 1000));
  return buf;
}

std::string event_printer::notice(std::string_view text, time_point at,
                                  bool warning) const {
  return paint(clock(at), dim) + "  " +
         paint("-- " + std::string(text), warning ? yellow : nullptr);
}

std::string event_printer::format(const relay_message& message, time_point received) {
  if (message.type == "event")
    return format_event(message, received);
  if (message.type == "pong" || message.type == "ack")
    return {};
  const char* color = nullptr;
  std::string text = status_line(message, color);
  return paint(clock(received), dim) + "  " +
         paint((message.type == "error" ? "!! " : "-- ") + text, color);
}

std::string event_printer::status_line(const relay_message& m, const char*& color) const {
  const auto& b = m.body;
  if (m.type.empty())
    return color = yellow, "relay sent something that is not a JSON message: " +
                               truncated(printable(m.raw), max_text_bytes);
  if (m.type == "welcome")
    return "connected to relay " + printable(m.text("relay_id")) + " as client " +
           printable(m.text("client_id")) + "; upstream " + printable(m.text("upstream"));
  if (m.type == "subscribed" || m.type == "unsubscribed") {
    auto run = printable(m.text("run_id"));
    if (m.type == "unsubscribed")
      return "unsubscribed from run " + run;
    if (run == "*")
      return "subscribed to every run, live";
    auto n = num(b, "replayed").value_or(0);
    std::string text = "subscribed to run " + run +
                       (n > 0 ? ": replaying " + integer(n) + " event" +
                                    (n == 1 ? "" : "s") + ", then live"
                              : ": live (nothing to replay)");
    if (auto* gap = field(b, "gap"); gap && gap->is_bool() && gap->get_bool())
      color = yellow, text += "; gap: some events were no longer retained";
    return text;
  }
  if (m.type == "upstream") {
    auto state = std::string(m.text("state"));
    color = state == "connected" ? green : state == "failed" ? red : yellow;
    std::string text = "upstream " + printable(state);
    auto attempt = num(b, "attempt").value_or(0);
    if (state != "connected" && attempt > 0)
      text += ", attempt " + integer(attempt);
    if (auto retry = num(b, "retry_in_ms"))
      text += ", retry in " + one_decimal(*retry / 1000, "s");
    else if (state == "reconnecting" || state == "connecting")
      text += ", dialling";
    if (state == "failed")
      text += "; the relay waits for POST /upstream/reconnect";
    return text;
  }
  if (m.type == "error") {
    color = red;
    std::string text =
        "relay error " + printable(m.text("code")) + ": " + printable(m.text("message"));
    if (auto* id = field(b, "id"); id && !id->is_null())
      text += " (request " + scalar(*id) + ")";
    return text;
  }
  return "relay sent " + printable(m.type) + ": " + compact(b);
}

std::string event_printer::format_event(const relay_message& m, time_point received) {
  static const json::object no_data;
  auto* data_value = field(m.body, "data");
  const auto& data =
      data_value && data_value->is_object() ? data_value->get_object() : no_data;
  std::string run = truncated(printable(m.text("run_id")), max_run_width + 16);
  run_width_ = std::max(run_width_, std::min(run.size(), max_run_width));
  auto seq = num(m.body, "seq");
  std::string type = printable(str(data, "type").value_or(""));
  const char* color = type == "workflow_completed" ? green
                      : type == "workflow_failed"  ? red
                      : type == "workflow_started" ? bold
                                                   : nullptr;
  std::string about = summary(data);
  auto level = str(data, "level").value_or("");
  if (!color && (level == "warn" || level == "warning"))
    about = paint(about, yellow);
  else if (!color && (level == "error" || level == "fatal"))
    about = paint(about, red);
  else
    about = paint(about, color);
  std::size_t hash = std::hash<std::string>{}(run);
  std::string line = paint(clock(event_time(data).value_or(received)), dim) + "  " +
                     paint(padded(run, run_width_), run_colors[hash % 6]) + "  " +
                     padded("#" + (seq ? integer(*seq) : std::string("?")), seq_width) +
                     "  " + paint(padded(type, type_width), color) + "  " + about;
  while (!line.empty() && line.back() == ' ')
    line.pop_back();
  return line;
}

std::string event_printer::summary(const json::object& d) const {
  std::string head;
  if (auto step = str(d, "step")) {
    head = printable(*step);
    auto index = num(d, "index"), of = num(d, "of");
    if (index && of)
      head += " (" + integer(*index) + "/" + integer(*of) + ")";
  }
  if (auto percent = progress_percent(d))
    head += (head.empty() ? "" : " ") + progress_bar(*percent);
  if (auto ms = num(d, "duration_ms"))
    head += (head.empty() ? "in " : " in ") + duration(*ms);

  std::vector<std::string> parts;
  if (auto* artifact = field(d, "artifact"))
    parts.push_back(artifact_text(*artifact));
  if (auto status = str(d, "status"))
    parts.push_back("status " + printable(*status));
  auto text = str(d, "message") ? str(d, "message") : str(d, "log");
  if (text) {
    auto level = std::string(str(d, "level").value_or(""));
    bool plain = level.empty() || level == "info" || level == "debug" || level == "trace";
    std::transform(level.begin(), level.end(), level.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    parts.push_back((plain ? "" : printable(level) + " ") + printable(*text));
  }
  if (auto* error = field(d, "error"))
    parts.push_back(scalar(*error));
  if (auto workflow = str(d, "workflow"))
    parts.push_back("workflow " + printable(*workflow));
  if (auto trigger = str(d, "trigger"))
    parts.push_back("trigger " + printable(*trigger));
  if (auto commit = str(d, "commit"))
    parts.push_back("commit " + printable(*commit));
  if (auto steps = num(d, "steps"))
    parts.push_back(integer(*steps) + " steps");

  if (head.empty() && parts.empty()) { // nothing known: show the fields themselves
    json::object rest = d;
    for (auto key : {"run_id", "type", "event_id", "ts", "timestamp", "seq"})
      rest.erase(key);
    return rest.empty() ? std::string() : compact(rest);
  }
  std::string out =
      head + (head.empty() || parts.empty() ? "" : ": ") + join(parts, ", ");
  return truncated(std::move(out), max_text_bytes);
}

} // namespace runrelay::watch
