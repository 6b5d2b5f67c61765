#include "services/upstream/upstream_connector.hpp"

#include "actors/messages.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <type_traits>

namespace runrelay::services {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ws = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

struct session_config {
  upstream_endpoint where;
  upstream_timeouts timeouts;
  std::size_t max_message_bytes = 0;
  std::string url; // for logs
};

// Asio's messages start with a capital ("Connection refused"); reasons read better in
// lower case. Acronyms ("TLS ...") keep theirs.
std::string lower_first(std::string s) {
  if (s.size() > 1 && std::isupper(static_cast<unsigned char>(s[0])) &&
      std::islower(static_cast<unsigned char>(s[1])))
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// One connection. Everything after construction runs on strand_; completion handlers
// hold shared_from_this(), so the session lives until the last one has run and the
// owner has dropped its link.
template <class Stream>
class session : public actors::upstream_link,
                public std::enable_shared_from_this<session<Stream>> {
public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  template <class... StreamArgs>
  session(asio::io_context& io, actors::link_owner_actor owner, session_config cfg,
          std::shared_ptr<asio::ssl::context> tls, StreamArgs&&... args)
      : strand_(asio::make_strand(io)), owner_(std::move(owner)), cfg_(std::move(cfg)),
        tls_(std::move(tls)), resolver_(strand_),
        ws_(strand_, std::forward<StreamArgs>(args)...) {}

  void start() {
    post([](session& s) { s.do_resolve(); });
  }
  void send_text(std::string text) override {
    post([t = std::move(text)](session& s) mutable { s.do_send(std::move(t)); });
  }
  void ping() override {
    post([](session& s) { s.do_ping(); });
  }
  void close() override {
    post([](session& s) { s.do_close(); });
  }

private:
  enum class state { dialling, open, down };

  template <class F> auto bind(F f) {
    return beast::bind_front_handler(f, this->shared_from_this());
  }

  template <class F> void post(F f) {
    asio::post(strand_, [self = this->shared_from_this(), f = std::move(f)]() mutable {
      f(*self);
    });
  }

  void do_resolve() {
    if (state_ != state::dialling)
      return;
    beast::get_lowest_layer(ws_).expires_after(cfg_.timeouts.connect);
    resolver_.async_resolve(cfg_.where.host, cfg_.where.port, bind(&session::on_resolve));
  }

  void on_resolve(error_code ec, tcp::resolver::results_type results) {
    if (state_ != state::dialling)
      return;
    if (ec)
      return fail(ec, "resolve");
    // The connect timeout covers resolve and connect: the timer started in do_resolve.
    beast::get_lowest_layer(ws_).async_connect(results, bind(&session::on_connect));
  }

  void on_connect(error_code ec, tcp::endpoint) {
    if (state_ != state::dialling)
      return;
    if (ec)
      return fail(ec, "dial");
    if constexpr (is_tls) {
      auto& tls = ws_.next_layer();
      if (auto tls_ec =
              web_client::prepare_tls_client(tls.native_handle(), cfg_.where.host))
        return fail(tls_ec, "tls");
      beast::get_lowest_layer(ws_).expires_after(cfg_.timeouts.handshake);
      tls.async_handshake(asio::ssl::stream_base::client,
                          bind(&session::on_tls_handshake));
    } else {
      do_ws_handshake();
    }
  }

  void on_tls_handshake(error_code ec) {
    if (state_ != state::dialling)
      return;
    if (ec)
      return fail(ec, "tls");
    do_ws_handshake();
  }

  void do_ws_handshake() {
    // From here on the websocket stream's own timer applies, not the TCP stream's.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(ws::stream_base::timeout{cfg_.timeouts.handshake,
                                            ws::stream_base::none(), false});
    ws_.set_option(ws::stream_base::decorator([](ws::request_type& req) {
      req.set(beast::http::field::user_agent, "runrelay");
    }));
    ws_.read_message_max(cfg_.max_message_bytes);
    ws_.control_callback([this](ws::frame_type kind, beast::string_view) {
      // Runs inside a read, which holds a reference to this session.
      if (kind != ws::frame_type::close && state_ == state::open)
        caf::anon_send(owner_, actors::link_alive_atom::value);
    });
    ws_.async_handshake(response_, cfg_.where.host_header(), cfg_.where.target,
                        bind(&session::on_handshake));
  }

  void on_handshake(error_code ec) {
    if (state_ != state::dialling)
      return;
    if (ec)
      return fail(ec, "handshake");
    state_ = state::open;
    response_ = {};
    ws_.text(true);
    spdlog::info("upstream: connected to {}", cfg_.url);
    caf::anon_send(owner_, actors::link_up_atom::value);
    do_read();
    if (!queue_.empty())
      do_write();
  }

  void do_read() { ws_.async_read(buffer_, bind(&session::on_read)); }

  void on_read(error_code ec, std::size_t) {
    if (state_ != state::open)
      return;
    if (ec)
      return fail(ec, "read");
    caf::anon_send(owner_, actors::link_frame_atom::value,
                   beast::buffers_to_string(buffer_.data()), !ws_.got_text());
    buffer_.consume(buffer_.size());
    do_read();
  }

