#include "services/tools/bench/subscriber_pool.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace runrelay::bench {
namespace {

namespace asio = boost::asio;

// How often stop() looks whether every connection has closed.
constexpr std::chrono::milliseconds poll_step{20};

std::uint64_t expected_events_per_subscriber(const bench_options& o) {
  switch (o.mode) {
  case bench_mode::idle:
    return 0;
  case bench_mode::saturate:
    return 4096; // unknown: the bitmap grows
  default:
    return static_cast<std::uint64_t>(o.rate * (o.warmup_s + o.duration_s) / o.runs) + 64;
  }
}

} // namespace

struct subscriber_pool::shard {
  std::size_t index = 0;
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  shard_stats stats;
  std::vector<std::shared_ptr<subscriber>> subscribers;
  // Connection throttle (shard thread only): at most `limit` first connections at once.
  std::size_t next_to_start = 0;
  std::size_t in_flight = 0;
  std::size_t limit = 1;
  std::thread thread;
  std::atomic<int> tid{0};

  void start_more() {
    while (in_flight < limit && next_to_start < subscribers.size()) {
      ++in_flight;
      subscribers[next_to_start++]->start();
    }
  }
};

subscriber_pool::subscriber_pool(const bench_options& options, subscriber_env env)
    : options_(options), env_(std::move(env)) {
  std::size_t threads = std::max<std::uint32_t>(options.threads, 1);
  for (std::size_t i = 0; i < threads; ++i) {
    auto s = std::make_unique<shard>();
    s->index = i;
    s->limit = std::max<std::size_t>(1, options.connect_concurrency / threads);
    s->work.emplace(s->io.get_executor());
    shards_.push_back(std::move(s));
  }
  auto expected = expected_events_per_subscriber(options);
  for (std::uint32_t i = 0; i < options.clients; ++i) {
    auto& s = *shards_[i % threads];
    auto run = i % options.runs;
    s.subscribers.push_back(make_subscriber(s.io, env_, s.stats, run, options.run_id(run),
                                            expected, [sp = &s] {
                                              --sp->in_flight;
                                              sp->start_more();
                                            }));
  }
}

subscriber_pool::~subscriber_pool() {
  stop(std::chrono::milliseconds(0));
}

void subscriber_pool::start() {
  for (auto& s : shards_) {
    asio::post(s->io, [sp = s.get()] { sp->start_more(); });
    s->thread = std::thread([sp = s.get()] {
      sp->tid = static_cast<int>(::syscall(SYS_gettid));
      for (;;) {
        try {
          sp->io.run();
          return;
        } catch (const std::exception& e) { // one bad handler must not end the shard
          spdlog::error("subscribers: a handler threw: {}", e.what());
        }
      }
    });
  }
}

pool_progress subscriber_pool::progress() const {
  pool_progress p;
  for (const auto& s : shards_) {
    const auto& st = s->stats;
    p.subscribed += st.subscribed;
    p.failed += st.failed;
    p.closed += st.closed;
    p.fresh += st.fresh;
    p.frames += st.frames;
    p.resubscribed += st.resubscribed;
    p.caught_up += st.caught_up;
    p.open_links += st.open_links;
  }
  return p;
}

std::vector<int> subscriber_pool::thread_ids() const {
  std::vector<int> ids;
  for (const auto& s : shards_)
    if (s->tid)
      ids.push_back(s->tid);
  return ids;
}

// Runs f(shard) on every shard's thread and waits for all, at most `timeout`. f must
// own what it writes to: a late shard still runs it after the wait gave up.
template <class F>
bool subscriber_pool::on_every_shard(F f, std::chrono::milliseconds timeout) {
  struct countdown {
    std::mutex mutex;
    std::condition_variable done;
    std::size_t left = 0;
  };
  auto state = std::make_shared<countdown>();
  state->left = shards_.size();
  for (auto& s : shards_)
    asio::post(s->io, [state, f, sp = s.get()] {
      f(*sp);
      std::lock_guard lock(state->mutex);
      if (--state->left == 0)
        state->done.notify_all();
    });
  std::unique_lock lock(state->mutex);
  return state->done.wait_for(lock, timeout, [&] { return state->left == 0; });
}

