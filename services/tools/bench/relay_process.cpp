#include "services/tools/bench/relay_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "services/tools/bench/bench_stats.hpp"

namespace runrelay::bench {
namespace {

constexpr std::chrono::milliseconds reap_step{20};
constexpr std::chrono::milliseconds port_probe_step{50};
constexpr int max_fd_to_close = 65536; // without close_range()

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

double ticks_to_seconds(std::uint64_t ticks) {
  static const long per_second = ::sysconf(_SC_CLK_TCK);
  return per_second > 0 ? static_cast<double>(ticks) / per_second : 0.0;
}

std::string describe(int status) {
  if (WIFEXITED(status))
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended (status " + std::to_string(status) + ")";
}

// In the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(int log_fd, int error_pipe, pid_t parent,
                             char* const* argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent)
    ::_exit(127);
  int null_fd = ::open("/dev/null", O_RDWR);
  ::dup2(null_fd, 0);
  ::dup2(log_fd >= 0 ? log_fd : null_fd, 1);
  ::dup2(log_fd >= 0 ? log_fd : null_fd, 2);
  // Nothing of the bench (its listening socket) goes to the relay; the error pipe is
  // close-on-exec and stays open until exec.
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 3, error_pipe - 1, 0) != 0 ||
      ::syscall(SYS_close_range, error_pipe + 1, ~0u, 0) != 0)
#endif
    for (int fd = 3; fd < max_fd_to_close; ++fd)
      if (fd != error_pipe)
        ::close(fd);
  ::execv(argv[0], argv);
  int error = errno;
  auto written = ::write(error_pipe, &error, sizeof error);
  (void)written;
  ::_exit(127);
}

} // namespace

relay_process::relay_process(const std::string& bin, const std::vector<std::string>& args,
                             const std::string& log_path) {
  std::vector<std::string> words{bin};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words)
    argv.push_back(w.data());
  argv.push_back(nullptr);

  int log_fd = -1;
  if (!log_path.empty()) {
    log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0)
      throw std::runtime_error("cannot open --relay-log " + log_path + ": " +
                               std::strerror(errno));
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0)
    exec_child(log_fd, pipe_fds[1], parent, argv.data());
  int fork_error = errno;
  ::close(pipe_fds[1]);
  if (log_fd >= 0)
    ::close(log_fd);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(fork_error));
  }
  pid_ = pid;
  int exec_error = 0;
  auto got = ::read(pipe_fds[0], &exec_error, sizeof exec_error); // EOF: exec worked
  ::close(pipe_fds[0]);
  if (got == static_cast<ssize_t>(sizeof exec_error)) {
    ::waitpid(pid_, &status_, 0);
    reaped_ = true;
    throw std::runtime_error("cannot run " + bin + ": " + std::strerror(exec_error));
  }
}

relay_process::~relay_process() {
  stop(std::chrono::milliseconds(2000));
}

bool relay_process::running() {
  if (!reaped_ && ::waitpid(pid_, &status_, WNOHANG) == pid_)
    reaped_ = true;
  return !reaped_;
}

std::string relay_process::ending() {
  return running() ? std::string() : describe(status_);
}

std::string relay_process::stop(std::chrono::milliseconds grace) {
  if (!running())
    return describe(status_);
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(reap_step);
  if (running()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  return describe(status_);
}

std::optional<process_sample> sample_process(int pid) {
  if (pid <= 0)
    return std::nullopt;
  auto base = "/proc/" + std::to_string(pid);
  auto times = parse_proc_stat(read_file(base + "/stat"));
  auto status = read_file(base + "/status");
  auto rss = parse_status_kib(status, "VmRSS");
  if (!times || !rss)
    return std::nullopt;
  return process_sample{ticks_to_seconds(times->total()), *rss,
                        parse_status_kib(status, "VmHWM").value_or(0)};
}

std::optional<double> thread_cpu_seconds(int tid) {
  if (tid <= 0)
    return std::nullopt;
  auto times =
      parse_proc_stat(read_file("/proc/self/task/" + std::to_string(tid) + "/stat"));
  if (!times)
    return std::nullopt;
  return ticks_to_seconds(times->total());
}

unsigned short free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    int error = errno;
    ::close(fd);
    throw std::runtime_error(std::string("no free port: ") + std::strerror(error));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::uint64_t raise_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

bool wait_for_port(const std::string& host, unsigned short port,
                   std::chrono::milliseconds timeout,
                   const std::function<bool()>& keep_going) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof *v6;
  } else {
    return false;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok =
        fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&storage), length) == 0;
    if (fd >= 0)
      ::close(fd);
    if (ok)
      return true;
    if (std::chrono::steady_clock::now() >= deadline || !keep_going())
      return false;
    std::this_thread::sleep_for(port_probe_step);
  }
}

} // namespace runrelay::bench
