#include "services/tools/bench/bench_stats.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace runrelay::bench;

namespace {

// What the relay wraps around an event (docs/protocol.md section 2).
std::string envelope(const std::string& event) {
  return R"({"type":"event","run_id":"r1","event_id":"b-r1-7","seq":12,"data":)" + event +
         "}";
}

bool within(double value, double expected, double relative) {
  return std::abs(value - expected) <= expected * relative;
}

} // namespace

BOOST_AUTO_TEST_SUITE(bench_stats)

BOOST_AUTO_TEST_CASE(a_formatted_event_scans_back_from_its_envelope) {
  std::string event;
  format_bench_event(event, "r1", 7, 123456789012, 5);
  BOOST_TEST(event == R"({"type":"bench","run_id":"r1","event_id":"b-r1-7","bseq":7,)"
                      R"("bts":123456789012,"pad":"xxxxx"})");
  auto frame = envelope(event); // run_id views into it
  auto fields = scan_bench_event(frame);
  BOOST_TEST_REQUIRE(fields.has_value());
  BOOST_TEST(fields->run_id == "r1");
  BOOST_TEST(fields->bseq == 7u);
  BOOST_TEST(fields->bts_us == 123456789012);

  // Reusing the buffer replaces the event.
  format_bench_event(event, "r22", 1, 5, 0);
  BOOST_TEST(event == R"({"type":"bench","run_id":"r22","event_id":"b-r22-1","bseq":1,)"
                      R"("bts":5,"pad":""})");
}

BOOST_AUTO_TEST_CASE(the_scan_reads_the_data_not_the_envelope) {
  // "seq" of the envelope is not "bseq"; spaces and a fraction are tolerated.
  // The run_id is the data's, not the envelope's (a misrouted event shows).
  auto fields = scan_bench_event(R"({"type":"event","run_id":"r1","seq":99,)"
                                 R"("data":{"run_id":"r2","bseq": 41,"bts": 17.5}})");
  BOOST_TEST_REQUIRE(fields.has_value());
  BOOST_TEST(fields->run_id == "r2");
  BOOST_TEST(fields->bseq == 41u);
  BOOST_TEST(fields->bts_us == 17);

  BOOST_TEST(!scan_bench_event(R"({"type":"subscribed","run_id":"r1"})"));
  BOOST_TEST(!scan_bench_event(R"({"data":{"run_id":"r1","bseq":"x","bts":1}})"));
  BOOST_TEST(!scan_bench_event(R"({"data":{"run_id":"r1","bseq":3}})"));
  BOOST_TEST(!scan_bench_event(R"({"data":{"run_id":"r1","bseq":-3,"bts":1}})"));
  BOOST_TEST(!scan_bench_event(R"({"data":{"bseq":3,"bts":1}})")); // no run_id
}

BOOST_AUTO_TEST_CASE(a_lossy_duplicating_reordering_sequence_is_reported_exactly) {
  // Range 1..20. Lost: 11, 12 (a gap never filled), 19, 20 (never received) = 4.
  // Duplicates: 6 (again), 9 (twice more) = 3. Out of order: 4 after 5, 7 after 8 = 2.
  const std::vector<std::uint64_t> arrivals = {1, 2,  3, 5,  4,  6,  6,  8,  9, 9,
                                               7, 10, 9, 13, 14, 15, 16, 17, 18};
  sequence_tracker tracker;
  std::vector<arrival> kinds;
  for (auto bseq : arrivals)
    kinds.push_back(tracker.record(bseq));
  BOOST_TEST((kinds[4] == arrival::late));
  BOOST_TEST((kinds[6] == arrival::duplicate));
  BOOST_TEST((kinds[10] == arrival::late));
  BOOST_TEST((kinds[13] == arrival::in_order));

  auto t = account(tracker, seq_range{1, 20});
  BOOST_TEST(t.expected == 20u);
  BOOST_TEST(t.lost == 4u);
  BOOST_TEST(t.delivered == 16u);
  BOOST_TEST(t.duplicated == 3u);
  BOOST_TEST(t.out_of_order == 2u);
  BOOST_TEST(t.stray == 0u);
  BOOST_TEST(t.subscribers_with_loss == 1u);
  BOOST_TEST(t.max_lost_per_subscriber == 4u);
  BOOST_TEST(!t.clean());
  BOOST_TEST(tracker.highest() == 18u);
  BOOST_TEST(tracker.totals().fresh == 16u);

  // A later gap fill is no loss any more; a stray number is not a delivery.
  tracker.record(11);
  tracker.record(0);
  auto u = account(tracker, seq_range{1, 20});
  BOOST_TEST(u.lost == 3u);
  BOOST_TEST(u.out_of_order == 3u);
  BOOST_TEST(u.stray == 1u);
}

