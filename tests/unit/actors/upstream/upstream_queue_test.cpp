// docs/protocol.md section 1: client `send`s wait in a bounded drop-oldest queue while
// upstream is not connected and are flushed first-in first-out on reconnect.
// bounded_queue on its own, then the upstream_queue actor with a probe as the session.
#include "actors/upstream/upstream_queue.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace runrelay::test;
using runrelay::actors::actor_stats;
using runrelay::actors::actor_stats_list;
using runrelay::actors::bounded_queue;
using runrelay::actors::send_upstream_atom;
using runrelay::actors::stats_atom;
using runrelay::actors::status_board;
using runrelay::actors::upstream_lost_atom;
using runrelay::actors::upstream_ready_atom;
using runrelay::actors::upstream_session_actor;
using runrelay::actors::write_upstream_atom;
using strings = std::vector<std::string>;

namespace {

struct queue_fixture : actor_fixture {
  void start(std::size_t capacity) {
    queue = spawn(runrelay::actors::upstream_queue, capacity, board);
    session = spawn_probe_as<upstream_session_actor>(session_log);
    run();
  }
  // The queue's answer: true when written now ("sent"), false when queued.
  bool send(const std::string& data) {
    auto reply = ask<bool>(queue, send_upstream_atom::value, data);
    BOOST_TEST_REQUIRE(reply.has_value());
    return std::get<0>(*reply);
  }
  strings written() const {
    strings result;
    for (auto& msg : session_log->of<write_upstream_atom, std::string>())
      result.push_back(msg.get_as<std::string>(1));
    return result;
  }

  std::shared_ptr<status_board> board = std::make_shared<status_board>("relay-1");
  probe_log_ptr session_log = std::make_shared<probe_log>();
  runrelay::actors::upstream_queue_actor queue;
  upstream_session_actor session;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(upstream_queue, queue_fixture)

BOOST_AUTO_TEST_CASE(bounded_queue_drops_the_oldest_when_full) {
  bounded_queue q(2);
  BOOST_TEST(!q.push("a"));
  BOOST_TEST(!q.push("b"));
  BOOST_TEST(q.push("c"));
  BOOST_TEST(q.push("d"));
  BOOST_TEST(q.size() == 2u);
  BOOST_TEST(q.dropped() == 2u);
  auto taken = q.take_all();
  BOOST_TEST(strings(taken.begin(), taken.end()) == (strings{"c", "d"}));
  BOOST_TEST(q.size() == 0u);
  BOOST_TEST(bounded_queue(0).capacity() == 1u); // at least 1
}

BOOST_AUTO_TEST_CASE(without_a_session_sends_are_queued) {
  start(10);
  BOOST_TEST(!send(R"({"a":1})"));
  BOOST_TEST(!send(R"("text")"));
  BOOST_TEST(written().empty());
  BOOST_TEST(board->counters.queue_depth.load() == 2u);
}

BOOST_AUTO_TEST_CASE(a_full_queue_drops_its_oldest_and_counts_it) {
  start(2);
  send("1");
  send("2");
  send("3");
  send("4");
  BOOST_TEST(board->counters.queue_dropped.load() == 2u);
  BOOST_TEST(board->counters.queue_depth.load() == 2u);
  auto stats = ask<actor_stats_list>(queue, stats_atom::value);
  BOOST_TEST_REQUIRE(stats.has_value());
  BOOST_TEST(std::get<0>(*stats).at(0).counters.at("dropped") == 2);
  BOOST_TEST(std::get<0>(*stats).at(0).counters.at("depth") == 2);
  BOOST_TEST(std::get<0>(*stats).at(0).counters.at("capacity") == 2);
}

BOOST_AUTO_TEST_CASE(ready_flushes_in_order_then_writes_straight_through) {
  start(3);
  send("1");
  send("2");
  send("3");
  send("4"); // "1" dropped
  caf::anon_send(queue, upstream_ready_atom::value, session);
  run();
  BOOST_TEST(written() == (strings{"2", "3", "4"}));
  BOOST_TEST(board->counters.queue_depth.load() == 0u);
  BOOST_TEST(send("5"));
  BOOST_TEST(written() == (strings{"2", "3", "4", "5"}));
  auto stats = ask<actor_stats_list>(queue, stats_atom::value);
  BOOST_TEST_REQUIRE(stats.has_value());
  BOOST_TEST(std::get<0>(*stats).at(0).counters.at("flushed") == 3);
  BOOST_TEST(std::get<0>(*stats).at(0).counters.at("sent") == 1);
}

BOOST_AUTO_TEST_CASE(lost_queues_again_until_the_next_session) {
  start(10);
  caf::anon_send(queue, upstream_ready_atom::value, session);
  run();
  BOOST_TEST(send("a"));
  caf::anon_send(queue, upstream_lost_atom::value);
  run();
  BOOST_TEST(!send("b"));
  BOOST_TEST(!send("c"));
  BOOST_TEST(written() == strings{"a"});
  auto next_log = std::make_shared<probe_log>();
  auto next = spawn_probe_as<upstream_session_actor>(next_log);
  caf::anon_send(queue, upstream_ready_atom::value, next);
  run();
  auto flushed = next_log->of<write_upstream_atom, std::string>();
  BOOST_TEST_REQUIRE(flushed.size() == 2u);
  BOOST_TEST(flushed[0].get_as<std::string>(1) == "b");
  BOOST_TEST(flushed[1].get_as<std::string>(1) == "c");
  BOOST_TEST(written() == strings{"a"}); // nothing went to the old session
}

BOOST_AUTO_TEST_SUITE_END()
