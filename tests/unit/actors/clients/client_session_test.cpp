// docs/protocol.md section 2 from one client's side: rate_limiter on synthetic time, then
// the client_session actor with probes standing in for the dedup filter and the queue.
#include "actors/clients/client_session.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace runrelay::test;
using runrelay::actors::actor_stats;
using runrelay::actors::actor_stats_list;
using runrelay::actors::client_closed_atom;
using runrelay::actors::client_gone_atom;
using runrelay::actors::client_id_t;
using runrelay::actors::client_limits;
using runrelay::actors::client_session_deps;
using runrelay::actors::client_text_atom;
using runrelay::actors::rate_limiter;
using runrelay::actors::send_upstream_atom;
using runrelay::actors::shutdown_atom;
using runrelay::actors::stats_atom;
using runrelay::actors::status_board;
using runrelay::actors::subscribe_cmd;
using runrelay::actors::unsubscribe_cmd;
using runrelay::protocol::since_position;
using runrelay::protocol::upstream_state;
using std::chrono::milliseconds;

namespace {

const rate_limiter::clock::time_point t0 =
    rate_limiter::clock::time_point{} + std::chrono::hours(1);

struct session_fixture : actor_fixture {
  void start(client_limits limits = {}) {
    board->set_upstream({upstream_state::connected, 0, std::nullopt});
    dedup = spawn_probe_as<runrelay::actors::dedup_filter_actor>(dedup_log);
    queue = spawn_probe_as<runrelay::actors::upstream_queue_actor>(
        queue_log, [this](const caf::message& msg) {
          return msg.match_element<send_upstream_atom>(0)
                     ? caf::make_message(queue_answer)
                     : caf::message{};
        });
    session = spawn(runrelay::actors::client_session, client_id_t{7}, std::string{"c7"},
                    sink, limits, client_session_deps{dedup, queue, board});
    run();
  }
  void say(const std::string& text) {
    caf::anon_send(session, client_text_atom::value, text);
    run();
  }
  // "<code>:<id>" of the last frame, which must be an error.
  std::string last_error() const {
    auto obj = boost::json::parse(sink->last()).as_object();
    BOOST_TEST(obj.at("type").as_string() == "error");
    return std::string(obj.at("code").as_string()) + ":" +
           boost::json::serialize(obj.at("id"));
  }

