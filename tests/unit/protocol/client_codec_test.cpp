// docs/protocol.md section 2: client messages and the relay's replies.
#include "protocol/client_codec.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

using namespace runrelay::protocol;

namespace {

template <class T> T expect(std::string_view text) {
  client_message m = decode_client_message(text);
  if (const auto* err = std::get_if<client_error>(&m))
    BOOST_FAIL("unexpected error for " << text << ": " << err->message);
  BOOST_REQUIRE(std::holds_alternative<T>(m));
  return std::get<T>(m);
}

client_error expect_error(std::string_view text, error_code code, std::string_view id) {
  client_message m = decode_client_message(text);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<client_error>(m), "no error for " << text);
  client_error err = std::get<client_error>(m);
  BOOST_TEST(to_string(err.code) == to_string(code), text);
  BOOST_TEST(err.id == id, text);
  BOOST_TEST(!err.message.empty());
  return err;
}

const std::string run_id_rule = "run_id must be a non-empty string of at most 256 bytes";

} // namespace

BOOST_AUTO_TEST_SUITE(client_codec)

BOOST_AUTO_TEST_CASE(subscribe_since_forms) {
  auto s = expect<subscribe_request>(R"({"type":"subscribe","run_id":"r1"})");
  BOOST_TEST(s.run_id == "r1");
  BOOST_TEST((s.since.from == since_position::kind::whole_history));
  BOOST_TEST(s.id == "null");

  s = expect<subscribe_request>(
      R"({"type":"subscribe","run_id":"r1","since":null,"id":"a"})");
  BOOST_TEST((s.since.from == since_position::kind::whole_history));
  BOOST_TEST(s.id == R"("a")");

  s = expect<subscribe_request>(R"({"since":"live","run_id":"r1","type":"subscribe"})");
  BOOST_TEST((s.since.from == since_position::kind::live_only));

  s = expect<subscribe_request>(
      R"({"type":"subscribe","run_id":"r1","since":"h:00ab","id":3})");
  BOOST_TEST((s.since.from == since_position::kind::after_event));
  BOOST_TEST(s.since.event_id == "h:00ab");
  BOOST_TEST(s.id == "3");

  s = expect<subscribe_request>(R"({"type":"subscribe","run_id":"r1","since":")" +
                                std::string(256, 'e') + "\"}");
  BOOST_TEST(s.since.event_id.size() == 256u);

  for (std::string bad : {std::string(R"("")"), std::string("5"), std::string("true"),
                          std::string(R"({"e":1})"), std::string(R"(["e"])"),
                          "\"" + std::string(257, 'e') + "\""}) {
    client_error err =
        expect_error(R"({"type":"subscribe","run_id":"r1","id":7,"since":)" + bad + "}",
                     error_code::bad_message, "7");
    BOOST_TEST(err.message.find("since") == 0u);
  }
}

BOOST_AUTO_TEST_CASE(subscribe_to_every_run) {
  auto s = expect<subscribe_request>(R"({"type":"subscribe","run_id":"*"})");
  BOOST_TEST(s.run_id == all_runs);
  BOOST_TEST((s.since.from == since_position::kind::live_only));
  // since is ignored for "*", whatever it is.
  s = expect<subscribe_request>(R"({"type":"subscribe","run_id":"*","since":"e1"})");
  BOOST_TEST((s.since.from == since_position::kind::live_only));
  s = expect<subscribe_request>(R"({"type":"subscribe","run_id":"*","since":[1]})");
  BOOST_TEST((s.since.from == since_position::kind::live_only));
}

BOOST_AUTO_TEST_CASE(run_id_rules) {
  for (std::string_view type : {"subscribe", "unsubscribe"}) {
    const std::string head = R"({"type":")" + std::string(type) + R"(","id":"q")";
    for (std::string tail :
         {std::string("}"), std::string(R"(,"run_id":""})"),
          std::string(R"(,"run_id":1})"), std::string(R"(,"run_id":null})"),
          R"(,"run_id":")" + std::string(257, 'r') + "\"}"}) {
      client_error err = expect_error(head + tail, error_code::bad_message, R"("q")");
      BOOST_TEST(err.message == run_id_rule);
    }
  }
  auto s = expect<subscribe_request>(R"({"type":"subscribe","run_id":")" +
                                     std::string(256, 'r') + "\"}");
  BOOST_TEST(s.run_id.size() == 256u);
  auto u = expect<unsubscribe_request>(R"({"type":"unsubscribe","run_id":"r\u0031"})");
  BOOST_TEST(u.run_id == "r1");
  BOOST_TEST(u.id == "null");
}

