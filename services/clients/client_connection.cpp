#include "services/clients/client_connection.hpp"

#include "actors/messages.hpp"
#include "protocol/websocket_codec.hpp"
#include "services/clients/frame_queue.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/intrusive/list.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <utility>

namespace runrelay::services {

namespace asio = boost::asio;
namespace ws = protocol::websocket;
using actors::frame_ptr;
using boost::system::error_code;
using clock = std::chrono::steady_clock;
using tcp = asio::ip::tcp;

namespace {

using lane_hook = boost::intrusive::list_base_hook<
    boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

class client_lane;

class client_connection : public io_sink,
                          public lane_hook,
                          public std::enable_shared_from_this<client_connection> {
public:
  client_connection(asio::io_context& lane, tcp::socket socket,
                    client_connection_limits limits,
                    std::shared_ptr<actors::status_board> board,
                    std::function<void()> on_closed)
      : io_sink(lane), socket_(std::move(socket)), limits_(limits),
        board_(std::move(board)), on_closed_(std::move(on_closed)),
        reader_(limits_.max_frame_bytes) {}

  // The session actor is spawned only once the 101 is written, so a client that goes
  // away during the handshake never counts as a client.
  void start(std::string accept_key, client_actor_factory spawn_session) {
    spawn_session_ = std::move(spawn_session);
    auto response = std::make_shared<std::string>(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
        accept_key + "\r\nServer: runrelay\r\n\r\n");
    asio::async_write(socket_, asio::buffer(*response),
                      [self = shared_from_this(), response](error_code ec, std::size_t) {
                        self->on_upgraded(ec);
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
        self->enqueue({frame, ws::opcode::text});
      self->flush();
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
                 self->drained_callbacks_.push_back(std::move(callback));
               });
  }

  void deliver_here(const frame_ptr& frame) override;

private:
  // Called by the lane's heartbeat timer once per interval.
  void on_heartbeat(clock::time_point now) {
    if (closing_)
      return;
    if (now - heard_ > 2 * limits_.heartbeat)
      return close_here(ws::close_code::policy_violation, "heartbeat timeout");
    if (ping_queued_)
      return;
    ping_queued_ = true;
    static const auto empty = protocol::make_frame({});
    enqueue({empty, ws::opcode::ping});
    flush();
  }

  void on_upgraded(error_code ec);
  // Reads what the socket has, a bounded number of times so one chatty client cannot
  // hold the thread, then waits for more.
  void read_ready();

  void wait_readable() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](error_code ec) {
                         if (ec)
                           return self->finish("read", ec);
                         self->read_ready();
                       });
  }

  // False once nothing more is to be read from this client.
  bool consume(std::string_view bytes) {
    while (!bytes.empty()) {
      if (reader_failed_)
        return true; // after a violation the rest is discarded until the close ends
      ws::read_result result;
      bytes.remove_prefix(reader_.feed(bytes, result));
      using kind = ws::read_result::kind;
      switch (result.what) {
      case kind::nothing:
      case kind::pong:
        break;
      case kind::message:
        if (!closing_)
          caf::anon_send(actor_, actors::client_text_atom::value, std::move(result.text));
        break;
      case kind::ping:
        if (!closing_) {
          enqueue({protocol::make_frame(std::move(result.text)), ws::opcode::pong});
          flush();
        }
        break;
      case kind::close:
        if (closing_) {
          finish("close", {}); // the answer to our close
          return false;
        }
        peer_closed_ = true;
        close_here(result.code == ws::close_code::no_status ? ws::close_code::normal
                                                            : result.code,
                   "");
        break;
      case kind::violation:
        reader_failed_ = true;
        close_here(result.code, result.text);
        break;
      }
      if (finished_)
        return false;
    }
    return true;
  }

  void enqueue(outgoing_frame frame) {
    if (closing_ && frame.op != ws::opcode::close)
      return;
    queued_bytes_ += frame.payload->size();
    queue_.push_back(std::move(frame));
    backlog_.store(queue_.size(), std::memory_order_relaxed);
    if (queue_.size() <= limits_.buffer_frames && queued_bytes_ <= limits_.buffer_bytes)
      return;
    // Over the bound: offer the socket what is queued before judging, so a client is
    // closed for what it could not take, not for the size of one burst.
    if (!closing_)
      flush();
    if (finished_ || closing_ || (open_ && !waiting_write_))
      return;
    if (queue_.size() > limits_.buffer_frames || queued_bytes_ > limits_.buffer_bytes) {
      ++board_->counters.slow_consumers_closed;
      spdlog::info("client: closing a slow consumer ({} frames, {} bytes unsent)",
                   queue_.size(), queued_bytes_);
      close_here(ws::close_code::try_again_later, "slow consumer");
    }
  }

  // Writes as much of the queue as the socket takes now, in one system call per batch of
  // frames; what it does not take waits for the socket to become writable.
  void flush() {
    if (!open_ || waiting_write_ || finished_)
      return;
    while (!queue_.empty()) {
      std::array<ws::frame_header, max_batch> headers;
      std::array<iovec, 2 * max_batch> parts;
      std::size_t count = std::min(queue_.size(), max_batch);
      std::size_t used = 0;
      for (std::size_t i = 0; i < count; ++i) {
        const auto& payload = *queue_[i].payload;
        headers[i] = ws::make_header(queue_[i].op, payload.size());
        parts[used++] = {headers[i].bytes.data(), headers[i].size};
        if (!payload.empty())
          parts[used++] = {const_cast<char*>(payload.data()), payload.size()};
      }
      // The first frame may be partly written already.
      std::size_t first = 0;
      for (auto skip = front_written_; skip > 0; ++first) {
        auto take = std::min(skip, parts[first].iov_len);
        parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + take;
        parts[first].iov_len -= take;
        skip -= take;
        if (parts[first].iov_len > 0)
          break;
      }
      msghdr message{};
      message.msg_iov = parts.data() + first;
      message.msg_iovlen = used - first;
      auto written = ::sendmsg(socket_.native_handle(), &message, MSG_NOSIGNAL);
      if (written < 0) {
        if (errno == EINTR)
          continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
          return wait_writable();
        return finish("write", error_code(errno, boost::system::system_category()));
      }
      account_written(static_cast<std::size_t>(written));
      if (finished_)
        return;
    }
    auto callbacks = std::move(drained_callbacks_);
    drained_callbacks_.clear();
    for (auto& callback : callbacks)
      callback();
  }

  void account_written(std::size_t bytes) {
    bytes += front_written_;
    while (!queue_.empty()) {
      const auto& front = queue_[0];
      auto size =
          ws::make_header(front.op, front.payload->size()).size + front.payload->size();
      if (bytes < size)
        break;
      bytes -= size;
      auto done = queue_.pop_front();
      queued_bytes_ -= done.payload->size();
      if (done.op == ws::opcode::ping)
        ping_queued_ = false;
      else if (done.op == ws::opcode::close)
        close_written();
    }
    front_written_ = bytes;
    backlog_.store(queue_.size(), std::memory_order_relaxed);
  }

  void wait_writable() {
    waiting_write_ = true;
    socket_.async_wait(tcp::socket::wait_write,
                       [self = shared_from_this()](error_code ec) {
                         self->waiting_write_ = false;
                         if (ec)
                           return self->finish("write", ec);
                         self->flush();
                       });
  }

  // Drops what the client has not been sent yet, except the rest of a frame already
  // begun, and sends a close frame after it.
  void close_here(uint16_t code, std::string_view reason) {
    if (closing_ || finished_)
      return;
    closing_ = true;
    drained_callbacks_.clear();
    frame_queue kept;
    if (front_written_ > 0)
      kept.push_back(queue_[0]);
    queue_ = std::move(kept);
    queued_bytes_ = queue_.empty() ? 0 : queue_[0].payload->size();
    enqueue({protocol::make_frame(ws::close_payload(code, reason)), ws::opcode::close});
    close_timer_ = std::make_unique<asio::steady_timer>(lane(), limits_.close_timeout);
    close_timer_->async_wait([self = shared_from_this()](error_code ec) {
      if (!ec)
        self->finish("close", asio::error::timed_out);
    });
    flush();
  }

  // Our close frame is out: nothing more will be sent. The connection ends when the
  // client answers, or at once if this was the answer to the client's close.
  void close_written() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    if (peer_closed_)
      finish("close", {});
  }

  void finish(const char* what, error_code ec) {
    if (finished_)
      return;
    finished_ = true;
    closing_ = true;
    if (ec && ec != asio::error::operation_aborted && ec != asio::error::eof &&
        ec != asio::error::connection_reset && ec != asio::error::timed_out)
      spdlog::debug("client: {}: {}", what, ec.message());
    unlink(); // from the lane's heartbeat list
    if (close_timer_)
      close_timer_->cancel();
    queue_.clear();
    queued_bytes_ = 0;
    backlog_.store(0, std::memory_order_relaxed);
    drained_callbacks_.clear();
    error_code ignored;
    socket_.close(ignored);
    if (actor_)
      caf::anon_send(actor_, actors::client_closed_atom::value);
    actor_ = nullptr; // the actor holds this sink: let go of it here to break the cycle
    if (on_closed_)
      on_closed_();
    on_closed_ = nullptr;
  }

  // Frames per sendmsg: a behind client catches up in few system calls.
  static constexpr std::size_t max_batch = 64;

  tcp::socket socket_;
  client_connection_limits limits_;
  std::shared_ptr<actors::status_board> board_;
  std::function<void()> on_closed_;
  client_actor_factory spawn_session_;
  actors::client_session_actor actor_;
  client_lane* client_lane_ = nullptr; // once open
  ws::frame_reader reader_;
  frame_queue queue_;
  std::size_t front_written_ = 0; // bytes of the first queued frame already sent
  std::size_t queued_bytes_ = 0;
  std::atomic<std::size_t> backlog_{0};
  std::vector<std::function<void()>> drained_callbacks_;
  std::unique_ptr<asio::steady_timer> close_timer_; // only once closing
  clock::time_point heard_{};
  bool open_ = false;
  bool waiting_write_ = false;
  bool ping_queued_ = false;
  bool closing_ = false;     // our close frame is queued: nothing else is sent
  bool peer_closed_ = false; // the client sent its close first
  bool reader_failed_ = false;
  bool finished_ = false;
  bool flush_pending_ = false; // on the lane's list of clients to flush

  friend class client_lane; // flushes and pings its clients
};

