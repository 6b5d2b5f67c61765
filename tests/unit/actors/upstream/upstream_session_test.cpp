// docs/protocol.md section 1 from one upstream connection's side: idle_watch on synthetic
// time, then the upstream_session actor over a fake link, with probes standing in for
// its supervisor and the dedup filter.
#include "actors/upstream/upstream_session.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace runrelay::test;
using runrelay::actors::actor_stats;
using runrelay::actors::actor_stats_list;
using runrelay::actors::connected_atom;
using runrelay::actors::dedup_filter_actor;
using runrelay::actors::idle_watch;
using runrelay::actors::link_alive_atom;
using runrelay::actors::link_down_atom;
using runrelay::actors::link_frame_atom;
using runrelay::actors::link_up_atom;
using runrelay::actors::resume_point_atom;
using runrelay::actors::stats_atom;
using runrelay::actors::status_board;
using runrelay::actors::upstream_session_settings;
using runrelay::actors::write_upstream_atom;
using runrelay::protocol::upstream_event;
using std::chrono::milliseconds;

namespace {

struct session_fixture : actor_fixture {
  void start(milliseconds ping = milliseconds(1000),
             milliseconds idle = milliseconds(100)) {
    supervisor = spawn_probe(supervisor_log);
    dedup =
        spawn_probe_as<dedup_filter_actor>(dedup_log, [this](const caf::message& msg) {
          return msg.match_element<resume_point_atom>(0)
                     ? caf::make_message(resume_id, resume_known)
                     : caf::message{};
        });
    auto dial = [this](runrelay::actors::link_owner_actor owner) {
      ++dials;
      link->owner = std::move(owner);
      return std::static_pointer_cast<runrelay::actors::upstream_link>(link);
    };
    session = spawn(runrelay::actors::upstream_session,
                    caf::actor_cast<runrelay::actors::session_owner_actor>(supervisor),
                    dedup, dial, upstream_session_settings{"relay-1", ping, idle}, board);
    watch(supervisor, session);
    run();
  }
  void up() {
    caf::anon_send(session, link_up_atom::value);
    run();
  }
  void frame(const std::string& text, bool binary = false) {
    caf::anon_send(session, link_frame_atom::value, text, binary);
    run();
  }
  bool exited() const { return !supervisor_log->downs.empty(); }
  std::vector<upstream_event> events() const {
    std::vector<upstream_event> result;
    for (auto& msg : dedup_log->of<upstream_event>())
      result.push_back(msg.get_as<upstream_event>(0));
    return result;
  }

