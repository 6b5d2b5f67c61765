// The reconnect_supervisor actor on the test coordinator: when it dials (spawns a
// session), how long it waits, what it tells the queue, every client (through the
// fan-out) and the status board. Sessions are fakes the test makes "handshake" or die.
// (reconnect_policy's arithmetic on its own: reconnect_policy_test.)
#include "actors/upstream/reconnect_supervisor.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace runrelay::test;
using runrelay::actors::actor_stats;
using runrelay::actors::actor_stats_list;
using runrelay::actors::backoff_settings;
using runrelay::actors::connected_atom;
using runrelay::actors::idle_check_atom;
using runrelay::actors::link_alive_atom;
using runrelay::actors::link_down_atom;
using runrelay::actors::link_frame_atom;
using runrelay::actors::link_up_atom;
using runrelay::actors::ping_tick_atom;
using runrelay::actors::reconnect_atom;
using runrelay::actors::session_owner_actor;
using runrelay::actors::stats_atom;
using runrelay::actors::status_board;
using runrelay::actors::upstream_lost_atom;
using runrelay::actors::upstream_queue_actor;
using runrelay::actors::upstream_ready_atom;
using runrelay::actors::upstream_session_actor;
using runrelay::actors::write_upstream_atom;
using runrelay::protocol::frame_ptr;
using runrelay::protocol::to_string;
using std::chrono::milliseconds;

namespace {

// Stands in for upstream_session: (link_up_atom) from the test makes it report its
// handshake to the supervisor, as the real one does after hello.
upstream_session_actor::behavior_type fake_session(upstream_session_actor::pointer self,
                                                   session_owner_actor supervisor) {
  return {
      [=](link_up_atom) { self->send(supervisor, connected_atom::value); },
      [](link_frame_atom, const std::string&, bool) {},
      [](link_alive_atom) {},
      [](link_down_atom, const std::string&) {},
      [](write_upstream_atom, const std::string&) {},
      [](ping_tick_atom, uint64_t) {},
      [](idle_check_atom, uint64_t) {},
      [](stats_atom) {
        return actor_stats_list{actor_stats{"upstream_session", "fake", 0, {}, {}}};
      },
  };
}

struct supervisor_fixture : actor_fixture {
  supervisor_fixture() {
    queue = spawn_probe_as<upstream_queue_actor>(queue_log);
    run();
  }

  runrelay::actors::supervisor_actor start(backoff_settings settings, uint64_t seed = 1) {
    auto spawner = [this](runrelay::actors::supervisor_pointer sup) {
      auto session = sup->spawn(fake_session, session_owner_actor{sup});
      sessions.push_back(session);
      spawned.push_back(caf::actor_cast<caf::actor>(session));
      return session;
    };
    supervisor = spawn(runrelay::actors::reconnect_supervisor, settings, seed, spawner,
                       runrelay::actors::supervisor_deps{queue, fanout, board});
    run();
    return supervisor;
  }

  void lose(std::size_t index) {
    caf::anon_send_exit(sessions.at(index), caf::exit_reason::user_shutdown);
    run();
  }
  void handshake(std::size_t index) {
    caf::anon_send(sessions.at(index), link_up_atom::value);
    run();
  }
  // The next dial comes exactly `delay` after the wait started, not a millisecond early.
  void expect_dial_after(milliseconds delay) {
    auto before = sessions.size();
    advance(delay - milliseconds(1));
    BOOST_TEST_REQUIRE(sessions.size() == before);
    advance(milliseconds(1));
    BOOST_TEST_REQUIRE(sessions.size() == before + 1);
  }
  // Every `upstream` frame broadcast to the clients, in order.
  std::vector<std::string> announced() const {
    std::vector<std::string> result;
    for (auto& frame : fanout->broadcasts)
      result.push_back(*frame);
    return result;
  }
  std::string board_state() const {
    return std::string{to_string(board->upstream().state)};
  }