  void do_send(std::string text) {
    if (state_ == state::down)
      return;
    queue_.push_back(std::move(text));
    if (state_ == state::open && queue_.size() == 1)
      do_write();
  }

  // One write outstanding: queue_.front() is being written while queue_ is non-empty.
  void do_write() {
    ws_.async_write(asio::buffer(queue_.front()), bind(&session::on_write));
  }

  // operation_aborted on a write or ping means the stream is closing: the read reports.
  void on_write(error_code ec, std::size_t) {
    if (state_ != state::open || ec == asio::error::operation_aborted)
      return; // keep queue_.front() alive: nothing is written after link_down
    if (ec)
      return fail(ec, "write");
    queue_.pop_front();
    if (!queue_.empty())
      do_write();
  }

  // Beast allows a ping while a write is in progress (it waits between frames), but only
  // one ping at a time: a ping asked for while one is in flight is dropped.
  void do_ping() {
    if (state_ != state::open || pinging_)
      return;
    pinging_ = true;
    ws_.async_ping({}, bind(&session::on_ping));
  }

  void on_ping(error_code ec) {
    pinging_ = false;
    if (state_ == state::open && ec && ec != asio::error::operation_aborted)
      fail(ec, "ping");
  }

  void do_close() {
    switch (state_) {
    case state::down:
      return;
    case state::dialling:
      report_down("closed by relay");
      resolver_.cancel();
      beast::get_lowest_layer(ws_).close(); // pending handlers see operation_aborted
      return;
    case state::open:
      spdlog::info("upstream: closing {}", cfg_.url);
      report_down("closed by relay");
      ws_.async_close(ws::close_code::normal, bind(&session::on_close));
      return;
    }
  }

  void on_close(error_code ec) {
    if (ec && ec != asio::error::operation_aborted)
      spdlog::info("upstream: close handshake with {}: {}", cfg_.url,
                   lower_first(ec.message()));
    beast::get_lowest_layer(ws_).close();
  }

  // The one failure reporter: logs, reports link_down once and drops the socket.
  void fail(error_code ec, char const* what) {
    if (state_ == state::down)
      return;
    std::string reason;
    if (ec == ws::error::closed) {
      auto const& r = ws_.reason();
      reason = r.code == ws::close_code::none
                   ? "closed by peer: no status code"
                   : "closed by peer: code " + std::to_string(r.code);
      if (!r.reason.empty())
        reason += " reason " + std::string(r.reason.data(), r.reason.size());
    } else if (ec == ws::error::upgrade_declined) {
      reason = std::string(what) + ": " + std::to_string(response_.result_int()) + " " +
               std::string(response_.reason());
    } else if (ec == beast::error::timeout) {
      reason = std::string(what) + ": timed out";
    } else {
      reason = std::string(what) + ": " + lower_first(ec.message());
    }
    spdlog::warn("upstream: {} ({})", reason, cfg_.url);
    report_down(std::move(reason));
    resolver_.cancel();
    beast::get_lowest_layer(ws_).close();
  }

  void report_down(std::string reason) {
    state_ = state::down;
    caf::anon_send(owner_, actors::link_down_atom::value, std::move(reason));
    owner_ = nullptr; // break the actor <-> session cycle
  }

  asio::strand<asio::io_context::executor_type> strand_;
  actors::link_owner_actor owner_;
  session_config cfg_;
  std::shared_ptr<asio::ssl::context> tls_; // outlives ws_ (declared before it)
  tcp::resolver resolver_;
  ws::stream<Stream> ws_;
  ws::response_type response_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  state state_ = state::dialling;
  bool pinging_ = false;
};

} // namespace

std::optional<upstream_endpoint> parse_ws_url(std::string_view url) {
  upstream_endpoint ep;
  if (!web_client::parse_web_url(url, {"ws", "wss"}, ep).empty())
    return std::nullopt;
  return ep;
}

actors::upstream_dialer make_upstream_dialer(asio::io_context& io,
                                             std::shared_ptr<asio::ssl::context> tls,
                                             upstream_endpoint where, upstream_timeouts t,
                                             std::size_t max_message_bytes) {
  if (where.tls && !tls)
    tls = make_client_tls_context();
  session_config cfg{where, t, max_message_bytes, {}};
  cfg.url = where.text();
  return [&io, tls = std::move(tls), cfg = std::move(cfg)](
             actors::link_owner_actor owner) -> actors::upstream_link_ptr {
    spdlog::info("upstream: dialling {}", cfg.url);
    if (cfg.where.tls) {
      auto s =
          std::make_shared<session<tls_stream>>(io, std::move(owner), cfg, tls, *tls);
      s->start();
      return s;
    }
    auto s = std::make_shared<session<plain_stream>>(io, std::move(owner), cfg, nullptr);
    s->start();
    return s;
  };
}

} // namespace runrelay::services
