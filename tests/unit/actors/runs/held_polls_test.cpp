// run_book::read_page and held_polls: GET /runs/<run_id>/events (docs/protocol.md
// section 3): `after` as seq or event_id, next/next_id/gap, and long-polls held until an
// event, their wait, or the resume wait for an id not retained yet.
#include "actors/runs/held_polls.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace runrelay::test;
using polls_t = runrelay::actors::held_polls;
using runrelay::actors::poll_request;
using runrelay::actors::run_settings;
using runrelay::protocol::poll_page;
using runrelay::protocol::poll_position;
using std::chrono::milliseconds;
using kind = poll_position::kind;

namespace {

runrelay::protocol::upstream_event event(const std::string& id) {
  runrelay::protocol::upstream_event ev;
  ev.run_id = "r1";
  ev.type = "step";
  ev.event_id = id;
  ev.raw = R"({"run_id":"r1","type":"step","event_id":")" + id + R"("})";
  return ev;
}

std::vector<std::string> ids(const poll_page& page) {
  std::vector<std::string> result;
  for (auto& envelope : page.events)
    result.emplace_back(boost::json::parse(*envelope).at("event_id").as_string());
  return result;
}

struct poll_fixture {
  explicit poll_fixture(std::size_t history = 3) {
    run_settings settings;
    settings.history_limit = history;
    book = std::make_unique<runrelay::actors::run_book>(
        "r1", settings, std::make_shared<inline_fanout>(),
        [](runrelay::actors::client_id_t, const runrelay::actors::client_sink_ptr&) {});
  }
  void publish(std::initializer_list<const char*> list) {
    for (auto* id : list)
      book->publish(event(id), nullptr);
  }
  poll_page page(poll_position after, std::size_t limit = 100) {
    auto result = book->read_page({std::move(after), limit}, true);
    BOOST_REQUIRE(result);
    return *result;
  }
  // A reply that records its answer; `answers` counts them.
  runrelay::actors::poll_reply reply() {
    return std::make_shared<runrelay::actors::poll_answer>(
        [this](std::optional<poll_page> page) {
          ++answers;
          last = std::move(page);
        });
  }
  std::unique_ptr<runrelay::actors::run_book> book;
  int answers = 0;
  std::optional<poll_page> last;
  polls_t::clock::time_point t0 = polls_t::clock::now();
};

} // namespace

BOOST_AUTO_TEST_SUITE(held_polls)

BOOST_AUTO_TEST_CASE(after_absent_reads_from_the_start_and_names_the_cursor) {
  poll_fixture f;
  f.publish({"a", "b"});
  auto page = f.page({});
  BOOST_TEST(ids(page) == (std::vector<std::string>{"a", "b"}));
  BOOST_TEST(page.next == 2u);
  BOOST_TEST(*page.next_id == "b");
  BOOST_TEST(!page.gap);
}

BOOST_AUTO_TEST_CASE(after_a_seq_or_an_id_continues_right_after_it) {
  poll_fixture f;
  f.publish({"a", "b", "c"});
  BOOST_TEST(ids(f.page({kind::seq, 1, {}})) == (std::vector<std::string>{"b", "c"}));
  auto by_id = f.page({kind::event_id, 0, "b"});
  BOOST_TEST(ids(by_id) == (std::vector<std::string>{"c"}));
  auto at_end = f.page({kind::event_id, 0, "c"});
  BOOST_TEST(at_end.events.empty());
  BOOST_TEST(at_end.next == 3u);
  BOOST_TEST(*at_end.next_id == "c");
  BOOST_TEST(!at_end.gap);
}

BOOST_AUTO_TEST_CASE(limit_caps_the_page_and_next_continues_it) {
  poll_fixture f;
  f.publish({"a", "b", "c"});
  auto first = f.page({}, 2);
  BOOST_TEST(ids(first) == (std::vector<std::string>{"a", "b"}));
  BOOST_TEST(ids(f.page({kind::seq, first.next, {}})) == (std::vector<std::string>{"c"}));
}

BOOST_AUTO_TEST_CASE(an_evicted_position_is_a_gap) {
  poll_fixture f(2);
  f.publish({"a", "b", "c", "d"}); // a and b evicted
  auto by_seq = f.page({kind::seq, 1, {}});
  BOOST_TEST(ids(by_seq) == (std::vector<std::string>{"c", "d"}));
  BOOST_TEST(by_seq.gap);
  auto by_id = f.page({kind::event_id, 0, "a"});
  BOOST_TEST(by_id.gap);
  BOOST_TEST(ids(by_id) == (std::vector<std::string>{"c", "d"}));
  BOOST_TEST(f.page({}).gap);                  // the run's first events are gone
  BOOST_TEST(!f.page({kind::seq, 2, {}}).gap); // right before the oldest retained
}