BOOST_AUTO_TEST_CASE(a_phase_counts_from_its_baseline_and_range) {
  sequence_tracker tracker;
  for (std::uint64_t s = 1; s <= 100; ++s)
    tracker.record(s);
  tracker.record(50); // a duplicate in the first phase
  auto baseline = tracker.totals();
  for (std::uint64_t s = 101; s <= 200; ++s)
    if (s != 150)
      tracker.record(s);
  tracker.record(120);
  auto phase = account(tracker, seq_range{101, 200}, baseline);
  BOOST_TEST(phase.expected == 100u);
  BOOST_TEST(phase.lost == 1u);
  BOOST_TEST(phase.duplicated == 1u);
  BOOST_TEST(phase.out_of_order == 0u);

  delivery_totals sum;
  sum.add(phase);
  sum.add(account(tracker, seq_range{1, 100}));
  BOOST_TEST(sum.subscribers == 2u);
  BOOST_TEST(sum.lost == 1u);
  BOOST_TEST(sum.duplicated == 3u); // 1 in the phase + 2 since the start
  BOOST_TEST(sum.subscribers_with_loss == 1u);
  BOOST_TEST(account(tracker, seq_range{5, 4}).expected == 0u);
}

BOOST_AUTO_TEST_CASE(missing_counts_across_words_and_beyond_the_bitmap) {
  sequence_tracker tracker;
  for (std::uint64_t s = 1; s <= 1000; ++s)
    if (s % 7 != 0)
      tracker.record(s);
  BOOST_TEST(tracker.missing(1, 1000) == 142u); // multiples of 7
  BOOST_TEST(tracker.missing(63, 65) == 1u);    // 63
  BOOST_TEST(tracker.missing(1001, 5000) == 4000u);
  BOOST_TEST(tracker.missing(990, 1010) == 11u); // 994, and 1001..1010 never seen
  BOOST_TEST(sequence_tracker{}.missing(1, 10) == 10u);
}

BOOST_AUTO_TEST_CASE(percentiles_of_a_known_distribution_are_within_bucket_precision) {
  latency_histogram h;
  for (int us = 1; us <= 100000; ++us)
    h.record(us);
  BOOST_TEST(h.count() == 100000u);
  BOOST_TEST(h.min() == 1u);
  BOOST_TEST(h.max() == 100000u);
  BOOST_TEST(within(h.mean(), 50000.5, 1e-9));
  const double precision = 1.0 / 256;
  BOOST_TEST(within(h.percentile(50), 50000, precision));
  BOOST_TEST(within(h.percentile(90), 90000, precision));
  BOOST_TEST(within(h.percentile(99), 99000, precision));
  BOOST_TEST(within(h.percentile(99.9), 99900, precision));
  BOOST_TEST(h.percentile(100) == 100000.0);

  // Small values are exact.
  latency_histogram small;
  for (int us : {10, 20, 30, 40})
    small.record(us);
  BOOST_TEST(small.percentile(50) == 20.0);
  BOOST_TEST(small.percentile(75) == 30.0);

  // An exponential distribution (heavy tail), merged from two halves.
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> spread(1.0 / 2000);
  std::vector<double> values;
  latency_histogram a, b;
  for (int i = 0; i < 200000; ++i) {
    double v = std::floor(spread(rng));
    values.push_back(v);
    (i % 2 ? a : b).record(static_cast<std::int64_t>(v));
  }
  a.merge(b);
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    auto exact = values[static_cast<std::size_t>(std::ceil(p / 100 * values.size())) - 1];
    BOOST_TEST_CONTEXT("p" << p) {
      BOOST_TEST(within(a.percentile(p), exact, precision + 1e-9));
    }
  }
  a.reset();
  BOOST_TEST(a.count() == 0u);
  BOOST_TEST(a.percentile(99) == 0.0);
}

BOOST_AUTO_TEST_CASE(negative_and_huge_latencies_are_clamped) {
  latency_histogram h;
  h.record(-5);
  h.record(std::int64_t{1} << 50);
  BOOST_TEST(h.count() == 2u);
  BOOST_TEST(h.min() == 0u);
  BOOST_TEST(latency_histogram::bucket_of(std::uint64_t{1} << 50) ==
             latency_histogram::bucket_count - 1);
}

