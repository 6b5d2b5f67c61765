#pragma once
// The simulated orchestrator's server: one listening port for relays (WebSocket) and
// for the control API (plain HTTP), the generation, ping and drop timers, and the
// control actions the HTTP side calls. Everything runs on one io_context thread.
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "services/tools/sim/event_generator.hpp"
#include "services/tools/sim/relay_hub.hpp"
#include "services/tools/sim/sim_options.hpp"

namespace runrelay::sim {

struct sim_status {
  std::size_t connections = 0;
  std::uint64_t hellos = 0;
  std::uint64_t emitted = 0; // generated event objects (duplicates not counted)
  std::uint64_t frames = 0;  // generated frames, duplicates included
  std::uint64_t duplicates = 0;
  std::uint64_t pings = 0;
  std::uint64_t injected = 0;
  std::size_t logged = 0;
  bool refusing = false;
  std::uint64_t refuse_first_left = 0;
  std::uint64_t upgrades_refused = 0;
  bool paused = false;
  std::uint64_t runs_started = 0;
  std::uint64_t runs_finished = 0;
  bool generator_exhausted = false;
};

class sim_server {
public:
  sim_server(boost::asio::io_context& io, sim_options options);

  // Binds and listens (throws boost::system::system_error), then starts the timers.
  void start();
  // Stops accepting and generating, and closes every relay connection with 1001.
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  relay_hub& hub() { return hub_; }
  // Each upgrade attempt asks first; false means answer 503.
  bool admit_upgrade();
  std::uint64_t next_connection_number() { return ++accepted_; }

  // Control actions (control_api.cpp).
  void set_refusing(bool on);
  void set_paused(bool on);
  std::size_t emit(std::size_t count);  // returns the number of events emitted
  std::size_t drop(std::uint16_t code); // returns the number of connections closed
  std::size_t inject(std::string body, bool binary); // returns the recipients
  sim_status status() const;

private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void schedule_generation();
  void on_generation_tick();
  void schedule_ping();
  void schedule_drop();

  boost::asio::io_context& io_;
  sim_options options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer generation_timer_;
  boost::asio::steady_timer ping_timer_;
  boost::asio::steady_timer drop_timer_;
  event_generator generator_;
  relay_hub hub_;
  boost::asio::steady_timer::time_point last_tick_;
  double budget_ = 0; // events due but not yet emitted at --rate
  bool refusing_ = false;
  bool paused_ = false;
  bool stopped_ = false;
  bool exhausted_noted_ = false;
  std::uint64_t refuse_first_left_ = 0;
  std::uint64_t upgrades_refused_ = 0;
  std::uint64_t pings_ = 0;
  std::uint64_t injected_ = 0;
  std::uint64_t accepted_ = 0;
};

} // namespace runrelay::sim
