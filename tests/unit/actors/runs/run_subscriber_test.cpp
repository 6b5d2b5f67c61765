// The run_subscriber actor on the test coordinator: what it reports to the dedup filter
// and the board, its resume wait timer, and chunked replay driven by the sink's drain
// callback. (The decisions themselves: run_book_test.)
#include "actors/runs/run_subscriber.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

using namespace runrelay::test;
using runrelay::actors::actor_stats;
using runrelay::actors::actor_stats_list;
using runrelay::actors::client_gone_atom;
using runrelay::actors::client_id_t;
using runrelay::actors::client_sink_ptr;
using runrelay::actors::run_event;
using runrelay::actors::run_outcome;
using runrelay::actors::run_settings;
using runrelay::actors::shutdown_atom;
using runrelay::actors::stats_atom;
using runrelay::actors::status_board;
using runrelay::actors::subscribe_cmd;
using runrelay::actors::unsubscribe_cmd;
using runrelay::protocol::since_position;
using runrelay::protocol::upstream_event;
using std::chrono::milliseconds;

namespace {

run_event make_event(const std::string& id, uint64_t arrival) {
  upstream_event ev;
  ev.run_id = "r1";
  ev.type = "step";
  ev.event_id = id;
  ev.raw = R"({"run_id":"r1","type":"step","event_id":")" + id + R"("})";
  return run_event{ev, arrival, nullptr};
}

struct run_fixture : actor_fixture {
  void start(run_settings settings) {
    dedup = spawn_probe_as<runrelay::actors::run_outcome_sink>(dedup_log);
    run_actor = spawn(runrelay::actors::run_subscriber, std::string{"r1"}, settings,
                      runrelay::actors::run_start{}, dedup, fanout, board,
                      std::make_shared<runrelay::actors::run_card>("r1"));
    run();
  }
  void publish(const std::string& id, uint64_t arrival) {
    caf::anon_send(run_actor, make_event(id, arrival));
    run();
  }
  void subscribe(since_position since, std::string id = "1") {
    caf::anon_send(run_actor,
                   subscribe_cmd{1, sink, "r1", std::move(since), std::move(id)});
    run();
  }

  std::shared_ptr<status_board> board = std::make_shared<status_board>("relay-1");
  std::shared_ptr<inline_fanout> fanout = std::make_shared<inline_fanout>();
  std::shared_ptr<recording_sink> sink = std::make_shared<recording_sink>();
  probe_log_ptr dedup_log = std::make_shared<probe_log>();
  runrelay::actors::run_outcome_sink dedup;
  runrelay::actors::run_subscriber_actor run_actor;

