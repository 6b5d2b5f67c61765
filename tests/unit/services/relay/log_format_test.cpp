#include "services/relay/log_format.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <spdlog/details/log_msg.h>

using runrelay::services::json_log_formatter;
namespace json = boost::json;

namespace {

std::string formatted(json_log_formatter& f, const std::string& text,
                      spdlog::level::level_enum level = spdlog::level::info) {
  spdlog::details::log_msg msg(spdlog::source_loc{}, "runrelay", level,
                               spdlog::string_view_t(text.data(), text.size()));
  msg.time = spdlog::log_clock::time_point(std::chrono::milliseconds(1764773445123));
  spdlog::memory_buf_t out;
  f.format(msg, out);
  return std::string(out.data(), out.size());
}

// Parses one line; Boost.JSON refuses invalid UTF-8, so this also checks that.
json::object parsed(const std::string& line) {
  BOOST_TEST_REQUIRE(line.back() == '\n');
  BOOST_TEST_REQUIRE(line.find('\n') == line.size() - 1, "one line: " << line);
  json::error_code ec;
  json::value v = json::parse(line, ec);
  BOOST_TEST_REQUIRE(!ec, ec.message() << " in " << line);
  BOOST_TEST_REQUIRE(v.is_object());
  return v.as_object();
}

} // namespace

BOOST_AUTO_TEST_SUITE(log_format)

BOOST_AUTO_TEST_CASE(one_object_with_time_level_component_message_fields) {
  json_log_formatter f;
  auto o = parsed(
      formatted(f, "supervisor: upstream connected (attempt 1)", spdlog::level::warn));
  BOOST_TEST(o.size() == 5u);
  BOOST_TEST(o.at("time").as_string() == "2025-12-03T14:50:45.123Z");
  BOOST_TEST(o.at("level").as_string() == "warning");
  BOOST_TEST(o.at("component").as_string() == "supervisor");
  BOOST_TEST(o.at("message").as_string() == "upstream connected (attempt 1)");
  BOOST_TEST(o.at("fields").as_object().empty());
}

BOOST_AUTO_TEST_CASE(fields_given_at_construction_are_on_every_line) {
  json_log_formatter f(std::map<std::string, std::string>{{"relay_id", "relay-\"a\""}});
  auto clone = f.clone();
  for (spdlog::formatter* each : {static_cast<spdlog::formatter*>(&f), clone.get()}) {
    spdlog::details::log_msg msg(spdlog::source_loc{}, "runrelay", spdlog::level::info,
                                 "relay: stopped");
    spdlog::memory_buf_t out;
    each->format(msg, out);
    auto o = parsed(std::string(out.data(), out.size()));
    BOOST_TEST(o.at("fields").as_object().at("relay_id").as_string() == "relay-\"a\"");
  }
}

BOOST_AUTO_TEST_CASE(without_a_component_the_program_is_named) {
  json_log_formatter f;
  for (std::string text : {"no component here", "Upper: case", ": empty", "a b: c"}) {
    auto o = parsed(formatted(f, text));
    BOOST_TEST(o.at("component").as_string() == "runrelay", text);
    BOOST_TEST(o.at("message").as_string() == text);
  }
}

BOOST_AUTO_TEST_CASE(quotes_newlines_controls_are_escaped) {
  json_log_formatter f;
  std::string text = "upstream: say \"hi\"\\ \nnext\tline\r\x01 caf\xC3\xA9";
  std::string line = formatted(f, text);
  auto o = parsed(line);
  BOOST_TEST(o.at("message").as_string() == text.substr(10));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_becomes_replacement_characters) {
  json_log_formatter f;
  for (std::string text :
       {"client: bad \xFF byte", "client: cut \xC3", "client: \xED\xA0\x80"}) {
    auto o = parsed(formatted(f, text));
    std::string message(o.at("message").as_string());
    BOOST_TEST(message.find("\xEF\xBF\xBD") != std::string::npos, message);
    // The ASCII before the bad bytes is kept as it was.
    std::string ascii = text.substr(8, text.find_first_of("\xC3\xED\xFF") - 8);
    BOOST_TEST(message.rfind(ascii, 0) == 0u, message);
  }
}

BOOST_AUTO_TEST_SUITE_END()
