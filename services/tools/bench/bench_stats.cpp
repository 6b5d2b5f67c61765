#include "services/tools/bench/bench_stats.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

namespace runrelay::bench {
namespace {

constexpr std::string_view data_key = "\"data\":";
constexpr std::string_view run_id_key = "\"run_id\":\"";
constexpr std::string_view bseq_key = "\"bseq\":";
constexpr std::string_view bts_key = "\"bts\":";

// The integer at `pos` (after optional spaces, an optional '-'); digits after a '.' are
// ignored. Empty if there is no digit.
std::optional<std::int64_t> scan_integer(std::string_view text, std::size_t pos) {
  while (pos < text.size() && text[pos] == ' ')
    ++pos;
  std::int64_t value = 0;
  auto begin = text.data() + pos;
  auto end = text.data() + text.size();
  auto [next, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || next == begin)
    return std::nullopt;
  return value;
}

std::uint64_t bit(std::uint64_t bseq) {
  return std::uint64_t{1} << (bseq & 63);
}

} // namespace

std::int64_t monotonic_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

// ---------------------------------------------------------------- event format

void format_bench_event(std::string& out, std::string_view run_id, std::uint64_t bseq,
                        std::int64_t bts_us, std::size_t pad_bytes) {
  char number[24];
  auto append_number = [&](auto value) {
    auto [end, ec] = std::to_chars(number, number + sizeof number, value);
    (void)ec; // 24 characters hold any 64-bit integer
    out.append(number, end);
  };
  out.clear();
  out.append("{\"type\":\"bench\",\"run_id\":\"").append(run_id);
  out.append("\",\"event_id\":\"b-").append(run_id).append("-");
  append_number(bseq);
  out.append("\",\"bseq\":");
  append_number(bseq);
  out.append(",\"bts\":");
  append_number(bts_us);
  out.append(",\"pad\":\"").append(pad_bytes, 'x').append("\"}");
}

std::optional<bench_fields> scan_bench_event(std::string_view frame) {
  auto from = frame.find(data_key);
  from = from == std::string_view::npos ? 0 : from + data_key.size();
  auto run_at = frame.find(run_id_key, from); // an event's run_id comes before bseq
  auto run_end = run_at == std::string_view::npos
                     ? run_at
                     : frame.find('"', run_at + run_id_key.size());
  if (run_end == std::string_view::npos)
    return std::nullopt;
  from = run_end;
  auto seq_at = frame.find(bseq_key, from);
  if (seq_at == std::string_view::npos)
    return std::nullopt;
  auto seq = scan_integer(frame, seq_at + bseq_key.size());
  auto ts_at = frame.find(bts_key, from);
  if (!seq || *seq < 0 || ts_at == std::string_view::npos)
    return std::nullopt;
  auto ts = scan_integer(frame, ts_at + bts_key.size());
  if (!ts)
    return std::nullopt;
  auto run_begin = run_at + run_id_key.size();
  return bench_fields{frame.substr(run_begin, run_end - run_begin),
                      static_cast<std::uint64_t>(*seq), *ts};
}

// ---------------------------------------------------------------- latency

std::size_t latency_histogram::bucket_of(std::uint64_t us) {
  us = std::min(us, (std::uint64_t{1} << max_bits) - 1);
  if (us < exact_below)
    return static_cast<std::size_t>(us);
  unsigned msb = 63 - static_cast<unsigned>(__builtin_clzll(us));
  unsigned shift = msb - (sub_bits - 1); // >= 1
  std::uint64_t mantissa = us >> shift;  // in [half, exact_below)
  return exact_below + (shift - 1) * half + (mantissa - half);
}

double latency_histogram::bucket_middle(std::size_t bucket) {
  if (bucket < exact_below)
    return static_cast<double>(bucket);
  std::size_t k = bucket - exact_below;
  unsigned shift = static_cast<unsigned>(k / half) + 1;
  std::uint64_t mantissa = k % half + half;
  std::uint64_t low = mantissa << shift;
  return static_cast<double>(low) + static_cast<double>(std::uint64_t{1} << shift) / 2;
}

void latency_histogram::record(std::int64_t us) {
  auto value = static_cast<std::uint64_t>(std::max<std::int64_t>(us, 0));
  ++buckets_[bucket_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void latency_histogram::merge(const latency_histogram& other) {
  for (std::size_t i = 0; i < bucket_count; ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void latency_histogram::reset() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = sum_ = max_ = 0;
  min_ = UINT64_MAX;
}

double latency_histogram::percentile(double p) const {
  if (count_ == 0)
    return 0.0;
  if (p >= 100.0)
    return static_cast<double>(max_);
  auto rank =
      static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::max<std::uint64_t>(rank, 1);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i];
    if (seen >= rank)
      return std::clamp(bucket_middle(i), static_cast<double>(min_),
                        static_cast<double>(max_));
  }
  return static_cast<double>(max_);
}

// ---------------------------------------------------------------- sequences

void sequence_tracker::reserve(std::uint64_t bseqs) {
  words_.reserve(static_cast<std::size_t>(std::min(bseqs, max_bseq) / 64 + 1));
}

arrival sequence_tracker::record(std::uint64_t bseq) {
  if (bseq == 0 || bseq > max_bseq) {
    ++counts_.stray;
    return arrival::stray;
  }
  auto word = static_cast<std::size_t>(bseq / 64);
  if (word >= words_.size())
    words_.resize(std::max(word + 1, words_.size() * 2), 0);
  if (words_[word] & bit(bseq)) {
    ++counts_.duplicates;
    return arrival::duplicate;
  }
  words_[word] |= bit(bseq);
  ++counts_.fresh;
  if (bseq < highest_) {
    ++counts_.late;
    return arrival::late;
  }
  highest_ = bseq;
  return arrival::in_order;
}

bool sequence_tracker::seen(std::uint64_t bseq) const {
  auto word = static_cast<std::size_t>(bseq / 64);
  return word < words_.size() && (words_[word] & bit(bseq)) != 0;
}

std::uint64_t sequence_tracker::missing(std::uint64_t first, std::uint64_t last) const {
  if (first == 0)
    first = 1;
  if (last < first)
    return 0;
  std::uint64_t present = 0;
  if (!words_.empty() && first < words_.size() * 64) {
    std::uint64_t high = std::min<std::uint64_t>(last, words_.size() * 64 - 1);
    for (std::uint64_t w = first / 64; w <= high / 64; ++w) {
      std::uint64_t mask = ~std::uint64_t{0};
      if (w == first / 64)
        mask &= ~std::uint64_t{0} << (first & 63);
      if (w == high / 64)
        mask &= ~std::uint64_t{0} >> (63 - (high & 63));
      present += static_cast<std::uint64_t>(
          __builtin_popcountll(words_[static_cast<std::size_t>(w)] & mask));
    }
  }
  return (last - first + 1) - present;
}

void delivery_totals::add(const delivery_totals& other) {
  subscribers += other.subscribers;
  expected += other.expected;
  delivered += other.delivered;
  lost += other.lost;
  duplicated += other.duplicated;
  out_of_order += other.out_of_order;
  stray += other.stray;
  subscribers_with_loss += other.subscribers_with_loss;
  max_lost_per_subscriber =
      std::max(max_lost_per_subscriber, other.max_lost_per_subscriber);
}

delivery_totals account(const sequence_tracker& tracker, seq_range range,
                        const sequence_tracker::counts& baseline) {
  delivery_totals t;
  t.subscribers = 1;
  t.expected = range.size();
  t.lost = range.size() ? tracker.missing(range.first, range.last) : 0;
  t.delivered = t.expected - t.lost;
  const auto& now = tracker.totals();
  t.duplicated = now.duplicates - baseline.duplicates;
  t.out_of_order = now.late - baseline.late;
  t.stray = now.stray - baseline.stray;
  t.subscribers_with_loss = t.lost > 0 ? 1 : 0;
  t.max_lost_per_subscriber = t.lost;
  return t;
}

std::vector<std::uint64_t> per_second(const std::vector<std::uint64_t>& cumulative) {
  std::vector<std::uint64_t> out;
  for (std::size_t i = 1; i < cumulative.size(); ++i)
    out.push_back(cumulative[i] >= cumulative[i - 1] ? cumulative[i] - cumulative[i - 1]
                                                     : 0);
  return out;
}

// ---------------------------------------------------------------- /proc

std::optional<proc_times> parse_proc_stat(std::string_view line) {
  auto paren = line.rfind(')');
  if (paren == std::string_view::npos)
    return std::nullopt;
  // After ") " come field 3 (state), 4, ...; utime is field 14, stime field 15.
  std::size_t pos = paren + 1;
  std::uint64_t values[2] = {0, 0};
  for (int field = 3; field <= 15; ++field) {
    while (pos < line.size() && line[pos] == ' ')
      ++pos;
    auto end = line.find(' ', pos);
    if (end == std::string_view::npos)
      end = line.size();
    if (pos >= end)
      return std::nullopt;
    if (field >= 14) {
      auto [next, ec] =
          std::from_chars(line.data() + pos, line.data() + end, values[field - 14]);
      if (ec != std::errc() || next != line.data() + end)
        return std::nullopt;
    }
    pos = end;
  }
  return proc_times{values[0], values[1]};
}

std::optional<std::uint64_t> parse_status_kib(std::string_view status,
                                              std::string_view key) {
  for (std::size_t pos = 0; pos < status.size();) {
    auto end = status.find('\n', pos);
    if (end == std::string_view::npos)
      end = status.size();
    auto line = status.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key ||
        line[key.size()] != ':')
      continue;
    auto digits = line.find_first_of("0123456789", key.size());
    if (digits == std::string_view::npos)
      return std::nullopt;
    std::uint64_t kib = 0;
    auto [next, ec] =
        std::from_chars(line.data() + digits, line.data() + line.size(), kib);
    (void)next;
    if (ec != std::errc())
      return std::nullopt;
    return kib;
  }
  return std::nullopt;
}

double cores_used(std::uint64_t ticks_delta, long ticks_per_second, double wall_seconds) {
  if (ticks_per_second <= 0 || wall_seconds <= 0)
    return 0.0;
  return static_cast<double>(ticks_delta) / static_cast<double>(ticks_per_second) /
         wall_seconds;
}

std::optional<machine_times> parse_machine_stat(std::string_view proc_stat) {
  if (proc_stat.substr(0, 4) != "cpu ")
    return std::nullopt;
  // user nice system idle iowait irq softirq steal (guest and guest_nice are in user)
  std::uint64_t values[8] = {};
  std::size_t pos = 4;
  for (auto& value : values) {
    while (pos < proc_stat.size() && proc_stat[pos] == ' ')
      ++pos;
    auto [next, ec] = std::from_chars(proc_stat.data() + pos,
                                      proc_stat.data() + proc_stat.size(), value);
    if (ec != std::errc())
      return std::nullopt;
    pos = static_cast<std::size_t>(next - proc_stat.data());
  }
  machine_times t;
  for (auto value : values)
    t.total += value;
  t.idle = values[3] + values[4];
  t.steal = values[7];
  return t;
}

void tcp_queues::add(const tcp_queues& other) {
  server_send_bytes += other.server_send_bytes;
  client_recv_bytes += other.client_recv_bytes;
  server_sockets += other.server_sockets;
  client_sockets += other.client_sockets;
}

tcp_queues parse_proc_net_tcp(std::string_view text, unsigned short port) {
  constexpr std::string_view established = "01";
  auto hex = [](std::string_view field, std::uint64_t& out) {
    auto [next, ec] = std::from_chars(field.data(), field.data() + field.size(), out, 16);
    return ec == std::errc() && next == field.data() + field.size();
  };
  // "sl local_address rem_address st tx_queue:rx_queue ..."; addresses are HEX:PORT.
  auto port_of = [&](std::string_view address, std::uint64_t& out) {
    auto colon = address.rfind(':');
    return colon != std::string_view::npos && hex(address.substr(colon + 1), out);
  };
  tcp_queues q;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    std::string_view fields[5];
    std::size_t n = 0;
    for (std::size_t at = 0; n < 5 && at < line.size();) {
      while (at < line.size() && line[at] == ' ')
        ++at;
      auto stop = std::min(line.find(' ', at), line.size());
      if (stop > at)
        fields[n++] = line.substr(at, stop - at);
      at = stop;
    }
    std::uint64_t local = 0, remote = 0, tx = 0, rx = 0;
    auto colon = n == 5 ? fields[4].find(':') : std::string_view::npos;
    if (colon == std::string_view::npos || fields[3] != established ||
        !port_of(fields[1], local) || !port_of(fields[2], remote) ||
        !hex(fields[4].substr(0, colon), tx) || !hex(fields[4].substr(colon + 1), rx))
      continue; // the header, or not an established connection
    if (local == port) {
      q.server_send_bytes += tx;
      ++q.server_sockets;
    } else if (remote == port) {
      q.client_recv_bytes += rx;
      ++q.client_sockets;
    }
  }
  return q;
}

} // namespace runrelay::bench
