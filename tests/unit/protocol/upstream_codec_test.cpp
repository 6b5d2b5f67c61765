// docs/protocol.md section 1: decoding orchestrator frames, derived ids, hello and pong.
#include "protocol/json_scan.hpp"
#include "protocol/upstream_codec.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

using namespace runrelay::protocol;

namespace {

upstream_frame decode(std::string_view text) {
  return decode_upstream_frame(text);
}

// The single rejection reason of a frame that must be rejected as a whole.
std::string only_rejection(std::string_view text) {
  upstream_frame f = decode(text);
  BOOST_TEST(f.events.empty());
  BOOST_TEST(f.pings.empty());
  BOOST_TEST(f.pongs == 0u);
  BOOST_REQUIRE_EQUAL(f.rejections.size(), 1u);
  return f.rejections[0];
}

std::string nested_arrays(std::size_t n) {
  return std::string(n, '[') + std::string(n, ']');
}

} // namespace

BOOST_AUTO_TEST_SUITE(upstream_codec)

BOOST_AUTO_TEST_CASE(single_object_gets_a_derived_id) {
  const std::string text = R"({"run_id":"r1","type":"step"})";
  upstream_frame f = decode(text);
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(f.rejections.empty());
  const upstream_event& ev = f.events[0];
  BOOST_TEST(ev.run_id == "r1");
  BOOST_TEST(ev.type == "step");
  BOOST_TEST(ev.raw == text);
  BOOST_TEST(ev.derived_id);
  BOOST_TEST(ev.event_id == derive_event_id(text));
  BOOST_TEST(!ev.progress.has_value());
  BOOST_TEST(!ev.artifact.has_value());
}

BOOST_AUTO_TEST_CASE(orchestrator_event_id_is_kept) {
  upstream_frame f = decode(R"({"run_id":"r1","type":"step","event_id":"e-17"})");
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(f.events[0].event_id == "e-17");
  BOOST_TEST(!f.events[0].derived_id);
  // Escapes in values are decoded; the raw text is not touched.
  f = decode(R"({"run_id":"r\u0031","type":"st\"ep","event_id":"\u00e9"})");
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(f.events[0].run_id == "r1");
  BOOST_TEST(f.events[0].type == "st\"ep");
  BOOST_TEST(f.events[0].event_id == "\xc3\xa9");
}

BOOST_AUTO_TEST_CASE(known_xxh3_128_values) {
  // Cross-checked with `printf '%s' ... | xxhsum -H2` (xxhsum 0.8.1, Debian package
  // xxhash).
  BOOST_TEST(derive_event_id(R"({"run_id":"r1","type":"step"})") ==
             "h:a2ecc7ba52f2afa6211d443189eb4cc7");
  BOOST_TEST(derive_event_id(R"({"run_id":"r1","type":"step","event_id":null})") ==
             "h:8b48a6257893074d7cd5baef68b19167");
  // The published XXH3-128 of the empty input (high half first: canonical order).
  BOOST_TEST(derive_event_id("") == "h:99aa06d3014798d86001c324468d497f");
}

BOOST_AUTO_TEST_CASE(surrounding_whitespace_is_not_part_of_the_object) {
  const std::string obj = R"({"run_id":"r1","type":"step"})";
  upstream_frame f = decode(" \t\r\n" + obj + "\n ");
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(f.events[0].raw == obj);
  BOOST_TEST(f.events[0].event_id == "h:a2ecc7ba52f2afa6211d443189eb4cc7");
}