  std::shared_ptr<status_board> board = std::make_shared<status_board>("relay-1");
  std::shared_ptr<recording_sink> sink = std::make_shared<recording_sink>();
  probe_log_ptr dedup_log = std::make_shared<probe_log>();
  probe_log_ptr queue_log = std::make_shared<probe_log>();
  bool queue_answer = true;
  runrelay::actors::dedup_filter_actor dedup;
  runrelay::actors::upstream_queue_actor queue;
  runrelay::actors::client_session_actor session;
};

client_limits limits(std::size_t max_subscriptions, double rate = 100) {
  return client_limits{max_subscriptions, rate, 30000};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(client_session, session_fixture)

BOOST_AUTO_TEST_CASE(rate_limiter_allows_bursts_of_twice_the_rate) {
  rate_limiter limiter(10);
  for (int i = 0; i < 20; ++i)
    BOOST_TEST_REQUIRE(limiter.allow(t0));
  BOOST_TEST(!limiter.allow(t0));
  BOOST_TEST(!limiter.allow(t0 + milliseconds(99))); // 0.99 of a token
  BOOST_TEST(limiter.allow(t0 + milliseconds(101)));
  BOOST_TEST(!limiter.allow(t0 + milliseconds(101)));
}

BOOST_AUTO_TEST_CASE(rate_limiter_refills_at_the_rate_up_to_the_burst) {
  rate_limiter limiter(10);
  for (int i = 0; i < 20; ++i)
    limiter.allow(t0);
  for (int i = 0; i < 50; ++i) // refused messages cost nothing
    BOOST_TEST_REQUIRE(!limiter.allow(t0 + milliseconds(1)));
  int allowed = 0;
  for (int i = 0; i < 30; ++i)
    allowed += limiter.allow(t0 + milliseconds(501)) ? 1 : 0;
  BOOST_TEST(allowed == 5);
  allowed = 0;
  for (int i = 0; i < 30; ++i) // an hour idle still refills only to the burst
    allowed += limiter.allow(t0 + std::chrono::hours(1)) ? 1 : 0;
  BOOST_TEST(allowed == 20);
}

BOOST_AUTO_TEST_CASE(welcome_comes_first) {
  start();
  BOOST_TEST_REQUIRE(sink->frames.size() == 1u);
  BOOST_TEST(*sink->frames[0] ==
             R"({"type":"welcome","client_id":"c7","relay_id":"relay-1",)"
             R"("upstream":"connected","heartbeat_ms":30000})");
  BOOST_TEST(board->counters.clients_connected.load() == 1u);
  BOOST_TEST(board->counters.clients_total.load() == 1u);
}

BOOST_AUTO_TEST_CASE(subscribe_is_forwarded_to_dedup) {
  start();
  say(R"({"type":"subscribe","run_id":"r1","since":"e3","id":"a"})");
  auto cmds = dedup_log->of<subscribe_cmd>();
  BOOST_TEST_REQUIRE(cmds.size() == 1u);
  auto& cmd = cmds[0].get_as<subscribe_cmd>(0);
  BOOST_TEST(cmd.client == 7u);
  BOOST_TEST(cmd.run_id == "r1");
  BOOST_TEST((cmd.since.from == since_position::kind::after_event));
  BOOST_TEST(cmd.since.event_id == "e3");
  BOOST_TEST(cmd.request_id == R"("a")");
  BOOST_TEST(cmd.sink.get() == sink.get());
  BOOST_TEST(sink->frames.size() == 1u); // the run answers, not the session
}

BOOST_AUTO_TEST_CASE(subscription_limit_counts_distinct_runs_and_star) {
  start(limits(2));
  say(R"({"type":"subscribe","run_id":"r1"})");
  say(R"({"type":"subscribe","run_id":"*"})");
  say(R"({"type":"subscribe","run_id":"r2","id":3})");
  BOOST_TEST(last_error() == "too_many_subscriptions:3");
  say(R"({"type":"subscribe","run_id":"r1","id":4})"); // again: not one more
  BOOST_TEST(dedup_log->count<subscribe_cmd>() == 3u);
  say(R"({"type":"unsubscribe","run_id":"*"})");
  say(R"({"type":"subscribe","run_id":"r2","id":5})");
  BOOST_TEST(dedup_log->count<subscribe_cmd>() == 4u);
}

BOOST_AUTO_TEST_CASE(unsubscribe_of_a_run_not_subscribed_is_answered_here) {
  start();
  say(R"({"type":"unsubscribe","run_id":"r9","id":"u"})");
  BOOST_TEST(sink->last() == R"({"type":"unsubscribed","run_id":"r9","id":"u"})");
  BOOST_TEST(dedup_log->count<unsubscribe_cmd>() == 0u);
  say(R"({"type":"subscribe","run_id":"r1"})");
  say(R"({"type":"unsubscribe","run_id":"r1","id":1.0})");
  auto cmds = dedup_log->of<unsubscribe_cmd>();
  BOOST_TEST_REQUIRE(cmds.size() == 1u);
  BOOST_TEST(cmds[0].get_as<unsubscribe_cmd>(0).request_id == "1.0");
  BOOST_TEST(sink->frames.size() == 2u); // welcome and the direct unsubscribed
}

BOOST_AUTO_TEST_CASE(ping_is_answered_with_its_timestamp) {
  start();
  say(R"({"type":"ping","timestamp":1712.5})");
  BOOST_TEST(sink->last() == R"({"type":"pong","timestamp":1712.5})");
  say(R"({"type":"ping"})");
  BOOST_TEST(sink->last() == R"({"type":"pong"})");
}

BOOST_AUTO_TEST_CASE(bad_messages_get_errors_and_the_session_stays) {
  start();
  say("{nope");
  BOOST_TEST(last_error() == "bad_json:null");
  say("[1,2]");
  BOOST_TEST(last_error() == "bad_message:null");
  say(R"({"type":"subscribe","id":"x"})");
  BOOST_TEST(last_error() == "bad_message:\"x\"");
  say(R"({"type":"dance","id":12})");
  BOOST_TEST(last_error() == "unknown_type:12");
  say(R"({"type":"ping","timestamp":1})");
  BOOST_TEST(sink->last() == R"({"type":"pong","timestamp":1})");
}

BOOST_AUTO_TEST_CASE(messages_over_the_rate_get_rate_limited_each) {
  start(limits(100, 1)); // 1 per second, bursts of 2: far slower than this test
  for (int i = 1; i <= 4; ++i)
    say(R"({"type":"send","data":1,"id":)" + std::to_string(i) + "}");
  auto texts = sink->texts();
  BOOST_TEST_REQUIRE(texts.size() == 5u);
  BOOST_TEST((queue_log->count<send_upstream_atom, std::string>() == 2u));
  BOOST_TEST(texts[3].find(R"("code":"rate_limited")") != std::string::npos);
  BOOST_TEST(texts[3].find(R"("id":3)") != std::string::npos);
  BOOST_TEST(texts[4].find(R"("id":4)") != std::string::npos);
  say("{bad json too");
  BOOST_TEST(last_error() == "rate_limited:null");
}

BOOST_AUTO_TEST_CASE(send_is_acked_sent_or_queued_as_the_queue_says) {
  start();
  say(R"({"type":"send","data":{"x":[1, 2]},"id":"s1"})");
  BOOST_TEST(sink->last() == R"({"type":"ack","id":"s1","status":"sent"})");
  auto sent = queue_log->of<send_upstream_atom, std::string>();
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  BOOST_TEST(sent[0].get_as<std::string>(1) == R"({"x":[1, 2]})");
  queue_answer = false;
  say(R"({"type":"send","data":"hi"})");
  BOOST_TEST(sink->last() == R"({"type":"ack","id":null,"status":"queued"})");
  BOOST_TEST((queue_log->of<send_upstream_atom, std::string>()[1].get_as<std::string>(
                  1) == R"("hi")"));
}

BOOST_AUTO_TEST_CASE(client_closed_ends_the_session_and_tells_dedup) {
  start();
  caf::anon_send(session, client_closed_atom::value);
  run();
  auto gone = dedup_log->of<client_gone_atom, client_id_t>();
  BOOST_TEST_REQUIRE(gone.size() == 1u);
  BOOST_TEST(gone[0].get_as<client_id_t>(1) == 7u);
  BOOST_TEST(board->counters.clients_connected.load() == 0u);
  BOOST_TEST(
      !ask<actor_stats_list>(session, stats_atom::value).has_value()); // it has quit
}

BOOST_AUTO_TEST_CASE(shutdown_closes_the_client_with_the_given_code) {
  start();
  caf::anon_send(session, shutdown_atom::value, uint16_t{1001},
                 std::string{"going away"});
  run();
  BOOST_TEST_REQUIRE(!sink->closes.empty());
  BOOST_TEST(sink->closes.front().first == 1001u);
  BOOST_TEST(sink->closes.front().second == "going away");
  BOOST_TEST((dedup_log->count<client_gone_atom, client_id_t>() == 1u));
}

BOOST_AUTO_TEST_CASE(stats_name_the_client) {
  start();
  say(R"({"type":"subscribe","run_id":"r1"})");
  say("{");
  auto reply = ask<actor_stats_list>(session, stats_atom::value);
  BOOST_TEST_REQUIRE(reply.has_value());
  auto& stats = std::get<0>(*reply).at(0);
  BOOST_TEST(stats.kind == "client_session");
  BOOST_TEST(stats.name.find("c7") != std::string::npos);
  BOOST_TEST(stats.labels.at("client_id") == "c7");
  BOOST_TEST(stats.counters.at("subscriptions") == 1);
  BOOST_TEST(stats.counters.at("messages") == 2);
  BOOST_TEST(stats.counters.at("errors") == 1);
}

BOOST_AUTO_TEST_SUITE_END()
