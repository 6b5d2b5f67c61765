// run_book, the run subscriber's decisions without an actor (docs/protocol.md section 2:
// subscribe/since/gap, replay then live, each event once per connection). The actor
// around it: run_subscriber_test.
#include "actors/runs/run_subscriber.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace runrelay::test;
using runrelay::actors::client_id_t;
using runrelay::actors::client_sink_ptr;
using runrelay::actors::run_settings;
using runrelay::actors::subscribe_cmd;
using runrelay::actors::unsubscribe_cmd;
using runrelay::protocol::since_position;
using runrelay::protocol::upstream_event;
using book_t = runrelay::actors::run_book;
using strings = std::vector<std::string>;

namespace {

upstream_event event(const std::string& id, const std::string& type = "step") {
  upstream_event ev;
  ev.run_id = "r1";
  ev.type = type;
  ev.event_id = id;
  ev.raw = R"({"run_id":"r1","type":")" + type + R"(","event_id":")" + id + R"("})";
  return ev;
}

since_position whole() {
  return {since_position::kind::whole_history, {}};
}
since_position live() {
  return {since_position::kind::live_only, {}};
}
since_position after(std::string id) {
  return {since_position::kind::after_event, id};
}

// "sub:<replayed>[:gap]" for subscribed, the event_id for an event, else the type.
strings seen(const recording_sink& sink) {
  strings result;
  for (auto& text : sink.texts()) {
    auto obj = boost::json::parse(text).as_object();
    auto type = std::string(obj.at("type").as_string());
    if (type == "event")
      result.push_back(std::string(obj.at("event_id").as_string()));
    else if (type == "subscribed")
      result.push_back("sub:" + std::to_string(obj.at("replayed").as_int64()) +
                       (obj.at("gap").as_bool() ? ":gap" : ""));
    else
      result.push_back(type);
  }
  return result;
}

book_t::star_list_ptr star_of(std::vector<std::pair<client_id_t, client_sink_ptr>> list) {
  return std::make_shared<const std::vector<std::pair<client_id_t, client_sink_ptr>>>(
      std::move(list));
}

struct book_fixture {
  void make(run_settings settings = {}) {
    book = std::make_unique<book_t>(
        "r1", settings, fanout,
        [this](client_id_t client, const client_sink_ptr&) { drains.push_back(client); });
  }
  book_fixture() { make(); }

  // Publishes like the run actor and delivers the "*" share like the dedup filter.
  book_t::publish_result publish_one(const std::string& id, book_t::star_list_ptr star) {
    auto result = book->publish(event(id), star);
    if (result.star_targets && !result.star_targets->empty())
      fanout->publish(result.star_targets, result.envelope);
    return result;
  }
  void publish(std::initializer_list<const char*> ids, book_t::star_list_ptr star = {}) {
    for (auto* id : ids)
      publish_one(id, star);
  }
  bool subscribe(client_id_t client, const std::shared_ptr<recording_sink>& sink,
                 since_position since, bool may_wait = false, std::string id = "7") {
    return book->subscribe(subscribe_cmd{client, sink, "r1", std::move(since), id},
                           may_wait);
  }