BOOST_AUTO_TEST_CASE(unsubscribe) {
  auto u =
      expect<unsubscribe_request>(R"({"type":"unsubscribe","run_id":"*","id":12.50})");
  BOOST_TEST(u.run_id == "*");
  BOOST_TEST(u.id == "12.50");
}

BOOST_AUTO_TEST_CASE(ping) {
  auto p = expect<ping_request>(R"({"type":"ping"})");
  BOOST_TEST(!p.timestamp.has_value());
  BOOST_TEST(encode_client_pong(p.timestamp) == R"({"type":"pong"})");
  p = expect<ping_request>(R"({"type":"ping","timestamp": {"t" : 1.0, "big":1e400} })");
  BOOST_REQUIRE(p.timestamp.has_value());
  BOOST_TEST(*p.timestamp == R"({"t" : 1.0, "big":1e400})");
  BOOST_TEST(encode_client_pong(p.timestamp) ==
             R"({"type":"pong","timestamp":{"t" : 1.0, "big":1e400}})");
  p = expect<ping_request>(R"({"type":"ping","timestamp":1234567890123456789012345})");
  BOOST_TEST(*p.timestamp == "1234567890123456789012345");
  p = expect<ping_request>(R"({"type":"ping","timestamp":null,"id":"x"})");
  BOOST_TEST(*p.timestamp == "null");
  expect_error(R"({"type":"ping","timestamp":1,"id":[1]})", error_code::bad_message,
               null_id);
}

BOOST_AUTO_TEST_CASE(send) {
  auto s = expect<send_request>(R"({"type":"send","data":"hi","id":"m1"})");
  BOOST_TEST(s.data == R"("hi")");
  BOOST_TEST(s.id == R"("m1")");
  s = expect<send_request>(
      R"({"type":"send","data": {"a" : [1e400, 1234567890123456789012345, 1.0]} })");
  BOOST_TEST(s.data == R"({"a" : [1e400, 1234567890123456789012345, 1.0]})");
  BOOST_TEST(s.id == "null");
  s = expect<send_request>(R"({"type":"send","data":null})");
  BOOST_TEST(s.data == "null");
  client_error err =
      expect_error(R"({"type":"send","id":"m2"})", error_code::bad_message, R"("m2")");
  BOOST_TEST(err.message.find("data") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(id_is_echoed_as_given) {
  const std::string head = R"({"type":"unsubscribe","run_id":"r","id":)";
  for (std::string_view id : {R"("abc")", R"("a\u0062c")", R"("")", "42", "-7", "1.0",
                              "1e400", "12345678901234567890123", "0.1e-2"}) {
    auto u = expect<unsubscribe_request>(head + std::string(id) + "}");
    BOOST_TEST(u.id == id);
  }
  for (std::string_view id : {"null", "true", "false", "[]", "{}", R"({"x":1})"}) {
    client_error err =
        expect_error(head + std::string(id) + "}", error_code::bad_message, null_id);
    BOOST_TEST(err.message == "id must be a string or a number");
  }
  // A bad id wins over later errors, which then cannot echo it.
  expect_error(R"({"type":"nope","id":null})", error_code::bad_message, null_id);
  expect_error(R"({"id":[]})", error_code::bad_message, null_id);
  // A readable id goes into every error.
  expect_error(R"({"id":1.0})", error_code::bad_message, "1.0");
  expect_error(R"({"id":"x","type":"nope"})", error_code::unknown_type, R"("x")");
  expect_error(R"({"id":-1,"type":"send"})", error_code::bad_message, "-1");
}

BOOST_AUTO_TEST_CASE(bad_json) {
  for (std::string_view text : {"", " ", "{", "nope", R"({"type":"ping",})", "{} {}",
                                "\xff", "{\"type\":\"p\xc3\"}", "{'type':'ping'}"}) {
    client_error err = expect_error(text, error_code::bad_json, null_id);
    BOOST_TEST(err.message.find("invalid JSON") == 0u);
  }
}

BOOST_AUTO_TEST_CASE(depth_64_passes_65_is_bad_json) {
  auto nested = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  auto p = expect<ping_request>(R"({"type":"ping","timestamp":)" + nested(63) + "}");
  BOOST_TEST(*p.timestamp == nested(63));
  client_error err =
      expect_error(R"({"type":"ping","id":1,"timestamp":)" + nested(64) + "}",
                   error_code::bad_json, null_id);
  BOOST_TEST(err.message == "invalid JSON: nested deeper than 64 levels");
  expect_error(nested(100000), error_code::bad_json, null_id);
}

BOOST_AUTO_TEST_CASE(not_an_object) {
  for (std::string_view text : {"[]", R"([{"type":"ping"}])", R"("ping")", "1", "null"}) {
    client_error err = expect_error(text, error_code::bad_message, null_id);
    BOOST_TEST(err.message == "message must be a JSON object");
  }
}

BOOST_AUTO_TEST_CASE(type_rules) {
  BOOST_TEST(expect_error("{}", error_code::bad_message, null_id).message ==
             "type must be a string");
  for (std::string_view text : {R"({"type":1,"id":"z"})", R"({"type":null,"id":"z"})",
                                R"({"id":"z","type":["ping"]})", R"({"id":"z"})"}) {
    client_error err = expect_error(text, error_code::bad_message, R"("z")");
    BOOST_TEST(err.message == "type must be a string");
  }
  client_error err =
      expect_error(R"({"type":"Subscribe","id":2})", error_code::unknown_type, "2");
  BOOST_TEST(err.message == R"(unknown type "Subscribe")");
  err = expect_error(R"({"type":"a\"b"})", error_code::unknown_type, null_id);
  BOOST_TEST(err.message == R"(unknown type "a\"b")");
  err = expect_error(R"({"type":")" + std::string(65, 'x') + "\"}",
                     error_code::unknown_type, null_id);
  BOOST_TEST(err.message == "unknown type");
  // Extra fields are ignored.
  expect<ping_request>(R"({"type":"ping","extra":{"x":1},"extra":2})");
}

