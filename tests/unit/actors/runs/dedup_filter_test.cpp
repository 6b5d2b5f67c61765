// The dedup_filter actor on the test coordinator, with real run_subscribers behind it:
// the dedup window, routing to one run actor per run, the resume point for hello, "*"
// subscriptions and eviction. (dedup_window and run_directory on their own: their
// suites.)
#include "actors/runs/dedup_filter.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace runrelay::test;
using runrelay::actors::actor_stats_list;
using runrelay::actors::client_gone_atom;
using runrelay::actors::client_id_t;
using runrelay::actors::dedup_filter_state;
using runrelay::actors::dedup_settings;
using runrelay::actors::resume_point_atom;
using runrelay::actors::run_outcome;
using runrelay::actors::stats_atom;
using runrelay::actors::status_board;
using runrelay::actors::subscribe_cmd;
using runrelay::actors::unsubscribe_cmd;
using runrelay::protocol::since_position;
using runrelay::protocol::upstream_event;
using std::chrono::milliseconds;

namespace {

upstream_event make_event(const std::string& run, const std::string& id) {
  upstream_event ev;
  ev.run_id = run;
  ev.type = "step";
  ev.event_id = id;
  ev.raw = R"({"run_id":")" + run + R"(","type":"step","event_id":")" + id + R"("})";
  return ev;
}

// Event ids in the order a sink got them.
std::vector<std::string> event_ids(const recording_sink& sink) {
  std::vector<std::string> ids;
  for (auto& text : sink.texts()) {
    auto at = text.find(R"("event_id":")");
    if (text.rfind(R"({"type":"event")", 0) == 0 && at != std::string::npos)
      ids.push_back(text.substr(at + 12, text.find('"', at + 12) - at - 12));
  }
  return ids;
}

struct dedup_fixture : actor_fixture {
  std::shared_ptr<runrelay::actors::run_index> index =
      std::make_shared<runrelay::actors::run_index>();
  void start(dedup_settings settings = {}) {
    // The window counts on the steady clock: a minute is far longer than any test.
    if (settings.window == milliseconds(5000))
      settings.window = milliseconds(60000);
    dedup = spawn(runrelay::actors::dedup_filter, settings, fanout, board, index);
    run();
  }
  void send(const std::string& run_id, const std::string& id) {
    caf::anon_send(dedup, make_event(run_id, id));
    run();
  }
  void subscribe(client_id_t client, const std::shared_ptr<recording_sink>& to,
                 const std::string& run_id, std::string id = "null") {
    caf::anon_send(dedup, subscribe_cmd{client, to, run_id, {}, std::move(id)});
    run();
  }
  dedup_filter_state& state() { return state_of<dedup_filter_state>(dedup); }
  std::optional<std::tuple<std::string, bool>> resume_point() {
    return ask<std::string, bool>(dedup, resume_point_atom::value);
  }