  std::shared_ptr<status_board> board = std::make_shared<status_board>("relay-1");
  std::shared_ptr<inline_fanout> fanout = std::make_shared<inline_fanout>();
  probe_log_ptr queue_log = std::make_shared<probe_log>();
  upstream_queue_actor queue;
  runrelay::actors::supervisor_actor supervisor;
  std::vector<upstream_session_actor> sessions;
};

backoff_settings exact(uint32_t max_attempts = 0) {
  return backoff_settings{milliseconds(1000), milliseconds(30000), 0.0, max_attempts};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(reconnect_supervisor, supervisor_fixture)

BOOST_AUTO_TEST_CASE(first_dial_is_immediate) {
  start(exact());
  BOOST_TEST(sessions.size() == 1u);
  BOOST_TEST(board_state() == "connecting");
  BOOST_TEST(board->upstream().attempt == 1u);
  BOOST_TEST(!board->upstream().retry_in_ms.has_value());
  BOOST_TEST(
      announced() ==
      std::vector<std::string>{
          R"({"type":"upstream","state":"connecting","attempt":1,"retry_in_ms":null})"});
}

BOOST_AUTO_TEST_CASE(failed_dials_wait_the_exact_backoff) {
  start(exact());
  const int64_t expected[] = {2000, 4000, 8000, 16000, 30000, 30000};
  for (std::size_t i = 0; i < 6; ++i) {
    lose(i);
    BOOST_TEST(board_state() == "reconnecting");
    BOOST_TEST(board->upstream().attempt == i + 2);
    BOOST_TEST(board->upstream().retry_in_ms.value_or(0) ==
               static_cast<uint64_t>(expected[i]));
    expect_dial_after(milliseconds(expected[i]));
  }
  // Each wait is announced when it starts (a dial starting may be announced too).
  std::vector<std::string> waits;
  for (auto& frame : announced())
    if (frame.find(R"("retry_in_ms":null)") == std::string::npos)
      waits.push_back(frame);
  BOOST_TEST_REQUIRE(waits.size() == 6u);
  BOOST_TEST(
      waits[0] ==
      R"({"type":"upstream","state":"reconnecting","attempt":2,"retry_in_ms":2000})");
  BOOST_TEST(
      waits[5] ==
      R"({"type":"upstream","state":"reconnecting","attempt":7,"retry_in_ms":30000})");
  BOOST_TEST(queue_log->messages.empty()); // never connected: nothing for the queue
}

BOOST_AUTO_TEST_CASE(jittered_wait_is_the_announced_retry_in_ms) {
  start(backoff_settings{milliseconds(1000), milliseconds(30000), 0.5, 0}, 99);
  for (std::size_t i = 0; i < 4; ++i) {
    lose(i);
    auto retry = board->upstream().retry_in_ms;
    BOOST_TEST_REQUIRE(retry.has_value());
    expect_dial_after(milliseconds(*retry));
  }
}

BOOST_AUTO_TEST_CASE(handshake_tells_queue_clients_and_board) {
  start(exact());
  handshake(0);
  BOOST_TEST(board_state() == "connected");
  BOOST_TEST(board->upstream().attempt == 0u);
  BOOST_TEST(board->counters.upstream_reconnects.load() == 0u);
  auto ready = queue_log->of<upstream_ready_atom, upstream_session_actor>();
  BOOST_TEST_REQUIRE(ready.size() == 1u);
  BOOST_TEST((ready[0].get_as<upstream_session_actor>(1) == sessions[0]));
  BOOST_TEST(announced().back() ==
             R"({"type":"upstream","state":"connected","attempt":0,"retry_in_ms":null})");
}

BOOST_AUTO_TEST_CASE(loss_after_handshake_restarts_at_base) {
  start(exact());
  lose(0);
  expect_dial_after(milliseconds(2000));
  lose(1);
  expect_dial_after(milliseconds(4000));
  handshake(2); // after failed dials: a reconnect (a failed dial is a loss)
  BOOST_TEST(board->counters.upstream_reconnects.load() == 1u);
  lose(2);
  BOOST_TEST(queue_log->count<upstream_lost_atom>() == 1u);
  BOOST_TEST(board_state() == "reconnecting");
  BOOST_TEST(board->upstream().attempt == 1u);
  BOOST_TEST(
      announced().back() ==
      R"({"type":"upstream","state":"reconnecting","attempt":1,"retry_in_ms":1000})");
  expect_dial_after(milliseconds(1000));
  lose(3);
  expect_dial_after(milliseconds(2000));
  handshake(4);
  BOOST_TEST(board->counters.upstream_reconnects.load() == 2u);
  BOOST_TEST((queue_log->count<upstream_ready_atom, upstream_session_actor>() == 2u));
}

BOOST_AUTO_TEST_CASE(handshake_from_a_replaced_session_is_ignored) {
  start(exact());
  lose(0);
  BOOST_TEST((ask<bool, std::string>(supervisor, reconnect_atom::value).has_value()));
  // sessions[0] is dead; a fresh stand-in claiming a handshake is not the session.
  auto impostor = spawn(fake_session, session_owner_actor{supervisor});
  caf::anon_send(impostor, link_up_atom::value);
  run();
  BOOST_TEST(board_state() == "connecting");
  BOOST_TEST(queue_log->messages.empty());
}

BOOST_AUTO_TEST_CASE(failed_after_max_attempts_and_no_more_dials) {
  start(exact(3));
  lose(0);
  expect_dial_after(milliseconds(2000));
  lose(1);
  expect_dial_after(milliseconds(4000));
  lose(2);
  BOOST_TEST(board_state() == "failed");
  BOOST_TEST(!board->upstream().retry_in_ms.has_value());
  BOOST_TEST(announced().back() ==
             R"({"type":"upstream","state":"failed","attempt":3,"retry_in_ms":null})");
  sched.advance_time(std::chrono::hours(24));
  run();
  sched.trigger_timeouts();
  run();
  BOOST_TEST(sessions.size() == 3u);
  BOOST_TEST(board_state() == "failed");
}

BOOST_AUTO_TEST_CASE(manual_reconnect_from_failed_dials_now_with_attempts_reset) {
  start(exact(2));
  lose(0);
  expect_dial_after(milliseconds(2000));
  lose(1);
  BOOST_TEST_REQUIRE(board_state() == "failed");
  auto reply = ask<bool, std::string>(supervisor, reconnect_atom::value);
  BOOST_TEST_REQUIRE(reply.has_value());
  BOOST_TEST(std::get<0>(*reply));
  BOOST_TEST(std::get<1>(*reply) == "connecting");
  BOOST_TEST(sessions.size() == 3u); // dialled at once
  BOOST_TEST(board_state() == "connecting");
  BOOST_TEST(board->upstream().attempt == 1u);
  BOOST_TEST(
      announced().back() ==
      R"({"type":"upstream","state":"connecting","attempt":1,"retry_in_ms":null})");
  lose(2); // the count starts over: one failure is not yet max_attempts
  BOOST_TEST(board_state() == "reconnecting");
  BOOST_TEST(board->upstream().attempt == 2u);
  expect_dial_after(milliseconds(2000));
  lose(3);
  BOOST_TEST(board_state() == "failed");
}

BOOST_AUTO_TEST_CASE(manual_reconnect_while_waiting_cancels_the_pending_dial) {
  start(exact());
  lose(0);
  auto reply = ask<bool, std::string>(supervisor, reconnect_atom::value);
  BOOST_TEST_REQUIRE(reply.has_value());
  BOOST_TEST(std::get<0>(*reply));
  BOOST_TEST(sessions.size() == 2u);
  advance(milliseconds(5000)); // the stale 2000 ms dial must not fire
  BOOST_TEST(sessions.size() == 2u);
  BOOST_TEST(board_state() == "connecting");
}

BOOST_AUTO_TEST_CASE(manual_reconnect_during_a_dial_replaces_the_session) {
  start(exact());
  lose(0);
  expect_dial_after(milliseconds(2000)); // dial 2 in progress
  auto watcher_log = std::make_shared<probe_log>();
  auto watcher = spawn_probe(watcher_log);
  watch(watcher, sessions[1]);
  run();
  auto reply = ask<bool, std::string>(supervisor, reconnect_atom::value);
  BOOST_TEST_REQUIRE(reply.has_value());
  BOOST_TEST(std::get<0>(*reply));
  BOOST_TEST(watcher_log->downs.size() == 1u); // the abandoned dial was stopped
  BOOST_TEST(sessions.size() == 3u);
  BOOST_TEST(board_state() == "connecting"); // its exit did not count as a failure
  handshake(2);
  BOOST_TEST(board_state() == "connected");
}

BOOST_AUTO_TEST_CASE(manual_reconnect_rejected_while_connecting_or_connected) {
  start(exact());
  auto reply = ask<bool, std::string>(supervisor, reconnect_atom::value);
  BOOST_TEST_REQUIRE(reply.has_value());
  BOOST_TEST(!std::get<0>(*reply));
  BOOST_TEST(std::get<1>(*reply) == "connecting");
  handshake(0);
  reply = ask<bool, std::string>(supervisor, reconnect_atom::value);
  BOOST_TEST_REQUIRE(reply.has_value());
  BOOST_TEST(!std::get<0>(*reply));
  BOOST_TEST(std::get<1>(*reply) == "connected");
  BOOST_TEST(sessions.size() == 1u);
  BOOST_TEST(board_state() == "connected");
}

// docs/protocol.md section 2: retry_in_ms "is null when no dial is scheduled (..., or
// while a dial is in progress)": the dial that ends a wait clears it on the status board.
BOOST_AUTO_TEST_CASE(retry_in_ms_is_null_while_a_dial_is_in_progress) {
  start(exact());
  lose(0);
  BOOST_TEST(board->upstream().retry_in_ms.has_value());
  expect_dial_after(milliseconds(2000));
  BOOST_TEST(board_state() == "reconnecting");
  BOOST_TEST(board->upstream().attempt == 2u);
  BOOST_TEST(!board->upstream().retry_in_ms.has_value());
}

BOOST_AUTO_TEST_CASE(stats_include_the_session_when_there_is_one) {
  start(exact());
  auto both = ask<actor_stats_list>(supervisor, stats_atom::value);
  BOOST_TEST_REQUIRE(both.has_value());
  auto& list = std::get<0>(*both);
  BOOST_TEST_REQUIRE(list.size() == 2u);
  BOOST_TEST(list[0].kind == "supervisor");
  BOOST_TEST(list[0].labels.at("state") == "connecting");
  BOOST_TEST(list[0].counters.at("dials") == 1);
  BOOST_TEST(list[1].kind == "upstream_session");
  lose(0);
  auto own = ask<actor_stats_list>(supervisor, stats_atom::value);
  BOOST_TEST_REQUIRE(own.has_value());
  BOOST_TEST_REQUIRE(std::get<0>(*own).size() == 1u);
  BOOST_TEST(std::get<0>(*own)[0].labels.at("state") == "reconnecting");
  BOOST_TEST(std::get<0>(*own)[0].counters.at("failed_in_row") == 1);
}

BOOST_AUTO_TEST_CASE(a_killed_session_is_a_lost_connection) {
  start(exact());
  handshake(0);
  caf::anon_send_exit(sessions.at(0), caf::exit_reason::kill);
  run();
  BOOST_TEST(board_state() == "reconnecting");
  BOOST_TEST(board->upstream().attempt == 1u);
  BOOST_TEST(queue_log->count<upstream_lost_atom>() == 1u);
  BOOST_TEST(
      announced().back() ==
      R"({"type":"upstream","state":"reconnecting","attempt":1,"retry_in_ms":1000})");
  expect_dial_after(milliseconds(1000));
  handshake(1);
  BOOST_TEST(board_state() == "connected");
}

BOOST_AUTO_TEST_SUITE_END()
