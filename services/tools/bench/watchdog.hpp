#pragma once
// The bench's bounds in time: SIGINT/SIGTERM end every wait early (a second signal ends
// the process), and the watchdog ends the process if the bench runs too long. Either
// way a spawned relay does not outlive the bench.
#include <condition_variable>
#include <mutex>
#include <thread>

namespace runrelay::bench {

void install_signal_handlers();
bool stop_requested();

// The spawned relay, for the watchdog to kill (0: none).
void set_watched_relay(int pid);

// Ends the process with status 3 (killing the watched relay) if it still runs after
// `seconds`; destroying the watchdog disarms it.
class watchdog {
public:
  explicit watchdog(double seconds);
  ~watchdog();
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  std::thread thread_;
};

} // namespace runrelay::bench