// What one I/O thread keeps for all of its WebSocket clients: the buffer their reads go
// through (a client only keeps bytes while a message is incomplete), and one heartbeat
// timer that pings them all instead of one timer per client.
class client_lane : public asio::execution_context::service {
public:
  using key_type = client_lane;
  static inline asio::execution_context::id id;

  explicit client_lane(asio::execution_context& context)
      : service(context), timer_(static_cast<asio::io_context&>(context)) {}

  std::array<char, 16384>& read_buffer() { return read_buffer_; }

  // Every open client of this thread gets `frame` (the upstream state changes).
  void broadcast(const frame_ptr& frame) {
    for (auto it = clients_.begin(); it != clients_.end();) {
      auto client = it->shared_from_this();
      ++it;
      client->deliver_here(frame);
    }
  }

  void add(client_connection& client, clock::duration interval);

  // Flushes `client` once the frames already handed to this thread are queued: under
  // load, a client then gets several events in one system call instead of one each.
  void flush_soon(client_connection& client);

private:
  void shutdown() override {
    timer_.cancel();
    clients_.clear();
  }
  void schedule();
  void sweep();

  asio::steady_timer timer_;
  clock::duration interval_{};
  bool running_ = false;
  boost::intrusive::list<client_connection, boost::intrusive::constant_time_size<false>>
      clients_;
  std::array<char, 16384> read_buffer_;
  std::vector<std::shared_ptr<client_connection>> to_flush_;
  bool flush_posted_ = false;
};