BOOST_AUTO_TEST_CASE(batch_elements_are_hashed_on_their_own_bytes) {
  const std::string a = R"({ "run_id" : "a", "type":"x" , "n": [1, {"k":"]}"}] })";
  const std::string b = R"({"run_id":"b","type":"}\"{[","s":"\\"})";
  const std::string c = R"({"run_id":"a","type":"y","event_id":"given"})";
  const std::string text = "[ \n" + a + " ,\t" + b + "\r\n,\n" + c + "  ]";
  upstream_frame f = decode(text);
  BOOST_TEST(f.rejections.empty());
  BOOST_REQUIRE_EQUAL(f.events.size(), 3u);
  BOOST_TEST(f.events[0].raw == a);
  BOOST_TEST(f.events[1].raw == b);
  BOOST_TEST(f.events[2].raw == c);
  BOOST_TEST(f.events[0].event_id == derive_event_id(a));
  BOOST_TEST(f.events[1].event_id == derive_event_id(b));
  BOOST_TEST(f.events[1].type == "}\"{[");
  BOOST_TEST(f.events[2].event_id == "given");
  BOOST_TEST(f.events[0].event_id != f.events[1].event_id);
  // The same bytes sent as a standalone frame give the same id.
  for (std::size_t i = 0; i < 2; ++i) {
    upstream_frame alone = decode(f.events[i].raw);
    BOOST_REQUIRE_EQUAL(alone.events.size(), 1u);
    BOOST_TEST(alone.events[0].event_id == f.events[i].event_id);
    BOOST_TEST(alone.events[0].raw == f.events[i].raw);
  }
}

BOOST_AUTO_TEST_CASE(batch_is_taken_element_by_element) {
  upstream_frame f = decode(
      R"([{"run_id":"r","type":"a"},{"type":"ping","timestamp":5},{"type":"pong"},)"
      R"(1,[],"x",null,{"run_id":"r","type":"b"},{"type":"other"}])");
  BOOST_REQUIRE_EQUAL(f.events.size(), 2u);
  BOOST_TEST(f.events[0].type == "a");
  BOOST_TEST(f.events[1].type == "b");
  BOOST_REQUIRE_EQUAL(f.pings.size(), 1u);
  BOOST_TEST(*f.pings[0].timestamp == "5");
  BOOST_TEST(f.pongs == 1u);
  BOOST_REQUIRE_EQUAL(f.rejections.size(), 5u);
  BOOST_TEST(f.rejections[0] == "batch element 3: not an object");
  BOOST_TEST(f.rejections[1] == "batch element 4: not an object");
  BOOST_TEST(f.rejections[2] == "batch element 5: not an object");
  BOOST_TEST(f.rejections[3] == "batch element 6: not an object");
  BOOST_TEST(f.rejections[4].find("batch element 8: missing run_id") == 0u);
}

BOOST_AUTO_TEST_CASE(empty_batch_yields_nothing) {
  for (std::string_view text : {"[]", " [ \n ] "}) {
    upstream_frame f = decode(text);
    BOOST_TEST(f.events.empty());
    BOOST_TEST(f.pings.empty());
    BOOST_TEST(f.rejections.empty());
    BOOST_TEST(f.pongs == 0u);
  }
}

