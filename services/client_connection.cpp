#include "services/client_connection.hpp"

#include "actors/messages.hpp"
#include "services/frame_queue.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <utility>

namespace runrelay::services {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using actors::frame_ptr;

namespace {

class client_connection : public io_sink,
                          public std::enable_shared_from_this<client_connection> {
public:
  client_connection(asio::io_context& lane, asio::ip::tcp::socket socket,
                    client_connection_limits limits,
                    std::shared_ptr<actors::status_board> board,
                    std::function<void()> on_closed)
      : io_sink(lane), ws_(std::move(socket)), heartbeat_(lane), limits_(limits),
        board_(std::move(board)), on_closed_(std::move(on_closed)) {}

  // The session actor is spawned only once the upgrade succeeded, so a refused
  // handshake never counts as a client.
  void start(upgrade_request request, client_actor_factory spawn_session) {
    spawn_session_ = std::move(spawn_session);
    ws_.read_message_max(limits_.max_frame_bytes);
    // One event, one frame: a client reads whole messages anyway.
    ws_.auto_fragment(false);
    websocket::stream_base::timeout timeouts{limits_.handshake_timeout,
                                             websocket::stream_base::none(), false};
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(beast::http::field::server, "runrelay");
    }));
    ws_.control_callback(
        [this](websocket::frame_type, beast::string_view) { heard_ = now(); });
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      self->on_accept(ec);
    });
  }

  void send_frame(frame_ptr frame) override {
    asio::post(lane(), [self = shared_from_this(), frame = std::move(frame)] {
      self->deliver_here(frame);
    });
  }

  void send_frames(std::vector<frame_ptr> frames) override {
    asio::post(lane(), [self = shared_from_this(), frames = std::move(frames)] {
      for (auto& frame : frames)
        self->deliver_here(frame);
    });
  }

  void close(uint16_t code, std::string reason) override {
    asio::post(lane(), [self = shared_from_this(), code, reason = std::move(reason)] {
      self->close_here(code, reason);
    });
  }

  std::size_t backlog_frames() const override {
    return backlog_.load(std::memory_order_relaxed);
  }

  void notify_when_drained(std::function<void()> callback) override {
    asio::post(lane(),
               [self = shared_from_this(), callback = std::move(callback)]() mutable {
                 if (self->closing_)
                   return;
                 if (self->queue_.empty() && !self->writing_)
                   return callback();
                 self->drained_callbacks_.push_back(std::move(callback));
               });
  }

  void deliver_here(const frame_ptr& frame) override {
    if (closing_)
      return;
    queue_.push_back(frame);
    queued_bytes_ += frame->size();
    backlog_.store(queue_.size(), std::memory_order_relaxed);
    if (queue_.size() > limits_.buffer_frames || queued_bytes_ > limits_.buffer_bytes) {
      ++board_->counters.slow_consumers_closed;
      spdlog::info("client: closing a slow consumer ({} frames, {} bytes unsent)",
                   queue_.size(), queued_bytes_);
      return close_here(1013, "slow consumer");
    }
    if (open_ && !writing_)
      do_write();
  }