BOOST_AUTO_TEST_CASE(duplicate_keys) {
  struct dup_case {
    std::string text;
    std::string key;
    std::string id;
  };
  const dup_case cases[] = {
      {R"({"type":"ping","type":"send","id":1})", "type", "1"},
      {R"({"type":"subscribe","run_id":"a","run_id":"b","id":1})", "run_id", "1"},
      {R"({"type":"subscribe","run_id":"a","since":"live","since":null,"id":1})", "since",
       "1"},
      {R"({"type":"send","data":1,"data":2,"id":1})", "data", "1"},
      {R"({"type":"ping","timestamp":1,"timestamp":2,"id":1})", "timestamp", "1"},
      {R"({"type":"ping","id":1,"id":2})", "id", "null"},
      {R"({"type":"ping","id":1,"\u0069d":1})", "id", "null"},
      {R"({"type":"ping","\u0074ype":"ping","id":"k"})", "type", R"("k")"},
      {R"({"type":"unsubscribe","run_id":"a","run\u005Fid":"a","id":"k"})", "run_id",
       R"("k")"},
  };
  for (const dup_case& c : cases) {
    client_error err = expect_error(c.text, error_code::bad_message, c.id);
    BOOST_TEST(err.message == "duplicate key " + c.key, c.text);
  }
  // Escaped keys alone are the plain keys.
  auto s = expect<subscribe_request>(
      R"({"\u0074ype":"subscribe","run\u005fid":"r","\u0069d":5})");
  BOOST_TEST(s.run_id == "r");
  BOOST_TEST(s.id == "5");
  // Duplicates inside values do not matter.
  auto d = expect<send_request>(R"({"type":"send","data":{"id":1,"id":2}})");
  BOOST_TEST(d.data == R"({"id":1,"id":2})");
}

BOOST_AUTO_TEST_CASE(error_code_names) {
  BOOST_TEST(to_string(error_code::bad_json) == "bad_json");
  BOOST_TEST(to_string(error_code::bad_message) == "bad_message");
  BOOST_TEST(to_string(error_code::unknown_type) == "unknown_type");
  BOOST_TEST(to_string(error_code::too_many_subscriptions) == "too_many_subscriptions");
  BOOST_TEST(to_string(error_code::rate_limited) == "rate_limited");
  BOOST_TEST(to_string(error_code::unauthorized) == "unauthorized");
}

