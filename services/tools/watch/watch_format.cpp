// Helpers shared by the printers, and the relay message parser (watch_format.hpp).
#include "services/tools/watch/watch_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace runrelay::watch {

namespace json = boost::json;

namespace format_detail {

const json::value* field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}
std::optional<std::string_view> str(const json::object& o, std::string_view key) {
  auto* v = field(o, key);
  return v && v->is_string() ? std::optional<std::string_view>(v->get_string())
                             : std::nullopt;
}
std::optional<double> num(const json::value* v) {
  if (v && v->is_number())
    return v->to_number<double>();
  return std::nullopt;
}
std::optional<double> num(const json::object& o, std::string_view key) {
  return num(field(o, key));
}

std::string integer(double value) {
  return std::to_string(std::llround(value));
}

std::string one_decimal(double value, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f %s", value, unit);
  return buf;
}

std::string duration(double ms) {
  if (ms < 1000)
    return integer(ms) + " ms";
  if (ms < 60'000)
    return one_decimal(ms / 1000, "s");
  auto s = std::llround(ms / 1000);
  if (s < 3600) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lldm %02llds", s / 60, s % 60);
    return buf;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lldh %02lldm %02llds", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

std::string bytes(double n) {
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (n < 1024)
    return integer(n) + " B";
  int u = 0;
  for (n /= 1024; n >= 1024 && u < 3; ++u)
    n /= 1024;
  return one_decimal(n, units[u]);
}

// Cut to at most `max` bytes on a UTF-8 boundary, marking the cut.
std::string truncated(std::string text, std::size_t max) {
  if (text.size() <= max)
    return text;
  std::size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  text.resize(cut);
  return text + "...";
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width)
    text.append(width - text.size(), ' ');
  return text;
}

std::string compact(const json::value& value) {
  return truncated(printable(json::serialize(value)), max_text_bytes);
}

std::string scalar(const json::value& v) {
  if (v.is_string())
    return printable(v.get_string());
  if (v.is_null())
    return "-";
  return compact(v);
}

std::string paint(std::string_view text, const char* color, bool on) {
  if (!on || !color || text.empty())
    return std::string(text);
  return "\x1b[" + std::string(color) + "m" + std::string(text) + "\x1b[0m";
}

std::string join(const std::vector<std::string>& parts, std::string_view glue) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : std::string(glue)) + p;
  return out;
}

} // namespace format_detail

using namespace format_detail;

std::string_view relay_message::text(std::string_view key) const {
  return str(body, key).value_or(std::string_view());
}

relay_message parse_relay_message(std::string_view text) {
  relay_message message;
  message.raw = std::string(text);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object())
    return message;
  message.body = std::move(v.get_object());
  message.type = std::string(message.text("type"));
  return message;
}

std::string progress_bar(double percent, int width) {
  percent = std::clamp(std::isnan(percent) ? 0.0 : percent, 0.0, 100.0);
  auto filled = static_cast<int>(std::floor(percent * width / 100));
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(width - filled), '-') + "] " +
         std::to_string(static_cast<int>(std::floor(percent))) + "%";
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    char buf[8];
    if (c == '\n' || c == '\r' || c == '\t') {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) { // C1 controls (CSI ...)
      std::snprintf(buf, sizeof buf, "\\u%04x", next);
      out += buf;
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

} // namespace runrelay::watch