BOOST_AUTO_TEST_CASE(values_are_kept_verbatim) {
  const std::string text =
      R"({"run_id":"r","type":"t","big":1e400,"n":1234567890123456789012345,)"
      R"("f":1.0,"neg":-0,"s":"\u00e9\/","progress": {"pct" : 1.0, "of":1e400} ,)"
      R"("artifact":"s3://b/k"})";
  upstream_frame f = decode(text);
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  const upstream_event& ev = f.events[0];
  BOOST_TEST(ev.raw == text);
  BOOST_REQUIRE(ev.progress.has_value());
  BOOST_TEST(*ev.progress == R"({"pct" : 1.0, "of":1e400})");
  BOOST_REQUIRE(ev.artifact.has_value());
  BOOST_TEST(*ev.artifact == R"("s3://b/k")");
  BOOST_TEST(ev.raw.find("1e400") != std::string::npos);
  BOOST_TEST(ev.raw.find("1234567890123456789012345") != std::string::npos);
  // A bare 25-digit progress value stays as written too.
  f = decode(R"({"run_id":"r","type":"t","progress":1234567890123456789012345})");
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(*f.events[0].progress == "1234567890123456789012345");
}

BOOST_AUTO_TEST_CASE(invalid_json_is_one_rejection) {
  for (std::string_view text : {"", " ", "{", R"({"run_id":"r","type":"t",})", "nope",
                                "[{\"run_id\":\"r\",\"type\":\"t\"},", "{} {}", "\xff",
                                "{\"run_id\":\"\xc3\",\"type\":\"t\"}", "// c\n{}"}) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(only_rejection(text).find("invalid JSON") == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(depth_64_passes_65_is_rejected) {
  // The event object is one level, so 63 nested arrays inside it make 64.
  const std::string ok = R"({"run_id":"r","type":"t","d":)" + nested_arrays(63) + "}";
  upstream_frame f = decode(ok);
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(f.events[0].raw == ok);
  const std::string deep = R"({"run_id":"r","type":"t","d":)" + nested_arrays(64) + "}";
  BOOST_TEST(only_rejection(deep) == "invalid JSON: nested deeper than 64 levels");
  // In a batch the array counts as one level.
  f = decode("[" + ok + "]");
  BOOST_TEST(f.events.empty());
  BOOST_TEST(f.rejections.size() == 1u);
  f = decode(std::string("[") + R"({"run_id":"r","type":"t","d":)" + nested_arrays(62) +
             "}]");
  BOOST_TEST(f.events.size() == 1u);
  // Far too deep input is rejected, not a crash.
  BOOST_TEST(only_rejection(nested_arrays(100000)).find("invalid JSON") == 0u);
}

BOOST_AUTO_TEST_CASE(top_level_scalars_are_rejected) {
  for (std::string_view text : {"1", "\"x\"", "null", "true"})
    BOOST_TEST(only_rejection(text) == "not an object or an array of objects");
}

BOOST_AUTO_TEST_CASE(run_id_rules) {
  const std::string rule =
      "run_id must be a non-empty string of at most 256 bytes, not \"*\"";
  const std::string long_id(257, 'r');
  for (std::string text : {std::string(R"({"run_id":"","type":"t"})"),
                           std::string(R"({"run_id":"*","type":"t"})"),
                           std::string(R"({"run_id":1,"type":"t"})"),
                           std::string(R"({"run_id":null,"type":"t"})"),
                           std::string(R"({"run_id":["r"],"type":"t"})"),
                           R"({"run_id":")" + long_id + R"(","type":"t"})"}) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(only_rejection(text) == rule);
    }
  }
  upstream_frame f =
      decode(R"({"run_id":")" + std::string(256, 'r') + R"(","type":"t"})");
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(f.events[0].run_id.size() == 256u);
  // An object with run_id is an event, even of type ping.
  f = decode(R"({"run_id":"r","type":"ping"})");
  BOOST_TEST(f.events.size() == 1u);
  BOOST_TEST(f.pings.empty());
}

BOOST_AUTO_TEST_CASE(type_rules) {
  for (std::string_view text : {R"({"run_id":"r"})", R"({"run_id":"r","type":1})",
                                R"({"run_id":"r","type":null})"})
    BOOST_TEST(only_rejection(text) == "type must be a string");
  upstream_frame f = decode(R"({"run_id":"r","type":""})");
  BOOST_TEST(f.events.size() == 1u);
}

BOOST_AUTO_TEST_CASE(event_id_rules) {
  const std::string rule = "event_id must be a non-empty string of at most 256 bytes";
  for (std::string text :
       {std::string(R"({"run_id":"r","type":"t","event_id":null})"),
        std::string(R"({"run_id":"r","type":"t","event_id":7})"),
        std::string(R"({"run_id":"r","type":"t","event_id":""})"),
        R"({"run_id":"r","type":"t","event_id":")" + std::string(257, 'e') + "\"}"}) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(only_rejection(text) == rule);
    }
  }
  upstream_frame f =
      decode(R"({"run_id":"r","type":"t","event_id":")" + std::string(256, 'e') + "\"}");
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(f.events[0].event_id.size() == 256u);
  f = decode(R"({"run_id":"r","type":"t","event_id":"*"})");
  BOOST_TEST(f.events.size() == 1u);
}

