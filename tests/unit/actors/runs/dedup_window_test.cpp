// docs/protocol.md section 1, "Duplicates": dedup_window on synthetic time points.
#include "actors/runs/dedup_window.hpp"

#include <boost/test/unit_test.hpp>

using window_t = runrelay::actors::dedup_window;
using std::chrono::milliseconds;

namespace {
const window_t::clock::time_point t0 =
    window_t::clock::time_point{} + std::chrono::hours(1);
}

BOOST_AUTO_TEST_SUITE(dedup_window)

BOOST_AUTO_TEST_CASE(duplicate_within_window_is_refused) {
  window_t window(milliseconds(5000));
  BOOST_TEST(window.admit("e1", t0));
  BOOST_TEST(!window.admit("e1", t0));
  BOOST_TEST(!window.admit("e1", t0 + milliseconds(1)));
  BOOST_TEST(!window.admit("e1", t0 + milliseconds(4999)));
  BOOST_TEST(window.admit("e2", t0 + milliseconds(4999))); // other ids are independent
  BOOST_TEST(window.size() == 2u);
}

BOOST_AUTO_TEST_CASE(expires_exactly_at_the_window) {
  window_t window(milliseconds(5000));
  BOOST_TEST(window.admit("e1", t0));
  BOOST_TEST(window.admit("e1", t0 + milliseconds(5000)));
  // Accepted again: the window now counts from that second acceptance.
  BOOST_TEST(!window.admit("e1", t0 + milliseconds(9999)));
  BOOST_TEST(window.admit("e1", t0 + milliseconds(10000)));
}

BOOST_AUTO_TEST_CASE(a_dropped_duplicate_does_not_extend_the_window) {
  window_t window(milliseconds(5000));
  BOOST_TEST(window.admit("e1", t0));
  BOOST_TEST(!window.admit("e1", t0 + milliseconds(3000)));
  BOOST_TEST(!window.admit("e1", t0 + milliseconds(4000)));
  // Had either duplicate restarted the window, this would still be refused.
  BOOST_TEST(window.admit("e1", t0 + milliseconds(5000)));
}

BOOST_AUTO_TEST_CASE(keyed_by_the_id_alone) {
  // The window never sees run ids: the same event_id in another run is the same key.
  window_t window(milliseconds(5000));
  BOOST_TEST(window.admit("shared-id", t0));
  BOOST_TEST(!window.admit("shared-id", t0 + milliseconds(10)));
  BOOST_TEST(window.admit("shared-id ", t0 + milliseconds(10))); // exact bytes
  BOOST_TEST(window.admit("Shared-id", t0 + milliseconds(10)));
}

BOOST_AUTO_TEST_CASE(expire_forgets_ids_older_than_the_window) {
  window_t window(milliseconds(5000));
  window.admit("a", t0);
  window.admit("b", t0);
  window.admit("c", t0 + milliseconds(1000));
  window.expire(t0 + milliseconds(4999));
  BOOST_TEST(window.size() == 3u);
  window.expire(t0 + milliseconds(5000));
  BOOST_TEST(window.size() == 1u);
  window.expire(t0 + milliseconds(6000));
  BOOST_TEST(window.size() == 0u);
  BOOST_TEST(window.evicted_early() == 0u);
}

BOOST_AUTO_TEST_CASE(max_entries_bounds_memory_by_expiring_the_oldest_early) {
  window_t window(milliseconds(5000), 3);
  BOOST_TEST(window.admit("a", t0));
  BOOST_TEST(window.admit("b", t0 + milliseconds(1)));
  BOOST_TEST(window.admit("c", t0 + milliseconds(2)));
  BOOST_TEST(window.evicted_early() == 0u);
  BOOST_TEST(window.admit("d", t0 + milliseconds(3)));
  BOOST_TEST(window.size() == 3u);
  BOOST_TEST(window.evicted_early() == 1u);
  // "a" went early, so it is new again; "c" and "d" are still remembered.
  BOOST_TEST(window.admit("a", t0 + milliseconds(4)));
  BOOST_TEST(window.evicted_early() == 2u); // that pushed "b" out
  BOOST_TEST(!window.admit("c", t0 + milliseconds(5)));
  BOOST_TEST(!window.admit("d", t0 + milliseconds(5)));
  BOOST_TEST(window.admit("b", t0 + milliseconds(6)));
  BOOST_TEST(window.size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
