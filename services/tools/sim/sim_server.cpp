#include "services/tools/sim/sim_server.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <utility>

#include <spdlog/spdlog.h>

#include "services/tools/sim/http_session.hpp"

namespace runrelay::sim {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::size_t log_capacity = 100000;
constexpr std::size_t received_capacity = 100000;
constexpr std::uint16_t periodic_drop_code = 1001;

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

generator_options to_generator_options(const sim_options& options) {
  generator_options out;
  out.seed = options.seed;
  out.concurrent_runs = options.concurrent_runs;
  out.max_runs = options.max_runs;
  out.batch_percent = options.batch_percent;
  out.duplicate_percent = options.duplicate_percent;
  out.no_id_percent = options.no_id_percent;
  return out;
}

} // namespace

sim_server::sim_server(asio::io_context& io, sim_options options)
    : io_(io), options_(std::move(options)), acceptor_(io), generation_timer_(io),
      ping_timer_(io), drop_timer_(io), generator_(to_generator_options(options_)),
      hub_(log_capacity, received_capacity), refuse_first_left_(options_.refuse_first) {}

void sim_server::start() {
  tcp::resolver resolver(io_);
  auto endpoint = resolver
                      .resolve(options_.listen_host, std::to_string(options_.listen_port),
                               tcp::resolver::passive)
                      .begin()
                      ->endpoint();
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  do_accept();
  last_tick_ = asio::steady_timer::clock_type::now();
  schedule_generation();
  schedule_ping();
  schedule_drop();
}

void sim_server::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  generation_timer_.cancel();
  ping_timer_.cancel();
  drop_timer_.cancel();
  hub_.close_all(periodic_drop_code);
}

tcp::endpoint sim_server::local_endpoint() const {
  return acceptor_.local_endpoint();
}

void sim_server::do_accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void sim_server::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (stopped_)
    return;
  if (ec)
    spdlog::warn("accept failed: {}", ec.message());
  else
    start_http_session(std::move(socket), *this);
  do_accept();
}

bool sim_server::admit_upgrade() {
  if (refuse_first_left_ > 0) {
    --refuse_first_left_;
    ++upgrades_refused_;
    spdlog::info("refused a relay's upgrade with 503 (--refuse-first: {} more to refuse)",
                 refuse_first_left_);
    return false;
  }
  if (refusing_) {
    ++upgrades_refused_;
    spdlog::info("refused a relay's upgrade with 503 (refusing is on)");
    return false;
  }
  return true;
}

void sim_server::schedule_generation() {
  if (options_.rate <= 0 || stopped_)
    return;
  auto interval_ms = std::clamp(1000.0 / options_.rate, 1.0, 100.0);
  generation_timer_.expires_after(
      std::chrono::microseconds(static_cast<std::int64_t>(interval_ms * 1000)));
  generation_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      on_generation_tick();
  });
}

void sim_server::on_generation_tick() {
  auto now = asio::steady_timer::clock_type::now();
  double elapsed_s = std::chrono::duration<double>(now - last_tick_).count();
  last_tick_ = now;
  if (!paused_) {
    // At most one second of catching up after a stall.
    budget_ = std::min(budget_ + options_.rate * elapsed_s, std::max(options_.rate, 1.0));
    auto due = static_cast<std::size_t>(std::floor(budget_));
    if (due > 0) {
      emit(due);
      budget_ -= static_cast<double>(due);
    }
  }
  schedule_generation();
}

void sim_server::schedule_ping() {
  if (options_.ping_ms == 0 || stopped_)
    return;
  ping_timer_.expires_after(std::chrono::milliseconds(options_.ping_ms));
  ping_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec)
      return;
    ++pings_;
    hub_.broadcast(std::make_shared<const std::string>(make_ping(now_unix_ms())), false);
    schedule_ping();
  });
}

void sim_server::schedule_drop() {
  if (options_.drop_every_ms == 0 || stopped_)
    return;
  drop_timer_.expires_after(std::chrono::milliseconds(options_.drop_every_ms));
  drop_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec)
      return;
    if (hub_.connections() > 0)
      spdlog::info("--drop-every-ms: closing {} relay connection(s) with {}",
                   hub_.connections(), periodic_drop_code);
    hub_.close_all(periodic_drop_code);
    schedule_drop();
  });
}

void sim_server::set_refusing(bool on) {
  if (on != refusing_)
    spdlog::info(on ? "now refusing new relay connections (503)"
                    : "accepting new relay connections again");
  refusing_ = on;
}

void sim_server::set_paused(bool on) {
  if (on != paused_)
    spdlog::info(on ? "event generation paused" : "event generation resumed");
  paused_ = on;
  budget_ = 0;
}

std::size_t sim_server::emit(std::size_t count) {
  std::size_t emitted = 0;
  auto now = now_unix_ms();
  while (emitted < count) {
    auto frame = generator_.next_frame(now, count - emitted);
    if (!frame) {
      if (!exhausted_noted_)
        spdlog::info("all {} runs (--max-runs) are generated: no more events",
                     generator_.runs_started());
      exhausted_noted_ = true;
      break;
    }
    hub_.publish(*frame);
    emitted += frame->events.size();
  }
  return emitted;
}

std::size_t sim_server::drop(std::uint16_t code) {
  spdlog::info("control: closing {} relay connection(s) with {}", hub_.connections(),
               code == 0 ? std::string("a TCP reset") : "code " + std::to_string(code));
  return hub_.close_all(code);
}

std::size_t sim_server::inject(std::string body, bool binary) {
  ++injected_;
  spdlog::info("control: injecting a {} frame of {} bytes", binary ? "binary" : "text",
               body.size());
  return hub_.broadcast(std::make_shared<const std::string>(std::move(body)), binary);
}

sim_status sim_server::status() const {
  sim_status out;
  out.connections = hub_.connections();
  out.hellos = hub_.hellos();
  out.emitted = hub_.emitted_events();
  out.frames = hub_.frames();
  out.duplicates = hub_.duplicates();
  out.pings = pings_;
  out.injected = injected_;
  out.logged = hub_.logged_events();
  out.refusing = refusing_ || refuse_first_left_ > 0;
  out.refuse_first_left = refuse_first_left_;
  out.upgrades_refused = upgrades_refused_;
  out.paused = paused_;
  out.runs_started = generator_.runs_started();
  out.runs_finished = generator_.runs_finished();
  out.generator_exhausted = generator_.exhausted();
  return out;
}

} // namespace runrelay::sim
