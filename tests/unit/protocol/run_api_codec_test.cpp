// The run API's JSON and the SSE framing (docs/protocol.md section 3).
#include "protocol/run_api_codec.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace runrelay::protocol;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(run_api_codec)

BOOST_AUTO_TEST_CASE(times_are_rfc3339_utc_with_milliseconds) {
  auto time =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1764785045123));
  BOOST_TEST(format_rfc3339(time) == "2025-12-03T18:04:05.123Z");
}

BOOST_AUTO_TEST_CASE(a_run_lists_its_summary_and_its_detail_on_request) {
  run_view run;
  run.run_id = "r1";
  run.status = "running";
  run.event_count = 3;
  run.last_event_id = "e3";
  run.counts = {{"step", 2}, {"workflow_started", 1}};
  run.progress = R"({"done":2,"total":4})";
  run.artifacts = {R"({"name":"a.txt"})"};
  auto brief = json::parse(encode_run(run, false)).as_object();
  BOOST_TEST(brief.at("last_seq").as_int64() == 3);
  BOOST_TEST(!brief.contains("counts"));
  auto full = json::parse(encode_run(run, true)).as_object();
  BOOST_TEST(full.at("counts").at("step").as_int64() == 2);
  BOOST_TEST(full.at("progress").at("total").as_int64() == 4);
  BOOST_TEST(full.at("artifacts").as_array().at(0).at("name").as_string() == "a.txt");
  run.progress.reset();
  BOOST_TEST(json::parse(encode_run(run, true)).at("progress").is_null());
}

BOOST_AUTO_TEST_CASE(a_poll_page_carries_envelopes_verbatim) {
  poll_page page;
  page.events = {
      make_frame(R"({"type":"event","run_id":"r","event_id":"e1","seq":1,"data":{}})")};
  page.next = 1;
  page.next_id = "e1";
  auto body = json::parse(encode_poll_page(page)).as_object();
  BOOST_TEST(body.at("events").as_array().size() == 1u);
  BOOST_TEST(body.at("next_id").as_string() == "e1");
  BOOST_TEST(body.at("gap").as_bool() == false);
  page = {};
  BOOST_TEST(json::parse(encode_poll_page(page)).at("next_id").is_null());
}

BOOST_AUTO_TEST_CASE(sse_frames_events_by_id_and_other_messages_by_name) {
  std::string envelope =
      R"({"type":"event","run_id":"r","event_id":"e\"1","seq":1,"data":{"a":1}})";
  BOOST_TEST(encode_sse(envelope) == "id: e\"1\ndata: " + envelope + "\n\n");
  std::string status = R"({"type":"upstream","state":"connected"})";
  BOOST_TEST(encode_sse(status) == "event: upstream\ndata: " + status + "\n\n");
}

BOOST_AUTO_TEST_CASE(line_breaks_in_the_data_become_data_lines) {
  std::string envelope =
      "{\"type\":\"event\",\"run_id\":\"r\",\"event_id\":\"e\",\"seq\":1,"
      "\"data\":{\r\n\"a\":1\n}}";
  BOOST_TEST(encode_sse(envelope) ==
             "id: e\ndata: {\"type\":\"event\",\"run_id\":\"r\",\"event_id\":\"e\","
             "\"seq\":1,\"data\":{\ndata: \"a\":1\ndata: }}\n\n");
}

BOOST_AUTO_TEST_SUITE_END()
