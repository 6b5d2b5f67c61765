#include "protocol/run_api_codec.hpp"

#include "protocol/json_scan.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <ctime>

namespace runrelay::protocol {

namespace json = boost::json;

namespace {

json::value raw_json(const std::string& text) {
  json::error_code ec;
  auto value = json::parse(text, ec);
  return ec ? json::value(nullptr) : value;
}

json::object run_object(const run_view& run, bool detail) {
  json::object entry;
  entry["run_id"] = run.run_id;
  entry["status"] = run.status;
  entry["event_count"] = run.event_count;
  entry["last_seq"] = run.event_count;
  entry["last_event_id"] = run.last_event_id;
  entry["subscribers"] = run.subscribers;
  entry["first_event_at"] = format_rfc3339(run.first_event_at);
  entry["last_event_at"] = format_rfc3339(run.last_event_at);
  if (!detail)
    return entry;
  json::object counts;
  for (auto& [type, count] : run.counts)
    counts[type] = count;
  entry["counts"] = std::move(counts);
  entry["progress"] = run.progress ? raw_json(*run.progress) : json::value(nullptr);
  json::array artifacts;
  for (auto& artifact : run.artifacts)
    artifacts.push_back(raw_json(artifact));
  entry["artifacts"] = std::move(artifacts);
  entry["artifacts_truncated"] = run.artifacts_truncated;
  return entry;
}

// The type of a relay message: the first member, as every encoder writes it.
std::string_view message_type(std::string_view message) {
  constexpr std::string_view head = "{\"type\":\"";
  if (message.substr(0, head.size()) != head)
    return {};
  auto rest = message.substr(head.size());
  return rest.substr(0, rest.find('"'));
}

// The event_id of an `event` envelope, decoded; empty when it cannot be an SSE id.
std::string envelope_event_id(std::string_view envelope) {
  json::error_code ec;
  auto value = json::parse(envelope, ec);
  if (ec || !value.is_object())
    return {};
  auto* id = value.as_object().if_contains("event_id");
  if (!id || !id->is_string())
    return {};
  std::string text(id->as_string());
  // An SSE id ends at a line break and is ignored with a NUL in it.
  if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
    return {};
  return text;
}

void append_data_lines(std::string& out, std::string_view text) {
  out += "data: ";
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
        ++i;
      out += "\ndata: ";
    } else {
      out += c;
    }
  }
  out += "\n\n";
}

} // namespace

std::string format_rfc3339(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto since_epoch = duration_cast<milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(since_epoch / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                utc.tm_sec, static_cast<int>(since_epoch % 1000));
  return text;
}

std::string encode_run(const run_view& run, bool detail) {
  return json::serialize(run_object(run, detail));
}

std::string encode_runs(const std::vector<run_view>& runs, std::size_t total) {
  json::array list;
  list.reserve(runs.size());
  for (auto& run : runs)
    list.push_back(run_object(run, false));
  json::object root;
  root["runs"] = std::move(list);
  root["total"] = total;
  return json::serialize(root);
}

std::string encode_poll_page(const poll_page& page) {
  std::size_t size = 64;
  for (auto& event : page.events)
    size += event->size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"events\":[";
  for (std::size_t i = 0; i < page.events.size(); ++i) {
    if (i > 0)
      out += ',';
    out += *page.events[i];
  }
  out += "],\"next\":";
  detail::append_uint(out, page.next);
  out += ",\"next_id\":";
  if (page.next_id)
    detail::append_json_quoted(out, *page.next_id);
  else
    out += "null";
  out += page.gap ? ",\"gap\":true}" : ",\"gap\":false}";
  return out;
}

std::string encode_sse(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 64);
  auto type = message_type(message);
  if (type == "event") {
    if (auto id = envelope_event_id(message); !id.empty()) {
      out += "id: ";
      out += id;
      out += '\n';
    }
  } else if (!type.empty()) {
    out += "event: ";
    out += type;
    out += '\n';
  }
  append_data_lines(out, message);
  return out;
}

std::string encode_sse_retry(uint64_t retry_ms) {
  return "retry: " + std::to_string(retry_ms) + "\n\n";
}

} // namespace runrelay::protocol
