#pragma once
// The watcher: keeps one connection to the relay up, reconnecting with backoff (1 s
// doubling to 10 s) and resubscribing after the last event seen; prints every message
// (services/watch_format.hpp, or raw with --json); stops after --count events, at
// --timeout-ms, or on Ctrl-C.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "services/tools/watch/resume_state.hpp"
#include "services/tools/watch/watch_format.hpp"
#include "services/tools/watch/watch_options.hpp"
#include "services/tools/watch/ws_connection.hpp"

namespace runrelay::watch {

class ws_watch_client {
public:
  ws_watch_client(boost::asio::io_context& io, watch_options options);

  void start();
  // 0 after --count events or Ctrl-C, 1 at --timeout-ms.
  int exit_code() const { return exit_code_; }

  static constexpr std::chrono::milliseconds first_backoff{1000};
  static constexpr std::chrono::milliseconds max_backoff{10000};

private:
  void do_connect();
  void on_open(std::uint64_t generation);
  void on_message(std::uint64_t generation, std::string text);
  void on_closed(std::uint64_t generation, std::string why);
  void on_event(const relay_message& message, const std::string& line);
  void do_retry(const std::string& why);
  void on_retry(boost::system::error_code ec);
  void on_deadline(boost::system::error_code ec);
  void on_signal(boost::system::error_code ec, int signal);
  void finish(int code, const std::string& why);

  void print(const std::string& line) const;              // stdout, flushed
  void note(const std::string& text, bool warning) const; // the watcher's own lines

  boost::asio::io_context& io_;
  watch_options options_;
  std::shared_ptr<boost::asio::ssl::context> tls_; // for wss:// (web_client's setup)
  event_printer printer_;
  resume_state resume_;
  std::shared_ptr<ws_connection> connection_;
  std::uint64_t generation_ = 0; // callbacks of older connections are ignored
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer deadline_timer_;
  boost::asio::steady_timer exit_timer_;
  boost::asio::signal_set signals_;
  std::chrono::milliseconds backoff_ = first_backoff;
  std::uint64_t events_ = 0;
  std::string relay_id_;   // of the last welcome
  bool welcomed_ = false;  // the current connection got its welcome
  bool connected_ = false; // a connection has been up before: the next one resumes
  bool finishing_ = false;
  int exit_code_ = 0;
};

} // namespace runrelay::watch
