#include "services/tools/watch/ws_connection.hpp"

#include <cctype>
#include <chrono>
#include <deque>
#include <type_traits>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "services/web_client/tls_client.hpp"

namespace runrelay::watch {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;
using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::chrono::seconds connect_timeout{10};
constexpr std::chrono::seconds handshake_timeout{10}; // also bounds a close handshake
// Beast pings after half of this without traffic, and gives up after all of it. The
// relay pings every heartbeat_ms (30 s by default) anyway.
constexpr std::chrono::seconds idle_timeout{75};

// Asio's messages start with a capital ("Connection refused"); reasons read better in
// lower case.
std::string lower_first(std::string s) {
  if (s.size() > 1 && std::isupper(static_cast<unsigned char>(s[0])) &&
      std::islower(static_cast<unsigned char>(s[1])))
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string describe_close(const websocket::close_reason& reason) {
  std::string text = "the relay closed the connection (" + std::to_string(reason.code);
  if (!reason.reason.empty())
    return text + " " + std::string(reason.reason.data(), reason.reason.size()) + ")";
  switch (reason.code) {
  case websocket::close_code::normal:
    return text + " normal)";
  case websocket::close_code::going_away:
    return text + " going away)";
  case websocket::close_code::try_again_later:
    return text + " try again later)";
  default:
    return text + ")";
  }
}

template <class Next>
class session : public ws_connection, public std::enable_shared_from_this<session<Next>> {
  static constexpr bool is_tls = std::is_same_v<Next, tls_stream>;

public:
  template <class... StreamArgs>
  session(asio::io_context& io, web_client::web_url url, connection_handlers handlers,
          StreamArgs&&... stream_args)
      : resolver_(io), ws_(std::forward<StreamArgs>(stream_args)...),
        url_(std::move(url)), handlers_(std::move(handlers)) {}

  void run() {
    resolver_.async_resolve(url_.host, url_.port,
                            beast::bind_front_handler(&session::on_resolve, self()));
  }

  void send(std::string text) override {
    if (ended_ || closing_)
      return;
    queue_.push_back(std::move(text));
    if (open_)
      do_write();
  }

  void close() override {
    if (ended_ || closing_)
      return;
    closing_ = true;
    if (!open_) { // resolving, connecting or handshaking: abandon it
      resolver_.cancel();
      beast::get_lowest_layer(ws_).cancel();
      return;
    }
    queue_.erase(writing_ ? queue_.begin() + 1 : queue_.begin(), queue_.end());
    if (!writing_)
      do_close();
  }

private:
  std::shared_ptr<session> self() { return this->shared_from_this(); }

  void on_resolve(error_code ec, const tcp::resolver::results_type& results) {
    if (ec)
      return fail(ec, "resolving " + url_.host);
    beast::get_lowest_layer(ws_).expires_after(connect_timeout);
    beast::get_lowest_layer(ws_).async_connect(
        results, beast::bind_front_handler(&session::on_connect, self()));
  }

  void on_connect(error_code ec, const tcp::endpoint&) {
    if (ec)
      return fail(ec, {});
    if constexpr (is_tls) {
      auto& tls = ws_.next_layer();
      if (auto tls_ec = web_client::prepare_tls_client(tls.native_handle(), url_.host))
        return fail(tls_ec, "TLS");
      beast::get_lowest_layer(ws_).expires_after(handshake_timeout);
      tls.async_handshake(asio::ssl::stream_base::client,
                          beast::bind_front_handler(&session::on_tls_handshake, self()));
    } else {
      do_upgrade();
    }
  }

  void on_tls_handshake(error_code ec) {
    if (ec)
      return fail(ec, "TLS handshake");
    do_upgrade();
  }

  void do_upgrade() {
    beast::get_lowest_layer(ws_).expires_never(); // the websocket timeouts take over
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.handshake_timeout = handshake_timeout;
    timeouts.idle_timeout = idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "runrelay-watch");
    }));
    ws_.async_handshake(url_.host_header(), url_.target,
                        beast::bind_front_handler(&session::on_upgrade, self()));
  }

  void on_upgrade(error_code ec) {
    if (ec)
      return fail(ec, "WebSocket upgrade of " + url_.target);
    open_ = true;
    handlers_.on_open();
    do_read();
    do_write();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&session::on_read, self()));
  }

  void on_read(error_code ec, std::size_t) {
    if (ec)
      return fail(ec, "read");
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handlers_.on_message(std::move(text));
    if (!ended_)
      do_read();
  }

  void do_write() {
    if (writing_ || queue_.empty() || ended_)
      return;
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    beast::bind_front_handler(&session::on_write, self()));
  }

  void on_write(error_code ec, std::size_t) {
    writing_ = false;
    if (ec)
      return fail(ec, "write");
    queue_.pop_front();
    if (closing_)
      return do_close();
    do_write();
  }

  void do_close() {
    ws_.async_close(websocket::close_code::normal,
                    beast::bind_front_handler(&session::on_close, self()));
  }

  void on_close(error_code ec) {
    if (ec)
      return fail(ec, "close");
    end({});
  }

  // The one error reporter. Our own cancel (operation_aborted) and the end of a close
  // we started (closed) are not errors; a close from the relay says why.
  void fail(error_code ec, const std::string& what) {
    if (ec == asio::error::operation_aborted ||
        (closing_ && ec == websocket::error::closed))
      return end({});
    if (ec == websocket::error::closed)
      return end(describe_close(ws_.reason()));
    if (ec == asio::error::eof)
      return end("the connection was cut, without a close frame");
    end((what.empty() ? "" : what + ": ") + lower_first(ec.message()));
  }

  void end(std::string why) {
    if (ended_)
      return;
    ended_ = true;
    queue_.clear();
    handlers_.on_closed(closing_ ? std::string() : std::move(why));
  }

  tcp::resolver resolver_;
  websocket::stream<Next> ws_;
  web_client::web_url url_;
  connection_handlers handlers_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_; // the front is being written while writing_
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool ended_ = false;
};

} // namespace

std::shared_ptr<ws_connection> start_ws_connection(asio::io_context& io,
                                                   asio::ssl::context& tls,
                                                   const web_client::web_url& url,
                                                   connection_handlers handlers) {
  if (url.tls) {
    auto s = std::make_shared<session<tls_stream>>(io, url, std::move(handlers),
                                                   io.get_executor(), tls);
    s->run();
    return s;
  }
  auto s = std::make_shared<session<plain_stream>>(io, url, std::move(handlers),
                                                   io.get_executor());
  s->run();
  return s;
}

} // namespace runrelay::watch
