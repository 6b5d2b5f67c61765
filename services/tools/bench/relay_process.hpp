#pragma once
// The relay as a process: spawning and stopping it by PID, and reading its CPU and
// memory (and the bench's own) from /proc. Plus the process-level chores of the
// bench: a free port, the file descriptor limit, waiting for a port to accept.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace runrelay::bench {

class relay_process {
public:
  // Starts `bin args...`: stdin from /dev/null, stdout and stderr to `log_path` (empty:
  // /dev/null); the child gets SIGTERM if the bench dies. Throws std::runtime_error
  // when it cannot be started (the message says why).
  relay_process(const std::string& bin, const std::vector<std::string>& args,
                const std::string& log_path);
  ~relay_process(); // stops it if it still runs
  relay_process(const relay_process&) = delete;
  relay_process& operator=(const relay_process&) = delete;

  int pid() const { return pid_; }
  bool running();
  // SIGTERM, then SIGKILL after `grace`; how it ended ("exited with status 0").
  std::string stop(std::chrono::milliseconds grace);
  // How it ended, if it did ("" while it runs).
  std::string ending();

private:
  int pid_ = 0;
  bool reaped_ = false;
  int status_ = 0;
};

// CPU seconds (user + system) and memory of a process; empty when it is gone.
struct process_sample {
  double cpu_s = 0;
  std::uint64_t rss_kib = 0;
  std::uint64_t hwm_kib = 0; // peak RSS
};
std::optional<process_sample> sample_process(int pid);
// CPU seconds of one of the bench's own threads (/proc/self/task/TID/stat).
std::optional<double> thread_cpu_seconds(int tid);

// A port on 127.0.0.1 that was free a moment ago.
unsigned short free_loopback_port();
// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the soft limit now.
std::uint64_t raise_file_limit();
// Tries to connect to host:port every 50 ms until it succeeds, `timeout` passes or
// keep_going() says no.
bool wait_for_port(const std::string& host, unsigned short port,
                   std::chrono::milliseconds timeout,
                   const std::function<bool()>& keep_going);

} // namespace runrelay::bench
