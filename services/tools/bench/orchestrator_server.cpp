#include "services/tools/bench/orchestrator_server.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "services/tools/bench/bench_stats.hpp"
#include "services/tools/bench/relay_link.hpp"

namespace runrelay::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Events due while this many wait to be written are not published (and counted): a
// relay that stops reading must not grow the bench's memory without bound.
constexpr std::size_t max_queued_events = 200000;
// The pacing timer never fires more often than this; faster rates send several events
// per tick, each stamped when it is written.
constexpr std::int64_t min_tick_us = 200;
// A phase ends at the latest this long after its planned end.
constexpr std::int64_t phase_overrun_us = 10'000'000;

struct pending_event {
  std::uint32_t run;
  std::uint64_t bseq;
};

} // namespace

class orchestrator_server::impl final : public link_owner {
public:
  impl(const bench_options& options, run_heads& heads)
      : options_(options), heads_(heads), acceptor_(io_), ticker_(io_),
        next_bseq_(options.runs, 0),
        written_(std::make_unique<std::atomic<std::uint64_t>[]>(options.runs)) {
    for (std::uint32_t run = 0; run < options.runs; ++run)
      run_ids_.push_back(options.run_id(run));
  }

  void do_accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec)
        return; // closed at stop
      ++connections_;
      links_.push_back(start_relay_link(std::move(socket), *this));
      do_accept();
    });
  }

  // link_owner
  void on_hello(const std::shared_ptr<relay_link>& link, std::string text) override {
    ++hellos_;
    target_ = link; // the latest relay to say hello gets the events
    {
      std::lock_guard lock(hello_mutex_);
      if (first_hello_.empty())
        first_hello_ = std::move(text);
    }
    hello_seen_.notify_all();
    link->write_more(); // what waited for a relay
  }

  void on_message() override { ++upstream_messages_; }

  bool next_event(const relay_link* link, std::string& frame) override {
    if (target_.get() != link || queue_.empty())
      return false;
    auto event = queue_.front();
    queue_.pop_front();
    queued_ = queue_.size();
    format_bench_event(frame, run_ids_[event.run], event.bseq, monotonic_us(),
                       options_.payload_bytes);
    written_[event.run].store(event.bseq, std::memory_order_relaxed);
    ++published_;
    return true;
  }

  void on_gone(const relay_link* link, const std::string& why) override {
    if (!acceptor_.is_open())
      return; // stopping
    if (!why.empty())
      spdlog::warn("orchestrator: relay connection: {}", why);
    if (target_.get() == link) {
      target_.reset();
      ++disconnects_;
      spdlog::warn("orchestrator: the relay disconnected ({} events wait for it)",
                   queue_.size());
    }
  }

  void start_phase(double rate, std::uint32_t burst, double seconds) {
    rate_ = rate;
    burst_ = burst;
    total_ = static_cast<std::uint64_t>(std::llround(rate * seconds));
    attempted_ = 0;
    max_queued_ = queue_.size(); // a peak per phase
    t0_us_ = monotonic_us();
    hard_stop_us_ = t0_us_ + static_cast<std::int64_t>(seconds * 1e6) + phase_overrun_us;
    on_tick();
  }

  // Event k (from 0) is due at k/rate; with bursts of K, group g at g*K/rate.
  void on_tick() {
    if (!publishing_)
      return;
    auto now = monotonic_us();
    double elapsed_s = static_cast<double>(now - t0_us_) / 1e6;
    std::uint64_t due =
        burst_ == 0
            ? static_cast<std::uint64_t>(std::floor(elapsed_s * rate_)) + 1
            : (static_cast<std::uint64_t>(std::floor(elapsed_s * rate_ / burst_)) + 1) *
                  burst_;
    due = std::min(due, total_);
    while (attempted_ < due)
      enqueue_one();
    if (target_)
      target_->write_more();
    if (attempted_ >= total_ || now > hard_stop_us_) {
      publishing_ = false;
      return;
    }
    double next_s = burst_ == 0
                        ? static_cast<double>(attempted_) / rate_
                        : static_cast<double>(attempted_ / burst_) * burst_ / rate_;
    auto next_us =
        std::max(t0_us_ + static_cast<std::int64_t>(next_s * 1e6), now + min_tick_us);
    ticker_.expires_at(
        asio::steady_timer::time_point(std::chrono::microseconds(next_us)));
    ticker_.async_wait([this](boost::system::error_code ec) {
      if (!ec)
        on_tick();
    });
  }

  // Round-robin over the runs; a run's bseq only counts events really queued.
  void enqueue_one() {
    ++attempted_;
    auto run = next_run_++ % options_.runs;
    if (!target_ || queue_.size() >= max_queued_events) {
      ++not_published_;
      return;
    }
    auto bseq = ++next_bseq_[run];
    heads_.set(run, bseq);
    queue_.push_back(pending_event{run, bseq});
    queued_ = queue_.size();
    if (queue_.size() > max_queued_)
      max_queued_ = queue_.size();
  }

  void close_all() {
    publishing_ = false;
    ticker_.cancel();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& weak : links_)
      if (auto link = weak.lock())
        link->close();
    target_.reset();
  }

  const bench_options& options_;
  run_heads& heads_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  asio::steady_timer ticker_;
  std::thread thread_;
  std::atomic<int> tid_{0};
  std::vector<std::string> run_ids_;
  std::vector<std::uint64_t> next_bseq_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> written_; // last bseq written, per run
  std::vector<std::weak_ptr<relay_link>> links_;
  std::shared_ptr<relay_link> target_;
  std::deque<pending_event> queue_;

  // The publishing phase (orchestrator thread only, but `publishing_`).
  double rate_ = 0;
  std::uint32_t burst_ = 0;
  std::uint64_t total_ = 0;
  std::uint64_t attempted_ = 0;
  std::int64_t t0_us_ = 0;
  std::int64_t hard_stop_us_ = 0;
  std::uint32_t next_run_ = 0;
  std::atomic<bool> publishing_{false};

  std::atomic<std::uint64_t> published_{0}, not_published_{0}, queued_{0}, max_queued_{0},
      connections_{0}, hellos_{0}, disconnects_{0}, upstream_messages_{0};

  mutable std::mutex hello_mutex_;
  std::condition_variable hello_seen_;
  std::string first_hello_;
};

