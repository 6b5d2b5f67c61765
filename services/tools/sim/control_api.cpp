#include "services/tools/sim/control_api.hpp"

#include <charconv>
#include <map>
#include <optional>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "services/tools/sim/sim_server.hpp"

namespace runrelay::sim {
namespace {

namespace json = boost::json;

constexpr std::uint64_t max_emit_count = 1'000'000;

using query_map = std::map<std::string, std::string, std::less<>>;

query_map parse_query(std::string_view query) {
  query_map out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      out[std::string(pair)] = "";
    else
      out[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
  }
  return out;
}

std::optional<std::uint64_t> to_number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return std::nullopt;
  return value;
}

std::optional<bool> to_flag(std::string_view text) {
  if (text == "1" || text == "true" || text == "on" || text == "yes")
    return true;
  if (text == "0" || text == "false" || text == "off" || text == "no")
    return false;
  return std::nullopt;
}

control_reply reply(unsigned status, const json::object& body) {
  return control_reply{status, json::serialize(body)};
}

control_reply error(unsigned status, std::string text) {
  return reply(status, json::object{{"error", std::move(text)}});
}

// A close code a server may put in a close frame (RFC 6455 7.4), or 0 for a TCP reset.
bool sendable_close_code(std::uint64_t code) {
  if (code == 0)
    return true;
  if (code >= 3000 && code <= 4999)
    return true;
  return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

json::object status_json(const sim_status& s) {
  return json::object{{"connections", s.connections},
                      {"emitted", s.emitted},
                      {"refusing", s.refusing},
                      {"paused", s.paused},
                      {"hellos", s.hellos},
                      {"frames", s.frames},
                      {"duplicates", s.duplicates},
                      {"pings", s.pings},
                      {"injected", s.injected},
                      {"logged", s.logged},
                      {"refuse_first_left", s.refuse_first_left},
                      {"upgrades_refused", s.upgrades_refused},
                      {"runs_started", s.runs_started},
                      {"runs_finished", s.runs_finished},
                      {"generator_exhausted", s.generator_exhausted}};
}

} // namespace

control_reply handle_control(sim_server& server, std::string_view method,
                             std::string_view target, std::string body) {
  auto question = target.find('?');
  std::string_view path = target.substr(0, question);
  query_map query =
      parse_query(question == std::string_view::npos ? std::string_view()
                                                     : target.substr(question + 1));
  auto param = [&](const char* name) -> std::optional<std::string> {
    auto found = query.find(name);
    if (found == query.end())
      return std::nullopt;
    return found->second;
  };

  const bool is_get = method == "GET";
  const bool is_post = method == "POST";
  auto wrong_method = [&](const char* allowed) {
    return error(405, std::string(allowed) + " only for " + std::string(path));
  };

  if (path == "/control/status")
    return is_get ? reply(200, status_json(server.status())) : wrong_method("GET");

  if (path == "/control/received") {
    if (!is_get)
      return wrong_method("GET");
    json::array messages;
    for (const auto& message : server.hub().received())
      messages.push_back(
          json::object{{"relay_id", message.relay_id}, {"text", message.text}});
    return reply(200, json::object{{"messages", std::move(messages)}});
  }

  if (path == "/control/drop") {
    if (!is_post)
      return wrong_method("POST");
    std::uint64_t code = 1001;
    if (auto text = param("code")) {
      auto number = to_number(*text);
      if (!number || !sendable_close_code(*number))
        return error(400, "code must be 0 (TCP reset) or a close code a server may send");
      code = *number;
    }
    auto closed = server.drop(static_cast<std::uint16_t>(code));
    return reply(200, json::object{{"closed", closed}, {"code", code}});
  }

  if (path == "/control/refuse") {
    if (!is_post)
      return wrong_method("POST");
    auto on = to_flag(param("on").value_or("1"));
    if (!on)
      return error(400, "on must be 1 or 0");
    server.set_refusing(*on);
    return reply(200, json::object{{"refusing", server.status().refusing}});
  }

  if (path == "/control/inject") {
    if (!is_post)
      return wrong_method("POST");
    auto binary = to_flag(param("binary").value_or("0"));
    if (!binary)
      return error(400, "binary must be 1 or 0");
    auto bytes = body.size();
    auto sent_to = server.inject(std::move(body), *binary);
    return reply(200, json::object{{"sent_to", sent_to},
                                   {"bytes", bytes},
                                   {"binary", *binary},
                                   {"logged", false}});
  }

  if (path == "/control/pause" || path == "/control/resume") {
    if (!is_post)
      return wrong_method("POST");
    server.set_paused(path == "/control/pause");
    return reply(200, json::object{{"paused", path == "/control/pause"}});
  }

  if (path == "/control/emit") {
    if (!is_post)
      return wrong_method("POST");
    auto count = to_number(param("count").value_or("1"));
    if (!count || *count > max_emit_count)
      return error(400,
                   "count must be a number from 0 to " + std::to_string(max_emit_count));
    auto emitted = server.emit(static_cast<std::size_t>(*count));
    return reply(200, json::object{{"requested", *count}, {"emitted", emitted}});
  }

  return error(404, "no such path: " + std::string(path) +
                        " (see /control/status, received, drop, refuse, inject, pause, "
                        "resume, emit)");
}

} // namespace runrelay::sim
