// The query parameters of docs/protocol.md section 3: decoded, checked, and every bad
// value reported with the parameter's name (the 400 answer names it).
#include "protocol/http_query.hpp"

#include <boost/test/unit_test.hpp>

using namespace runrelay::protocol;

namespace {

template <class T, class Parsed> T ok(const Parsed& parsed) {
  if (auto* error = std::get_if<query_error>(&parsed))
    BOOST_FAIL("unexpected error: " << error->message);
  return std::get<T>(parsed);
}

template <class Parsed> std::string bad(const Parsed& parsed) {
  auto* error = std::get_if<query_error>(&parsed);
  BOOST_REQUIRE_MESSAGE(error, "no error");
  BOOST_TEST(error->message.find(error->parameter) != std::string::npos);
  return error->parameter;
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_query)

BOOST_AUTO_TEST_CASE(url_decoding_handles_escapes_plus_and_refuses_bad_bytes) {
  BOOST_TEST(*url_decode("a%20b+c") == "a b c");
  BOOST_TEST(*url_decode("%E2%9C%93") == "\u2713");
  BOOST_TEST(!url_decode("%zz"));
  BOOST_TEST(!url_decode("abc%2"));
  BOOST_TEST(!url_decode("%ff%fe")); // not UTF-8
  BOOST_TEST(*decode_path_segment("a%2Fb+c") == "a/b+c");
  BOOST_TEST(!decode_path_segment(""));
}

BOOST_AUTO_TEST_CASE(events_after_is_a_seq_when_all_digits_else_an_event_id) {
  auto by_seq = ok<events_query>(parse_events_query("after=42&limit=5&wait_ms=2500"));
  BOOST_TEST((by_seq.after.from == poll_position::kind::seq));
  BOOST_TEST(by_seq.after.seq == 42u);
  BOOST_TEST(by_seq.limit == 5u);
  BOOST_TEST(by_seq.wait.count() == 2500);
  auto by_id = ok<events_query>(parse_events_query("after=h%3Aabc"));
  BOOST_TEST((by_id.after.from == poll_position::kind::event_id));
  BOOST_TEST(by_id.after.event_id == "h:abc");
  auto none = ok<events_query>(parse_events_query(""));
  BOOST_TEST((none.after.from == poll_position::kind::start));
  BOOST_TEST(none.limit == 100u);
  BOOST_TEST(none.wait.count() == 0);
}

BOOST_AUTO_TEST_CASE(bad_event_parameters_name_themselves) {
  BOOST_TEST(bad(parse_events_query("limit=-1")) == "limit");
  BOOST_TEST(bad(parse_events_query("limit=abc")) == "limit");
  BOOST_TEST(bad(parse_events_query("limit=0")) == "limit");
  BOOST_TEST(bad(parse_events_query("limit=100000000000000000000")) == "limit");
  BOOST_TEST(bad(parse_events_query("wait_ms=60001")) == "wait_ms");
  BOOST_TEST(bad(parse_events_query("wait_ms=")) == "wait_ms");
  BOOST_TEST(bad(parse_events_query("after=")) == "after");
  BOOST_TEST(bad(parse_events_query("after=99999999999999999999999")) == "after");
  BOOST_TEST(bad(parse_events_query("after=%ff")) == "after");
}

BOOST_AUTO_TEST_CASE(runs_take_a_limit_and_a_known_status) {
  auto query = ok<runs_query>(parse_runs_query("limit=10&status=running"));
  BOOST_TEST(*query.limit == 10u);
  BOOST_TEST(*query.status == "running");
  BOOST_TEST(bad(parse_runs_query("status=sleeping")) == "status");
  BOOST_TEST(bad(parse_runs_query("limit=0")) == "limit");
  BOOST_TEST(bad(parse_stats_query("limit=abc")) == "limit");
  BOOST_TEST(*ok<stats_query>(parse_stats_query("limit=0")).limit == 0u);
}

BOOST_AUTO_TEST_CASE(a_stream_resumes_from_last_event_id_before_since) {
  auto header = ok<stream_query>(parse_stream_query("since=live", "e7"));
  BOOST_TEST((header.since.from == since_position::kind::after_event));
  BOOST_TEST(header.since.event_id == "e7");
  auto live = ok<stream_query>(parse_stream_query("since=live", ""));
  BOOST_TEST((live.since.from == since_position::kind::live_only));
  auto whole = ok<stream_query>(parse_stream_query("", ""));
  BOOST_TEST((whole.since.from == since_position::kind::whole_history));
  BOOST_TEST(bad(parse_stream_query("since=", "")) == "since");
}

BOOST_AUTO_TEST_SUITE_END()
