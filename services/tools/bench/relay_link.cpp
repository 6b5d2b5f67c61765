#include "services/tools/bench/relay_link.hpp"

#include <deque>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

namespace runrelay::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds handshake_timeout{10};
constexpr std::size_t max_message_bytes = 16u << 20;

class ws_relay_link final : public relay_link,
                            public std::enable_shared_from_this<ws_relay_link> {
public:
  ws_relay_link(tcp::socket socket, link_owner& owner)
      : ws_(std::move(socket)), owner_(owner) {}

  void run() {
    beast::error_code ignored; // events go out one by one, each stamped: no Nagle delay
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = handshake_timeout;
    ws_.set_option(timeouts);
    ws_.read_message_max(max_message_bytes);
    ws_.async_accept(
        beast::bind_front_handler(&ws_relay_link::on_accept, shared_from_this()));
  }

  void write_more() override {
    if (writing_ || !open_ || gone_)
      return;
    if (!replies_.empty()) {
      frame_.assign(replies_.front());
      replies_.pop_front();
    } else if (!owner_.next_event(this, frame_)) {
      return;
    }
    writing_ = true;
    ws_.async_write(
        asio::buffer(frame_),
        beast::bind_front_handler(&ws_relay_link::on_write, shared_from_this()));
  }

  void close() override {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

private:
  void on_accept(beast::error_code ec) {
    if (ec)
      return fail(ec, "accept");
    open_ = true;
    do_read();
  }

  void do_read() {
    ws_.async_read(
        buffer_, beast::bind_front_handler(&ws_relay_link::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return fail(ec, "read");
    owner_.on_message();
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    boost::system::error_code parse_error;
    auto value = boost::json::parse(text, parse_error);
    const auto* object = parse_error ? nullptr : value.if_object();
    const auto* type = object ? object->if_contains("type") : nullptr;
    if (type && type->is_string() && type->get_string() == "hello") {
      owner_.on_hello(shared_from_this(), std::move(text));
    } else if (type && type->is_string() && type->get_string() == "ping") {
      boost::json::object pong{{"type", "pong"}};
      if (const auto* timestamp = object->if_contains("timestamp"))
        pong["timestamp"] = *timestamp;
      replies_.push_back(boost::json::serialize(pong));
      write_more();
    }
    do_read();
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec)
      return fail(ec, "write");
    write_more();
  }

  // The one error reporter: tells the owner once; a close is no error.
  void fail(beast::error_code ec, const char* what) {
    if (gone_)
      return;
    gone_ = true;
    close();
    bool expected =
        ec == asio::error::operation_aborted || ec == websocket::error::closed;
    owner_.on_gone(this,
                   expected ? std::string() : std::string(what) + ": " + ec.message());
  }

  websocket::stream<beast::tcp_stream> ws_;
  link_owner& owner_;
  beast::flat_buffer buffer_;
  std::deque<std::string> replies_; // pongs go before events
  std::string frame_;               // the frame being written, reused
  bool writing_ = false;
  bool open_ = false;
  bool gone_ = false;
};

} // namespace

std::shared_ptr<relay_link> start_relay_link(tcp::socket socket, link_owner& owner) {
  auto link = std::make_shared<ws_relay_link>(std::move(socket), owner);
  link->run();
  return link;
}

} // namespace runrelay::bench