BOOST_AUTO_TEST_CASE(objects_that_are_neither_events_nor_control) {
  for (std::string_view text : {"{}", R"({"type":"hello"})", R"({"type":5})",
                                R"({"event_id":"e","type":"step"})"})
    BOOST_TEST(only_rejection(text) ==
               "missing run_id (an object without run_id must be a ping or a pong)");
}

BOOST_AUTO_TEST_CASE(duplicate_keys) {
  BOOST_TEST(only_rejection(R"({"run_id":"a","run_id":"b","type":"t"})") ==
             "duplicate key run_id");
  BOOST_TEST(only_rejection(R"({"run_id":"a","type":"t","run_id":"a"})") ==
             "duplicate key run_id");
  BOOST_TEST(only_rejection(R"({"run_id":"a","type":"t","type":"u"})") ==
             "duplicate key type");
  BOOST_TEST(
      only_rejection(R"({"run_id":"a","type":"t","event_id":"1","event_id":"2"})") ==
      "duplicate key event_id");
  // Escaped spellings are the same key.
  BOOST_TEST(only_rejection(R"({"run_id":"a","run\u005fid":"b","type":"t"})") ==
             "duplicate key run_id");
  BOOST_TEST(
      only_rejection(R"({"run_id":"a","\u0074\u0079\u0070\u0065":"p","type":"t"})") ==
      "duplicate key type");
  BOOST_TEST(
      only_rejection(R"({"run_id":"a","type":"t","event_id":"1","event\u005Fid":"1"})") ==
      "duplicate key event_id");
  // Control messages too.
  BOOST_TEST(only_rejection(R"({"type":"ping","type":"pong"})") == "duplicate key type");
  BOOST_TEST(only_rejection(R"({"type":"ping","run_id":"r","run_id":"r"})") ==
             "duplicate key run_id");
  // A single escaped run_id is just run_id.
  upstream_frame f = decode(R"({"run\u005fid":"a","type":"t"})");
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(f.events[0].run_id == "a");
  // Nested duplicates and other top-level duplicates are forwarded verbatim.
  const std::string other =
      R"({"run_id":"a","type":"t","x":1,"x":2,"d":{"run_id":1,"run_id":2}})";
  f = decode(other);
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(f.events[0].raw == other);
  // Duplicated progress/artifact: the last one is kept, as Boost.JSON reads it.
  f = decode(
      R"({"run_id":"a","type":"t","progress":1,"progress":2,"artifact":"x","artifact":"y"})");
  BOOST_REQUIRE_EQUAL(f.events.size(), 1u);
  BOOST_TEST(*f.events[0].progress == "2");
  BOOST_TEST(*f.events[0].artifact == R"("y")");
  // In a batch only the ambiguous element is rejected.
  f = decode(R"([{"run_id":"a","type":"t","type":"u"},{"run_id":"b","type":"t"}])");
  BOOST_TEST(f.events.size() == 1u);
  BOOST_REQUIRE_EQUAL(f.rejections.size(), 1u);
  BOOST_TEST(f.rejections[0] == "batch element 0: duplicate key type");
}

BOOST_AUTO_TEST_CASE(ping_with_and_without_timestamp) {
  upstream_frame f = decode(R"({"type":"ping"})");
  BOOST_REQUIRE_EQUAL(f.pings.size(), 1u);
  BOOST_TEST(!f.pings[0].timestamp.has_value());
  BOOST_TEST(encode_pong(f.pings[0].timestamp) == R"({"type":"pong"})");

  f = decode(R"({"type":"ping","timestamp": {"at" : 1e400, "n":[1, 2.50]} })");
  BOOST_REQUIRE_EQUAL(f.pings.size(), 1u);
  BOOST_REQUIRE(f.pings[0].timestamp.has_value());
  BOOST_TEST(*f.pings[0].timestamp == R"({"at" : 1e400, "n":[1, 2.50]})");
  BOOST_TEST(encode_pong(f.pings[0].timestamp) ==
             R"({"type":"pong","timestamp":{"at" : 1e400, "n":[1, 2.50]}})");

  f = decode(R"({"type":"ping","timestamp":1234567890123456789012345,"extra":true})");
  BOOST_REQUIRE_EQUAL(f.pings.size(), 1u);
  BOOST_TEST(encode_pong(f.pings[0].timestamp) ==
             R"({"type":"pong","timestamp":1234567890123456789012345})");
  f = decode(R"({"type":"ping","timestamp":null})");
  BOOST_TEST(encode_pong(f.pings[0].timestamp) == R"({"type":"pong","timestamp":null})");
  BOOST_TEST(encode_pong(std::string()) == R"({"type":"pong"})");
}

