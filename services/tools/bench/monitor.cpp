#include "services/tools/bench/monitor.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

#include <boost/json/value_from.hpp>
#include <fmt/format.h>

#include "services/tools/bench/report.hpp"

namespace runrelay::bench {
namespace {

// The progress line's p99 asks every shard for its histogram; a shard this late is
// skipped for that second.
constexpr std::chrono::milliseconds histogram_wait{300};

std::string read_file(const char* path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

std::optional<machine_times> machine_now() {
  auto text = read_file("/proc/stat");
  return parse_machine_stat(text.substr(0, text.find('\n')));
}

long ticks_per_second() {
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

monitor::monitor(const bench_options& options, subscriber_pool& pool,
                 const orchestrator_server& orchestrator, int relay_pid,
                 unsigned short relay_port)
    : options_(options), pool_(pool), orchestrator_(orchestrator), relay_pid_(relay_pid),
      relay_port_(relay_port) {
  last_ = mark();
  fresh_samples_.push_back(0);
  published_samples_.push_back(orchestrator_.stats().published);
}

void monitor::set_phase(std::string name, double rate) {
  phase_ = std::move(name);
  phase_rate_ = rate;
}

cpu_mark monitor::mark() const {
  cpu_mark m;
  m.t_s = seconds_since(start_);
  if (auto relay = sample_process(relay_pid_))
    m.relay_cpu_s = relay->cpu_s;
  if (auto self = sample_process(::getpid()))
    m.self_cpu_s = self->cpu_s;
  m.machine = machine_now();
  return m;
}

cpu_use monitor::since(const cpu_mark& start) const {
  auto now = mark();
  cpu_use use;
  use.wall_s = now.t_s - start.t_s;
  if (use.wall_s <= 0)
    return use;
  if (now.relay_cpu_s && start.relay_cpu_s)
    use.relay_cores = (*now.relay_cpu_s - *start.relay_cpu_s) / use.wall_s;
  use.bench_cores = (now.self_cpu_s - start.self_cpu_s) / use.wall_s;
  if (now.machine && start.machine && now.machine->total > start.machine->total)
    use.other_cores =
        std::max(0.0, cores_used(now.machine->busy() - start.machine->busy(),
                                 ticks_per_second(), use.wall_s) -
                          use.bench_cores - use.relay_cores.value_or(0.0));
  return use;
}

void monitor::describe(boost::json::object& result) const {
  if (auto* relay = result.if_contains("relay"); relay && relay->is_object()) {
    relay->as_object()["rss_mb_peak_sampled"] = kib_to_mb(relay_rss_peak_kib_);
    relay->as_object()["cpu_cores_peak"] = round_to(relay_cores_peak_, 2);
  }
  result["bench_cpu"] = {{"cores_peak", round_to(bench_cores_peak_, 2)},
                         {"busiest_thread_cores_peak", round_to(busiest_thread_peak_, 2)},
                         {"threads", options_.threads}};
  result["machine"] = {{"hardware_threads", std::thread::hardware_concurrency()},
                       {"other_cores_mean", round_to(other_cores_mean(), 2)},
                       {"other_cores_peak", round_to(other_cores_peak_, 2)}};
  result["kernel_queues_kb"] = {
      {"client_recv_peak", round_to(client_recv_peak_ / 1024.0, 1)},
      {"relay_send_peak", round_to(server_send_peak_ / 1024.0, 1)}};
  result["deliveries_per_second"] = boost::json::value_from(per_second(fresh_samples_));
  result["published_per_second"] =
      boost::json::value_from(per_second(published_samples_));
  result["timeline"] = timeline_;
}

void monitor::tick() {
  if (std::chrono::steady_clock::now() < next_)
    return;
  next_ += std::chrono::seconds(1);
  if (next_ < std::chrono::steady_clock::now()) // late (a slow sample): skip ahead
    next_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  sample();
}

void monitor::sample() {
  auto now = mark();
  double wall = std::max(now.t_s - last_.t_s, 1e-3);
  std::optional<double> relay_cores;
  if (now.relay_cpu_s && last_.relay_cpu_s)
    relay_cores = (*now.relay_cpu_s - *last_.relay_cpu_s) / wall;
  double bench_cores = (now.self_cpu_s - last_.self_cpu_s) / wall;
  auto previous = last_;
  last_ = now;

  // Per-thread CPU: one I/O thread at 1.0 core means the generator is the bottleneck.
  auto ids = pool_.thread_ids();
  ids.push_back(orchestrator_.thread_id());
  double busiest = 0;
  std::vector<std::pair<int, double>> thread_cpu;
  for (int tid : ids) {
    auto cpu = thread_cpu_seconds(tid);
    if (!cpu)
      continue;
    thread_cpu.emplace_back(tid, *cpu);
    for (const auto& [old_tid, old_cpu] : last_thread_cpu_)
      if (old_tid == tid)
        busiest = std::max(busiest, (*cpu - old_cpu) / wall);
  }
  last_thread_cpu_ = std::move(thread_cpu);

  auto relay = relay_now();
  auto published = orchestrator_.stats().published;
  auto progress = pool_.progress();
  double published_per_s = (published - last_published_) / wall;
  double delivered_per_s = (progress.fresh - last_fresh_) / wall;
  last_published_ = published;
  last_fresh_ = progress.fresh;
  fresh_samples_.push_back(progress.fresh);
  published_samples_.push_back(published);
  auto histograms = pool_.collect({}, histogram_wait);
  const auto& latency =
      histograms.latency.count() ? histograms.latency : histograms.latency_all;
  std::optional<double> p99_ms;
  if (histograms.complete && latency.count())
    p99_ms = latency.percentile(99) / 1000.0;

  if (relay_cores)
    relay_cores_peak_ = std::max(relay_cores_peak_, *relay_cores);
  bench_cores_peak_ = std::max(bench_cores_peak_, bench_cores);
  busiest_thread_peak_ = std::max(busiest_thread_peak_, busiest);
  busiest_thread_phase_peak_ = std::max(busiest_thread_phase_peak_, busiest);
  if (relay)
    relay_rss_peak_kib_ = std::max(relay_rss_peak_kib_, relay->rss_kib);

  // The rest of the machine, and where bytes wait in the kernel.
  std::optional<double> other_cores;
  if (now.machine && previous.machine && now.machine->total > previous.machine->total) {
    double busy = cores_used(now.machine->busy() - previous.machine->busy(),
                             ticks_per_second(), wall);
    other_cores = std::max(0.0, busy - bench_cores - relay_cores.value_or(0.0));
    ++samples_;
    other_cores_sum_ += *other_cores;
    other_cores_peak_ = std::max(other_cores_peak_, *other_cores);
  }
  auto queues = parse_proc_net_tcp(read_file("/proc/net/tcp"), relay_port_);
  queues.add(parse_proc_net_tcp(read_file("/proc/net/tcp6"), relay_port_));
  client_recv_peak_ = std::max(client_recv_peak_, queues.client_recv_bytes);
  server_send_peak_ = std::max(server_send_peak_, queues.server_send_bytes);

  boost::json::object entry{{"t_s", round_to(now.t_s, 1)},
                            {"phase", phase_},
                            {"target_rate", phase_rate_},
                            {"published_per_s", round_to(published_per_s, 1)},
                            {"delivered_per_s", round_to(delivered_per_s, 1)},
                            {"subscribed", progress.subscribed},
                            {"closed", progress.closed},
                            {"bench_cores", round_to(bench_cores, 2)},
                            {"busiest_thread_cores", round_to(busiest, 2)}};
  entry["p99_ms"] = p99_ms ? boost::json::value(round_to(*p99_ms, 3)) : nullptr;
  entry["relay_cores"] =
      relay_cores ? boost::json::value(round_to(*relay_cores, 2)) : nullptr;
  entry["relay_rss_mb"] = relay ? boost::json::value(kib_to_mb(relay->rss_kib)) : nullptr;
  entry["other_cores"] =
      other_cores ? boost::json::value(round_to(*other_cores, 2)) : nullptr;
  entry["client_recv_queue_kb"] = round_to(queues.client_recv_bytes / 1024.0, 1);
  entry["server_send_queue_kb"] = round_to(queues.server_send_bytes / 1024.0, 1);
  timeline_.push_back(std::move(entry));

  if (options_.quiet)
    return;
  std::string line = fmt::format(
      "[bench {:4.0f}s] {:<9} rate {:>7.0f}/s  published {:>7.0f}/s  delivered {:>9.0f}/s"
      "  p99 {}  subscribed {}",
      now.t_s, phase_, phase_rate_, published_per_s, delivered_per_s,
      p99_ms ? fmt::format("{:.2f} ms", *p99_ms) : std::string("-"), progress.subscribed);
  if (progress.closed)
    line += fmt::format(" (closed {})", progress.closed);
  if (relay)
    line += fmt::format("  relay {:.2f} cores {:.1f} MB", relay_cores.value_or(0.0),
                        kib_to_mb(relay->rss_kib));
  line +=
      fmt::format("  bench {:.2f} cores (busiest thread {:.2f})", bench_cores, busiest);
  if (other_cores)
    line += fmt::format("  other {:.2f} cores", *other_cores);
  line +=
      fmt::format("  queued KB: clients {:.0f} relay {:.0f}",
                  queues.client_recv_bytes / 1024.0, queues.server_send_bytes / 1024.0);
  std::fprintf(stderr, "%s\n", line.c_str());
}

} // namespace runrelay::bench
