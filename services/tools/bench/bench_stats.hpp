#pragma once
// runrelay-bench's event format and the accounting of its deliveries: pure code (no
// sockets, no threads), so tests/unit/bench_stats_test.cpp can feed it any sequence.
//
// A bench event is
//   {"type":"bench","run_id":"r3","event_id":"b-r3-57","bseq":57,"bts":<us>,"pad":"..."}
// where bseq counts the run's events from 1 and bts is the send time in CLOCK_MONOTONIC
// microseconds (system-wide on Linux, so latency is one-way within the machine).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runrelay::bench {

// CLOCK_MONOTONIC in microseconds (std::chrono::steady_clock on Linux).
std::int64_t monotonic_us();

// ---------------------------------------------------------------- event format

// Replaces `out` with the event (keeps its capacity: no allocation once warm).
void format_bench_event(std::string& out, std::string_view run_id, std::uint64_t bseq,
                        std::int64_t bts_us, std::size_t pad_bytes);

struct bench_fields {
  std::string_view run_id; // points into the frame scanned: valid while it is
  std::uint64_t bseq = 0;
  std::int64_t bts_us = 0;
};

// Finds run_id, bseq and bts in the `data` of a relay envelope (or in a bare event)
// without parsing the JSON; empty when the frame is not a bench event.
std::optional<bench_fields> scan_bench_event(std::string_view frame);

// ---------------------------------------------------------------- latency

// Log-linear histogram of microseconds, HdrHistogram-like: values below 256 are exact,
// above each power of two is split into 128 buckets, so a percentile is within 1/256
// (0.4 %) of the true value. Values are clamped to 2^36 us (19 h).
class latency_histogram {
public:
  static constexpr unsigned sub_bits = 8;
  static constexpr std::uint64_t exact_below = std::uint64_t{1} << sub_bits;
  static constexpr std::uint64_t half = exact_below / 2;
  static constexpr unsigned max_bits = 36;
  static constexpr std::size_t bucket_count = exact_below + (max_bits - sub_bits) * half;

  latency_histogram() : buckets_(bucket_count, 0) {}

  void record(std::int64_t us);
  void merge(const latency_histogram& other);
  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }
  // The value at or below which p percent (0 < p <= 100) of the samples lie; 0 if empty.
  double percentile(double p) const;

  static std::size_t bucket_of(std::uint64_t us);
  static double bucket_middle(std::size_t bucket);

private:
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

// ---------------------------------------------------------------- sequences

enum class arrival {
  in_order,  // new, and the highest bseq so far
  late,      // new, but below the highest seen: out of order
  duplicate, // seen before
  stray,     // 0 or beyond max_bseq: not a sequence number this bench published
};

// What one subscriber got of its run: a bitmap of the bseqs seen.
class sequence_tracker {
public:
  static constexpr std::uint64_t max_bseq = std::uint64_t{1} << 32;

  struct counts {
    std::uint64_t fresh = 0; // distinct bseqs received
    std::uint64_t duplicates = 0;
    std::uint64_t late = 0; // out of order
    std::uint64_t stray = 0;
  };

  void reserve(std::uint64_t bseqs);
  arrival record(std::uint64_t bseq);

  bool seen(std::uint64_t bseq) const;
  // bseqs in [first, last] never received.
  std::uint64_t missing(std::uint64_t first, std::uint64_t last) const;
  std::uint64_t highest() const { return highest_; }
  const counts& totals() const { return counts_; }

private:
  std::vector<std::uint64_t> words_;
  std::uint64_t highest_ = 0;
  counts counts_;
};

// The bseqs of one run published during a phase; empty when first > last.
struct seq_range {
  std::uint64_t first = 1;
  std::uint64_t last = 0;
  std::uint64_t size() const { return last >= first ? last - first + 1 : 0; }
};

// Deliveries summed over subscribers (and runs).
struct delivery_totals {
  std::uint64_t subscribers = 0;
  std::uint64_t expected = 0;
  std::uint64_t delivered = 0; // distinct expected events received
  std::uint64_t lost = 0;      // expected - delivered: gaps never filled, never received
  std::uint64_t duplicated = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t stray = 0;
  std::uint64_t subscribers_with_loss = 0;
  std::uint64_t max_lost_per_subscriber = 0;

  void add(const delivery_totals& other);
  bool clean() const { return lost == 0 && duplicated == 0 && out_of_order == 0; }
};

// One subscriber's figures over `range`; duplicates, out-of-order and stray arrivals
// are counted since `baseline` (the tracker's totals when the phase began).
delivery_totals account(const sequence_tracker& tracker, seq_range range,
                        const sequence_tracker::counts& baseline = {});

// Per-second increments of a counter sampled once a second.
std::vector<std::uint64_t> per_second(const std::vector<std::uint64_t>& cumulative);

// ---------------------------------------------------------------- /proc

struct proc_times {
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t total() const { return utime_ticks + stime_ticks; }
};

// Fields 14 and 15 of a /proc/PID/stat (or /proc/PID/task/TID/stat) line; the command
// name in parentheses may hold spaces and parentheses.
std::optional<proc_times> parse_proc_stat(std::string_view line);

// A "Key:   1234 kB" line of /proc/PID/status, in KiB (VmRSS, VmHWM).
std::optional<std::uint64_t> parse_status_kib(std::string_view status,
                                              std::string_view key);

// CPU used between two samples, in cores (1.0 = one core busy all the time).
double cores_used(std::uint64_t ticks_delta, long ticks_per_second, double wall_seconds);

// The machine's "cpu" line of /proc/stat, in ticks over all cores.
struct machine_times {
  std::uint64_t total = 0;
  std::uint64_t idle = 0;  // idle + iowait
  std::uint64_t steal = 0; // taken by the hypervisor
  std::uint64_t busy() const { return total - idle - steal; }
};
std::optional<machine_times> parse_machine_stat(std::string_view proc_stat);

// Bytes in kernel socket queues of established TCP connections to `port`, from the text
// of /proc/net/tcp or /proc/net/tcp6: on the server's side, written and not yet read by
// the peer (Send-Q); on the clients' side, received and not yet read (Recv-Q: the
// clients are behind).
struct tcp_queues {
  std::uint64_t server_send_bytes = 0;
  std::uint64_t client_recv_bytes = 0;
  std::uint64_t server_sockets = 0;
  std::uint64_t client_sockets = 0;
  void add(const tcp_queues& other);
};
tcp_queues parse_proc_net_tcp(std::string_view text, unsigned short port);

} // namespace runrelay::bench