orchestrator_server::orchestrator_server(const bench_options& options, run_heads& heads)
    : impl_(std::make_unique<impl>(options, heads)) {}

orchestrator_server::~orchestrator_server() {
  stop();
}

unsigned short orchestrator_server::start(unsigned short port) {
  auto& i = *impl_;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  i.acceptor_.open(endpoint.protocol());
  i.acceptor_.set_option(asio::socket_base::reuse_address(true));
  i.acceptor_.bind(endpoint);
  i.acceptor_.listen(asio::socket_base::max_listen_connections);
  i.do_accept();
  i.thread_ = std::thread([&i] {
    i.tid_ = static_cast<int>(::syscall(SYS_gettid));
    i.io_.run();
  });
  return i.acceptor_.local_endpoint().port();
}

void orchestrator_server::stop() {
  auto& i = *impl_;
  if (!i.thread_.joinable())
    return;
  asio::post(i.io_, [&i] {
    i.close_all();
    i.io_.stop();
  });
  i.thread_.join();
}

bool orchestrator_server::wait_for_hello(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->hello_mutex_);
  return impl_->hello_seen_.wait_for(lock, timeout,
                                     [this] { return !impl_->first_hello_.empty(); });
}

std::string orchestrator_server::first_hello() const {
  std::lock_guard lock(impl_->hello_mutex_);
  return impl_->first_hello_;
}

void orchestrator_server::publish(double rate, std::uint32_t burst, double seconds) {
  impl_->publishing_ = true; // before returning, so publishing() is true at once
  asio::post(impl_->io_, [i = impl_.get(), rate, burst, seconds] {
    i->start_phase(rate, burst, seconds);
  });
}

bool orchestrator_server::publishing() const {
  return impl_->publishing_;
}

void orchestrator_server::cancel_publishing() {
  impl_->publishing_ = false;
  asio::post(impl_->io_, [i = impl_.get()] { i->ticker_.cancel(); });
}

std::uint64_t orchestrator_server::drop_queued(std::chrono::milliseconds timeout) {
  auto dropped = std::make_shared<std::promise<std::uint64_t>>();
  auto result = dropped->get_future();
  asio::post(impl_->io_, [i = impl_.get(), dropped] {
    auto n = i->queue_.size();
    i->queue_.clear();
    i->queued_ = 0;
    i->not_published_ += n;
    dropped->set_value(n);
  });
  return result.wait_for(timeout) == std::future_status::ready ? result.get() : 0;
}

std::vector<std::uint64_t> orchestrator_server::written_heads() const {
  std::vector<std::uint64_t> heads(impl_->options_.runs);
  for (std::uint32_t run = 0; run < heads.size(); ++run)
    heads[run] = impl_->written_[run].load(std::memory_order_relaxed);
  return heads;
}

publisher_stats orchestrator_server::stats() const {
  const auto& i = *impl_;
  return publisher_stats{i.published_,   i.not_published_,    i.queued_,
                         i.max_queued_,  i.connections_,      i.hellos_,
                         i.disconnects_, i.upstream_messages_};
}

int orchestrator_server::thread_id() const {
  return impl_->tid_;
}

} // namespace runrelay::bench
