// run_directory: which runs the dedup filter keeps (docs/protocol.md section 3: retained
// while subscribed, otherwise until run_retention after the last event; at most max_runs,
// the least recently active run without subscribers going first) and the "*" list.
#include "actors/runs/run_directory.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

using directory_t = runrelay::actors::run_directory;
using runrelay::actors::client_sink_ptr;
using std::chrono::milliseconds;
using strings = std::vector<std::string>;

namespace {

const directory_t::clock::time_point t0 =
    directory_t::clock::time_point{} + std::chrono::hours(1);

// A run that has had an event at `at`.
void active(directory_t& dir, const std::string& run_id,
            directory_t::clock::time_point at) {
  auto* entry = dir.find(run_id);
  if (!entry)
    entry = &dir.add(run_id, runrelay::actors::run_subscriber_actor{}, at);
  dir.touch(*entry, at);
}

strings sorted(strings xs) {
  std::sort(xs.begin(), xs.end());
  return xs;
}

} // namespace

BOOST_AUTO_TEST_SUITE(run_directory)

BOOST_AUTO_TEST_CASE(add_find_remove) {
  directory_t dir(milliseconds(1000), 10);
  BOOST_TEST(dir.find("r1") == nullptr);
  dir.add("r1", runrelay::actors::run_subscriber_actor{}, t0);
  BOOST_TEST(dir.find("r1") != nullptr);
  BOOST_TEST(!dir.find("r1")->has_events);
  BOOST_TEST(dir.size() == 1u);
  dir.remove("r1");
  BOOST_TEST(dir.find("r1") == nullptr);
  BOOST_TEST(dir.size() == 0u);
  BOOST_TEST(dir.evictable(t0).empty());
}

BOOST_AUTO_TEST_CASE(never_seen_runs_without_subscribers_go_at_once) {
  directory_t dir(milliseconds(1000), 10);
  dir.add("waited", runrelay::actors::run_subscriber_actor{},
          t0); // created by a subscribe, never had an event
  dir.add("seen", runrelay::actors::run_subscriber_actor{}, t0);
  dir.touch(*dir.find("seen"), t0);
  BOOST_TEST(dir.add_subscriber("waited", 7));
  BOOST_TEST(dir.evictable(t0).empty()); // someone waits for it
  BOOST_TEST(dir.remove_subscriber("waited", 7));
  BOOST_TEST(dir.evictable(t0) == strings{"waited"});
}

BOOST_AUTO_TEST_CASE(idle_runs_go_exactly_at_retention) {
  directory_t dir(milliseconds(1000), 10);
  active(dir, "r1", t0);
  active(dir, "r2", t0 + milliseconds(500));
  BOOST_TEST(dir.evictable(t0 + milliseconds(999)).empty());
  BOOST_TEST(dir.evictable(t0 + milliseconds(1000)) == strings{"r1"});
  BOOST_TEST(dir.evictable(t0 + milliseconds(1500)) == (strings{"r1", "r2"}));
  // A new event restarts the run's retention.
  active(dir, "r1", t0 + milliseconds(1200));
  BOOST_TEST(dir.evictable(t0 + milliseconds(1500)) == strings{"r2"});
}

BOOST_AUTO_TEST_CASE(runs_with_subscribers_are_never_evicted) {
  directory_t dir(milliseconds(1000), 1);
  active(dir, "r1", t0);
  active(dir, "r2", t0);
  active(dir, "r3", t0);
  dir.add_subscriber("r1", 1);
  dir.add_subscriber("r2", 2);
  dir.add_subscriber("r3", 2);
  BOOST_TEST(dir.evictable(t0 + std::chrono::hours(100)).empty());
  dir.remove_subscriber("r2", 2);
  BOOST_TEST(dir.evictable(t0 + std::chrono::hours(100)) == strings{"r2"});
}

BOOST_AUTO_TEST_CASE(over_max_runs_the_least_recently_active_go_first) {
  directory_t dir(milliseconds(60000), 2);
  active(dir, "r1", t0);
  active(dir, "r2", t0 + milliseconds(1));
  active(dir, "r3", t0 + milliseconds(2));
  active(dir, "r4", t0 + milliseconds(3));
  active(dir, "r1", t0 + milliseconds(4)); // r1 is now the most recent
  auto now = t0 + milliseconds(10);        // nobody past retention
  BOOST_TEST(dir.evictable(now) == (strings{"r2", "r3"}));
  // A subscribed run is skipped; the next least recent goes instead.
  dir.add_subscriber("r2", 9);
  BOOST_TEST(dir.evictable(now) == (strings{"r3", "r4"}));
  dir.add_subscriber("r3", 9);
  dir.add_subscriber("r4", 9);
  BOOST_TEST(dir.evictable(now) == strings{"r1"}); // still over: 4 runs, only r1 idle
}

BOOST_AUTO_TEST_CASE(subscriber_bookkeeping) {
  directory_t dir(milliseconds(1000), 10);
  BOOST_TEST(!dir.add_subscriber("missing", 1));
  active(dir, "r1", t0);
  active(dir, "r2", t0);
  active(dir, "r3", t0);
  BOOST_TEST(dir.add_subscriber("r1", 1));
  BOOST_TEST(!dir.add_subscriber("r1", 1)); // already
  BOOST_TEST(dir.add_subscriber("r2", 1));
  BOOST_TEST(dir.add_subscriber("r2", 2));
  BOOST_TEST(!dir.remove_subscriber("r3", 1));
  BOOST_TEST(dir.find("r2")->subscribers.size() == 2u);
  BOOST_TEST(sorted(dir.take_runs_of(1)) == (strings{"r1", "r2"}));
  BOOST_TEST(dir.find("r1")->subscribers.empty());
  BOOST_TEST(dir.find("r2")->subscribers.size() == 1u);
  BOOST_TEST(dir.take_runs_of(1).empty()); // forgotten
  // Removing a run forgets it for its subscribers too.
  dir.remove("r2");
  BOOST_TEST(dir.take_runs_of(2).empty());
}

BOOST_AUTO_TEST_CASE(star_list_is_copy_on_write) {
  directory_t dir(milliseconds(1000), 10);
  auto sink = client_sink_ptr{};
  auto empty = dir.star_subscribers();
  BOOST_TEST(empty->empty());
  BOOST_TEST(dir.add_star(1, sink));
  auto one = dir.star_subscribers();
  BOOST_TEST(one.get() != empty.get());
  BOOST_TEST(empty->empty()); // a snapshot an event carries never changes
  BOOST_TEST(one->size() == 1u);
  BOOST_TEST(!dir.add_star(1, sink));
  BOOST_TEST(dir.star_subscribers().get() == one.get()); // no change, no copy
  BOOST_TEST(dir.add_star(2, sink));
  auto two = dir.star_subscribers();
  BOOST_TEST(one->size() == 1u);
  BOOST_TEST(two->size() == 2u);
  BOOST_TEST(!dir.remove_star(3));
  BOOST_TEST(dir.star_subscribers().get() == two.get());
  BOOST_TEST(dir.remove_star(1));
  auto after = dir.star_subscribers();
  BOOST_TEST(two->size() == 2u);
  BOOST_TEST_REQUIRE(after->size() == 1u);
  BOOST_TEST(after->front().first == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