bool subscriber_pool::begin_phase(std::chrono::milliseconds timeout) {
  return on_every_shard(
      [](shard& s) {
        s.stats.latency.reset();
        s.stats.latency_all.reset();
        for (auto& sub : s.subscribers)
          sub->rebase();
      },
      timeout);
}

pool_report subscriber_pool::collect(const std::vector<seq_range>& ranges,
                                     std::chrono::milliseconds timeout) {
  auto parts = std::make_shared<std::vector<pool_report>>(shards_.size());
  auto wanted = std::make_shared<const std::vector<seq_range>>(ranges);
  auto runs = options_.runs;
  bool complete = on_every_shard(
      [parts, wanted, runs](shard& s) {
        auto& r = (*parts)[s.index];
        const auto& st = s.stats;
        r.latency = st.latency;
        r.latency_all = st.latency_all;
        r.connect_us = st.connect_us;
        r.catch_up_us = st.catch_up_us;
        r.close_codes = st.close_codes;
        r.control = st.control;
        r.errors = st.errors;
        r.retries = st.retries;
        r.gap_resumes = st.gap_resumes;
        r.reconnect_failures = st.reconnect_failures;
        r.bad_envelopes = st.bad_envelopes;
        r.per_run.assign(runs, delivery_totals{});
        r.live_per_run.assign(runs, 0);
        for (const auto& sub : s.subscribers) {
          auto run = sub->run();
          if (sub->status() == subscriber_status::subscribed)
            ++r.live_per_run[run];
          if (run < wanted->size() && sub->ever_subscribed())
            r.per_run[run].add(sub->account((*wanted)[run]));
        }
      },
      timeout);
  pool_report report;
  report.complete = complete;
  report.per_run.assign(runs, delivery_totals{});
  report.live_per_run.assign(runs, 0);
  if (!complete)
    return report; // the parts may still be written to: do not read them
  for (const auto& part : *parts) {
    report.latency.merge(part.latency);
    report.latency_all.merge(part.latency_all);
    report.connect_us.merge(part.connect_us);
    report.catch_up_us.merge(part.catch_up_us);
    for (const auto& [code, n] : part.close_codes)
      report.close_codes[code] += n;
    for (const auto& [type, n] : part.control)
      report.control[type] += n;
    for (const auto& e : part.errors)
      if (report.errors.size() < shard_stats::max_error_samples)
        report.errors.push_back(e);
    report.retries += part.retries;
    report.gap_resumes += part.gap_resumes;
    report.reconnect_failures += part.reconnect_failures;
    report.bad_envelopes += part.bad_envelopes;
    for (std::uint32_t run = 0; run < runs; ++run) {
      report.per_run[run].add(part.per_run[run]);
      report.live_per_run[run] += part.live_per_run[run];
    }
  }
  for (const auto& t : report.per_run)
    report.totals.add(t);
  return report;
}

void subscriber_pool::reconnect_all() {
  for (auto& s : shards_)
    asio::post(s->io, [sp = s.get()] {
      for (auto& sub : sp->subscribers)
        sub->reconnect();
    });
}

void subscriber_pool::reconnect_share(std::uint32_t every, std::uint64_t round) {
  for (auto& s : shards_)
    asio::post(s->io, [sp = s.get(), every, round] {
      for (std::size_t i = round % every; i < sp->subscribers.size(); i += every)
        sp->subscribers[i]->reconnect();
    });
}

void subscriber_pool::stop(std::chrono::milliseconds grace) {
  if (stopped_)
    return;
  stopped_ = true;
  for (auto& s : shards_)
    asio::post(s->io, [sp = s.get()] {
      for (auto& sub : sp->subscribers)
        sub->close();
    });
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (progress().open_links > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(poll_step);
  for (auto& s : shards_) {
    s->work.reset();
    s->io.stop();
  }
  for (auto& s : shards_)
    if (s->thread.joinable())
      s->thread.join();
}

} // namespace runrelay::bench