  std::shared_ptr<status_board> board = std::make_shared<status_board>("relay-1");
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>();
  probe_log_ptr supervisor_log = std::make_shared<probe_log>();
  probe_log_ptr dedup_log = std::make_shared<probe_log>();
  std::string resume_id = "e7";
  bool resume_known = true;
  int dials = 0;
  caf::actor supervisor;
  dedup_filter_actor dedup;
  runrelay::actors::upstream_session_actor session;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(upstream_session, session_fixture)

BOOST_AUTO_TEST_CASE(idle_watch_expires_exactly_after_the_timeout) {
  idle_watch watch(milliseconds(100));
  auto t0 = idle_watch::time_point{} + std::chrono::hours(1);
  watch.heard(t0);
  BOOST_TEST(!watch.expired(t0 + milliseconds(99)));
  BOOST_TEST(watch.expired(t0 + milliseconds(100)));
  BOOST_TEST((watch.remaining(t0 + milliseconds(30)) == milliseconds(70)));
  watch.heard(t0 + milliseconds(60));
  BOOST_TEST(!watch.expired(t0 + milliseconds(159)));
  BOOST_TEST(watch.expired(t0 + milliseconds(160)));
}

BOOST_AUTO_TEST_CASE(dials_at_once_and_waits_for_the_handshake) {
  start();
  BOOST_TEST(dials == 1);
  BOOST_TEST((link->owner.address() == session.address()));
  BOOST_TEST(link->texts.empty());
  BOOST_TEST(supervisor_log->messages.empty());
  BOOST_TEST(dedup_log->messages.empty());
}

BOOST_AUTO_TEST_CASE(hello_carries_the_resume_point_then_connected) {
  start();
  up();
  BOOST_TEST(dedup_log->count<resume_point_atom>() == 1u);
  BOOST_TEST_REQUIRE(link->texts.size() == 1u);
  BOOST_TEST(link->texts[0] ==
             R"({"type":"hello","relay_id":"relay-1","resume_after":"e7"})");
  BOOST_TEST(supervisor_log->count<connected_atom>() == 1u);
  BOOST_TEST(!exited());
}

BOOST_AUTO_TEST_CASE(hello_says_null_before_any_event) {
  resume_id = "";
  resume_known = false;
  start();
  up();
  BOOST_TEST_REQUIRE(link->texts.size() == 1u);
  BOOST_TEST(link->texts[0] ==
             R"({"type":"hello","relay_id":"relay-1","resume_after":null})");
}

BOOST_AUTO_TEST_CASE(json_ping_gets_a_pong_with_its_timestamp) {
  start();
  up();
  frame(R"({"type":"ping","timestamp":{"t":42}})");
  frame(R"({"type":"ping"})");
  frame(R"({"type":"pong"})"); // ignored
  BOOST_TEST_REQUIRE(link->texts.size() == 3u);
  BOOST_TEST(link->texts[1] == R"({"type":"pong","timestamp":{"t":42}})");
  BOOST_TEST(link->texts[2] == R"({"type":"pong"})");
  BOOST_TEST(board->counters.events_rejected.load() == 0u);
}

BOOST_AUTO_TEST_CASE(batch_events_reach_dedup_in_order) {
  start();
  up();
  frame(R"([{"run_id":"r1","type":"a","event_id":"x1"}, {"run_id":"r2","type":"b"}])");
  frame(R"({"run_id":"r1","type":"c","event_id":"x3"})");
  auto got = events();
  BOOST_TEST_REQUIRE(got.size() == 3u);
  BOOST_TEST(got[0].event_id == "x1");
  BOOST_TEST(got[0].raw == R"({"run_id":"r1","type":"a","event_id":"x1"})");
  BOOST_TEST(got[1].run_id == "r2");
  BOOST_TEST(got[1].event_id.rfind("h:", 0) == 0u); // derived
  BOOST_TEST(got[2].event_id == "x3");
}

BOOST_AUTO_TEST_CASE(garbage_is_rejected_and_counted_and_the_session_stays) {
  start();
  up();
  frame("not json");
  frame(R"({"type":"step"})");                  // no run_id
  frame(R"({"run_id":"r1","type":"a"})", true); // binary
  frame(R"([{"run_id":"r1","type":"a","event_id":"ok"}, 5])");
  BOOST_TEST(board->counters.events_rejected.load() == 4u);
  BOOST_TEST(events().size() == 1u);
  BOOST_TEST(!exited());
  auto stats = ask<actor_stats_list>(session, stats_atom::value);
  BOOST_TEST_REQUIRE(stats.has_value());
  BOOST_TEST(std::get<0>(*stats).at(0).kind == "upstream_session");
  BOOST_TEST(std::get<0>(*stats).at(0).counters.at("rejected") == 4);
  BOOST_TEST(std::get<0>(*stats).at(0).counters.at("frames") == 4);
  BOOST_TEST(std::get<0>(*stats).at(0).labels.at("handshake") == "done");
}

BOOST_AUTO_TEST_CASE(link_down_ends_the_session) {
  start();
  up();
  caf::anon_send(session, link_down_atom::value, std::string{"close 1000"});
  run();
  BOOST_TEST_REQUIRE(exited());
  auto& reason = supervisor_log->downs[0].reason; // a loss, not a clean quit
  BOOST_TEST(static_cast<bool>(reason));
  BOOST_TEST(reason.code() == static_cast<uint8_t>(caf::sec::runtime_error));
  BOOST_TEST(link->closes >= 1u);
}

BOOST_AUTO_TEST_CASE(link_down_before_the_handshake_ends_it_too) {
  start();
  caf::anon_send(session, link_down_atom::value, std::string{"refused"});
  run();
  BOOST_TEST(exited());
  BOOST_TEST(supervisor_log->count<connected_atom>() == 0u);
}

BOOST_AUTO_TEST_CASE(silence_for_the_idle_timeout_is_a_loss) {
  start(milliseconds(1000), milliseconds(100));
  up();
  advance(milliseconds(99));
  BOOST_TEST(!exited());
  BOOST_TEST(link->closes == 0u);
  advance(milliseconds(1));
  BOOST_TEST(exited());
  BOOST_TEST(link->closes == 1u);
}

BOOST_AUTO_TEST_CASE(frames_and_pongs_keep_it_alive) {
  start(milliseconds(1000), milliseconds(100));
  up();
  advance(milliseconds(60));
  caf::anon_send(session, link_alive_atom::value); // a WebSocket pong
  run();
  advance(milliseconds(99)); // t = 159
  BOOST_TEST(!exited());
  frame(R"({"type":"pong"})"); // heard at t = 159
  advance(milliseconds(99));
  BOOST_TEST(!exited());
  advance(milliseconds(1));
  BOOST_TEST(exited());
}

BOOST_AUTO_TEST_CASE(pings_upstream_every_interval) {
  start(milliseconds(1000), milliseconds(60000));
  up();
  advance(milliseconds(999));
  BOOST_TEST(link->pings == 0u);
  advance(milliseconds(1));
  BOOST_TEST(link->pings == 1u);
  advance(milliseconds(1000));
  BOOST_TEST(link->pings == 2u);
}

BOOST_AUTO_TEST_CASE(write_upstream_goes_to_the_link_as_is) {
  start();
  up();
  caf::anon_send(session, write_upstream_atom::value, std::string{R"({"cmd":"cancel"})"});
  caf::anon_send(session, write_upstream_atom::value, std::string{R"("plain")"});
  run();
  BOOST_TEST_REQUIRE(link->texts.size() == 3u);
  BOOST_TEST(link->texts[1] == R"({"cmd":"cancel"})");
  BOOST_TEST(link->texts[2] == R"("plain")");
}

BOOST_AUTO_TEST_SUITE_END()