  std::vector<run_outcome> outcomes_seen() const {
    std::vector<run_outcome> result;
    for (auto& msg : dedup_log->of<run_outcome>())
      result.push_back(msg.get_as<run_outcome>(0));
    return result;
  }
};

run_settings settings(milliseconds resume_wait, std::size_t chunk = 256) {
  return run_settings{100, resume_wait, chunk, 1 << 20};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(run_subscriber, run_fixture)

BOOST_AUTO_TEST_CASE(every_event_gets_an_outcome_for_dedup) {
  start(settings(milliseconds(1000)));
  subscribe({since_position::kind::live_only, {}});
  publish("e1", 10);
  publish("e2", 11);
  publish("e1", 12); // still in history: a duplicate
  auto outcomes = outcomes_seen();
  BOOST_TEST_REQUIRE(outcomes.size() == 3u);
  BOOST_TEST(outcomes[0].arrival == 10u);
  BOOST_TEST(outcomes[0].accepted);
  BOOST_TEST(outcomes[0].event_id == "e1");
  BOOST_TEST_REQUIRE(outcomes[0].envelope);
  BOOST_TEST(outcomes[0].envelope.get() == sink->frames[1].get()); // the same bytes
  BOOST_TEST(outcomes[1].arrival == 11u);
  BOOST_TEST(outcomes[2].arrival == 12u); // reported too, or "*" would wait for it
  BOOST_TEST(!outcomes[2].accepted);
  BOOST_TEST(board->counters.events_accepted.load() == 2u);
  BOOST_TEST(board->counters.events_duplicate.load() == 1u);
}

BOOST_AUTO_TEST_CASE(the_star_share_goes_back_to_dedup_with_the_outcome) {
  start(settings(milliseconds(1000)));
  subscribe({since_position::kind::live_only, {}}); // client 1: this run and "*"
  auto other = std::make_shared<recording_sink>();  // client 2: "*" only
  auto star =
      std::make_shared<const std::vector<std::pair<client_id_t, client_sink_ptr>>>(
          std::vector<std::pair<client_id_t, client_sink_ptr>>{{1, sink}, {2, other}});
  auto event = make_event("e1", 1);
  event.star = star;
  caf::anon_send(run_actor, event);
  run();
  auto outcomes = outcomes_seen();
  BOOST_TEST_REQUIRE(outcomes.size() == 1u);
  BOOST_TEST_REQUIRE(outcomes[0].star_targets);
  auto& targets = *outcomes[0].star_targets;
  auto in_share = [&](const client_sink_ptr& s) {
    return std::count(targets.begin(), targets.end(), s);
  };
  BOOST_TEST(in_share(other) == 1);
  BOOST_TEST(other->frames.empty()); // the dedup filter delivers the "*" share
  // Client 1 gets it once: directly or through the share, not both.
  BOOST_TEST(sink->frames.size() - 1 + in_share(sink) == 1u);
}

BOOST_AUTO_TEST_CASE(deliveries_reach_the_board_counter) {
  start(settings(milliseconds(1000)));
  publish("e1", 1);
  publish("e2", 2);
  subscribe({since_position::kind::whole_history, {}}); // 2 replayed
  publish("e3", 3);                                     // 1 live
  BOOST_TEST(sink->frames.size() == 4u);
  BOOST_TEST(board->counters.events_delivered.load() == 3u);
}

BOOST_AUTO_TEST_CASE(resume_wait_gives_up_after_exactly_resume_wait) {
  start(settings(milliseconds(1000)));
  publish("e1", 1);
  subscribe({since_position::kind::after_event, "e9"});
  BOOST_TEST(sink->frames.empty());
  advance(milliseconds(999));
  BOOST_TEST(sink->frames.empty());
  advance(milliseconds(1));
  BOOST_TEST_REQUIRE(sink->frames.size() == 2u);
  BOOST_TEST(*sink->frames[0] ==
             R"({"type":"subscribed","run_id":"r1","replayed":1,"gap":true,"id":1})");
}

BOOST_AUTO_TEST_CASE(resume_wait_ends_when_the_id_arrives) {
  start(settings(milliseconds(1000)));
  subscribe({since_position::kind::after_event, "e2"});
  advance(milliseconds(500));
  publish("e1", 1);
  BOOST_TEST(sink->frames.empty());
  publish("e2", 2);
  BOOST_TEST_REQUIRE(sink->frames.size() == 1u);
  BOOST_TEST(*sink->frames[0] ==
             R"({"type":"subscribed","run_id":"r1","replayed":0,"gap":false,"id":1})");
  advance(milliseconds(1000)); // the old timer fires and changes nothing
  publish("e3", 3);
  BOOST_TEST(sink->frames.size() == 2u);
  BOOST_TEST(sink->last().find(R"("event_id":"e3")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_newer_subscribe_makes_the_old_wait_stale) {
  start(settings(milliseconds(1000)));
  subscribe({since_position::kind::after_event, "e9"}, "1");
  advance(milliseconds(600));
  subscribe({since_position::kind::after_event, "e8"}, "2");
  advance(milliseconds(400)); // the first wait's timer: stale
  BOOST_TEST(sink->frames.empty());
  advance(milliseconds(600));
  BOOST_TEST_REQUIRE(sink->frames.size() == 1u);
  BOOST_TEST(sink->last().find(R"("id":2)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(zero_resume_wait_answers_at_once) {
  start(settings(milliseconds(0)));
  publish("e1", 1);
  subscribe({since_position::kind::after_event, "e9"});
  BOOST_TEST_REQUIRE(sink->frames.size() == 2u);
  BOOST_TEST(sink->frames[0]->find(R"("gap":true)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(replay_continues_when_the_sink_drains) {
  start(settings(milliseconds(1000), 2));
  for (uint64_t i = 1; i <= 5; ++i)
    publish("e" + std::to_string(i), i);
  subscribe({since_position::kind::whole_history, {}});
  BOOST_TEST(sink->frames.size() == 3u); // subscribed + 2
  BOOST_TEST_REQUIRE(sink->drain_callbacks.size() == 1u);
  sink->drain();
  run();
  BOOST_TEST(sink->frames.size() == 5u);
  sink->drain();
  run();
  BOOST_TEST(sink->frames.size() == 6u);
  BOOST_TEST(sink->drain_callbacks.empty());
  publish("e6", 6);
  BOOST_TEST(sink->frames.size() == 7u);
  BOOST_TEST(sink->last().find(R"("seq":6)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unsubscribe_and_client_gone_stop_delivery) {
  start(settings(milliseconds(1000)));
  subscribe({since_position::kind::live_only, {}});
  auto other = std::make_shared<recording_sink>();
  // Named, not a temporary: g++ 12 -O2 warns (maybe-uninitialized) on the temporary's
  // since_position inside anon_send.
  auto other_cmd = subscribe_cmd{2, other, "r1", since_position{}, "null"};
  caf::anon_send(run_actor, std::move(other_cmd));
  run();
  caf::anon_send(run_actor, unsubscribe_cmd{1, sink, "r1", R"("x")"});
  caf::anon_send(run_actor, client_gone_atom::value, runrelay::actors::client_id_t{2});
  run();
  BOOST_TEST(sink->last() == R"({"type":"unsubscribed","run_id":"r1","id":"x"})");
  publish("e1", 1);
  BOOST_TEST(sink->frames.size() == 2u);
  BOOST_TEST(other->frames.size() == 1u);
}

BOOST_AUTO_TEST_CASE(stats_describe_the_run) {
  start(settings(milliseconds(1000)));
  publish("e1", 1);
  publish("e2", 2);
  subscribe({since_position::kind::after_event, "e7"});
  auto reply = ask<actor_stats_list>(run_actor, stats_atom::value);
  BOOST_TEST_REQUIRE(reply.has_value());
  auto& stats = std::get<0>(*reply).at(0);
  BOOST_TEST(stats.kind == "run_subscriber");
  BOOST_TEST(stats.name.find("r1") != std::string::npos);
  BOOST_TEST(stats.labels.at("run_id") == "r1");
  BOOST_TEST(stats.labels.at("last_event_id") == "e2");
  BOOST_TEST(stats.counters.at("event_count") == 2);
  BOOST_TEST(stats.counters.at("waiting_for_since") == 1);
  caf::anon_send(run_actor, shutdown_atom::value);
  run();
  BOOST_TEST(!ask<actor_stats_list>(run_actor, stats_atom::value).has_value()); // gone
}

BOOST_AUTO_TEST_SUITE_END()
