#include "services/tools/bench/watchdog.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>

namespace runrelay::bench {
namespace {

constexpr int watchdog_exit_status = 3;

std::atomic<bool> stop_flag{false};
std::atomic<int> watched_relay{0};

extern "C" void on_stop_signal(int) {
  stop_flag = true;
}

} // namespace

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  action.sa_flags = SA_RESETHAND; // a second signal ends the process
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() {
  return stop_flag;
}

void set_watched_relay(int pid) {
  watched_relay = pid;
}

watchdog::watchdog(double seconds) {
  auto limit = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  thread_ = std::thread([this, limit, seconds] {
    std::unique_lock lock(mutex_);
    if (done_.wait_for(lock, limit, [this] { return finished_; }))
      return;
    std::fprintf(stderr,
                 "runrelay-bench: watchdog: still running after %.0f s, giving up\n",
                 seconds);
    if (int pid = watched_relay.load(); pid > 0)
      ::kill(pid, SIGKILL);
    ::_exit(watchdog_exit_status);
  });
}

watchdog::~watchdog() {
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  done_.notify_all();
  thread_.join();
}

} // namespace runrelay::bench
