#include "services/clients/sse_connection.hpp"

#include "actors/messages.hpp"
#include "protocol/run_api_codec.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <deque>

namespace runrelay::services {

namespace asio = boost::asio;
using actors::frame_ptr;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using sse_bytes = std::shared_ptr<const std::string>;

namespace {

using lane_hook = boost::intrusive::list_base_hook<
    boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

class sse_stream;

class sse_lane;

class sse_stream : public io_sink,
                   public lane_hook,
                   public std::enable_shared_from_this<sse_stream> {
public:
  sse_stream(asio::io_context& lane, tcp::socket socket, sse_settings settings,
             std::shared_ptr<actors::status_board> board)
      : io_sink(lane), socket_(std::move(socket)), settings_(std::move(settings)),
        board_(std::move(board)) {}

  void start(client_actor_factory spawn_session, std::string subscribe);
  void deliver_here(const frame_ptr& frame) override;
  void send_frame(frame_ptr frame) override {
    asio::post(lane(), [self = shared_from_this(), frame = std::move(frame)] {
      self->deliver_here(frame);
    });
  }
  void send_frames(std::vector<frame_ptr> frames) override {
    asio::post(lane(), [self = shared_from_this(), frames = std::move(frames)] {
      for (auto& frame : frames)
        self->enqueue(std::make_shared<const std::string>(protocol::encode_sse(*frame)));
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
                 if (self->queue_.empty())
                   return callback();
                 self->drained_.push_back(std::move(callback));
               });
  }

  void send_keep_alive() {
    static const auto comment =
        std::make_shared<const std::string>(protocol::sse_keep_alive);
    if (queue_.empty())
      enqueue(comment);
  }

private:
  // The slow-consumer rule judges what the socket could not take: a message is written
  // at once when the socket is writable, and the stream is closed only when more than
  // the bound waits while the socket refuses more, never for a burst it absorbs.
  void enqueue(sse_bytes bytes) {
    if (closing_)
      return;
    queued_bytes_ += bytes->size();
    queue_.push_back(std::move(bytes));
    if (!waiting_writable_)
      write_some();
    if (finished_ || !waiting_writable_)
      return;
    backlog_.store(queue_.size(), std::memory_order_relaxed);
    if (queue_.size() > settings_.buffer_frames ||
        queued_bytes_ > settings_.buffer_bytes) {
      ++board_->counters.slow_consumers_closed;
      spdlog::info("sse: closing a slow consumer ({} messages, {} bytes unsent)",
                   queue_.size(), queued_bytes_);
      finish();
    }
  }

  // Gathered non-blocking writes of up to max_batch queued messages, until the queue is
  // empty or the socket is full; then it waits for the socket to take more.
  void write_some() {
    while (!queue_.empty()) {
      parts_.clear();
      for (std::size_t i = 0; i < std::min(queue_.size(), max_batch); ++i)
        parts_.push_back(asio::buffer(*queue_[i]));
      parts_.front() += front_written_;
      error_code ec;
      auto written = socket_.write_some(parts_, ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again)
        return wait_writable();
      if (ec)
        return finish();
      account_written(written);
    }
    backlog_.store(0, std::memory_order_relaxed);
    if (closing_)
      return finish();
    auto callbacks = std::move(drained_);
    drained_.clear();
    for (auto& callback : callbacks)
      callback();
  }

  void account_written(std::size_t bytes) {
    bytes += front_written_;
    while (!queue_.empty() && bytes >= queue_.front()->size()) {
      bytes -= queue_.front()->size();
      queued_bytes_ -= queue_.front()->size();
      queue_.pop_front();
    }
    front_written_ = bytes;
  }

  void wait_writable() {
    waiting_writable_ = true;
    socket_.async_wait(tcp::socket::wait_write,
                       [self = shared_from_this()](error_code ec) {
                         self->waiting_writable_ = false;
                         if (self->finished_)
                           return;
                         if (ec)
                           return self->finish();
                         self->write_some();
                       });
  }

  // The relay ends the stream (shutdown 1001, a failed session, an expired token): a
  // last `close` event says why, then the connection ends.
  void close_here(uint16_t code, std::string_view reason) {
    if (closing_)
      return;
    std::string text = "{\"type\":\"close\",\"code\":" + std::to_string(code) +
                       ",\"reason\":" + protocol::json_quote(reason) + "}";
    enqueue(std::make_shared<const std::string>(protocol::encode_sse(text)));
    closing_ = true;
    drained_.clear();
    if (!waiting_writable_)
      finish();
  }

  // An SSE client sends nothing after its request: a read ends when it goes away.
  void wait_for_close() {
    socket_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              if (ec)
                                return self->finish();
                              self->wait_for_close();
                            });
  }

