// star_sequencer: puts the runs' outcomes back in arrival order for "*" subscribers and
// resume_after, and never stalls for good on an outcome that does not come.
#include "actors/runs/star_sequencer.hpp"

#include <boost/test/unit_test.hpp>

using runrelay::actors::run_outcome;
using sequencer_t = runrelay::actors::star_sequencer;

namespace {

run_outcome outcome(uint64_t arrival, std::string id = {}) {
  return run_outcome{"r1",    arrival,
                     true,    id.empty() ? "e" + std::to_string(arrival) : id,
                     nullptr, nullptr};
}

std::vector<uint64_t> arrivals(const std::vector<run_outcome>& released) {
  std::vector<uint64_t> result;
  for (auto& x : released)
    result.push_back(x.arrival);
  return result;
}

} // namespace

BOOST_AUTO_TEST_SUITE(star_sequencer)

BOOST_AUTO_TEST_CASE(in_order_outcomes_pass_straight_through) {
  sequencer_t seq;
  BOOST_TEST(arrivals(seq.take(outcome(1))) == std::vector<uint64_t>{1});
  BOOST_TEST(arrivals(seq.take(outcome(2))) == std::vector<uint64_t>{2});
  BOOST_TEST(seq.waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(early_outcomes_wait_for_the_gap_to_fill) {
  sequencer_t seq;
  BOOST_TEST(seq.take(outcome(3)).empty());
  BOOST_TEST(seq.take(outcome(2)).empty());
  BOOST_TEST(seq.waiting() == 2u);
  auto released = seq.take(outcome(1));
  BOOST_TEST(arrivals(released) == (std::vector<uint64_t>{1, 2, 3}));
  BOOST_TEST(released[2].event_id == "e3"); // the outcome itself, not a copy of another
  BOOST_TEST(seq.waiting() == 0u);
  BOOST_TEST(seq.take(outcome(5)).empty());
  BOOST_TEST(arrivals(seq.take(outcome(4))) == (std::vector<uint64_t>{4, 5}));
  BOOST_TEST(seq.skipped() == 0u);
}

BOOST_AUTO_TEST_CASE(released_or_repeated_arrivals_are_ignored) {
  sequencer_t seq;
  seq.take(outcome(1));
  BOOST_TEST(seq.take(outcome(1)).empty());
  BOOST_TEST(seq.take(outcome(3, "first")).empty());
  BOOST_TEST(seq.take(outcome(3, "second")).empty());
  auto released = seq.take(outcome(2));
  BOOST_TEST_REQUIRE(released.size() == 2u);
  BOOST_TEST(released[1].event_id == "first");
  BOOST_TEST(seq.waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(a_missing_outcome_is_skipped_once_too_many_wait) {
  sequencer_t seq;
  const uint64_t limit = sequencer_t::max_waiting;
  // Arrival 1 never comes (its run died); 2 .. limit + 1 wait for it.
  for (uint64_t arrival = 2; arrival <= limit + 1; ++arrival)
    BOOST_TEST_REQUIRE(seq.take(outcome(arrival)).empty());
  BOOST_TEST(seq.waiting() == limit);
  auto released = seq.take(outcome(limit + 2));
  BOOST_TEST(released.size() == limit + 1);
  BOOST_TEST(released.front().arrival == 2u);
  BOOST_TEST(released.back().arrival == limit + 2);
  BOOST_TEST(seq.skipped() == 1u);
  BOOST_TEST(seq.waiting() == 0u);
  BOOST_TEST(seq.take(outcome(1)).empty()); // too late
  BOOST_TEST(arrivals(seq.take(outcome(limit + 3))) == std::vector<uint64_t>{limit + 3});
}

BOOST_AUTO_TEST_SUITE_END()