void client_connection::deliver_here(const frame_ptr& frame) {
  enqueue({frame, ws::opcode::text});
  if (client_lane_)
    client_lane_->flush_soon(*this);
}

void client_lane::flush_soon(client_connection& client) {
  if (!client.flush_pending_) {
    client.flush_pending_ = true;
    to_flush_.push_back(client.shared_from_this());
  }
  if (flush_posted_)
    return;
  flush_posted_ = true;
  asio::post(static_cast<asio::io_context&>(context()), [this] {
    flush_posted_ = false;
    auto clients = std::move(to_flush_);
    to_flush_.clear();
    for (auto& client : clients) {
      client->flush_pending_ = false;
      client->flush();
    }
    // Keep the list's storage for the next event, not the clients.
    if (to_flush_.empty()) {
      clients.clear();
      to_flush_.swap(clients);
    }
  });
}

void client_connection::on_upgraded(error_code ec) {
  if (ec)
    return finish("handshake", ec);
  socket_.non_blocking(true, ec);
  if (ec)
    return finish("handshake", ec);
  actor_ = spawn_session_(shared_from_this());
  spawn_session_ = nullptr;
  open_ = true;
  heard_ = clock::now();
  client_lane_ = &asio::use_service<client_lane>(lane());
  client_lane_->add(*this, limits_.heartbeat);
  wait_readable();
  flush(); // frames the session queued while it started (the welcome)
}

void client_connection::read_ready() {
  auto& buffer = client_lane_->read_buffer();
  for (int reads = 0; reads < 16; ++reads) {
    error_code ec;
    auto bytes = socket_.read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::would_block)
      return wait_readable();
    if (ec)
      return finish("read", ec);
    heard_ = clock::now();
    if (!consume(std::string_view(buffer.data(), bytes)) || finished_)
      return;
  }
  asio::post(lane(), [self = shared_from_this()] { self->read_ready(); });
}

void client_lane::add(client_connection& client, clock::duration interval) {
  clients_.push_back(client);
  if (running_)
    return;
  running_ = true;
  interval_ = interval;
  schedule();
}

void client_lane::schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](error_code ec) {
    if (!ec)
      sweep();
  });
}

void client_lane::sweep() {
  auto now = clock::now();
  // A client may close (and leave the list) while it is visited: hold it, step first.
  for (auto it = clients_.begin(); it != clients_.end();) {
    auto client = it->shared_from_this();
    ++it;
    client->on_heartbeat(now);
  }
  if (clients_.empty()) {
    running_ = false;
    return;
  }
  schedule();
}

} // namespace

void deliver_to_lane_clients(asio::io_context& lane, const frame_ptr& frame) {
  asio::use_service<client_lane>(lane).broadcast(frame);
}

void start_client_connection(asio::io_context& lane, tcp::socket socket,
                             std::string accept_key, client_connection_limits limits,
                             std::shared_ptr<actors::status_board> board,
                             client_actor_factory spawn_session,
                             std::function<void()> on_closed) {
  auto connection = std::make_shared<client_connection>(
      lane, std::move(socket), limits, std::move(board), std::move(on_closed));
  connection->start(std::move(accept_key), std::move(spawn_session));
}

} // namespace runrelay::services
