#include "services/relay/log_format.hpp"

#include "protocol/websocket_codec.hpp"

#include <boost/json.hpp>

#include <ctime>

namespace runrelay::services {
namespace {

// Boost.JSON escapes quotes and control characters but copies bytes >= 0x80 as
// they are: a message that is not valid UTF-8 (a peer's bytes in a reason) would make
// the whole line invalid JSON, so its non-ASCII bytes become U+FFFD.
std::string json_string(std::string_view text) {
  protocol::websocket::utf8_validator check;
  if (check.feed(text) && check.complete())
    return boost::json::serialize(boost::json::string_view(text.data(), text.size()));
  std::string ascii;
  for (char ch : text)
    ascii += static_cast<unsigned char>(ch) < 0x80 ? std::string(1, ch) : "\xEF\xBF\xBD";
  return boost::json::serialize(boost::json::string_view(ascii));
}

// Log lines begin with "component: " (an actor or part of the relay).
std::string_view component_of(std::string_view& text) {
  size_t colon = text.find(": ");
  if (colon == 0 || colon == std::string_view::npos ||
      text.substr(0, colon).find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") !=
          std::string_view::npos)
    return "runrelay";
  std::string_view component = text.substr(0, colon);
  text.remove_prefix(colon + 2);
  return component;
}

// RFC 3339 UTC with milliseconds.
std::string rfc3339(spdlog::log_clock::time_point when) {
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch());
  std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(ms.count() % 1000));
  return text;
}

} // namespace

json_log_formatter::json_log_formatter(std::map<std::string, std::string> fields)
    : fields_(std::move(fields)) {
  boost::json::object object;
  for (const auto& [key, value] : fields_)
    object[key] = value;
  fields_json_ = boost::json::serialize(object);
}

void json_log_formatter::format(const spdlog::details::log_msg& msg,
                                spdlog::memory_buf_t& dest) {
  std::string_view text(msg.payload.data(), msg.payload.size());
  std::string_view component = component_of(text);
  auto level = spdlog::level::to_string_view(msg.level);
  std::string line = "{\"time\":\"" + rfc3339(msg.time) + "\",\"level\":\"" +
                     std::string(level.data(), level.size()) +
                     "\",\"component\":" + json_string(component) +
                     ",\"message\":" + json_string(text) + ",\"fields\":" + fields_json_ +
                     "}\n";
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> json_log_formatter::clone() const {
  return std::make_unique<json_log_formatter>(fields_);
}

} // namespace runrelay::services