BOOST_AUTO_TEST_CASE(a_proc_stat_line_with_a_tricky_name_parses) {
  // comm "(run relay) x" holds spaces and a parenthesis; utime 1234, stime 567.
  const std::string line =
      "4242 ((run relay) x) S 1 4242 4242 0 -1 4194560 1500 0 0 0 1234 567 0 0 20 0 9 0 "
      "100 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0\n";
  auto times = parse_proc_stat(line);
  BOOST_TEST_REQUIRE(times.has_value());
  BOOST_TEST(times->utime_ticks == 1234u);
  BOOST_TEST(times->stime_ticks == 567u);
  BOOST_TEST(times->total() == 1801u);
  BOOST_TEST(!parse_proc_stat("4242 (x) S 1 2 3"));
  BOOST_TEST(!parse_proc_stat("garbage"));

  BOOST_TEST(cores_used(150, 100, 2.0) == 0.75);
  BOOST_TEST(cores_used(150, 100, 0.0) == 0.0);
}

BOOST_AUTO_TEST_CASE(status_fields_parse_in_kib) {
  const std::string status =
      "Name:\trunrelay\nVmPeak:\t  200000 kB\nVmHWM:\t   51200 kB\n"
      "VmRSS:\t   40960 kB\nThreads:\t9\n";
  BOOST_TEST(parse_status_kib(status, "VmRSS").value_or(0) == 40960u);
  BOOST_TEST(parse_status_kib(status, "VmHWM").value_or(0) == 51200u);
  BOOST_TEST(parse_status_kib(status, "Threads").value_or(0) == 9u);
  BOOST_TEST(!parse_status_kib(status, "VmSwap"));
  BOOST_TEST(!parse_status_kib(status, "VmR"));
}

BOOST_AUTO_TEST_CASE(the_machine_cpu_line_parses) {
  auto t = parse_machine_stat(
      "cpu  100 5 50 800 20 1 4 10 0 0\ncpu0 50 2 25 400 10 0 2 5 0 0\n");
  BOOST_TEST_REQUIRE(t.has_value());
  BOOST_TEST(t->total == 990u);
  BOOST_TEST(t->idle == 820u);
  BOOST_TEST(t->steal == 10u);
  BOOST_TEST(t->busy() == 160u);
  BOOST_TEST(!parse_machine_stat("cpu0 1 2 3"));
}

BOOST_AUTO_TEST_CASE(socket_queues_of_a_port_add_up_by_side) {
  // Port 8080 = 0x1F90. Line 1: the relay's listening socket (0A, not counted). Line 2:
  // the relay's side of a client connection (Send-Q 0x200). Lines 3 and 4: two
  // clients' sides (Recv-Q 0x10 and 0x20). Line 5: another port.
  const std::string text =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
      "uid\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0\n"
      "   1: 0100007F:1F90 0100007F:C350 01 00000200:00000000 00:00000000 00000000 0\n"
      "   2: 0100007F:C350 0100007F:1F90 01 00000000:00000010 00:00000000 00000000 0\n"
      "   3: 0100007F:C351 0100007F:1F90 01 00000000:00000020 00:00000000 00000000 0\n"
      "   4: 0100007F:0050 0100007F:C352 01 00000999:00000999 00:00000000 00000000 0\n";
  auto q = parse_proc_net_tcp(text, 8080);
  BOOST_TEST(q.server_send_bytes == 0x200u);
  BOOST_TEST(q.server_sockets == 1u);
  BOOST_TEST(q.client_recv_bytes == 0x30u);
  BOOST_TEST(q.client_sockets == 2u);
  q.add(q);
  BOOST_TEST(q.client_recv_bytes == 0x60u);
  BOOST_TEST(parse_proc_net_tcp("garbage\n", 8080).client_sockets == 0u);
}

BOOST_AUTO_TEST_CASE(per_second_rates_come_from_cumulative_samples) {
  auto rates = per_second({0, 100, 250, 250, 1000});
  BOOST_TEST(rates == (std::vector<std::uint64_t>{100, 150, 0, 750}),
             boost::test_tools::per_element());
  BOOST_TEST(per_second({}).empty());
}

BOOST_AUTO_TEST_SUITE_END()
