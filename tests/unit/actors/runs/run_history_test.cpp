// run_history: a run's retained envelopes, numbered from 1, bounded by the history limit.
#include "actors/runs/run_history.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using history_t = runrelay::actors::run_history;
using runrelay::protocol::frame_ptr;
using runrelay::protocol::make_frame;

namespace {

// Appends events e<from>..e<to>, each envelope exactly `bytes` long; returns them.
std::vector<frame_ptr> fill(history_t& history, int from, int to,
                            std::size_t bytes = 10) {
  std::vector<frame_ptr> frames;
  for (int i = from; i <= to; ++i) {
    auto text = "e" + std::to_string(i);
    text.resize(bytes, '.');
    frames.push_back(make_frame(text));
    history.append("e" + std::to_string(i), frames.back());
  }
  return frames;
}

} // namespace

BOOST_AUTO_TEST_SUITE(run_history)

BOOST_AUTO_TEST_CASE(empty_history) {
  history_t history(5);
  BOOST_TEST(history.size() == 0u);
  BOOST_TEST(history.last_seq() == 0u);
  BOOST_TEST(history.next_seq() == 1u);
  BOOST_TEST(history.first_seq() == 1u);
  BOOST_TEST(!history.contains("e1"));
  BOOST_TEST(history.envelopes_from(1, 10, 1000).empty());
}

BOOST_AUTO_TEST_CASE(seq_counts_from_one) {
  history_t history(5);
  fill(history, 1, 3);
  BOOST_TEST(history.seq_of("e1").value_or(0) == 1u);
  BOOST_TEST(history.seq_of("e3").value_or(0) == 3u);
  BOOST_TEST(history.first_seq() == 1u);
  BOOST_TEST(history.last_seq() == 3u);
  BOOST_TEST(history.next_seq() == 4u);
  BOOST_TEST(history.contains("e2"));
  BOOST_TEST(!history.seq_of("e4").has_value());
}

BOOST_AUTO_TEST_CASE(limit_evicts_the_oldest_and_their_ids) {
  history_t history(3);
  fill(history, 1, 5);
  BOOST_TEST(history.size() == 3u);
  BOOST_TEST(history.first_seq() == 3u);
  BOOST_TEST(history.last_seq() == 5u);
  BOOST_TEST(!history.contains("e1"));
  BOOST_TEST(!history.contains("e2"));
  BOOST_TEST(!history.seq_of("e2").has_value());
  BOOST_TEST(history.contains("e3"));
  BOOST_TEST(history.seq_of("e5").value_or(0) == 5u);
  // An evicted id may come back: it is a new event with the next seq.
  history.append("e1", make_frame("again"));
  BOOST_TEST(history.seq_of("e1").value_or(0) == 6u);
  BOOST_TEST(!history.contains("e3"));
}

BOOST_AUTO_TEST_CASE(envelopes_from_returns_the_shared_frames_in_order) {
  history_t history(10);
  auto frames = fill(history, 1, 5);
  auto all = history.envelopes_from(1, 100, 1 << 20);
  BOOST_TEST_REQUIRE(all.size() == 5u);
  for (std::size_t i = 0; i < all.size(); ++i)
    BOOST_TEST(all[i].get() == frames[i].get()); // the same bytes, not copies
  auto tail = history.envelopes_from(4, 100, 1 << 20);
  BOOST_TEST_REQUIRE(tail.size() == 2u);
  BOOST_TEST(tail[0].get() == frames[3].get());
  BOOST_TEST(history.envelopes_from(5, 100, 1 << 20).size() == 1u);
  BOOST_TEST(history.envelopes_from(6, 100, 1 << 20).empty());
}

BOOST_AUTO_TEST_CASE(envelopes_from_an_evicted_seq_starts_at_the_oldest_retained) {
  history_t history(3);
  auto frames = fill(history, 1, 5);
  auto got = history.envelopes_from(1, 100, 1 << 20);
  BOOST_TEST_REQUIRE(got.size() == 3u);
  BOOST_TEST(got[0].get() == frames[2].get());
  BOOST_TEST(got[2].get() == frames[4].get());
}

BOOST_AUTO_TEST_CASE(envelopes_from_respects_frame_and_byte_limits) {
  history_t history(10);
  auto frames = fill(history, 1, 5, 10);
  BOOST_TEST(history.envelopes_from(1, 2, 1 << 20).size() == 2u);
  BOOST_TEST(history.envelopes_from(1, 100, 30).size() == 3u); // exactly 30 bytes fit
  BOOST_TEST(history.envelopes_from(1, 100, 29).size() == 2u);
  // At least one frame, however small the byte limit.
  auto one = history.envelopes_from(2, 100, 1);
  BOOST_TEST_REQUIRE(one.size() == 1u);
  BOOST_TEST(one[0].get() == frames[1].get());
  BOOST_TEST(history.envelopes_from(2, 100, 0).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