BOOST_AUTO_TEST_CASE(encoders_exact_output) {
  BOOST_TEST(
      encode_welcome("c-1", "relay-a", upstream_state::connected, 30000) ==
      R"({"type":"welcome","client_id":"c-1","relay_id":"relay-a","upstream":"connected","heartbeat_ms":30000})");
  BOOST_TEST(
      encode_welcome("c", "r", upstream_state::disconnected, 1) ==
      R"({"type":"welcome","client_id":"c","relay_id":"r","upstream":"disconnected","heartbeat_ms":1})");
  BOOST_TEST(encode_subscribed("r1", 12, true, R"("s1")") ==
             R"({"type":"subscribed","run_id":"r1","replayed":12,"gap":true,"id":"s1"})");
  BOOST_TEST(encode_subscribed("*", 0, false, null_id) ==
             R"({"type":"subscribed","run_id":"*","replayed":0,"gap":false,"id":null})");
  BOOST_TEST(encode_unsubscribed("r1", "1.0") ==
             R"({"type":"unsubscribed","run_id":"r1","id":1.0})");
  BOOST_TEST(
      encode_event("r1", "h:ab", 18446744073709551615ull,
                   R"({"run_id":"r1","x":1e400})") ==
      R"({"type":"event","run_id":"r1","event_id":"h:ab","seq":18446744073709551615,"data":{"run_id":"r1","x":1e400}})");
  BOOST_TEST(
      encode_upstream_status({upstream_state::reconnecting, 3, 4123}) ==
      R"({"type":"upstream","state":"reconnecting","attempt":3,"retry_in_ms":4123})");
  BOOST_TEST(encode_upstream_status({upstream_state::connected, 0, std::nullopt}) ==
             R"({"type":"upstream","state":"connected","attempt":0,"retry_in_ms":null})");
  BOOST_TEST(encode_error(error_code::rate_limited, "too \"fast\"", "7") ==
             R"({"type":"error","code":"rate_limited","message":"too \"fast\"","id":7})");
  BOOST_TEST(encode_error(error_code::bad_json, "x", null_id) ==
             R"({"type":"error","code":"bad_json","message":"x","id":null})");
  BOOST_TEST(encode_error(error_code::bad_json, "x", "") ==
             R"({"type":"error","code":"bad_json","message":"x","id":null})");
  BOOST_TEST(encode_ack(R"("m")", true) == R"({"type":"ack","id":"m","status":"sent"})");
  BOOST_TEST(encode_ack(null_id, false) ==
             R"({"type":"ack","id":null,"status":"queued"})");
  BOOST_TEST(encode_client_pong(std::nullopt) == R"({"type":"pong"})");
  BOOST_TEST(encode_client_pong(std::string("1.0")) ==
             R"({"type":"pong","timestamp":1.0})");
}

BOOST_AUTO_TEST_CASE(upstream_state_names) {
  BOOST_TEST(to_string(upstream_state::disconnected) == "disconnected");
  BOOST_TEST(to_string(upstream_state::connecting) == "connecting");
  BOOST_TEST(to_string(upstream_state::connected) == "connected");
  BOOST_TEST(to_string(upstream_state::reconnecting) == "reconnecting");
  BOOST_TEST(to_string(upstream_state::failed) == "failed");
}

BOOST_AUTO_TEST_CASE(json_quote_escapes) {
  BOOST_TEST(json_quote("") == R"("")");
  BOOST_TEST(json_quote("a\"b\\c/d") == R"("a\"b\\c/d")");
  BOOST_TEST(json_quote("\b\f\n\r\t\x01\x1f\x7f") == R"("\b\f\n\r\t\u0001\u001f)"
                                                     "\x7f\"");
  BOOST_TEST(json_quote("\xc3\xa9\xe2\x82\xac") == "\"\xc3\xa9\xe2\x82\xac\"");
  // Same bytes as Boost.JSON, and it parses back to the input, for every ASCII byte.
  std::string all;
  for (int c = 0; c < 128; ++c)
    all += static_cast<char>(c);
  BOOST_TEST(json_quote(all) == boost::json::serialize(boost::json::string_view(all)));
  BOOST_TEST(boost::json::parse(json_quote(all)).as_string() == all);
}

BOOST_AUTO_TEST_CASE(replies_round_trip_through_a_parser) {
  auto u =
      expect<unsubscribe_request>(R"({"type":"unsubscribe","run_id":"r\n","id":1e400})");
  std::string reply = encode_unsubscribed(u.run_id, u.id);
  BOOST_TEST(reply == R"({"type":"unsubscribed","run_id":"r\n","id":1e400})");
  BOOST_CHECK_NO_THROW(boost::json::parse(reply));
  std::string ev = encode_event("r\"1", "e\\1", 1, R"({ "k" : [ 1 ] })");
  boost::json::value v = boost::json::parse(ev);
  BOOST_TEST(v.at("run_id").as_string() == "r\"1");
  BOOST_TEST(v.at("event_id").as_string() == "e\\1");
  BOOST_TEST(v.at("seq").to_number<uint64_t>() == 1u);
  BOOST_TEST(ev.find(R"("data":{ "k" : [ 1 ] }})") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(garbage_never_throws) {
  std::string text =
      R"({"type":"subscribe","run_id":"r","since":"e\"1","id":[1,{"a":2}]})";
  for (std::size_t cut = 0; cut <= text.size(); ++cut)
    BOOST_CHECK_NO_THROW(decode_client_message(text.substr(0, cut)));
  std::string bytes;
  for (int i = 0; i < 256; ++i)
    bytes += static_cast<char>(i);
  BOOST_CHECK_NO_THROW(decode_client_message(bytes));
}

BOOST_AUTO_TEST_SUITE_END()