  std::shared_ptr<inline_fanout> fanout = std::make_shared<inline_fanout>();
  std::unique_ptr<book_t> book;
  std::vector<client_id_t> drains;
  std::shared_ptr<recording_sink> a = std::make_shared<recording_sink>();
  std::shared_ptr<recording_sink> b = std::make_shared<recording_sink>();
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(run_book, book_fixture)

BOOST_AUTO_TEST_CASE(publish_numbers_events_and_shares_one_frame) {
  subscribe(1, a, whole());
  subscribe(2, b, live());
  auto first = book->publish(event("e1"), {});
  BOOST_TEST(first.accepted);
  BOOST_TEST(book->publish(event("e2"), {}).accepted);
  BOOST_TEST(fanout->publishes == 2u); // one hand-off per event, not per client
  BOOST_TEST_REQUIRE(a->frames.size() == 3u);
  BOOST_TEST_REQUIRE(b->frames.size() == 3u);
  BOOST_TEST(a->frames[1].get() == b->frames[1].get()); // zero copy
  BOOST_TEST(a->frames[1].get() == first.envelope.get());
  BOOST_TEST(*a->frames[1] == R"({"type":"event","run_id":"r1","event_id":"e1","seq":1,)"
                              R"("data":{"run_id":"r1","type":"step","event_id":"e1"}})");
  BOOST_TEST(a->texts()[2].find(R"("seq":2)") != std::string::npos);
  BOOST_TEST(book->delivered() == 4u);
  BOOST_TEST(book->history().last_seq() == 2u);
}

BOOST_AUTO_TEST_CASE(an_id_still_in_history_is_dropped) {
  subscribe(1, a, live());
  BOOST_TEST(book->publish(event("e1"), {}).accepted);
  auto again = book->publish(event("e1"), star_of({{1, a}}));
  BOOST_TEST(!again.accepted);
  BOOST_TEST(!again.envelope);
  BOOST_TEST(!again.star_targets);
  BOOST_TEST(book->duplicates() == 1u);
  BOOST_TEST(seen(*a) == (strings{"sub:0", "e1"}));
  BOOST_TEST(book->history().last_seq() == 1u);
}

BOOST_AUTO_TEST_CASE(subscribe_without_since_replays_all_then_live) {
  publish({"e1", "e2", "e3"});
  BOOST_TEST(subscribe(1, a, whole()));
  BOOST_TEST(a->texts().front() ==
             R"({"type":"subscribed","run_id":"r1","replayed":3,"gap":false,"id":7})");
  publish({"e4"});
  BOOST_TEST(seen(*a) == (strings{"sub:3", "e1", "e2", "e3", "e4"}));
  BOOST_TEST(a->frames[1].get() == book->history().envelopes_from(1, 1, 1).front().get());
}

BOOST_AUTO_TEST_CASE(subscribe_without_since_after_eviction_has_a_gap) {
  make(run_settings{2, std::chrono::milliseconds(1000), 256, 1 << 20});
  publish({"e1", "e2", "e3"});
  subscribe(1, a, whole());
  BOOST_TEST(seen(*a) == (strings{"sub:2:gap", "e2", "e3"}));
}

BOOST_AUTO_TEST_CASE(since_a_retained_id_replays_what_came_after) {
  publish({"e1", "e2", "e3"});
  subscribe(1, a, after("e1"));
  subscribe(2, b, after("e3"));
  publish({"e4"});
  BOOST_TEST(seen(*a) == (strings{"sub:2", "e2", "e3", "e4"}));
  BOOST_TEST(seen(*b) == (strings{"sub:0", "e4"}));
}

BOOST_AUTO_TEST_CASE(since_an_unknown_id_without_waiting_replays_all_with_gap) {
  publish({"e1", "e2"});
  BOOST_TEST(subscribe(1, a, after("elsewhere"), false));
  BOOST_TEST(seen(*a) == (strings{"sub:2:gap", "e1", "e2"}));
}

BOOST_AUTO_TEST_CASE(since_an_unknown_id_waits_for_it) {
  publish({"e1"});
  BOOST_TEST(!subscribe(1, a, after("e3"), true));
  BOOST_TEST(book->waiting() == 1u);
  publish({"e2"});
  BOOST_TEST(a->frames.empty()); // nothing until the id arrives
  publish({"e3"});
  BOOST_TEST(book->waiting() == 0u);
  publish({"e4"});
  BOOST_TEST(seen(*a) == (strings{"sub:0", "e4"}));
  book->resume_timed_out(1); // too late: no effect
  BOOST_TEST(seen(*a) == (strings{"sub:0", "e4"}));
}

BOOST_AUTO_TEST_CASE(a_wait_that_times_out_replays_all_with_gap) {
  publish({"e1", "e2"});
  BOOST_TEST(!subscribe(1, a, after("e9"), true));
  book->resume_timed_out(1);
  publish({"e3"});
  BOOST_TEST(seen(*a) == (strings{"sub:2:gap", "e1", "e2", "e3"}));
}

BOOST_AUTO_TEST_CASE(since_live_replays_nothing) {
  publish({"e1", "e2"});
  subscribe(1, a, live());
  publish({"e3"});
  BOOST_TEST(seen(*a) == (strings{"sub:0", "e3"}));
}

BOOST_AUTO_TEST_CASE(run_and_star_subscriber_gets_each_event_once) {
  auto star = star_of({{1, a}, {2, b}});
  subscribe(1, a, live());
  auto result = publish_one("e1", star);
  // Direct or through the "*" share (which the dedup filter delivers), never both.
  BOOST_TEST_REQUIRE(result.star_targets);
  BOOST_TEST(seen(*a) == (strings{"sub:0", "e1"}));
  BOOST_TEST(seen(*b) == strings{"e1"}); // "*" only
  book->unsubscribe(unsubscribe_cmd{1, a, "r1", "8"});
  publish_one("e2", star); // now a gets it through "*" alone
  BOOST_TEST(seen(*a) == (strings{"sub:0", "e1", "unsubscribed", "e2"}));
  BOOST_TEST(seen(*b) == (strings{"e1", "e2"}));
}

// A "*" subscription is live for every run, whatever the same connection's subscription
// to one run is doing: while that subscription waits for its `since` id, the
// connection still gets the run's live events through "*".
BOOST_AUTO_TEST_CASE(a_star_client_waiting_for_since_here_still_gets_live_events) {
  auto star = star_of({{1, a}});
  BOOST_TEST(!subscribe(1, a, after("x"), true));
  publish({"e1", "x"}, star);
  publish({"e2"}, star);
  auto got = seen(*a);
  BOOST_TEST(std::count(got.begin(), got.end(), "e1") == 1);
  BOOST_TEST(std::count(got.begin(), got.end(), "x") == 1);
  BOOST_TEST(std::count(got.begin(), got.end(), "e2") == 1);
  BOOST_TEST(std::count(got.begin(), got.end(), "sub:0") == 1);
}

BOOST_AUTO_TEST_CASE(resubscribing_replays_again_but_live_events_arrive_once) {
  publish({"e1"});
  subscribe(1, a, whole());
  subscribe(1, a, whole());
  publish({"e2"});
  BOOST_TEST(seen(*a) == (strings{"sub:1", "e1", "sub:1", "e1", "e2"}));
  BOOST_TEST(book->subscribers() == 1u);
}

BOOST_AUTO_TEST_CASE(replay_goes_out_in_chunks_after_each_drain) {
  make(run_settings{100, std::chrono::milliseconds(1000), 2, 1 << 20});
  publish({"e1", "e2", "e3", "e4", "e5"});
  subscribe(1, a, whole());
  BOOST_TEST(seen(*a) == (strings{"sub:5", "e1", "e2"}));
  BOOST_TEST(drains == std::vector<client_id_t>{1});
  BOOST_TEST(book->catching_up() == 1u);
  book->replay_more(1);
  BOOST_TEST(seen(*a) == (strings{"sub:5", "e1", "e2", "e3", "e4"}));
  book->replay_more(1);
  BOOST_TEST(drains.size() == 2u); // the last chunk needs no drain callback
  BOOST_TEST(book->catching_up() == 0u);
  publish({"e6"});
  BOOST_TEST(seen(*a) == (strings{"sub:5", "e1", "e2", "e3", "e4", "e5", "e6"}));
  BOOST_TEST(a->batches == 3u);
}

BOOST_AUTO_TEST_CASE(an_event_published_mid_replay_arrives_once_in_order) {
  make(run_settings{100, std::chrono::milliseconds(1000), 2, 1 << 20});
  publish({"e1", "e2", "e3"});
  auto star = star_of({{1, a}});
  subscribe(1, a, whole());
  auto result = publish_one("e4", star); // also a "*" subscriber: still not sent twice
  BOOST_TEST((!result.star_targets || result.star_targets->empty()));
  BOOST_TEST(seen(*a) == (strings{"sub:3", "e1", "e2"}));
  book->replay_more(1);
  BOOST_TEST(seen(*a) == (strings{"sub:3", "e1", "e2", "e3", "e4"}));
  publish_one("e5", star);
  BOOST_TEST(seen(*a) == (strings{"sub:3", "e1", "e2", "e3", "e4", "e5"}));
}

// docs/protocol.md section 2: "every event accepted after `subscribed` is sent is
// delivered live"; a client that cannot get them must be told (closed as a slow consumer,
// 1013, so it resumes with `since` and sees gap:true), never skipped silently.
BOOST_AUTO_TEST_CASE(a_replay_overtaken_by_eviction_is_not_silently_skipped) {
  make(run_settings{3, std::chrono::milliseconds(1000), 1, 1 << 20});
  publish({"e1", "e2", "e3"});
  subscribe(1, a, whole());
  BOOST_TEST(seen(*a) == (strings{"sub:3", "e1"}));
  publish({"e4", "e5", "e6", "e7"}); // e4 is accepted after subscribed, then evicted
  book->replay_more(1);
  book->replay_more(1);
  book->replay_more(1);
  auto got = seen(*a);
  bool has_e4 = std::find(got.begin(), got.end(), "e4") != got.end();
  BOOST_TEST((has_e4 || !a->closes.empty()));
}

BOOST_AUTO_TEST_CASE(unsubscribe_answers_and_stops_delivery) {
  subscribe(1, a, live());
  publish({"e1"});
  book->unsubscribe(unsubscribe_cmd{1, a, "r1", R"("u1")"});
  BOOST_TEST(a->last() == R"({"type":"unsubscribed","run_id":"r1","id":"u1"})");
  publish({"e2"});
  BOOST_TEST(seen(*a) == (strings{"sub:0", "e1", "unsubscribed"}));
  BOOST_TEST(book->subscribers() == 0u);
  // Answered the same way when there was no subscription.
  book->unsubscribe(unsubscribe_cmd{2, b, "r1", "null"});
  BOOST_TEST(b->last() == R"({"type":"unsubscribed","run_id":"r1","id":null})");
}

BOOST_AUTO_TEST_CASE(drop_client_stops_delivery_silently) {
  subscribe(1, a, live());
  BOOST_TEST(!subscribe(2, b, after("x"), true));
  book->drop_client(1);
  book->drop_client(2);
  publish({"e1", "x", "e2"});
  BOOST_TEST(seen(*a) == strings{"sub:0"});
  BOOST_TEST(b->frames.empty());
  BOOST_TEST(book->waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(summary_follows_event_types) {
  BOOST_TEST(book->summary().status == "active");
  book->publish(event("e1", "workflow_started"), {});
  BOOST_TEST(book->summary().status == "running");
  book->publish(event("e2", "step"), {});
  book->publish(event("e3", "step"), {});
  BOOST_TEST(book->summary().status == "running");
  book->publish(event("e4", "workflow_failed"), {});
  BOOST_TEST(book->summary().status == "failed");
  BOOST_TEST(book->summary().counts.at("step") == 2u);
  BOOST_TEST(book->summary().last_event_id == "e4");
}

BOOST_AUTO_TEST_SUITE_END()
