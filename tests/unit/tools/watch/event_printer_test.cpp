// runrelay-watch's printers (services/tools/watch/watch_format.hpp): relay messages
// (docs/protocol.md section 2) as terminal lines, and GET /stats (section 3) as a report.
#include "services/tools/watch/watch_format.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

using namespace runrelay::watch;

namespace {

using namespace std::chrono_literals;

// 2024-05-01T12:34:56.789Z
const auto received = std::chrono::system_clock::time_point(1714566896789ms);

std::string line(std::string_view message, bool color = false) {
  event_printer printer(format_options{color, true});
  return printer.format(parse_relay_message(message), received);
}

std::string event(std::string_view data, std::string_view run = "run-1", int seq = 3) {
  return R"({"type":"event","run_id":")" + std::string(run) + R"(","event_id":"e)" +
         std::to_string(seq) + R"(","seq":)" + std::to_string(seq) + R"(,"data":)" +
         std::string(data) + "}";
}

bool has_escape(const std::string& text) {
  return text.find('\x1b') != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(event_printer)

BOOST_AUTO_TEST_CASE(progress_bar_shapes) {
  BOOST_TEST(progress_bar(50) == "[#####-----] 50%");
  BOOST_TEST(progress_bar(0) == "[----------] 0%");
  BOOST_TEST(progress_bar(100) == "[##########] 100%");
  BOOST_TEST(progress_bar(99.6) == "[#########-] 99%");
  BOOST_TEST(progress_bar(250) == "[##########] 100%");
  BOOST_TEST(progress_bar(-3) == "[----------] 0%");
  BOOST_TEST(progress_bar(25, 4) == "[#---] 25%");
}

BOOST_AUTO_TEST_CASE(event_line_layout) {
  auto text = line(event(
      R"({"run_id":"run-1","type":"step_progress","ts":"2024-05-01T10:00:01.250Z","step":"build","progress":50})"));
  BOOST_TEST(text ==
             "10:00:01.250  run-1  #3     step_progress       build [#####-----] 50%");
}

BOOST_AUTO_TEST_CASE(event_time_falls_back_to_arrival_and_honours_offsets) {
  auto no_ts = line(event(R"({"type":"log","message":"hello"})"));
  BOOST_TEST(no_ts.rfind("12:34:56.789  run-1  #3", 0) == 0, no_ts);
  auto offset =
      line(event(R"({"type":"log","message":"x","ts":"2024-05-01T12:00:00+02:00"})"));
  BOOST_TEST(offset.rfind("10:00:00.000", 0) == 0, offset);
  auto unix_ms = line(event(R"({"type":"log","message":"x","ts":1714566896789})"));
  BOOST_TEST(unix_ms.rfind("12:34:56.789", 0) == 0, unix_ms);
}

BOOST_AUTO_TEST_CASE(progress_forms) {
  auto fraction = line(event(R"({"type":"step_progress","progress":0.3})"));
  BOOST_TEST(fraction.find("[###-------] 30%") != std::string::npos, fraction);
  auto ratio = line(event(R"({"type":"step_progress","progress":{"done":3,"total":4}})"));
  BOOST_TEST(ratio.find("[#######---] 75%") != std::string::npos, ratio);
  auto text = line(event(R"({"type":"step_progress","progress":"40%"})"));
  BOOST_TEST(text.find("[####------] 40%") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(summaries_pick_useful_fields) {
  auto started =
      line(event(R"({"type":"step_started","step":"unit-tests","index":2,"of":5})"));
  BOOST_TEST(started.find("step_started        unit-tests (2/5)") != std::string::npos,
             started);
  auto done =
      line(event(R"({"type":"step_completed","step":"build","duration_ms":12345})"));
  BOOST_TEST(done.find("build in 12.3 s") != std::string::npos, done);
  auto artifact = line(event(
      R"({"type":"artifact","step":"package","artifact":{"name":"app.tar.gz","url":"https://x/app.tar.gz","size_bytes":3145728}})"));
  BOOST_TEST(artifact.find("package: app.tar.gz (3.0 MiB)") != std::string::npos,
             artifact);
  auto plain_artifact = line(event(R"({"type":"artifact","artifact":"report.html"})"));
  BOOST_TEST(plain_artifact.find("artifact            report.html") != std::string::npos,
             plain_artifact);
  auto warn = line(
      event(R"({"type":"log","step":"lint","level":"warn","message":"3 problems"})"));
  BOOST_TEST(warn.find("lint: WARN 3 problems") != std::string::npos, warn);
  auto log = line(event(R"({"type":"log","log":"plain text"})"));
  BOOST_TEST(log.find("log                 plain text") != std::string::npos, log);
  auto status = line(event(R"({"type":"status","status":"queued"})"));
  BOOST_TEST(status.find("status queued") != std::string::npos, status);
  auto failed = line(event(
      R"({"type":"workflow_failed","step":"build","error":"build exited with status 2"})"));
  BOOST_TEST(failed.find("workflow_failed     build: build exited with status 2") !=
                 std::string::npos,
             failed);
  auto wf = line(
      event(R"({"type":"workflow_started","workflow":"ci","trigger":"push","steps":4})"));
  BOOST_TEST(wf.find("workflow ci, trigger push, 4 steps") != std::string::npos, wf);
}

BOOST_AUTO_TEST_CASE(unknown_events_show_their_fields) {
  auto text = line(event(
      R"({"run_id":"run-1","type":"custom","ts":"2024-05-01T10:00:00Z","answer":42})"));
  BOOST_TEST(text.find(R"(custom              {"answer":42})") != std::string::npos,
             text);
  auto bare = line(event(R"({"type":"tick"})"));
  BOOST_TEST(bare.substr(bare.size() - 4) == "tick", bare);
}

BOOST_AUTO_TEST_CASE(colors_only_when_asked) {
  auto completed = event(R"({"type":"workflow_completed","steps":3})");
  auto failed = event(R"({"type":"workflow_failed","error":"boom"})");
  BOOST_TEST(!has_escape(line(completed)));
  BOOST_TEST(!has_escape(line(failed)));
  BOOST_TEST(line(completed, true).find("\x1b[1;32mworkflow_completed") !=
             std::string::npos);
  BOOST_TEST(line(failed, true).find("\x1b[1;31mworkflow_failed") != std::string::npos);
  BOOST_TEST(line(failed, true).find("\x1b[1;31mboom\x1b[0m") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(untrusted_text_cannot_break_the_line_or_drive_the_terminal) {
  auto text = line(
      event(R"({"type":"log","message":"a\nb\u001b[2Jc\u009bd"})", R"(run\u001b]0;x)"));
  BOOST_TEST(text.find('\n') == std::string::npos);
  BOOST_TEST(!has_escape(text));
  BOOST_TEST(text.find("a\\nb\\x1b[2Jc\\u009bd") != std::string::npos, text);
  BOOST_TEST(printable("tab\there") == "tab\\there");
  std::string long_message(1000, 'x');
  auto cut = line(event(R"({"type":"log","message":")" + long_message + "\"}"));
  BOOST_TEST(cut.size() < 400u);
  BOOST_TEST(cut.substr(cut.size() - 3) == "...");
}

BOOST_AUTO_TEST_CASE(relay_status_messages) {
  auto welcome = line(
      R"({"type":"welcome","client_id":"c-7","relay_id":"relay-a","upstream":"connected","heartbeat_ms":30000})");
  BOOST_TEST(
      welcome ==
      "12:34:56.789  -- connected to relay relay-a as client c-7; upstream connected");
  BOOST_TEST(
      line(R"({"type":"subscribed","run_id":"*","replayed":0,"gap":false,"id":null})")
          .find("subscribed to every run, live") != std::string::npos);
  auto replay =
      line(R"({"type":"subscribed","run_id":"r","replayed":12,"gap":false,"id":null})");
  BOOST_TEST(replay.find("subscribed to run r: replaying 12 events, then live") !=
                 std::string::npos,
             replay);
  BOOST_TEST(replay.find("gap") == std::string::npos);
  BOOST_TEST(
      line(R"({"type":"subscribed","run_id":"r","replayed":0,"gap":false,"id":null})")
          .find("subscribed to run r: live (nothing to replay)") != std::string::npos);
  auto gap =
      line(R"({"type":"subscribed","run_id":"r","replayed":2,"gap":true,"id":null})");
  BOOST_TEST(gap.find("; gap: some events were no longer retained") != std::string::npos,
             gap);
  auto retry = line(
      R"({"type":"upstream","state":"reconnecting","attempt":3,"retry_in_ms":4100})");
  BOOST_TEST(retry ==
             "12:34:56.789  -- upstream reconnecting, attempt 3, retry in 4.1 s");
  BOOST_TEST(
      line(R"({"type":"upstream","state":"connected","attempt":0,"retry_in_ms":null})") ==
      "12:34:56.789  -- upstream connected");
  BOOST_TEST(
      line(R"({"type":"upstream","state":"failed","attempt":5,"retry_in_ms":null})")
          .find("upstream failed, attempt 5") != std::string::npos);
  BOOST_TEST(
      line(R"({"type":"upstream","state":"reconnecting","attempt":2,"retry_in_ms":4100})",
           true)
          .find("\x1b[33m") != std::string::npos);
  auto error =
      line(R"({"type":"error","code":"rate_limited","message":"slow down","id":"s1"})");
  BOOST_TEST(error ==
             R"(12:34:56.789  !! relay error rate_limited: slow down (request s1))");
  BOOST_TEST(line(R"({"type":"pong","timestamp":1})").empty());
  BOOST_TEST(line(R"({"type":"ack","id":1,"status":"sent"})").empty());
  BOOST_TEST(line("not json").find("not a JSON message: not json") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(runs_line_up) {
  runrelay::watch::event_printer printer(format_options{false, true});
  auto first = printer.format(
      parse_relay_message(event(R"({"type":"log","message":"a"})", "run-long-1")),
      received);
  auto second = printer.format(
      parse_relay_message(event(R"({"type":"log","message":"b"})", "r2")), received);
  BOOST_TEST(first.find("#3") == second.find("#3"));
}

BOOST_AUTO_TEST_CASE(parse_keeps_the_fields_the_watcher_needs) {
  auto m = parse_relay_message(event(R"({"type":"log"})", "run-9", 7));
  BOOST_TEST(m.type == "event");
  BOOST_TEST(m.text("run_id") == "run-9");
  BOOST_TEST(m.text("event_id") == "e7");
  BOOST_TEST(m.text("missing") == "");
  BOOST_TEST(parse_relay_message("[1,2]").type == "");
}

const char* stats_body = R"({
  "relay":{"relay_id":"relay-a","uptime_ms":3723000,"draining":false},
  "upstream":{"events":10,"frames":8,"state":"reconnecting","attempt":2,"retry_in_ms":2000,
              "reconnects":1,"accepted":10,"rejected":1,"duplicates":0},
  "dedup":{"duplicates":0,"forwarded":10},
  "queue":{"depth":0,"dropped_total":0},
  "runs":[{"run_id":"run-1","status":"running","event_count":10}],
  "runs_total":3,
  "clients":[{"client_id":"c-1","messages":2}],
  "clients_total":1,
  "delivered_total":20,
  "slow_consumers_closed_total":0,
  "actors":[
    {"kind":"upstream_session","name":"upstream","mailbox":0,"handshake":"done","frames":8,"events":10,"rejected":1,"written":0,"pings_answered":0},
    {"kind":"run_subscriber","name":"run:run-1","mailbox":4,"run_id":"run-1","status":"running","last_event_id":"e10","event_count":10,"retained":10,"subscribers":1,"delivered":10,"duplicates":0},
    {"kind":"client_session","name":"client:c-1","mailbox":0,"client_id":"c-1","subscriptions":1,"messages":2,"errors":0,"rate_limited":0,"sends":0,"backlog_frames":0},
    {"kind":"new_kind","name":"x","mailbox":0,"alpha":1,"beta":"b"}
  ]})";

BOOST_AUTO_TEST_CASE(stats_report) {
  auto report = format_stats(stats_body, format_options{});
  BOOST_REQUIRE(report.has_value());
  const auto& r = *report;
  BOOST_TEST(r.find("relay     relay-a  up 1h 02m 03s\n") == 0, r);
  BOOST_TEST(r.find("upstream  reconnecting, attempt 2, retry in 2.0 s  events 8") ==
             std::string::npos); // counters keep their own names
  BOOST_TEST(
      r.find("upstream  reconnecting, attempt 2, retry in 2.0 s  events 10  frames 8  "
             "reconnects 1  accepted 10  rejected 1  duplicates 0\n") !=
          std::string::npos,
      r);
  BOOST_TEST(r.find("dedup     duplicates 0  forwarded 10\n") != std::string::npos, r);
  BOOST_TEST(r.find("totals    runs_total 3  clients_total 1  delivered_total 20") !=
                 std::string::npos,
             r);
  BOOST_TEST(r.find("KIND              NAME        MAILBOX  COUNTERS\n") !=
                 std::string::npos,
             r);
  BOOST_TEST(
      r.find("upstream_session  upstream          0  handshake=done frames=8 events=10 "
             "rejected=1 written=0\n") != std::string::npos,
      r);
  BOOST_TEST(
      r.find("run_subscriber    run:run-1         4  status=running event_count=10 "
             "retained=10 subscribers=1 delivered=10\n") != std::string::npos,
      r);
  BOOST_TEST(r.find("client_session    client:c-1        0  subscriptions=1 messages=2 "
                    "backlog_frames=0 errors=0 rate_limited=0\n") != std::string::npos,
             r);
  BOOST_TEST(r.find("new_kind          x                 0  alpha=1 beta=b\n") !=
                 std::string::npos,
             r);
  BOOST_TEST(r.find("showing 1 of 3 runs (--limit)\n") != std::string::npos, r);
  BOOST_TEST(!has_escape(r));
  auto colored = format_stats(stats_body, format_options{true, false});
  BOOST_TEST(has_escape(*colored));
}

BOOST_AUTO_TEST_CASE(stats_rejects_what_is_not_a_report) {
  BOOST_TEST(!format_stats("<html>", format_options{}).has_value());
  BOOST_TEST(!format_stats("[]", format_options{}).has_value());
  BOOST_TEST(!format_stats(R"({"status":"ok"})", format_options{}).has_value());
  auto bare = format_stats(R"({"relay":{"relay_id":"r"}})", format_options{});
  BOOST_REQUIRE(bare.has_value());
  BOOST_TEST(bare->find("relay     r\n") == 0, *bare);
  BOOST_TEST(bare->find("(no actors listed)") != std::string::npos, *bare);
}

BOOST_AUTO_TEST_SUITE_END()