  void finish() {
    if (finished_)
      return;
    finished_ = closing_ = true;
    unlink();
    queue_.clear(); // writes are synchronous: nothing in flight points into it
    queued_bytes_ = 0;
    backlog_.store(0, std::memory_order_relaxed);
    drained_.clear();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    --board_->counters.sse_clients;
    if (actor_)
      caf::anon_send(actor_, actors::client_closed_atom::value);
    actor_ = nullptr; // the actor holds this sink: let go of it to break the cycle
  }

  static constexpr std::size_t max_batch = 64;

  tcp::socket socket_;
  sse_settings settings_;
  std::shared_ptr<actors::status_board> board_;
  sse_lane* lane_ = nullptr; // set by start()
  actors::client_session_actor actor_;
  std::deque<sse_bytes> queue_;
  std::vector<asio::const_buffer> parts_; // of the write being made, kept for its storage
  std::size_t front_written_ = 0;         // bytes of the first message already written
  std::size_t queued_bytes_ = 0;
  std::atomic<std::size_t> backlog_{0};
  std::vector<std::function<void()>> drained_;
  std::array<char, 512> discard_{};
  bool waiting_writable_ = false; // the socket took all it could: the rest waits
  bool closing_ = false;
  bool finished_ = false;
};

// What one I/O thread keeps for all of its SSE streams: the last message framed as SSE
// (a publish hands the same frame to every stream of the thread in turn, so it is framed
// once and the bytes are shared), and one keep-alive timer for them all.
class sse_lane : public asio::execution_context::service {
public:
  using key_type = sse_lane;
  static inline asio::execution_context::id id;

  explicit sse_lane(asio::execution_context& context)
      : service(context), timer_(static_cast<asio::io_context&>(context)) {}

  sse_bytes encode(const frame_ptr& frame) {
    if (frame != last_frame_) {
      last_frame_ = frame;
      last_bytes_ = std::make_shared<const std::string>(protocol::encode_sse(*frame));
    }
    return last_bytes_;
  }
  void add(sse_stream& stream, std::chrono::milliseconds interval);
  void broadcast(const frame_ptr& frame);

private:
  void shutdown() override {
    timer_.cancel();
    streams_.clear();
  }
  void schedule();
  void keep_alive();

  asio::steady_timer timer_;
  std::chrono::milliseconds interval_{};
  bool running_ = false;
  boost::intrusive::list<sse_stream, boost::intrusive::constant_time_size<false>>
      streams_;
  frame_ptr last_frame_;
  sse_bytes last_bytes_;
};

void sse_stream::start(client_actor_factory spawn_session, std::string subscribe) {
  lane_ = &asio::use_service<sse_lane>(lane());
  error_code ignored;
  socket_.non_blocking(true, ignored);
  auto version = settings_.http_version == 10 ? "HTTP/1.0" : "HTTP/1.1";
  enqueue(std::make_shared<const std::string>(
      std::string(version) +
      " 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
      "X-Accel-Buffering: no\r\nConnection: close\r\nServer: runrelay\r\n" +
      settings_.extra_headers + "\r\n" + protocol::encode_sse_retry(settings_.retry_ms)));
  ++board_->counters.sse_clients;
  lane_->add(*this, settings_.keep_alive);
  actor_ = spawn_session(shared_from_this());
  caf::anon_send(actor_, actors::client_text_atom::value, std::move(subscribe));
  wait_for_close();
}

void sse_stream::deliver_here(const frame_ptr& frame) {
  enqueue(lane_->encode(frame));
}

void sse_lane::add(sse_stream& stream, std::chrono::milliseconds interval) {
  streams_.push_back(stream);
  if (running_)
    return;
  running_ = true;
  interval_ = interval;
  schedule();
}

void sse_lane::broadcast(const frame_ptr& frame) {
  for (auto it = streams_.begin(); it != streams_.end();) {
    auto stream = it->shared_from_this();
    ++it;
    stream->deliver_here(frame);
  }
}

void sse_lane::schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](error_code ec) {
    if (!ec)
      keep_alive();
  });
}

void sse_lane::keep_alive() {
  for (auto it = streams_.begin(); it != streams_.end();) {
    auto stream = it->shared_from_this();
    ++it;
    stream->send_keep_alive();
  }
  if (streams_.empty()) {
    running_ = false;
    return;
  }
  schedule();
}

} // namespace

void deliver_to_lane_streams(asio::io_context& lane, const frame_ptr& frame) {
  asio::use_service<sse_lane>(lane).broadcast(frame);
}

void start_sse_connection(asio::io_context& lane, tcp::socket socket,
                          sse_settings settings,
                          std::shared_ptr<actors::status_board> board,
                          client_actor_factory spawn_session, std::string subscribe) {
  auto stream = std::make_shared<sse_stream>(lane, std::move(socket), std::move(settings),
                                             std::move(board));
  stream->start(std::move(spawn_session), std::move(subscribe));
}

} // namespace runrelay::services
