// The client_directory actor on the test coordinator: it watches the sessions it adopts,
// forgets those that quit, and closes the connection of one that failed with 1011.
#include "actors/clients/client_directory.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace runrelay::test;
using runrelay::actors::actor_stats_list;
using runrelay::actors::adopt_atom;
using runrelay::actors::client_closed_atom;
using runrelay::actors::client_directory_actor;
using runrelay::actors::client_directory_state;
using runrelay::actors::client_gone_atom;
using runrelay::actors::client_id_t;
using runrelay::actors::client_session_actor;
using runrelay::actors::client_session_deps;
using runrelay::actors::shutdown_atom;
using runrelay::actors::stats_atom;
using runrelay::actors::status_board;

namespace {

struct directory_fixture : actor_fixture {
  directory_fixture() {
    dedup = spawn_probe_as<runrelay::actors::dedup_filter_actor>(dedup_log);
    queue = spawn_probe_as<runrelay::actors::upstream_queue_actor>(queue_log);
    directory = spawn(runrelay::actors::client_directory, std::string{"internal error"});
    run();
  }
  // A session for client `id`, spawned as the I/O thread does, and adopted.
  client_session_actor connect(client_id_t id, std::shared_ptr<recording_sink> to) {
    auto session = spawn(runrelay::actors::client_session, id, "c" + std::to_string(id),
                         to, runrelay::actors::client_limits{},
                         client_session_deps{dedup, queue, board});
    caf::anon_send(directory, adopt_atom::value, id, session,
                   runrelay::actors::client_sink_ptr{to});
    run();
    return session;
  }
  client_directory_state& state() { return state_of<client_directory_state>(directory); }
  std::size_t gone(client_id_t id) const {
    std::size_t n = 0;
    for (auto& msg : dedup_log->of<client_gone_atom, client_id_t>())
      n += msg.get_as<client_id_t>(1) == id ? 1 : 0;
    return n;
  }

  std::shared_ptr<status_board> board = std::make_shared<status_board>("relay-1");
  probe_log_ptr dedup_log = std::make_shared<probe_log>();
  probe_log_ptr queue_log = std::make_shared<probe_log>();
  runrelay::actors::dedup_filter_actor dedup;
  runrelay::actors::upstream_queue_actor queue;
  client_directory_actor directory;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(client_directory, directory_fixture)

BOOST_AUTO_TEST_CASE(a_session_that_quits_is_forgotten_without_a_failure) {
  auto sink = std::make_shared<recording_sink>();
  auto session = connect(1, sink);
  BOOST_TEST(state().sessions.size() == 1u);
  caf::anon_send(session, client_closed_atom::value);
  run();
  BOOST_TEST(state().sessions.empty());
  BOOST_TEST(state().session_failures == 0u);
  BOOST_TEST_REQUIRE(sink->closes.size() == 1u);
  BOOST_TEST(sink->closes[0].first == 1000u);
  BOOST_TEST(gone(1) == 1u);
}

BOOST_AUTO_TEST_CASE(a_killed_session_closes_its_client_with_1011) {
  auto sink = std::make_shared<recording_sink>();
  auto other = std::make_shared<recording_sink>();
  auto session = connect(1, sink);
  connect(2, other);
  caf::anon_send_exit(session, caf::exit_reason::kill);
  run();
  BOOST_TEST(state().sessions.size() == 1u);
  BOOST_TEST(state().sessions.count(2) == 1u);
  BOOST_TEST(state().session_failures == 1u);
  BOOST_TEST_REQUIRE(sink->closes.size() == 1u);
  BOOST_TEST(sink->closes[0].first == 1011u);
  BOOST_TEST(gone(1) == 1u);
  BOOST_TEST(other->closes.empty());
  auto stats = ask<actor_stats_list>(directory, stats_atom::value);
  BOOST_TEST_REQUIRE(stats.has_value());
  auto& list = std::get<0>(*stats);
  BOOST_TEST_REQUIRE(list.size() == 2u); // its own entry and the one session left
  BOOST_TEST(list[0].kind == "client_directory");
  BOOST_TEST(list[0].counters.at("session_failures") == 1);
  BOOST_TEST(list[1].kind == "client_session");
}

BOOST_AUTO_TEST_CASE(a_session_dead_before_adoption_is_still_seen) {
  auto sink = std::make_shared<recording_sink>();
  auto session =
      spawn(runrelay::actors::client_session, client_id_t{5}, std::string{"c5"}, sink,
            runrelay::actors::client_limits{}, client_session_deps{dedup, queue, board});
  caf::anon_send_exit(session, caf::exit_reason::kill);
  run();
  caf::anon_send(directory, adopt_atom::value, client_id_t{5}, session,
                 runrelay::actors::client_sink_ptr{sink});
  run();
  BOOST_TEST(state().sessions.empty());
  BOOST_TEST(state().session_failures == 1u);
  BOOST_TEST(sink->closes.back().first == 1011u);
}

// The queue is not restarted (actors/README.md, "Supervision"): a session whose `send`
// finds it gone fails, and its client is closed with 1011 rather than left hanging.
BOOST_AUTO_TEST_CASE(a_dead_queue_fails_the_session_that_sends) {
  auto sink = std::make_shared<recording_sink>();
  auto session = connect(1, sink);
  caf::anon_send_exit(queue, caf::exit_reason::kill);
  run();
  caf::anon_send(session, runrelay::actors::client_text_atom::value,
                 std::string{R"({"type":"send","data":1})"});
  run();
  BOOST_TEST(state().sessions.empty());
  BOOST_TEST(state().session_failures == 1u);
  BOOST_TEST_REQUIRE(!sink->closes.empty());
  BOOST_TEST(sink->closes.back().first == 1011u);
}

BOOST_AUTO_TEST_CASE(stats_ask_at_most_limit_sessions) {
  for (client_id_t id = 1; id <= 3; ++id)
    connect(id, std::make_shared<recording_sink>());
  auto stats = ask<actor_stats_list>(directory, stats_atom::value, uint64_t{2});
  BOOST_TEST_REQUIRE(stats.has_value());
  BOOST_TEST(std::get<0>(*stats).size() == 3u); // its own and two sessions
}

BOOST_AUTO_TEST_CASE(going_away_closes_every_client_with_1001_over_the_spread) {
  auto a = std::make_shared<recording_sink>();
  auto b = std::make_shared<recording_sink>();
  connect(1, a);
  connect(2, b);
  caf::anon_send(directory, shutdown_atom::value, caf::timespan{std::chrono::seconds(2)});
  run();
  BOOST_TEST_REQUIRE(!a->closes.empty()); // the first at once
  BOOST_TEST(a->closes[0].first == 1001u);
  BOOST_TEST(b->closes.empty());
  advance(std::chrono::seconds(1));
  BOOST_TEST_REQUIRE(!b->closes.empty());
  BOOST_TEST(b->closes[0].first == 1001u);
  BOOST_TEST(state().sessions.empty());
  BOOST_TEST(state().session_failures == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