BOOST_AUTO_TEST_CASE(pong_is_ignored) {
  upstream_frame f = decode(R"({"type":"pong","timestamp":3})");
  BOOST_TEST(f.pongs == 1u);
  BOOST_TEST(f.events.empty());
  BOOST_TEST(f.pings.empty());
  BOOST_TEST(f.rejections.empty());
}

BOOST_AUTO_TEST_CASE(hello) {
  BOOST_TEST(encode_hello("relay-1", std::nullopt) ==
             R"({"type":"hello","relay_id":"relay-1","resume_after":null})");
  BOOST_TEST(encode_hello("re\"lay\n", std::string("h:00ff")) ==
             R"({"type":"hello","relay_id":"re\"lay\n","resume_after":"h:00ff"})");
  boost::json::value v = boost::json::parse(encode_hello("a\\b\x01", std::string("e\t")));
  BOOST_TEST(v.at("relay_id").as_string() == "a\\b\x01");
  BOOST_TEST(v.at("resume_after").as_string() == "e\t");
}

BOOST_AUTO_TEST_CASE(garbage_never_throws) {
  std::string text =
      R"([{"run_id":"r","type":"t","d":[1,2,{"x":"y\"z"}]},{"type":"ping"}])";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    upstream_frame f;
    BOOST_CHECK_NO_THROW(f = decode(text.substr(0, cut)));
    if (cut < text.size())
      BOOST_TEST(f.rejections.size() == 1u);
  }
  std::string bytes;
  for (int i = 0; i < 256; ++i)
    bytes += static_cast<char>(i);
  BOOST_CHECK_NO_THROW(decode(bytes));
}

BOOST_AUTO_TEST_CASE(scanner_helpers) {
  using namespace runrelay::protocol::detail;
  BOOST_TEST(trim_json_ws(" \t\r\n{}\n") == "{}");
  BOOST_TEST(trim_json_ws("   ").empty());
  auto members =
      scan_object_members(R"({ "a\"b" : [1,"]"] , "\ud83d\ude00":"}" ,"c":-1.5e3})");
  BOOST_REQUIRE_EQUAL(members.size(), 3u);
  BOOST_TEST(members[0].key == "a\"b");
  BOOST_TEST(members[0].value == R"([1,"]"])");
  BOOST_TEST(members[1].key == "\xf0\x9f\x98\x80");
  BOOST_TEST(members[1].value == R"("}")");
  BOOST_TEST(members[2].value == "-1.5e3");
  auto elements = scan_array_elements(R"([ true ,null,"\\",{}, [[]] ])");
  BOOST_REQUIRE_EQUAL(elements.size(), 5u);
  BOOST_TEST(elements[2] == R"("\\")");
  BOOST_TEST(elements[4] == "[[]]");
  BOOST_TEST(decode_json_string(R"(\b\f\n\r\t\/\\\"\u0041\u00e9\u20ac\ud800x)") ==
             "\b\f\n\r\t/\\\"A\xc3\xa9\xe2\x82\xac\xef\xbf\xbdx");
  // Not JSON: stops early, stays in bounds.
  BOOST_TEST(scan_object_members(R"({"a":)").size() <= 1u);
  BOOST_TEST(scan_array_elements("[\"abc").size() <= 1u);
  BOOST_TEST(decode_json_string("\\u12") == "\xef\xbf\xbd"
                                            "12");
}

BOOST_AUTO_TEST_SUITE_END()