private:
  static std::chrono::steady_clock::time_point now() {
    return std::chrono::steady_clock::now();
  }

  void on_accept(beast::error_code ec) {
    if (ec)
      return finish("handshake", ec);
    actor_ = spawn_session_(shared_from_this());
    spawn_session_ = nullptr;
    open_ = true;
    heard_ = now();
    do_read();
    schedule_heartbeat();
    if (closing_)
      return do_close();
    if (!queue_.empty())
      do_write();
  }

  // Reads through a small fixed chunk and assembles a message only while one is in
  // flight: an idle client then holds no read buffer beyond the chunk.
  void do_read() {
    ws_.async_read_some(asio::buffer(chunk_),
                        [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                          self->on_read(ec, n);
                        });
  }

  void on_read(beast::error_code ec, std::size_t bytes) {
    if (ec)
      return finish("read", ec);
    heard_ = now();
    if (!ws_.got_text()) {
      message_ = {};
      return close_here(static_cast<uint16_t>(websocket::close_code::unknown_data),
                        "binary frames are not accepted");
    }
    message_.append(chunk_.data(), bytes);
    if (!ws_.is_message_done())
      return do_read();
    caf::anon_send(actor_, actors::client_text_atom::value, std::exchange(message_, {}));
    do_read();
  }

  void do_write() {
    writing_ = true;
    // The frame leaves the queue but stays alive until its write completes, even if the
    // queue is cleared by a close meanwhile.
    in_flight_ = queue_.pop_front();
    queued_bytes_ -= in_flight_->size();
    backlog_.store(queue_.size(), std::memory_order_relaxed);
    ws_.text(true);
    ws_.async_write(asio::buffer(*in_flight_),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    in_flight_ = nullptr;
    if (ec)
      return finish("write", ec);
    if (closing_)
      return;
    if (!queue_.empty())
      return do_write();
    auto callbacks = std::move(drained_callbacks_);
    drained_callbacks_.clear();
    for (auto& callback : callbacks)
      callback();
  }

  void schedule_heartbeat() {
    heartbeat_.expires_after(limits_.heartbeat);
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->on_heartbeat();
    });
  }

  void on_heartbeat() {
    if (closing_)
      return;
    if (now() - heard_ > 2 * limits_.heartbeat)
      return close_here(static_cast<uint16_t>(websocket::close_code::policy_error),
                        "heartbeat timeout");
    if (!pinging_) {
      pinging_ = true;
      ws_.async_ping(
          {}, [self = shared_from_this()](beast::error_code) { self->pinging_ = false; });
    }
    schedule_heartbeat();
  }

  void close_here(uint16_t code, std::string reason) {
    if (closing_)
      return;
    closing_ = true;
    close_reason_ =
        websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    queue_.clear();
    queued_bytes_ = 0;
    backlog_.store(0, std::memory_order_relaxed);
    drained_callbacks_.clear();
    if (open_)
      do_close();
  }

  void do_close() {
    heartbeat_.cancel();
    if (pinging_) {
      // Beast allows one control frame in flight: close once the ping is out.
      heartbeat_.expires_after(std::chrono::milliseconds(5));
      heartbeat_.async_wait([self = shared_from_this()](beast::error_code) {
        self->pinging_ = false;
        self->do_close();
      });
      return;
    }
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        self->finish("close", ec);
    });
  }

  void finish(const char* what, beast::error_code ec) {
    if (finished_)
      return;
    finished_ = true;
    closing_ = true;
    if (ec != websocket::error::closed && ec != asio::error::operation_aborted &&
        ec != beast::error::timeout && ec != asio::error::eof)
      spdlog::debug("client: {}: {}", what, ec.message());
    heartbeat_.cancel();
    queue_.clear();
    drained_callbacks_.clear();
    beast::error_code ignored;
    ws_.next_layer().close(ignored);
    if (actor_)
      caf::anon_send(actor_, actors::client_closed_atom::value);
    actor_ = nullptr; // the actor holds this sink: let go of it here to break the cycle
    if (on_closed_)
      on_closed_();
    on_closed_ = nullptr;
  }

  // A plain socket: tcp_stream's timers are not needed, the websocket layer times its
  // own handshakes, and idle clients are the common case.
  websocket::stream<asio::ip::tcp::socket, false> ws_;
  asio::steady_timer heartbeat_;
  client_connection_limits limits_;
  std::shared_ptr<actors::status_board> board_;
  std::function<void()> on_closed_;
  client_actor_factory spawn_session_;
  caf::actor actor_;
  // Client messages are small: most fit one chunk, larger ones take several reads.
  std::array<char, 512> chunk_;
  std::string message_;
  frame_queue queue_;
  frame_ptr in_flight_;
  std::size_t queued_bytes_ = 0;
  std::atomic<std::size_t> backlog_{0};
  std::vector<std::function<void()>> drained_callbacks_;
  websocket::close_reason close_reason_;
  std::chrono::steady_clock::time_point heard_{};
  bool open_ = false;
  bool writing_ = false;
  bool pinging_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

} // namespace

void start_client_connection(asio::io_context& lane, asio::ip::tcp::socket socket,
                             upgrade_request request, client_connection_limits limits,
                             std::shared_ptr<actors::status_board> board,
                             client_actor_factory spawn_session,
                             std::function<void()> on_closed) {
  auto connection = std::make_shared<client_connection>(
      lane, std::move(socket), limits, std::move(board), std::move(on_closed));
  connection->start(std::move(request), std::move(spawn_session));
}

} // namespace runrelay::services
