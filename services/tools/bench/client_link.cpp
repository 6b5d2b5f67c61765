#include "services/tools/bench/client_link.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace runrelay::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using error_code = beast::error_code;
// The io_context's own executor type, not the type-erased any_io_executor: a few percent
// of the bench's CPU per delivery.
using tcp_stream = beast::basic_stream<asio::ip::tcp, asio::io_context::executor_type,
                                       beast::unlimited_rate_policy>;

constexpr std::size_t max_message_bytes = 16u << 20;
constexpr int no_close_code = -1;

class ws_client_link final : public client_link,
                             public std::enable_shared_from_this<ws_client_link> {
public:
  ws_client_link(asio::io_context& io, const subscriber_env& env, std::string request,
                 std::shared_ptr<link_events> owner)
      : ws_(io.get_executor()), deadline_(io), env_(env), request_(std::move(request)),
        owner_(std::move(owner)) {}

  void start() {
    deadline_.expires_after(env_.connect_timeout);
    deadline_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && !self->subscribed_ && !self->ended_)
        self->abort("no `subscribed` within the connect timeout");
    });
    beast::get_lowest_layer(ws_).socket().async_connect(
        env_.endpoint,
        beast::bind_front_handler(&ws_client_link::on_connect, shared_from_this()));
  }

  void on_subscribed() override {
    subscribed_ = true;
    deadline_.cancel();
  }

  void abort(std::string why) override {
    abort_reason_ = std::move(why);
    drop(); // the pending operation fails, and fail() reports the reason
  }

  void close() override {
    if (closing_ || ended_)
      return;
    closing_ = true;
    if (!open_)
      return drop(); // connect or handshake in progress: it fails
    if (writing_) {
      close_after_write_ = true;
      return;
    }
    do_close();
  }

private:
  void on_connect(error_code ec) {
    if (ec)
      return fail(ec, "connect");
    beast::get_lowest_layer(ws_).socket().set_option(asio::ip::tcp::no_delay(true), ec);
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.handshake_timeout = env_.connect_timeout; // also bounds a close handshake
    ws_.set_option(timeouts);
    ws_.read_message_max(max_message_bytes);
    ws_.async_handshake(
        env_.host, env_.path,
        beast::bind_front_handler(&ws_client_link::on_handshake, shared_from_this()));
  }

  void on_handshake(error_code ec) {
    if (ec)
      return fail(ec, "handshake");
    open_ = true;
    if (closing_)
      return do_close();
    writing_ = true;
    ws_.async_write(
        asio::buffer(request_),
        beast::bind_front_handler(&ws_client_link::on_written, shared_from_this()));
    do_read();
  }

  void on_written(error_code ec, std::size_t) {
    writing_ = false;
    if (ec)
      return fail(ec, "write");
    if (close_after_write_)
      do_close();
  }

  void do_read() {
    ws_.async_read(
        buffer_, beast::bind_front_handler(&ws_client_link::on_read, shared_from_this()));
  }

  void on_read(error_code ec, std::size_t) {
    if (ec)
      return fail(ec, "read");
    if (ended_)
      return;
    auto data = buffer_.cdata();
    owner_->on_frame(
        *this, std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size()); // keeps the capacity: no allocation per message
    if (!ended_)
      do_read();
  }

  void do_close() {
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](error_code) {}); // the read then ends
  }

  void drop() {
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  // The one error reporter of a connection: tells the subscriber why it ended, once.
  void fail(error_code ec, const char* what) {
    if (ended_)
      return;
    ended_ = true;
    deadline_.cancel();
    drop();
    int code = no_close_code;
    std::string why = abort_reason_;
    if (ec == websocket::error::closed) {
      code = ws_.reason().code;
      const auto& reason = ws_.reason().reason;
      if (why.empty())
        why = "closed by the relay with " + std::to_string(code) +
              (reason.empty() ? "" : " " + std::string(reason.data(), reason.size()));
    } else if (why.empty()) {
      why = std::string(what) + ": " + ec.message();
    }
    auto owner = std::move(owner_); // the owner may start the next link
    owner->on_link_end(why, code, subscribed_ || closing_);
  }

  websocket::stream<tcp_stream> ws_;
  asio::steady_timer deadline_;
  beast::flat_buffer buffer_; // reused for every message
  const subscriber_env& env_;
  std::string request_;
  std::shared_ptr<link_events> owner_;
  std::string abort_reason_;
  bool open_ = false;
  bool writing_ = false;
  bool subscribed_ = false;
  bool closing_ = false;
  bool close_after_write_ = false;
  bool ended_ = false;
};

} // namespace

std::shared_ptr<client_link> start_client_link(asio::io_context& io,
                                               const subscriber_env& env,
                                               std::string request,
                                               std::shared_ptr<link_events> owner) {
  auto link =
      std::make_shared<ws_client_link>(io, env, std::move(request), std::move(owner));
  link->start();
  return link;
}

} // namespace runrelay::bench