BOOST_AUTO_TEST_CASE(an_unknown_id_waits_until_the_resume_wait_is_over) {
  poll_fixture f;
  f.publish({"a"});
  BOOST_TEST(!f.book->read_page({{kind::event_id, 0, "zz"}, 100}, false));
  auto page = f.book->read_page({{kind::event_id, 0, "zz"}, 100}, true);
  BOOST_REQUIRE(page);
  BOOST_TEST(page->gap);
  BOOST_TEST(page->next == 1u);
  BOOST_TEST(*page->next_id == "a");
}

BOOST_AUTO_TEST_CASE(a_poll_with_something_to_return_is_answered_at_once) {
  poll_fixture f;
  f.publish({"a"});
  polls_t polls(milliseconds(1000));
  BOOST_TEST(!polls.take(*f.book, {{}, 100}, milliseconds(5000), f.reply(), f.t0));
  BOOST_TEST(f.answers == 1);
  BOOST_TEST(ids(*f.last) == (std::vector<std::string>{"a"}));
  BOOST_TEST(polls.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_held_poll_is_answered_by_the_next_event) {
  poll_fixture f;
  f.publish({"a"});
  polls_t polls(milliseconds(1000));
  auto held =
      polls.take(*f.book, {{kind::seq, 1, {}}, 100}, milliseconds(5000), f.reply(), f.t0);
  BOOST_REQUIRE(held);
  BOOST_TEST((held->at - f.t0 == milliseconds(1000))); // the resume wait comes first
  BOOST_TEST(f.answers == 0);
  f.publish({"b"});
  polls.event_arrived(*f.book, f.t0 + milliseconds(10));
  BOOST_TEST(f.answers == 1);
  BOOST_TEST(ids(*f.last) == (std::vector<std::string>{"b"}));
  BOOST_TEST(polls.size() == 0u);
  BOOST_TEST(polls.delivered() == 1u);
}

BOOST_AUTO_TEST_CASE(a_held_poll_answers_empty_when_its_wait_ends) {
  poll_fixture f;
  f.publish({"a"});
  polls_t polls(milliseconds(0));
  auto held = polls.take(*f.book, {{kind::event_id, 0, "a"}, 100}, milliseconds(500),
                         f.reply(), f.t0);
  BOOST_REQUIRE(held);
  BOOST_TEST(polls.tick(*f.book, held->id, f.t0 + milliseconds(100)).has_value());
  BOOST_TEST(f.answers == 0);
  BOOST_TEST(!polls.tick(*f.book, held->id, f.t0 + milliseconds(500)));
  BOOST_TEST(f.answers == 1);
  BOOST_TEST(f.last->events.empty());
  BOOST_TEST(*f.last->next_id == "a");
}

BOOST_AUTO_TEST_CASE(an_id_that_arrives_during_the_resume_wait_is_resumed_exactly) {
  poll_fixture f;
  f.publish({"a"});
  polls_t polls(milliseconds(1000));
  auto held = polls.take(*f.book, {{kind::event_id, 0, "b"}, 100}, milliseconds(0),
                         f.reply(), f.t0);
  BOOST_REQUIRE(held);
  f.publish({"b", "c"});
  polls.event_arrived(*f.book, f.t0 + milliseconds(5));
  BOOST_TEST(f.answers == 1);
  BOOST_TEST(ids(*f.last) == (std::vector<std::string>{"c"}));
  BOOST_TEST(!f.last->gap);
}

BOOST_AUTO_TEST_CASE(an_id_never_seen_gets_a_gap_after_the_resume_wait) {
  poll_fixture f;
  f.publish({"a"});
  polls_t polls(milliseconds(200));
  auto held = polls.take(*f.book, {{kind::event_id, 0, "zz"}, 100}, milliseconds(0),
                         f.reply(), f.t0);
  BOOST_REQUIRE(held);
  BOOST_TEST(!polls.tick(*f.book, held->id, f.t0 + milliseconds(200)));
  BOOST_TEST(f.answers == 1);
  BOOST_TEST(f.last->gap);
  BOOST_TEST(ids(*f.last) == (std::vector<std::string>{"a"}));
}

BOOST_AUTO_TEST_CASE(shutdown_answers_every_held_poll_and_a_dropped_reply_says_unknown) {
  poll_fixture f;
  f.publish({"a"});
  polls_t polls(milliseconds(0));
  polls.take(*f.book, {{kind::seq, 1, {}}, 100}, milliseconds(5000), f.reply(), f.t0);
  polls.answer_all(*f.book);
  BOOST_TEST(f.answers == 1);
  BOOST_TEST(f.last.has_value());
  { auto dropped = f.reply(); }
  BOOST_TEST(f.answers == 2);
  BOOST_TEST(!f.last.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
