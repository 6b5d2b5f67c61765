#include "services/tools/sim/ws_session.hpp"

#include <deque>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "services/tools/sim/relay_hub.hpp"

namespace runrelay::sim {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
namespace asio = boost::asio;

constexpr std::chrono::seconds handshake_timeout{10};

class ws_session : public relay_connection,
                   public std::enable_shared_from_this<ws_session> {
public:
  ws_session(beast::tcp_stream stream, relay_hub& hub, std::uint64_t number)
      : ws_(std::move(stream)), hub_(hub) {
    beast::error_code ec;
    auto remote = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    name_ = "#" + std::to_string(number) + " " +
            (ec ? std::string("?")
                : remote.address().to_string() + ":" + std::to_string(remote.port()));
  }

  void run(http::request<http::string_body> request) {
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = handshake_timeout; // also bounds a close handshake
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "runrelay-sim");
    }));
    ws_.async_accept(
        request, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
  }

  void send(frame_ptr frame, bool binary) override {
    if (closing_ || gone_)
      return;
    queue_.push_back(outgoing{std::move(frame), binary, false});
    auto behind = queue_.size() - replay_pending_;
    if ((behind > max_queued_frames && clock::now() - last_progress_ > max_write_stall) ||
        behind > hard_max_queued_frames) {
      spdlog::warn("relay on {} is {} frames behind: dropping it as too slow", name_,
                   behind);
      close(0);
      return;
    }
    do_write();
  }

  void send_replay(std::vector<frame_ptr> frames) override {
    if (closing_ || gone_)
      return;
    for (auto& frame : frames)
      queue_.push_back(outgoing{std::move(frame), false, true});
    replay_pending_ += frames.size();
    do_write();
  }

  void close(std::uint16_t code) override {
    if (closing_ || gone_)
      return;
    closing_ = true;
    close_code_ = code;
    // Keep only the frame being written: nothing else goes out after a close.
    queue_.erase(writing_ ? queue_.begin() + 1 : queue_.begin(), queue_.end());
    replay_pending_ = 0;
    if (code == 0) {
      beast::error_code ec;
      auto& socket = beast::get_lowest_layer(ws_).socket();
      socket.set_option(asio::socket_base::linger(true, 0), ec);
      socket.close(ec);
      return;
    }
    ws_.async_close(websocket::close_reason(code),
                    beast::bind_front_handler(&ws_session::on_close, shared_from_this()));
  }

  const std::string& name() const override { return name_; }

private:
  using clock = std::chrono::steady_clock;

  struct outgoing {
    frame_ptr frame;
    bool binary;
    bool replay;
  };

  void on_accept(beast::error_code ec) {
    if (ec) {
      spdlog::warn("WebSocket handshake with {} failed: {}", name_, ec.message());
      return;
    }
    hub_.on_connect(shared_from_this());
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_,
                   beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      finish(ec);
      return;
    }
    if (ws_.got_text()) {
      hub_.on_text(shared_from_this(), beast::buffers_to_string(buffer_.data()));
    } else {
      spdlog::warn("ignoring a binary message of {} bytes from {}", buffer_.size(),
                   name_);
    }
    buffer_.consume(buffer_.size());
    do_read();
  }

  void do_write() {
    if (writing_ || queue_.empty())
      return;
    last_progress_ = clock::now();
    writing_ = true;
    ws_.binary(queue_.front().binary);
    ws_.async_write(asio::buffer(*queue_.front().frame),
                    beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    last_progress_ = clock::now();
    if (!queue_.empty()) {
      if (queue_.front().replay && replay_pending_ > 0)
        --replay_pending_;
      queue_.pop_front();
    }
    if (ec) {
      write_error_ = ec;
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored); // the read then ends
      return;
    }
    if (!closing_)
      do_write();
  }

  void on_close(beast::error_code ec) {
    if (ec && ec != asio::error::operation_aborted)
      spdlog::debug("close of {} ended with: {}", name_, ec.message());
  }

  void finish(beast::error_code ec) {
    if (gone_)
      return;
    gone_ = true;
    if (write_error_)
      ec = write_error_;
    std::string why;
    if (closing_) {
      why = close_code_ == 0
                ? "the sim reset the TCP connection"
                : "the sim closed it with code " + std::to_string(close_code_);
    } else if (ec == websocket::error::closed) {
      const auto& reason = ws_.reason();
      why = "the relay closed it with code " + std::to_string(reason.code) +
            (reason.reason.empty()
                 ? std::string()
                 : " (" + std::string(reason.reason.data(), reason.reason.size()) + ")");
    } else {
      why = ec.message();
    }
    hub_.on_disconnect(shared_from_this(), why);
  }

  websocket::stream<beast::tcp_stream> ws_;
  relay_hub& hub_;
  std::string name_;
  beast::flat_buffer buffer_;
  std::deque<outgoing> queue_;
  std::size_t replay_pending_ = 0;
  clock::time_point last_progress_ = clock::now();
  bool writing_ = false;
  bool closing_ = false;
  std::uint16_t close_code_ = 0;
  beast::error_code write_error_; // the first failed write, if any
  bool gone_ = false;
};

} // namespace

void start_ws_session(beast::tcp_stream stream, http::request<http::string_body> request,
                      relay_hub& hub, std::uint64_t number) {
  std::make_shared<ws_session>(std::move(stream), hub, number)->run(std::move(request));
}

} // namespace runrelay::sim