  std::shared_ptr<status_board> board = std::make_shared<status_board>("relay-1");
  std::shared_ptr<inline_fanout> fanout = std::make_shared<inline_fanout>();
  std::shared_ptr<recording_sink> sink = std::make_shared<recording_sink>();
  runrelay::actors::dedup_filter_actor dedup;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(dedup_filter, dedup_fixture)

BOOST_AUTO_TEST_CASE(duplicates_within_the_window_are_dropped_across_runs) {
  start();
  send("r1", "e1");
  send("r1", "e1");
  send("r2", "e1"); // keyed by id alone
  send("r1", "e2");
  BOOST_TEST(state().duplicates == 2u);
  BOOST_TEST(board->counters.events_duplicate.load() == 2u);
  BOOST_TEST(board->counters.events_accepted.load() == 2u);
  BOOST_TEST(state().runs_created == 1u); // r2 never got an event
  subscribe(1, sink, "r1");
  BOOST_TEST(event_ids(*sink) == (std::vector<std::string>{"e1", "e2"}));
}

BOOST_AUTO_TEST_CASE(one_run_subscriber_per_run) {
  start();
  send("r1", "e1");
  send("r2", "e2");
  send("r1", "e3");
  BOOST_TEST(state().runs_created == 2u);
  BOOST_TEST(state().directory->size() == 2u);
  BOOST_TEST(board->counters.runs.load() == 2u);
  auto r1 = state().directory->find("r1")->actor;
  send("r1", "e4");
  BOOST_TEST(
      (state().directory->find("r1")->actor.address() == r1.address())); // not respawned
  auto other = std::make_shared<recording_sink>();
  subscribe(1, sink, "r1");
  subscribe(2, other, "r2");
  BOOST_TEST(event_ids(*sink) == (std::vector<std::string>{"e1", "e3", "e4"}));
  BOOST_TEST(event_ids(*other) == std::vector<std::string>{"e2"});
  BOOST_TEST(state().directory->find("r1")->subscribers.count(1) == 1u);
}

BOOST_AUTO_TEST_CASE(resume_point_is_the_accepted_event_with_the_highest_arrival) {
  start();
  auto none = resume_point();
  BOOST_TEST_REQUIRE(none.has_value());
  BOOST_TEST(std::get<0>(*none) == "");
  BOOST_TEST(!std::get<1>(*none));
  send("r1", "e1");
  send("r2", "e2");
  send("r2", "e1"); // a dropped duplicate is not accepted
  auto point = resume_point();
  BOOST_TEST_REQUIRE(point.has_value());
  BOOST_TEST(std::get<0>(*point) == "e2");
  BOOST_TEST(std::get<1>(*point));
  BOOST_TEST(state().arrivals == 2u);
}

// Runs answer concurrently; the filter releases their outcomes in arrival order, so "*"
// sees upstream order and resume_after names the latest accepted event.
BOOST_AUTO_TEST_CASE(outcomes_are_released_in_arrival_order) {
  start();
  subscribe(1, sink, "*");
  auto star = std::make_shared<const runrelay::actors::sink_list>(
      runrelay::actors::sink_list{sink});
  auto outcome = [&](uint64_t arrival, bool accepted, std::string id) {
    auto envelope = runrelay::protocol::make_frame("frame-" + id);
    caf::anon_send(dedup, run_outcome{"r0", arrival, accepted, id, envelope, star});
    run();
  };
  outcome(2, true, "b");
  outcome(3, false, "c");                // a history duplicate: released, not delivered
  BOOST_TEST(sink->frames.size() == 1u); // only "subscribed": 1 not in yet
  BOOST_TEST(!std::get<1>(resume_point().value()));
  outcome(1, true, "a");
  BOOST_TEST_REQUIRE(sink->frames.size() == 3u);
  BOOST_TEST(sink->texts()[1] == "frame-a");
  BOOST_TEST(sink->texts()[2] == "frame-b");
  BOOST_TEST(std::get<0>(resume_point().value()) == "b");
  outcome(4, true, "d");
  BOOST_TEST(sink->last() == "frame-d");
  BOOST_TEST(std::get<0>(resume_point().value()) == "d");
  BOOST_TEST(board->counters.events_delivered.load() == 3u);
  outcome(4, true, "d"); // already released: ignored
  BOOST_TEST(sink->frames.size() == 4u);
}

BOOST_AUTO_TEST_CASE(star_subscribe_is_answered_here_and_gets_every_run_live) {
  start();
  send("r1", "e1");
  subscribe(1, sink, "*", R"("s")");
  BOOST_TEST(
      sink->texts() ==
      std::vector<std::string>{
          R"({"type":"subscribed","run_id":"*","replayed":0,"gap":false,"id":"s"})"});
  send("r1", "e2");
  send("r2", "e3");
  BOOST_TEST(event_ids(*sink) == (std::vector<std::string>{"e2", "e3"}));
  subscribe(1, sink, "r2"); // run and "*": still once per event
  send("r2", "e4");
  BOOST_TEST(event_ids(*sink) == (std::vector<std::string>{"e2", "e3", "e3", "e4"}));
  caf::anon_send(dedup, unsubscribe_cmd{1, sink, "*", "3"});
  run();
  BOOST_TEST(sink->last() == R"({"type":"unsubscribed","run_id":"*","id":3})");
  send("r1", "e5");
  BOOST_TEST(event_ids(*sink).back() == "e4");
}

BOOST_AUTO_TEST_CASE(unsubscribe_from_an_unknown_run_is_answered_here) {
  start();
  caf::anon_send(dedup, unsubscribe_cmd{1, sink, "nope", "4"});
  run();
  BOOST_TEST(sink->texts() == std::vector<std::string>{
                                  R"({"type":"unsubscribed","run_id":"nope","id":4})"});
  BOOST_TEST(state().runs_created == 0u);
}

BOOST_AUTO_TEST_CASE(client_gone_ends_all_its_subscriptions) {
  start();
  subscribe(1, sink, "r1");
  subscribe(1, sink, "*");
  send("r1", "e1");
  caf::anon_send(dedup, client_gone_atom::value, client_id_t{1});
  run();
  auto before = sink->frames.size();
  send("r1", "e2");
  send("r2", "e3");
  BOOST_TEST(sink->frames.size() == before);
  BOOST_TEST(state().directory->find("r1")->subscribers.empty());
  BOOST_TEST(state().directory->star_subscribers()->empty());
}

BOOST_AUTO_TEST_CASE(over_max_runs_the_least_recent_run_is_evicted) {
  dedup_settings settings;
  settings.max_runs = 2;
  start(settings);
  send("r1", "e1");
  send("r2", "e2");
  send("r1", "e3");
  send("r3", "e4"); // r2 is the least recently active
  BOOST_TEST(state().directory->size() == 2u);
  BOOST_TEST(state().directory->find("r2") == nullptr);
  BOOST_TEST(state().runs_evicted == 1u);
  BOOST_TEST(board->counters.runs.load() == 2u);
}

BOOST_AUTO_TEST_CASE(sweep_drops_a_never_seen_run_nobody_waits_for) {
  dedup_settings settings;
  settings.run_retention = milliseconds(1000); // sweeps every 50 ms
  start(settings);
  subscribe(1, sink, "later");
  advance(milliseconds(60));
  BOOST_TEST(state().directory->find("later") != nullptr); // it has a subscriber
  caf::anon_send(dedup, unsubscribe_cmd{1, sink, "later", "null"});
  run();
  BOOST_TEST(sink->last() == R"({"type":"unsubscribed","run_id":"later","id":null})");
  advance(milliseconds(60));
  BOOST_TEST(state().directory->find("later") == nullptr);
  BOOST_TEST(state().runs_evicted == 1u);
}

BOOST_AUTO_TEST_CASE(stats_list_the_filter_and_every_run) {
  start();
  send("r1", "e1");
  send("r2", "e2");
  send("r2", "e2");
  auto reply = ask<actor_stats_list>(dedup, stats_atom::value);
  BOOST_TEST_REQUIRE(reply.has_value());
  auto& list = std::get<0>(*reply);
  BOOST_TEST_REQUIRE(list.size() == 3u);
  BOOST_TEST(list[0].kind == "dedup_filter");
  BOOST_TEST(list[0].counters.at("duplicates") == 1);
  BOOST_TEST(list[0].counters.at("runs") == 2);
  BOOST_TEST(list[1].kind == "run_subscriber");
  BOOST_TEST(list[2].kind == "run_subscriber");
}

// A run_subscriber that dies while its run is retained is replaced: its subscribers are
// told their history is gone (gap) and then get live events with seq going on.
BOOST_AUTO_TEST_CASE(a_killed_run_is_replaced_and_its_subscribers_resubscribed) {
  start();
  auto star = std::make_shared<recording_sink>();
  subscribe(1, sink, "r1");
  subscribe(2, star, "*");
  send("r1", "e1");
  send("r1", "e2");
  auto old = state().directory->find("r1")->actor;
  caf::anon_send_exit(old, caf::exit_reason::kill);
  run();
  auto* entry = state().directory->find("r1");
  BOOST_TEST_REQUIRE(entry != nullptr);
  BOOST_TEST((entry->actor.address() != old.address()));
  BOOST_TEST(state().run_failures == 1u);
  BOOST_TEST(sink->last().find(R"("type":"subscribed")") != std::string::npos);
  BOOST_TEST(sink->last().find(R"("gap":true)") != std::string::npos);
  send("r1", "e3");
  BOOST_TEST(sink->last().find(R"("seq":3)") != std::string::npos);
  BOOST_TEST((event_ids(*sink) == std::vector<std::string>{"e1", "e2", "e3"}));
  BOOST_TEST((event_ids(*star) == std::vector<std::string>{"e1", "e2", "e3"}));
  auto stats = ask<actor_stats_list>(dedup, stats_atom::value);
  BOOST_TEST_REQUIRE(stats.has_value());
  BOOST_TEST(std::get<0>(*stats).at(0).counters.at("run_failures") == 1);
}

// An event sent to a run that died before answering is released as skipped: "*"
// subscribers keep getting later events, in order.
BOOST_AUTO_TEST_CASE(arrivals_lost_with_a_killed_run_do_not_stall_star) {
  start();
  auto star = std::make_shared<recording_sink>();
  subscribe(2, star, "*");
  send("r1", "e1");
  caf::anon_send(dedup, make_event("r1", "e2"));
  sched.run_once(); // the filter routes e2; the run has not answered yet
  caf::anon_send_exit(state().directory->find("r1")->actor, caf::exit_reason::kill);
  run();
  send("r2", "x1");
  send("r1", "e3");
  auto ids = event_ids(*star);
  BOOST_TEST_REQUIRE(ids.size() >= 3u);
  BOOST_TEST(ids.front() == "e1");
  BOOST_TEST(ids[ids.size() - 2] == "x1");
  BOOST_TEST(ids.back() == "e3");
  BOOST_TEST(state().sequencer.waiting() == 0u);
  BOOST_TEST(state().run_failures == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
